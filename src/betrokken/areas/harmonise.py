"""One harmonised area table for all of the Netherlands, from the CBS source files.

``build_area_tables(data_dir)`` reads the sources (``betrokken.sources``), reconciles
area codes across years and turns every figure into the columns of ``schema``: shares
of residents in [0, 1], a few values, and two flag columns. The rules (see
``docs/data.md`` for the full column list):

* A figure that is not published for an area in the current year is *derived*: taken
  from an earlier year of the same area (benchmarked to the current gemeente) or from
  the level above through the address crosswalk, and named in ``derived_columns``.
* A figure CBS kept secret stays NULL and is named in ``secret_columns``.
* Older gemeente codes (2022) are mapped onto the 2024 indeling by polygon
  containment (a merged gemeente contributes to the 2024 gemeente holding it),
  aggregating counts and weighting rates by residents, households or dwellings.

This module only wires the stages; each level or derivation has its own module and the
data flow one way: ``codes`` (reconciliation, crosswalk) and ``urbanity`` ->
``gemeente`` -> ``wijk`` -> ``pc4_addresses`` / ``pc4_kerncijfers`` / ``buurt`` ->
``geometries``, with ``columns`` (schema columns and shared helpers) underneath.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from betrokken.areas.buurt import buurt_2024_rows
from betrokken.areas.codes import (
    check_codes,
    gemeente_2022_to_2024,
    pc4_crosswalk,
    reconcile_gemeente_2022,
)
from betrokken.areas.columns import (  # noqa: F401 - the names callers know from here
    AGE_SHARES,
    AREA_COLUMNS,
    CURRENT_YEAR,
    EDU_SHARES,
    FROM_PARENT,
    HH_SHARES,
    MIGRATION_SHARES,
    conform,
    sex_shares,
)
from betrokken.areas.gemeente import gemeente_2020_rows, gemeente_2022_rows, gemeente_2024_rows
from betrokken.areas.geometries import area_geometries, level_polygons
from betrokken.areas.gwb import gwb_2024, tenure_2022
from betrokken.areas.kwb_year import year_levels
from betrokken.areas.overlap import as_crosswalk, fit_to_margins, overlap_relation
from betrokken.areas.pc4_addresses import pc4_2021_rows
from betrokken.areas.pc4_kerncijfers import pc4_cbs_rows
from betrokken.areas.subarea import subarea_margins
from betrokken.areas.urbanity import (  # noqa: F401
    calibrate_address_density,
    estimated_oad,
    urbanity_class,
)
from betrokken.areas.wijk import (  # noqa: F401
    benchmark_to_parent,
    wijk_2019_matches,
    wijk_2019_rows,
    wijk_2024_rows,
)
from betrokken.sources import LOCAL_SOURCES
from betrokken.sources.crosswalk import PC4_WIJK_CROSSWALK
from betrokken.sources.download import download_sources
from betrokken.sources.kwb_buurt import BUURT_2024, BUURT_2024_POLYGONS
from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2020,
    GEMEENTE_2022,
    GEMEENTE_2022_POLYGONS,
    GEMEENTE_2024,
    GEMEENTE_2024_POLYGONS,
)
from betrokken.sources.kwb_gwb import GWB_2022_TENURE, GWB_2024_AGE_SEX, GWB_2024_HERKOMST
from betrokken.sources.kwb_population import KWB_2024_POPULATION
from betrokken.sources.kwb_wijk import WIJK_2019, WIJK_2024, WIJK_2024_POLYGONS
from betrokken.sources.pc4 import PC4_AGE_SEX_2021, PC4_BOUNDARIES_2020, PC4_POPULATION_2021
from betrokken.sources.pc4_cbs import PC4_CBS
from betrokken.sources.years import DEFAULT_YEAR

REQUIRED_SOURCES = (GEMEENTE_2024, GEMEENTE_2024_POLYGONS, GEMEENTE_2022,
                    GEMEENTE_2022_POLYGONS, KWB_2024_POPULATION, WIJK_2024, WIJK_2024_POLYGONS)
"""Needed for any build; the others may be absent in a download without mirror."""

PC4_SOURCES = (PC4_BOUNDARIES_2020, PC4_POPULATION_2021, PC4_AGE_SEX_2021)


@dataclass
class AreaTables:
    """Everything the area stage hands to the quality checks, the mix and the store."""

    areas: pd.DataFrame
    geometries: gpd.GeoDataFrame
    crosswalk: pd.DataFrame
    sources: pd.DataFrame
    code_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    """2022 gemeente code -> 2024 gemeente code (only rows where the code changed)."""
    urbanity_model: dict = field(default_factory=dict)
    """Calibration of address density -> omgevingsadressendichtheid (see docs/data.md)."""
    notes: list[str] = field(default_factory=list)
    levels_without_polygons: tuple[str, ...] = ()
    """Levels in ``areas`` without polygons (buurten in the offline build)."""
    margin_model: dict = field(default_factory=dict)
    """Summary of the sub-gemeente margin model (``areas.margins``), empty if not used."""


def build_area_tables(data_dir: Path | None, *, progress=None, year: int | None = None
                      ) -> AreaTables:
    """Read every source and build the harmonised area tables.

    ``data_dir=None`` downloads the sources of KWB ``year`` (default: the newest the
    build supports) from CBS/PDOK into the cache first.
    """
    extras: dict = {}
    origin_of: dict[str, str] = {}
    if data_dir is None:
        data_dir, extras, origin_of = download_sources(progress=progress,
                                                       year=year or DEFAULT_YEAR)
    if extras.get("kwb") is not None:  # a download build of another year
        return _year_area_tables(extras, origin_of)
    data_dir = Path(data_dir)
    raw = _read_all(data_dir, progress, all_required=not extras)
    gwb = _gwb_counts(raw)  # the row-order check of the herkomst file, before any long step
    task = progress.add_task("Gebieden harmoniseren", total=5) if progress else None

    def step() -> None:
        if progress is not None:
            progress.advance(task)

    check_codes(raw)
    mapping = gemeente_2022_to_2024(raw[GEMEENTE_2022_POLYGONS.name],
                                    raw[GEMEENTE_2024_POLYGONS.name])
    gm22_on_24 = reconcile_gemeente_2022(raw[GEMEENTE_2022.name], mapping)
    has_crosswalk = PC4_WIJK_CROSSWALK.name in raw
    crosswalk = (pc4_crosswalk(raw[PC4_WIJK_CROSSWALK.name]) if has_crosswalk
                 else pd.DataFrame(columns=["pc4", "gemeente_code", "wijk_code", "n_addresses"]))
    density_model = calibrate_address_density(raw, crosswalk) if has_crosswalk else {}
    step()

    gemeente = gemeente_2024_rows(raw, gm22_on_24)
    history = [gemeente_2022_rows(raw[GEMEENTE_2022.name])]
    if GEMEENTE_2020.name in raw:
        history.append(gemeente_2020_rows(raw[GEMEENTE_2020.name]))
    step()
    wijk = wijk_2024_rows(raw, gemeente, crosswalk, density_model)
    if WIJK_2019.name in raw:
        history.append(wijk_2019_rows(raw[WIJK_2019.name]))
    step()
    subarea_notes: list[str] = []
    subarea = None
    if gwb is not None:  # offline, or a download with a mirror of the data directory
        subarea = _subarea(raw, gwb, mapping, gemeente, wijk)
        wijk = subarea.wijk
        subarea_notes = subarea.notes
    levels = [gemeente, wijk]
    used = [s for s in LOCAL_SOURCES if s.name in raw]
    pc4_geometries = None
    if has_crosswalk and all(s.name in raw for s in PC4_SOURCES):
        levels.append(pc4_2021_rows(raw, wijk, crosswalk, density_model))
    elif extras.get("pc4") is not None:
        # Download build: CBS's own PC4 file, related to wijken by polygon overlap
        # (the licensed address crosswalk is not available here).

        pc4, pc4_geometries, crosswalk = _pc4_by_overlap(
            extras["pc4"], raw[WIJK_2024_POLYGONS.name], wijk, gemeente)
        levels.append(pc4)
        used.append(PC4_CBS)
    step()
    buurt = None
    offline_buurt = subarea is not None and extras.get("buurt") is None
    if offline_buurt:
        buurt = subarea.buurt
        levels.append(buurt)
    elif extras.get("buurt") is not None:  # the downloaded (published) buurt rows
        buurt = buurt_2024_rows(extras["buurt"], wijk)
        levels.append(buurt)
        used += [BUURT_2024, BUURT_2024_POLYGONS]
    areas = pd.concat([conform(f) for f in [*levels, *history]], ignore_index=True)
    geometries = area_geometries(raw, areas, buurt_geometries=extras.get("buurt_geometries"),
                                 pc4_geometries=pc4_geometries)
    step()

    sources = pd.DataFrame(
        [s.as_record(origin_of.get(s.name, str(s.path(data_dir)))) for s in used]
    )
    changes = mapping[mapping["code_2022"] != mapping["gemeente_code"]].reset_index(drop=True)
    notes = [
        f"Gemeentecodes 2022 -> 2024: {len(changes)} codes samengevoegd in "
        f"{changes['gemeente_code'].nunique()} gemeenten.",
    ]
    if WIJK_2019.name in raw:
        matched = wijk_2019_matches(raw[WIJK_2019.name], wijk)
        pop = wijk.set_index("area_code")["population"]
        what, rest = (("Wijk-WOZ", "de overige geschat met het margemodel") if subarea
                      is not None else ("Wijk-herkomst en WOZ", "de overige van de gemeente"))
        notes.append(
            f"{what}: {int(matched.sum())} van {len(wijk)} wijken "
            f"({pop[matched].sum() / pop.sum():.0%} van de inwoners) uit dezelfde wijk in 2019 "
            f"(gebenchmarkt op de gemeente); {rest} (nieuwe wijkindeling, "
            "o.a. Amsterdam en Almere)."
        )
    notes += subarea_notes
    if buurt is None:
        notes.append("Buurtniveau ontbreekt: geen buurtbestanden in de datamap.")
    elif offline_buurt:
        notes.append("Buurten: geen buurtgrenzen in de datamap; buurten staan in tabellen en "
                     "op de kaart van hun wijk.")
    if pc4_geometries is not None:
        notes.append("PC4: CBS Kerncijfers per postcode; relatie met wijk/gemeente uit "
                     "overlap van de grenzen (inwoners van de wijk gelijkmatig over de "
                     "wijk verdeeld), niet uit adressen.")
    if extras.get("pc4_error"):
        notes.append(f"PC4-niveau ontbreekt: {extras['pc4_error']}")
    return AreaTables(areas=areas, geometries=geometries, crosswalk=crosswalk,
                      sources=sources, code_changes=changes, urbanity_model=density_model,
                      notes=notes,
                      margin_model=subarea.model.summary() if subarea is not None else {},
                      levels_without_polygons=("buurt",) if offline_buurt else ())


def _gwb_counts(raw: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """KWB 2024 counts per gemeente/wijk/buurt, herkomst joined by checked row order
    (None when the files are not in the data directory, e.g. a download build)."""
    if GWB_2024_AGE_SEX.name not in raw or GWB_2024_HERKOMST.name not in raw:
        return None
    return gwb_2024(raw[GWB_2024_AGE_SEX.name], raw[GWB_2024_HERKOMST.name])


def _subarea(raw, gwb, mapping, gemeente, wijk):
    """Wijk and buurt margins from sub-gemeente data (``areas.subarea``)."""
    woz_2019 = None
    if WIJK_2019.name in raw:
        w19 = wijk_2019_rows(raw[WIJK_2019.name]).set_index("area_code")["woz_avg"]
        matched = wijk_2019_matches(raw[WIJK_2019.name], wijk)
        woz_2019 = matched & w19.reindex(matched.index).notna()
    tenure = (tenure_2022(raw[GWB_2022_TENURE.name]) if GWB_2022_TENURE.name in raw
              else pd.DataFrame(columns=["population_2022", "owner", "social_rent",
                                         "density", "married"], dtype="float64"))
    return subarea_margins(gwb, tenure, mapping, gemeente, wijk, woz_from_2019=woz_2019)


def _year_area_tables(extras: dict, origin_of: dict[str, str]) -> AreaTables:
    """A download build of one KWB year: every level from that year's KWB table and
    PDOK boundaries, PC4 from the CBS file by polygon overlap (``areas.kwb_year``).
    No earlier year is read, so there are no historic rows and no code changes."""
    plan = extras["plan"]
    year = plan.year
    gemeente, wijk, buurt = year_levels(extras["kwb"], year)
    levels = [gemeente, wijk, buurt]
    wijk_polygons = extras["wijk_geometries"]
    crosswalk = pd.DataFrame(columns=["pc4", "gemeente_code", "wijk_code", "n_addresses"])
    pc4_geometries = None
    if extras.get("pc4") is not None:
        pc4, pc4_geometries, crosswalk = _pc4_by_overlap(extras["pc4"], wijk_polygons,
                                                         wijk, gemeente)
        levels.append(pc4)
    areas = pd.concat([conform(f) for f in levels], ignore_index=True)
    parts = [level_polygons(extras[f"{level}_geometries"], areas, level, year, code)
             for level, code in (("gemeente", "gemeentecode"), ("wijk", "wijkcode"),
                                 ("buurt", "buurtcode"))]
    if pc4_geometries is not None:
        parts.append(level_polygons(pc4_geometries, areas, "pc4", CURRENT_YEAR["pc4"],
                                    "postcode"))
    geometries = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                  crs=parts[0].crs)
    sources = _year_sources(origin_of, plan)
    notes = [f"Downloadbuild {year}: gemeente, wijk en buurt uit CBS-tabel {plan.kwb_table}, "
             f"grenzen van PDOK {plan.pdok_year}; geen eerdere jaren (geen historische rijen)."]
    if pc4_geometries is not None:
        notes.append("PC4: CBS Kerncijfers per postcode; relatie met wijk/gemeente uit "
                     "overlap van de grenzen, niet uit adressen.")
    if extras.get("pc4_error"):
        notes.append(f"PC4-niveau ontbreekt: {extras['pc4_error']}")
    return AreaTables(areas=areas, geometries=geometries, crosswalk=crosswalk,
                      sources=sources, notes=notes)


def _year_sources(origin_of: dict[str, str], plan) -> pd.DataFrame:
    """The ``sources`` rows of a build by year: KWB table, PDOK boundaries, PC4 file."""
    rows = []
    for name, url in origin_of.items():
        if name == PC4_CBS.name:
            rows.append(PC4_CBS.as_record(url))
            continue
        level = name.removeprefix(f"kwb_{plan.year}").strip("_").removesuffix("_grenzen")
        description = (f"CBS Kerncijfers wijken en buurten {plan.year} ({plan.kwb_table})"
                       if not level else
                       f"PDOK wijken- en buurtenkaart {plan.pdok_year}: {level} (land)")
        rows.append({"name": name, "description": description, "year": plan.year,
                     "licence": "CC-BY 4.0 (Bron: CBS)",
                     "origin": "CBS StatLine" if not level else "PDOK OGC API",
                     "path_or_url": url})
    return pd.DataFrame(rows)


def _pc4_by_overlap(pc4_file, wijk_polygons, wijk: pd.DataFrame, gemeente: pd.DataFrame):
    """PC4 rows from CBS's own PC4 file, related to the wijken by polygon overlap."""
    empty = pc4_file.geometry.isna() | pc4_file.geometry.is_empty
    pc4_geometries = pc4_file[~empty]  # a postcode without area cannot be drawn
    wijk_population = wijk.set_index("area_code")["population"]
    relation = overlap_relation(pc4_geometries, wijk_polygons, wijk_population)
    relation["residents_fitted"] = fit_to_margins(
        relation, pc4_geometries.set_index("postcode")["aantal_inwoners"], wijk_population)
    crosswalk = as_crosswalk(relation)
    return pc4_cbs_rows(pc4_geometries, wijk, gemeente, crosswalk), pc4_geometries, crosswalk


# --------------------------------------------------------------------------- reading


def _read_all(data_dir: Path, progress, *, all_required: bool = True
              ) -> dict[str, pd.DataFrame]:
    """Read every source; in download mode the optional ones may be absent."""
    task = progress.add_task("Bronnen lezen", total=len(LOCAL_SOURCES)) if progress else None
    raw: dict[str, pd.DataFrame] = {}
    required = {s.name for s in REQUIRED_SOURCES}
    for source in LOCAL_SOURCES:
        if all_required or source.name in required or source.path(data_dir).is_file():
            raw[source.name] = source.read_local(data_dir)
        if progress is not None:
            progress.advance(task)
    return raw
