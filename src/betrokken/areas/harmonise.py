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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from betrokken import schema
from betrokken.errors import SourceError, UnknownAreaError
from betrokken.sources import LOCAL_SOURCES, Source
from betrokken.sources.base import secret_fields, to_numeric_with_secrecy
from betrokken.sources.buurt import BUURT_2024, BUURT_2024_POLYGONS
from betrokken.sources.crosswalk import PC4_WIJK_CROSSWALK
from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2020,
    GEMEENTE_2020_COLUMNS,
    GEMEENTE_2022,
    GEMEENTE_2022_POLYGONS,
    GEMEENTE_2024,
    GEMEENTE_2024_POLYGONS,
)
from betrokken.sources.kwb_population import KWB_2024_POPULATION
from betrokken.sources.kwb_wijk import WIJK_2019, WIJK_2024, WIJK_2024_POLYGONS
from betrokken.sources.pc4 import PC4_AGE_SEX_2021, PC4_BOUNDARIES_2020, PC4_POPULATION_2021

RD_NEW = "EPSG:28992"

CURRENT_YEAR = {"gemeente": 2024, "wijk": 2024, "pc4": 2021}
"""The year per level that ``is_current`` marks (buurt: the downloaded year)."""

URBANITY_THRESHOLDS = (2500.0, 1500.0, 1000.0, 500.0)
"""CBS stedelijkheid from omgevingsadressendichtheid (addresses/km2): >=2500 -> 1, 1500-2500
-> 2, 1000-1500 -> 3, 500-1000 -> 4, <500 -> 5."""

WIJK_2019_MAX_POPULATION_CHANGE = 0.30
"""A 2019 wijk is taken as the same area as the 2024 wijk with that code only when its
population differs by at most this fraction (codes get reused after re-indelingen)."""

AGE_SHARES = ("share_age_0_14", "share_age_15_24", "share_age_25_44", "share_age_45_64",
              "share_age_65plus")
KWB_AGE = ("0_15", "15_25", "25_45", "45_65", "65plus")
HH_SHARES = ("share_hh_single", "share_hh_couple_no_children", "share_hh_with_children")
KWB_HH = ("pct_eenpersoonshhd", "pct_hhd_zonder_kind", "pct_hhd_met_kind")
MIGRATION_SHARES = ("share_migration_nl", "share_migration_west", "share_migration_nietwest")
EDU_SHARES = ("share_edu_laag", "share_edu_midden", "share_edu_hoog")
INCOME_COLUMNS = ("income_avg", "share_low_income_hh", "share_high_income_hh")
HOUSING_COLUMNS = ("share_owner_occupied", "woz_avg")
FROM_PARENT = (*HH_SHARES, *MIGRATION_SHARES, *EDU_SHARES, *INCOME_COLUMNS, *HOUSING_COLUMNS)
"""Columns a wijk or PC4 takes from a wider area when they are not published for it."""

REQUIRED_SOURCES = (GEMEENTE_2024, GEMEENTE_2024_POLYGONS, GEMEENTE_2022,
                    GEMEENTE_2022_POLYGONS, KWB_2024_POPULATION, WIJK_2024, WIJK_2024_POLYGONS)
"""Needed for any build; the others may be absent in a download without mirror."""
PC4_SOURCES = (PC4_BOUNDARIES_2020, PC4_POPULATION_2021, PC4_AGE_SEX_2021)

AREA_COLUMNS = (
    *schema.AREA_ID_COLUMNS,
    *schema.AREA_SHARE_COLUMNS,
    *schema.AREA_VALUE_COLUMNS,
    *schema.AREA_FLAG_COLUMNS,
)


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


def build_area_tables(data_dir: Path | None, *, progress=None, year: int | None = None
                      ) -> AreaTables:
    """Read every source and build the harmonised area tables.

    ``data_dir=None`` downloads the sources of KWB ``year`` (default: the newest the
    build supports) from CBS/PDOK into the cache first.
    """
    extras: dict = {}
    origin_of: dict[str, str] = {}
    if data_dir is None:
        from betrokken.sources.download import download_sources
        from betrokken.sources.years import DEFAULT_YEAR

        data_dir, extras, origin_of = download_sources(progress=progress,
                                                       year=year or DEFAULT_YEAR)
    data_dir = Path(data_dir)
    raw = _read_all(data_dir, progress, all_required=not extras)
    task = progress.add_task("Gebieden harmoniseren", total=5) if progress else None

    def step() -> None:
        if progress is not None:
            progress.advance(task)

    _check_codes(raw)
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
    levels = [gemeente, wijk]
    used = [s for s in LOCAL_SOURCES if s.name in raw]
    pc4_geometries = None
    if has_crosswalk and all(s.name in raw for s in PC4_SOURCES):
        levels.append(pc4_2021_rows(raw, wijk, crosswalk, density_model))
    elif extras.get("pc4") is not None:
        # Download build: CBS's own PC4 file, related to wijken by polygon overlap
        # (the licensed address crosswalk is not available here).
        from betrokken.areas.overlap import as_crosswalk, fit_to_margins, overlap_relation
        from betrokken.areas.pc4_cbs import pc4_cbs_rows
        from betrokken.sources.pc4_cbs import PC4_CBS

        pc4_geometries = extras["pc4"]
        empty = pc4_geometries.geometry.isna() | pc4_geometries.geometry.is_empty
        pc4_geometries = pc4_geometries[~empty]  # a postcode without area cannot be drawn
        wijk_population = wijk.set_index("area_code")["population"]
        relation = overlap_relation(pc4_geometries, raw[WIJK_2024_POLYGONS.name],
                                    wijk_population)
        relation["residents_fitted"] = fit_to_margins(
            relation, pc4_geometries.set_index("postcode")["aantal_inwoners"],
            wijk_population)
        crosswalk = as_crosswalk(relation)
        levels.append(pc4_cbs_rows(pc4_geometries, wijk, gemeente, crosswalk))
        used.append(PC4_CBS)
    step()
    buurt = None
    if extras.get("buurt") is not None:
        buurt = buurt_2024_rows(extras["buurt"], wijk)
        levels.append(buurt)
        used += [BUURT_2024, BUURT_2024_POLYGONS]
    areas = pd.concat([_conform(f) for f in [*levels, *history]], ignore_index=True)
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
        notes.append(
            f"Wijk-herkomst en WOZ: {int(matched.sum())} van {len(wijk)} wijken "
            f"({pop[matched].sum() / pop.sum():.0%} van de inwoners) uit dezelfde wijk in 2019 "
            "(gebenchmarkt op de gemeente); de overige van de gemeente (nieuwe wijkindeling, "
            "o.a. Amsterdam en Almere)."
        )
    if buurt is None:
        notes.append("Buurtniveau ontbreekt: alleen beschikbaar via de download (geen datamap).")
    if pc4_geometries is not None:
        notes.append("PC4: CBS Kerncijfers per postcode; relatie met wijk/gemeente uit "
                     "overlap van de grenzen (inwoners van de wijk gelijkmatig over de "
                     "wijk verdeeld), niet uit adressen.")
    if extras.get("pc4_error"):
        notes.append(f"PC4-niveau ontbreekt: {extras['pc4_error']}")
    return AreaTables(areas=areas, geometries=geometries, crosswalk=crosswalk,
                      sources=sources, code_changes=changes, urbanity_model=density_model,
                      notes=notes)


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


def _check_codes(raw: dict[str, pd.DataFrame]) -> None:
    """Every code a relation refers to must exist in the table it points at."""
    gm24 = set(raw[GEMEENTE_2024.name]["gemeentecode"])
    wk24 = set(raw[WIJK_2024.name]["wijkcode"])
    _known(raw[KWB_2024_POPULATION.name].query("level == 'gemeente'")["regio_code"], gm24,
           KWB_2024_POPULATION, "regio_code", "gemeente 2024")
    _known(raw[KWB_2024_POPULATION.name].query("level == 'wijk'")["regio_code"], wk24,
           KWB_2024_POPULATION, "regio_code", "wijk 2024")
    populated = raw[WIJK_2024.name].dropna(subset=["aantal_inwoners"])
    _known(populated["gemeentecode"], gm24, WIJK_2024, "gemeentecode", "gemeente 2024")
    if PC4_WIJK_CROSSWALK.name in raw:
        cw = raw[PC4_WIJK_CROSSWALK.name]
        _known(cw.loc[cw["year"] == "2024", "wijkcode"], wk24, PC4_WIJK_CROSSWALK,
               "wijkcode", "wijk 2024")


def _known(codes: pd.Series, known: set, source: Source, column: str, what: str) -> None:
    unknown = sorted(set(codes) - known)
    if unknown:
        raise UnknownAreaError(
            f"Bronbestand '{source.filename}' kolom '{column}' verwijst naar onbekende "
            f"gebiedscode '{unknown[0]}' (niet in {what})"
            + (f"; nog {len(unknown) - 1} andere." if len(unknown) > 1 else "."),
        )


# ------------------------------------------------------------------ code reconciliation


def gemeente_2022_to_2024(poly_2022: pd.DataFrame, poly_2024: pd.DataFrame) -> pd.DataFrame:
    """Map each 2022 gemeente onto the 2024 gemeente that contains it.

    A representative point of the 2022 polygon is located in the 2024 polygons; mergers
    (several 2022 codes in one 2024 gemeente) come out naturally. Boundary corrections
    between continuing gemeenten are ignored (they move a handful of addresses).
    """
    old = gpd.GeoDataFrame(poly_2022, geometry="geometry").to_crs(RD_NEW)
    new = gpd.GeoDataFrame(poly_2024, geometry="geometry").to_crs(RD_NEW)
    old = old[old["gemeentecode"] != "GM0998"]
    new = new[new["gemeentecode"] != "GM0998"]
    points = gpd.GeoDataFrame(
        {"code_2022": old["gemeentecode"].to_numpy()},
        geometry=shapely.point_on_surface(shapely.make_valid(old.geometry.to_numpy())),
        crs=RD_NEW,
    )
    joined = gpd.sjoin_nearest(points, new[["gemeentecode", "geometry"]], how="left")
    joined = joined.drop_duplicates("code_2022")
    mapping = joined[["code_2022", "gemeentecode"]].rename(
        columns={"gemeentecode": "gemeente_code"})
    missing = set(new["gemeentecode"]) - set(mapping["gemeente_code"])
    if missing:
        raise SourceError(
            f"Gemeente {sorted(missing)[0]} (2024) bevat geen enkele gemeente van 2022: "
            "de grenzen van 2022 en 2024 passen niet bij elkaar."
        )
    return mapping.reset_index(drop=True)


def reconcile_gemeente_2022(gm22: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """2022 gemeente figures on 2024 codes: counts summed, rates weighted by their base."""
    frame = gm22.merge(mapping, left_on="gemeentecode", right_on="code_2022", how="inner")
    weights = {
        "gem_inkomen_inwoner": "aantal_inwoners",
        "pct_hh_laag_inkomen": "huishoudens",
        "pct_hh_hoog_inkomen": "huishoudens",
        "koopwoningen": "woningvoorraad",
        "gem_woz_waarde": "woningvoorraad",
    }
    out = frame.groupby("gemeente_code")[["opl_laag", "opl_midden", "opl_hoog"]].sum(
        min_count=1)
    for column, weight in weights.items():
        ok = frame[column].notna()
        num = (frame[column] * frame[weight]).where(ok).groupby(frame["gemeente_code"]).sum(
            min_count=1)
        den = frame[weight].where(ok).groupby(frame["gemeente_code"]).sum(min_count=1)
        out[column] = num / den
    # A merged gemeente whose predecessor kept education secret would get a partial sum,
    # i.e. biased shares: leave its education missing instead.
    any_opl_secret = frame[["opl_laag", "opl_midden", "opl_hoog"]].isna().any(axis=1)
    incomplete = any_opl_secret.groupby(frame["gemeente_code"]).any()
    out.loc[incomplete[incomplete].index, ["opl_laag", "opl_midden", "opl_hoog"]] = float("nan")
    return out


def pc4_crosswalk(cw: pd.DataFrame) -> pd.DataFrame:
    """The 2024 address relation PC4 x wijk (gemeente from the wijk code)."""
    cw = cw[cw["year"] == "2024"]
    out = pd.DataFrame({
        "pc4": cw["pc4"].astype(str).str.zfill(4).to_numpy(),
        "gemeente_code": ("GM" + cw["wijkcode"].str[2:6]).to_numpy(),
        "wijk_code": cw["wijkcode"].to_numpy(),
        "n_addresses": cw["n_addresses"].astype("int64").to_numpy(),
    })
    return out.sort_values(["pc4", "n_addresses"], ascending=[True, False]).reset_index(
        drop=True)


# ------------------------------------------------------------------ urbanity


def urbanity_class(oad: pd.Series) -> pd.Series:
    """CBS stedelijkheid 1-5 from omgevingsadressendichtheid."""
    t1, t2, t3, t4 = URBANITY_THRESHOLDS
    cls = np.select([oad >= t1, oad >= t2, oad >= t3, oad >= t4], [1, 2, 3, 4], default=5)
    return pd.Series(cls, index=oad.index, dtype="Int64").mask(oad.isna())


def calibrate_address_density(raw: dict[str, pd.DataFrame], crosswalk: pd.DataFrame) -> dict:
    """Fit log(OAD) = a + b log(addresses per km2 land) on the 342 gemeenten of 2024.

    CBS's omgevingsadressendichtheid counts addresses within 1 km of each address; we
    only know addresses per area, which is lower wherever an area has empty land. The
    fit on gemeenten (where both are known) translates one into the other for wijken
    and PC4; its fit and the class agreement are reported in ``docs/data.md``.
    """
    pop = raw[KWB_2024_POPULATION.name]
    gm = pop[pop["level"] == "gemeente"].set_index("regio_code")
    addresses = crosswalk.groupby("gemeente_code")["n_addresses"].sum()
    land_km2 = gm["OppervlakteLand"] / 100.0
    density = (addresses / land_km2).dropna()
    oad = raw[GEMEENTE_2024.name].set_index("gemeentecode")["omgevingsadressendichtheid"]
    both = pd.concat([density.rename("d"), oad.rename("oad")], axis=1).dropna()
    both = both[(both["d"] > 0) & (both["oad"] > 0)]
    x, y = np.log(both["d"]), np.log(both["oad"])
    b, a = np.polyfit(x, y, 1)
    pred = a + b * x
    r2 = 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    cls_pred = urbanity_class(np.exp(pred))
    cls_true = raw[GEMEENTE_2024.name].set_index("gemeentecode")["stedelijkheid"].reindex(
        both.index)
    agree = float((cls_pred == cls_true).mean())
    within1 = float(((cls_pred - cls_true).abs() <= 1).mean())
    return {"a": float(a), "b": float(b), "r2": float(r2), "n": int(len(both)),
            "class_agreement": agree, "class_within_one": within1}


def estimated_oad(density: pd.Series, model: dict) -> pd.Series:
    """Omgevingsadressendichtheid estimated from plain address density."""
    d = density.where(density > 0)
    return np.exp(model["a"] + model["b"] * np.log(d)).round(0)


# ------------------------------------------------------------------ levels


def _pct(series: pd.Series) -> pd.Series:
    return series.astype("float64") / 100.0


def _secret_list(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.Series:
    """Comma list of our column names whose source field was secret in that row."""
    out = pd.Series("", index=frame.index, dtype="object")
    for ours, theirs in mapping.items():
        hit = secret_fields(frame, theirs)
        out = out.where(~hit, out + ours + ",")
    return out.str.rstrip(",")


def _join_flags(*parts: pd.Series | str) -> pd.Series:
    series = [p for p in parts if isinstance(p, pd.Series)]
    index = series[0].index
    text = pd.Series("", index=index, dtype="object")
    for part in parts:
        part = pd.Series(part, index=index) if isinstance(part, str) else part.fillna("")
        text = text + "," + part.astype(str)
    return text.map(lambda s: ",".join(dict.fromkeys(x for x in s.split(",") if x)))


def sex_shares(men: pd.Series, women: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Shares of men and women among men + women.

    CBS rounds small-area counts (PC4 to fives), so men + women can differ from the
    published total; dividing by their sum keeps the pair consistent.
    """
    total = (men + women).where((men + women) > 0)
    return men / total, women / total


def _gemeente_frame(g: pd.DataFrame, *, year: int, code: str, name: str,
                    population: pd.Series, men: pd.Series, women: pd.Series) -> pd.DataFrame:
    """What every KWB gemeente table gives alike: ids, population, age, sex, households."""
    out = pd.DataFrame(index=g.index)
    out["year"] = year
    out["level"] = "gemeente"
    out["area_code"] = g[code]
    out["area_name"] = g[name]
    out["gemeente_code"] = g[code]
    out["wijk_code"] = None
    out["population"] = population
    for ours, theirs in zip(AGE_SHARES, KWB_AGE, strict=True):
        out[ours] = _pct(g[theirs])
    out["share_man"], out["share_vrouw"] = sex_shares(men, women)
    for ours, theirs in zip(HH_SHARES, KWB_HH, strict=True):
        out[ours] = _pct(g[theirs])
    return out


def _education_shares(out: pd.DataFrame, counts: pd.DataFrame) -> None:
    """Shares laag/midden/hoog from CBS counts (persons 15-75); missing if any is missing."""
    opl = counts[["opl_laag", "opl_midden", "opl_hoog"]]
    total = opl.sum(axis=1, min_count=3)
    for ours, theirs in zip(EDU_SHARES, opl.columns, strict=True):
        out[ours] = opl[theirs] / total


def gemeente_2024_rows(raw: dict[str, pd.DataFrame], gm22_on_24: pd.DataFrame) -> pd.DataFrame:
    """Current gemeente rows: KWB 2024, with education/income/housing carried from 2022."""
    g = raw[GEMEENTE_2024.name].set_index("gemeentecode", drop=False)
    pop = raw[KWB_2024_POPULATION.name]
    pop = pop[pop["level"] == "gemeente"].set_index("regio_code")
    out = _gemeente_frame(
        g, year=2024, code="gemeentecode", name="gemeentenaam",
        population=pop["AantalInwoners"].reindex(g.index).fillna(g["aantal_inwoners"]),
        men=pop["Mannen"].reindex(g.index), women=pop["Vrouwen"].reindex(g.index))
    out["share_migration_nl"] = _pct(g["pct_herkomst_nl"])
    out["share_migration_west"] = _pct(g["pct_herkomst_europa"])
    out["share_migration_nietwest"] = _pct(g["pct_herkomst_buiten_europa"])
    r = gm22_on_24.reindex(g.index)
    _education_shares(out, r)
    out["income_avg"] = r["gem_inkomen_inwoner"]
    out["share_low_income_hh"] = _pct(r["pct_hh_laag_inkomen"])
    out["share_high_income_hh"] = _pct(r["pct_hh_hoog_inkomen"])
    out["share_owner_occupied"] = _pct(r["koopwoningen"])
    out["woz_avg"] = r["gem_woz_waarde"]
    out["address_density"] = g["omgevingsadressendichtheid"]
    out["urbanity"] = g["stedelijkheid"].astype("Int64")
    carried = [*EDU_SHARES, *INCOME_COLUMNS, *HOUSING_COLUMNS]
    secret = _secret_list(g, {**dict(zip(AGE_SHARES, KWB_AGE, strict=True)),
                              **dict(zip(HH_SHARES, KWB_HH, strict=True))})
    missing_2022 = pd.Series(
        [",".join(c for c in carried if pd.isna(out.at[i, c])) for i in out.index],
        index=out.index)
    out["derived_columns"] = ",".join(carried)
    out["secret_columns"] = _join_flags(secret, missing_2022)
    out["is_current"] = True
    return out.reset_index(drop=True)


def gemeente_2022_rows(g: pd.DataFrame) -> pd.DataFrame:
    """Gemeente rows of KWB 2022 on their own (2022) codes; no migration in this file."""
    out = _gemeente_frame(g, year=2022, code="gemeentecode", name="gemeentenaam",
                          population=g["aantal_inwoners"], men=g["mannen"], women=g["vrouwen"])
    _education_shares(out, g)
    out["income_avg"] = g["gem_inkomen_inwoner"]
    out["share_low_income_hh"] = _pct(g["pct_hh_laag_inkomen"])
    out["share_high_income_hh"] = _pct(g["pct_hh_hoog_inkomen"])
    out["share_owner_occupied"] = _pct(g["koopwoningen"])
    out["woz_avg"] = g["gem_woz_waarde"]
    out["address_density"] = g["omgevingsadressendichtheid"]
    out["urbanity"] = g["stedelijkheid"].astype("Int64")
    out["derived_columns"] = ""
    out["secret_columns"] = _secret_list(g, {"income_avg": "gem_inkomen_inwoner",
                                             "woz_avg": "gem_woz_waarde",
                                             "share_low_income_hh": "pct_hh_laag_inkomen",
                                             "share_high_income_hh": "pct_hh_hoog_inkomen"})
    out["is_current"] = False
    return out


def gemeente_2020_rows(g: pd.DataFrame) -> pd.DataFrame:
    """Gemeente rows of the wijk- en buurtkaart 2020 on 2020 codes (westers/niet-westers)."""
    g = g.rename(columns=GEMEENTE_2020_COLUMNS)
    out = _gemeente_frame(g, year=2020, code="GM_CODE", name="GM_NAAM",
                          population=g["aantal_inwoners"], men=g["mannen"], women=g["vrouwen"])
    out["share_migration_west"] = _pct(g["pct_westers"])
    out["share_migration_nietwest"] = _pct(g["pct_niet_westers"])
    out["share_migration_nl"] = 1.0 - out["share_migration_west"] - out["share_migration_nietwest"]
    _education_shares(out, g)
    out["income_avg"] = g["gem_inkomen_inwoner"]
    out["share_low_income_hh"] = _pct(g["pct_hh_laagste40"])
    out["share_high_income_hh"] = _pct(g["pct_hh_hoogste20"])
    out["share_owner_occupied"] = _pct(g["koopwoningen"])
    out["address_density"] = g["omgevingsadressendichtheid"]
    out["urbanity"] = g["stedelijkheid"].astype("Int64")
    out["derived_columns"] = ""
    out["secret_columns"] = ""
    out["is_current"] = False
    return out


def wijk_2019_rows(w: pd.DataFrame) -> pd.DataFrame:
    """Wijk rows of 2019 (derived subset), on 2019 codes; kept for comparison."""
    w = w.dropna(subset=["aantal_inwoners"])
    out = pd.DataFrame(index=w.index)
    out["year"] = 2019
    out["level"] = "wijk"
    out["area_code"] = w["wijkcode"]
    out["area_name"] = None
    out["gemeente_code"] = "GM" + w["wijkcode"].str[2:6]
    out["wijk_code"] = w["wijkcode"]
    out["population"] = w["aantal_inwoners"]
    for ours, theirs in zip(AGE_SHARES, ["frac_" + a for a in KWB_AGE], strict=True):
        out[ours] = w[theirs]
    out["share_man"], out["share_vrouw"] = sex_shares(w["frac_man"], w["frac_vrouw"])
    out["share_migration_west"] = w["frac_westerse_migratieachtergrond"]
    out["share_migration_nietwest"] = w["frac_niet_westerse_migratieachtergrond"]
    out["share_migration_nl"] = (1.0 - out["share_migration_west"]
                                 - out["share_migration_nietwest"]).clip(lower=0)
    out["woz_avg"] = w["gem_woz_waarde_x1000"]
    out["derived_columns"] = ""
    out["secret_columns"] = _secret_list(w, {
        **dict(zip(AGE_SHARES, ["frac_" + a for a in KWB_AGE], strict=True)),
        "share_migration_west": "frac_westerse_migratieachtergrond",
        "share_migration_nietwest": "frac_niet_westerse_migratieachtergrond",
        "woz_avg": "gem_woz_waarde_x1000"})
    out["is_current"] = False
    return out


def wijk_2024_rows(raw: dict[str, pd.DataFrame], gemeente: pd.DataFrame,
                   crosswalk: pd.DataFrame, density_model: dict) -> pd.DataFrame:
    """Current wijk rows: KWB 2024 basics; the rest from 2019 (benchmarked) or the gemeente."""
    w = raw[WIJK_2024.name].dropna(subset=["aantal_inwoners"])
    w = w[w["gemeentecode"] != "GM0998"].set_index("wijkcode", drop=False)
    pop = raw[KWB_2024_POPULATION.name]
    pop = pop[pop["level"] == "wijk"].set_index("regio_code")
    out = pd.DataFrame(index=w.index)
    out["year"] = 2024
    out["level"] = "wijk"
    out["area_code"] = w["wijkcode"]
    out["area_name"] = w["wijknaam"]
    out["gemeente_code"] = w["gemeentecode"]
    out["wijk_code"] = w["wijkcode"]
    out["population"] = pop["AantalInwoners"].reindex(w.index).fillna(w["aantal_inwoners"])
    for ours, theirs in zip(AGE_SHARES, KWB_AGE, strict=True):
        out[ours] = _pct(w[theirs])
    out["share_man"], out["share_vrouw"] = sex_shares(w["mannen"], w["vrouwen"])
    secret = _secret_list(w, dict(zip(AGE_SHARES, KWB_AGE, strict=True)))

    parent = gemeente.set_index("area_code").reindex(out["gemeente_code"])
    parent.index = out.index
    for column in FROM_PARENT:
        out[column] = parent[column]
    parent_secret = parent["secret_columns"].fillna("")

    # Migration and WOZ from the same wijk in 2019, benchmarked to the current gemeente.
    if WIJK_2019.name in raw:
        w19 = wijk_2019_rows(raw[WIJK_2019.name]).set_index("area_code")
    else:
        w19 = pd.DataFrame(columns=["population", "share_migration_west",
                                    "share_migration_nietwest", "woz_avg"], dtype="float64")
    same = w19.reindex(out.index)
    change = (same["population"] - out["population"]).abs() / out["population"].where(
        out["population"] > 0)
    usable = change.le(WIJK_2019_MAX_POPULATION_CHANGE)  # same test as wijk_2019_matches
    used_2019 = pd.Series("", index=out.index, dtype="object")
    for columns in (("share_migration_west", "share_migration_nietwest"), ("woz_avg",)):
        for column in columns:
            bench = benchmark_to_parent(
                same[column].where(usable), same["population"].where(usable),
                out["gemeente_code"], parent[column])
            take = bench.notna()
            out.loc[take, column] = bench[take]
            used_2019 = used_2019.where(~take, used_2019 + column + ",")
    mig_from_2019 = used_2019.str.contains("share_migration_west", regex=False)
    foreign = out["share_migration_west"] + out["share_migration_nietwest"]
    shrink = (1.0 / foreign.where(foreign > 1)).fillna(1.0).where(mig_from_2019, 1.0)
    for column in ("share_migration_west", "share_migration_nietwest"):
        out[column] = out[column] * shrink
    nl = (1.0 - out["share_migration_west"] - out["share_migration_nietwest"]).clip(lower=0)
    out.loc[mig_from_2019, "share_migration_nl"] = nl[mig_from_2019]

    measured_urbanity = "stedelijkheid" in w.columns and w["stedelijkheid"].notna().any()
    if measured_urbanity:  # the StatLine download publishes OAD and class per wijk
        out["address_density"] = w["omgevingsadressendichtheid"]
        out["urbanity"] = w["stedelijkheid"].astype("Int64")
    elif density_model:
        addresses = crosswalk.groupby("wijk_code")["n_addresses"].sum().reindex(out.index)
        land_km2 = pop["OppervlakteLand"].reindex(out.index) / 100.0
        density = addresses / land_km2.where(land_km2 > 0)
        out["address_density"] = estimated_oad(density, density_model)
        out["urbanity"] = urbanity_class(out["address_density"])
    else:
        out["address_density"] = np.nan
        out["urbanity"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    no_density = out["urbanity"].isna()
    out.loc[no_density, "urbanity"] = parent.loc[no_density, "urbanity"]

    # The StatLine download also publishes herkomst and household types per wijk.
    measured = pd.DataFrame(False, index=out.index, columns=list(FROM_PARENT))
    for ours, theirs in (*zip(HH_SHARES, KWB_HH, strict=True),
                         ("share_migration_nl", "pct_herkomst_nl"),
                         ("share_migration_west", "pct_herkomst_europa"),
                         ("share_migration_nietwest", "pct_herkomst_buiten_europa")):
        if theirs in w.columns:
            value = _pct(w[theirs])
            measured[ours] = value.notna()
            out[ours] = value.where(value.notna(), out[ours])
    own = () if measured_urbanity else ("address_density", "urbanity")
    derived_text = pd.Series("", index=out.index, dtype="object")
    for column in FROM_PARENT:
        derived_text = derived_text.where(measured[column], derived_text + column + ",")
    out["derived_columns"] = (derived_text + ",".join(own)).str.rstrip(",")
    out["secret_columns"] = _join_flags(
        secret, parent_secret.map(lambda s: ",".join(c for c in s.split(",")
                                                     if c in FROM_PARENT)))
    out["is_current"] = True
    return out.reset_index(drop=True)


def wijk_2019_matches(w19_raw: pd.DataFrame, wijk: pd.DataFrame) -> pd.Series:
    """Per 2024 wijk: is the 2019 wijk with the same code the same area (population test)?"""
    w24 = wijk.set_index("area_code")["population"]
    w19 = wijk_2019_rows(w19_raw).set_index("area_code")["population"].reindex(w24.index)
    change = (w19 - w24).abs() / w24.where(w24 > 0)
    return change.le(WIJK_2019_MAX_POPULATION_CHANGE)


def benchmark_to_parent(child: pd.Series, weight: pd.Series, parent_code: pd.Series,
                        parent_value: pd.Series) -> pd.Series:
    """Scale older child values so their weighted mean per parent equals the parent now.

    ``child * parent_now / weighted_mean(child per parent)``: keeps the pattern between
    wijken of an earlier year and the level of the current gemeente (and its
    definitions). Shares are clipped to [0, 1] by the caller's use.
    """
    ok = child.notna() & weight.notna() & (weight > 0)
    num = (child * weight).where(ok).groupby(parent_code).transform("sum")
    den = weight.where(ok).groupby(parent_code).transform("sum")
    old_mean = num / den
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = parent_value / old_mean.where(old_mean > 0)
    scaled = (child * factor).where(ok)
    if child.dropna().le(1).all():
        scaled = scaled.clip(0, 1)
    return scaled


def pc4_2021_rows(raw: dict[str, pd.DataFrame], wijk: pd.DataFrame,
                  crosswalk: pd.DataFrame, density_model: dict) -> pd.DataFrame:
    """Current PC4 rows: population, age and sex of 2021; the rest from its wijken."""
    p = raw[PC4_POPULATION_2021.name].set_index("postcode", drop=False)
    poly = raw[PC4_BOUNDARIES_2020.name].set_index("postcode")
    keep = p.index.intersection(poly.index)
    p = p.loc[keep]
    out = pd.DataFrame(index=p.index)
    out["year"] = 2021
    out["level"] = "pc4"
    out["area_code"] = p["postcode"]
    out["area_name"] = p["plaats"].where(p["plaats"] != "", None)
    out["population"] = p["inwoners"]

    ages = raw[PC4_AGE_SEX_2021.name]
    lower = ages["leeftijd"].str.extract(r"^(\d+)")[0].astype(int)
    band = pd.cut(lower, [-1, 14, 24, 44, 64, 200], labels=list(AGE_SHARES))
    counts = ages["inwoners"].groupby([ages["postcode"], band], observed=False).sum(min_count=1)
    secret_cell = ages["inwoners"].isna().groupby([ages["postcode"], band],
                                                   observed=False).any()
    counts = counts.mask(secret_cell).unstack().reindex(out.index)
    secret_band = secret_cell.unstack().reindex(out.index).fillna(False)
    total = ages["inwoners"].groupby(ages["postcode"]).sum().reindex(out.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        for column in AGE_SHARES:
            out[column] = counts[column] / total.where(total > 0)
    out["share_man"], out["share_vrouw"] = sex_shares(p["inwoners_man"], p["inwoners_vrouw"])
    secret = pd.Series("", index=out.index, dtype="object")
    for column in AGE_SHARES:
        secret = secret.where(~secret_band[column].astype(bool), secret + column + ",")
    pop_secret = secret_fields(p, "inwoners")
    secret = secret.where(~pop_secret, secret + "population,share_man,share_vrouw,")

    # Wider figures: address-weighted mean over the wijken the PC4's addresses lie in.
    cw = crosswalk[crosswalk["pc4"].isin(out.index)]
    values = wijk.set_index("area_code")[list(FROM_PARENT)].reindex(cw["wijk_code"])
    values.index = cw.index
    weights = cw["n_addresses"].astype("float64")
    for column in FROM_PARENT:
        ok = values[column].notna()
        num = (values[column] * weights).where(ok).groupby(cw["pc4"]).sum(min_count=1)
        den = weights.where(ok).groupby(cw["pc4"]).sum(min_count=1)
        out[column] = (num / den).reindex(out.index)
    out["gemeente_code"] = (cw.groupby(["pc4", "gemeente_code"])["n_addresses"].sum()
                            .sort_values(ascending=False).reset_index()
                            .drop_duplicates("pc4").set_index("pc4")["gemeente_code"]
                            .reindex(out.index))
    # the wijk with most addresses within that gemeente (cw is sorted: most first)
    in_gemeente = cw[cw["gemeente_code"].to_numpy()
                     == out["gemeente_code"].reindex(cw["pc4"]).to_numpy()]
    out["wijk_code"] = in_gemeente.drop_duplicates("pc4").set_index("pc4")["wijk_code"].reindex(
        out.index)
    addresses = cw.groupby("pc4")["n_addresses"].sum().reindex(out.index)
    area_km2 = poly["oppervlakte_km2"].reindex(out.index)
    density = addresses / area_km2.where(area_km2 > 0)
    out["address_density"] = estimated_oad(density, density_model)
    out["urbanity"] = urbanity_class(out["address_density"])
    wijk_urb = wijk.set_index("area_code")["urbanity"].reindex(out["wijk_code"])
    wijk_urb.index = out.index
    out["urbanity"] = out["urbanity"].fillna(wijk_urb)
    out["derived_columns"] = ",".join((*FROM_PARENT, "address_density", "urbanity"))
    for column in FROM_PARENT:  # NULL in every wijk it comes from: secret there
        secret = secret.where(out[column].notna(), secret + column + ",")
    out["secret_columns"] = secret.str.rstrip(",")
    out["is_current"] = True
    _fill_pc4_without_addresses(out, raw)
    return out.reset_index(drop=True)


def buurt_2024_rows(table: pd.DataFrame, wijk: pd.DataFrame) -> pd.DataFrame:
    """Current buurt rows from KWB 2024 (OData 85984NED): counts turned into shares.

    Age, sex, herkomst and household types are published per buurt (as counts);
    education, income and housing come from the wijk (derived), as for wijken.
    """
    def col(base: str) -> tuple[pd.Series, pd.Series]:
        match = [c for c in table.columns if c == base or c.rsplit("_", 1)[0] == base]
        if not match:
            return pd.Series(np.nan, index=table.index), pd.Series(False, index=table.index)
        return to_numeric_with_secrecy(table[match[0]], column=match[0])

    population, pop_secret = col("AantalInwoners")
    keep = population.notna()
    out = pd.DataFrame(index=table.index)
    out["year"] = 2024
    out["level"] = "buurt"
    out["area_code"] = table["regio_code"].str.strip()
    out["area_name"] = table.get("regio_naam")
    out["gemeente_code"] = "GM" + out["area_code"].str[2:6]
    out["wijk_code"] = "WK" + out["area_code"].str[2:8]
    out["population"] = population
    secret = pd.Series("", index=table.index, dtype="object")
    denom = population.where(population > 0)

    def shares(columns: tuple[str, ...], bases: tuple[str, ...], total: pd.Series) -> None:
        nonlocal secret
        for ours, base in zip(columns, bases, strict=True):
            values, hidden = col(base)
            out[ours] = values / total
            secret = secret.where(~hidden, secret + ours + ",")

    shares(AGE_SHARES, ("k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar",
                        "k_65JaarOfOuder"), denom)
    men, _ = col("Mannen")
    women, _ = col("Vrouwen")
    out["share_man"], out["share_vrouw"] = sex_shares(men, women)
    shares(MIGRATION_SHARES, ("Nederland", "EuropaExclusiefNederland", "BuitenEuropa"), denom)
    households, _ = col("HuishoudensTotaal")
    shares(HH_SHARES, ("Eenpersoonshuishoudens", "HuishoudensZonderKinderen",
                       "HuishoudensMetKinderen"), households.where(households > 0))
    for column in (*AGE_SHARES, *MIGRATION_SHARES, *HH_SHARES):
        out[column] = out[column].clip(0, 1)
    parent = wijk.set_index("area_code").reindex(out["wijk_code"])
    parent.index = out.index
    derived = [*EDU_SHARES, *INCOME_COLUMNS, *HOUSING_COLUMNS]
    for column in derived:
        out[column] = parent[column]
    oad, _ = col("Omgevingsadressendichtheid")
    urbanity, _ = col("MateVanStedelijkheid")
    out["address_density"] = oad
    out["urbanity"] = urbanity.astype("Int64").fillna(parent["urbanity"])
    own_urbanity = urbanity.notna()
    out["derived_columns"] = ",".join(derived)
    out.loc[~own_urbanity, "derived_columns"] = ",".join((*derived, "urbanity"))
    secret = secret.where(~pop_secret, secret + "population,")
    out["secret_columns"] = secret.str.rstrip(",")
    out["is_current"] = True
    return out[keep].reset_index(drop=True)


def _fill_pc4_without_addresses(out: pd.DataFrame, raw: dict[str, pd.DataFrame]) -> None:
    """PC4s outside the address crosswalk get their gemeente from polygon location."""
    lost = out.index[out["gemeente_code"].isna()]
    if not len(lost):
        return
    poly = gpd.GeoDataFrame(raw[PC4_BOUNDARIES_2020.name], geometry="geometry")
    poly = poly.set_index("postcode").loc[lost]
    gm = gpd.GeoDataFrame(raw[GEMEENTE_2024_POLYGONS.name], geometry="geometry").to_crs(RD_NEW)
    points = gpd.GeoDataFrame(geometry=poly.geometry.representative_point(), crs=RD_NEW)
    joined = gpd.sjoin_nearest(points, gm[["gemeentecode", "geometry"]])
    joined = joined[~joined.index.duplicated()]
    out.loc[lost, "gemeente_code"] = joined["gemeentecode"].reindex(lost)


def _conform(frame: pd.DataFrame) -> pd.DataFrame:
    """All schema columns in schema order, with stable dtypes."""
    frame = frame.reindex(columns=list(AREA_COLUMNS))
    for column in (*schema.AREA_SHARE_COLUMNS, "income_avg", "woz_avg", "address_density",
                   "population"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["year"] = frame["year"].astype("int64")
    frame["urbanity"] = pd.to_numeric(frame["urbanity"], errors="coerce").astype("Int64")
    for column in ("derived_columns", "secret_columns"):
        frame[column] = frame[column].fillna("").astype(object)
    frame["is_current"] = frame["is_current"].astype(bool)
    for column in ("area_code", "area_name", "gemeente_code", "wijk_code", "level"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


# ------------------------------------------------------------------ geometries


def area_geometries(raw: dict[str, pd.DataFrame], areas: pd.DataFrame, *,
                    buurt_geometries: gpd.GeoDataFrame | None = None,
                    pc4_geometries: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Polygons in RD New for gemeente 2024 and 2022, wijk 2024 and PC4 (2020 polygons).

    Each polygon carries the year of the area row it belongs to (PC4 rows are 2021,
    drawn with the 2020 postcode polygons; see docs/data.md). Invalid rings are repaired.
    """
    parts = []
    inputs = [
        (raw.get(GEMEENTE_2024_POLYGONS.name), GEMEENTE_2024_POLYGONS, "gemeente", 2024,
         "gemeentecode"),
        (raw.get(GEMEENTE_2022_POLYGONS.name), GEMEENTE_2022_POLYGONS, "gemeente", 2022,
         "gemeentecode"),
        (raw.get(WIJK_2024_POLYGONS.name), WIJK_2024_POLYGONS, "wijk", 2024, "wijkcode"),
        (raw.get(PC4_BOUNDARIES_2020.name), PC4_BOUNDARIES_2020, "pc4", CURRENT_YEAR["pc4"],
         "postcode"),
    ]
    if pc4_geometries is not None:  # download build: polygons of the CBS PC4 file
        from betrokken.sources.pc4_cbs import PC4_CBS

        inputs[-1] = (pc4_geometries, PC4_CBS, "pc4", CURRENT_YEAR["pc4"], "postcode")
    inputs = [item for item in inputs if item[0] is not None]
    if buurt_geometries is not None:
        if "buurtcode" not in buurt_geometries.columns:
            raise SourceError("Buurtgrenzen van PDOK missen kolom 'buurtcode'.")
        inputs.append((buurt_geometries, BUURT_2024_POLYGONS, "buurt", 2024, "buurtcode"))
    for table, source, level, year, code in inputs:
        frame = gpd.GeoDataFrame(table, geometry="geometry")
        if frame.crs is None:
            raise SourceError(f"Geodata '{source.filename}' heeft geen coördinatenstelsel.")
        frame = frame.to_crs(RD_NEW)
        wanted = set(areas.loc[(areas["level"] == level) & (areas["year"] == year),
                               "area_code"])
        frame = frame[frame[code].isin(wanted)]
        parts.append(gpd.GeoDataFrame({
            "level": level, "area_code": frame[code].to_numpy(), "year": year,
        }, geometry=shapely.make_valid(frame.geometry.to_numpy()), crs=RD_NEW))
    geoms = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(geoms, geometry="geometry", crs=RD_NEW)
