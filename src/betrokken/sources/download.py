"""The download build: CBS OData (StatLine) and PDOK into a local cache, with progress bars.

Used when no data directory is given (``betrokken build`` without ``--data-dir`` or
``BETROKKEN_DATA``). Each service has a base URL that a setting can change (tests point
them at a local server; an organisation can point them at its own mirror):

* ``BETROKKEN_ODATA_URL`` (default ``https://opendata.cbs.nl/ODataFeed/odata``): the CBS
  bulk feed (``sources.odata``; ``DataProperties``, ``WijkenEnBuurten``,
  ``TypedDataSet`` paged by ``odata.nextLink``). The CBS catalogue
  (``ODataCatalog/Tables``) on the same host checks the year -> table mapping
  (``sources.years``).
* ``BETROKKEN_PDOK_URL`` (default ``https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1``):
  PDOK OGC API Features of the CBS wijken- en buurtenkaart (``sources.pdok``, land parts).
* ``BETROKKEN_PC4_URL`` (default ``https://download.cbs.nl/postcode``): the CBS
  "Kerncijfers per postcode" ZIP (``sources.pc4_cbs``), used when there is no mirror.
* ``BETROKKEN_MIRROR_URL`` (no default): a plain HTTP copy of a data directory
  (``sources.mirror``), for the files that have no official JSON service.

Every transfer streams to disk with retries and back-off and resumes after an
interruption (``sources.transfer``); the cache (``BETROKKEN_CACHE``, default
``~/.cache/betrokken``) has a checksum manifest, and a second build reads the cache.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from betrokken.config import cache_dir as default_cache_dir
from betrokken.errors import SourceError
from betrokken.sources import LOCAL_SOURCES
from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2022,
    GEMEENTE_2022_POLYGONS,
    GEMEENTE_2024,
    GEMEENTE_2024_POLYGONS,
)
from betrokken.sources.kwb_keys import OPTIONAL_YEAR_KEYS, YEAR_KEYS
from betrokken.sources.kwb_population import KWB_2024_POPULATION
from betrokken.sources.kwb_wijk import WIJK_2024, WIJK_2024_POLYGONS
from betrokken.sources.mirror import fetch_source, mirror_url
from betrokken.sources.odata import column_by_base, fetch_odata_table, odata_url
from betrokken.sources.pc4_cbs import PC4_CBS, fetch_pc4_zip, pc4_url, read_pc4_zip
from betrokken.sources.pdok import fetch_pdok_features, fetch_pdok_geojson, pdok_url
from betrokken.sources.years import (
    DEFAULT_YEAR,
    SUPPORTED_BUILD_YEARS,
    build_year,
    check_kwb_table,
    kwb_table,
)

POPULATION_FILE_KEYS = ("AantalInwoners", "Mannen", "Vrouwen", "Bevolkingsdichtheid",
                        "Woningvoorraad", "OppervlakteTotaal", "OppervlakteLand",
                        "OppervlakteWater")
BUURT_KEYS = ("AantalInwoners", "Mannen", "Vrouwen", "k_0Tot15Jaar", "k_15Tot25Jaar",
              "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder", "Nederland",
              "EuropaExclusiefNederland", "BuitenEuropa", "HuishoudensTotaal",
              "Eenpersoonshuishoudens", "HuishoudensZonderKinderen", "HuishoudensMetKinderen",
              "OppervlakteLand")
"""KWB base names (the key number is resolved from each release's ``DataProperties``)."""
OPTIONAL_BUURT_KEYS = ("Omgevingsadressendichtheid", "MateVanStedelijkheid")


def fetch_kwb(year: int, cache_dir: Path, *, progress=None) -> pd.DataFrame:
    """KWB of ``year`` for every gemeente, wijk and buurt: the columns we use."""
    wanted = tuple(dict.fromkeys((*BUURT_KEYS, *POPULATION_FILE_KEYS)))
    return fetch_odata_table(kwb_table(year), wanted, cache_dir,
                             optional=OPTIONAL_BUURT_KEYS, progress=progress)


def fetch_kwb_2024(cache_dir: Path, *, progress=None) -> pd.DataFrame:
    """KWB 2024 (85984NED) for every gemeente, wijk and buurt."""
    return fetch_kwb(2024, cache_dir, progress=progress)


def write_kwb_2024_population_file(table: pd.DataFrame, data_dir: Path) -> Path:
    """The gemeente + wijk rows of the KWB table in the layout of the local extract.

    Columns keep this release's keys; the reader resolves them by base name.
    """
    level = table["regio_code"].str[:2].map({"GM": "gemeente", "WK": "wijk"})
    out = table[level.notna()].copy()
    out.insert(1, "level", level[level.notna()])
    columns = ["regio_code", "level", *(c for c in out.columns
                                        if c.rsplit("_", 1)[0] in POPULATION_FILE_KEYS)]
    dest = Path(data_dir) / "cbs" / KWB_2024_POPULATION.filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    out[columns].to_csv(dest, index=False)
    return dest


# --------------------------------------------------------------------------- official


KWB_2022_TABLE = kwb_table(2022)
KWB_2022_KEYS = ("AantalInwoners", "Mannen", "Vrouwen", "k_0Tot15Jaar", "k_15Tot25Jaar",
                 "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder", "HuishoudensTotaal",
                 "Eenpersoonshuishoudens", "HuishoudensZonderKinderen",
                 "HuishoudensMetKinderen", "Woningvoorraad", "GemiddeldeWoningwaarde",
                 "Koopwoningen", "GemiddeldInkomenPerInwoner",
                 "k_40HuishoudensMetLaagsteInkomen", "k_20HuishoudensMetHoogsteInkomen",
                 "OpleidingsniveauLaag", "OpleidingsniveauMiddelbaar", "OpleidingsniveauHoog",
                 "Omgevingsadressendichtheid", "MateVanStedelijkheid")
"""85318NED columns (units from its DataProperties: ages and households are counts,
Koopwoningen and the income shares are percentages, WOZ and income x 1,000 euro)."""


def kwb_attributes(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """StatLine KWB rows of one level in the column layout of the local attribute files.

    Counts become percentages of residents (age, herkomst) or of households (types),
    as the PDOK/geoinzicht files publish them; everything else keeps its unit.
    """
    rows = table[table["regio_code"].str.startswith(prefix)].reset_index(drop=True)
    pop = column_by_base(rows, "AantalInwoners")
    hh = column_by_base(rows, "HuishoudensTotaal")
    out = pd.DataFrame({"aantal_inwoners": pop, "mannen": column_by_base(rows, "Mannen"),
                        "vrouwen": column_by_base(rows, "Vrouwen")})
    groups = (
        (("0_15", "k_0Tot15Jaar"), ("15_25", "k_15Tot25Jaar"), ("25_45", "k_25Tot45Jaar"),
         ("45_65", "k_45Tot65Jaar"), ("65plus", "k_65JaarOfOuder")),
        (("pct_herkomst_nl", "Nederland"), ("pct_herkomst_europa", "EuropaExclusiefNederland"),
         ("pct_herkomst_buiten_europa", "BuitenEuropa")),
        (("pct_eenpersoonshhd", "Eenpersoonshuishoudens"),
         ("pct_hhd_zonder_kind", "HuishoudensZonderKinderen"),
         ("pct_hhd_met_kind", "HuishoudensMetKinderen")),
    )
    for group in groups:
        # CBS rounds small-area counts (to fives): divide by the group's own sum so
        # the shares of a group add up to 1 instead of by the rounded total.
        counts = pd.DataFrame({ours: column_by_base(rows, base) for ours, base in group})
        total = counts.sum(axis=1, min_count=len(group))
        for ours in counts.columns:
            out[ours] = 100 * counts[ours] / total.where(total > 0)
    out["huishoudens"] = hh
    for ours, base in (("omgevingsadressendichtheid", "Omgevingsadressendichtheid"),
                       ("stedelijkheid", "MateVanStedelijkheid"),
                       ("woningvoorraad", "Woningvoorraad"),
                       ("gem_woz_waarde", "GemiddeldeWoningwaarde"),
                       ("koopwoningen", "Koopwoningen"),
                       ("gem_inkomen_inwoner", "GemiddeldInkomenPerInwoner"),
                       ("pct_hh_laag_inkomen", "k_40HuishoudensMetLaagsteInkomen"),
                       ("pct_hh_hoog_inkomen", "k_20HuishoudensMetHoogsteInkomen"),
                       ("opl_laag", "OpleidingsniveauLaag"),
                       ("opl_midden", "OpleidingsniveauMiddelbaar"),
                       ("opl_hoog", "OpleidingsniveauHoog")):
        out[ours] = column_by_base(rows, base)
    codes = rows["regio_code"].str.strip()
    names = rows["regio_naam"].fillna("")
    if prefix == "GM":
        out.insert(0, "gemeentecode", codes)
        out.insert(1, "gemeentenaam", names)
    else:
        out.insert(0, "wijkcode", codes)
        out.insert(1, "wijknaam", names)
        out.insert(2, "gemeentecode", "GM" + codes.str[2:6])
    return out


def write_official_sources(data_dir: Path, table_2024: pd.DataFrame, *, progress=None
                           ) -> dict[str, str]:
    """Build the local-layout files that CBS/PDOK publish as open services.

    KWB 2024 gemeente and wijk attributes (85984NED), KWB 2022 gemeente attributes
    (85318NED), and the 2024/2022 gemeente and 2024 wijk boundaries (PDOK). Returns the
    origin URL per source name.
    """
    cbs = Path(data_dir) / "cbs"
    cbs.mkdir(parents=True, exist_ok=True)
    kwb_attributes(table_2024, "GM").to_csv(cbs / GEMEENTE_2024.filename, index=False)
    kwb_attributes(table_2024, "WK").to_csv(cbs / WIJK_2024.filename, index=False)
    table_2022 = fetch_odata_table(KWB_2022_TABLE, KWB_2022_KEYS, data_dir, progress=progress)
    kwb_attributes(table_2022, "GM").to_csv(cbs / GEMEENTE_2022.filename, index=False)
    origins = {GEMEENTE_2024.name: f"{odata_url()}/{kwb_table(2024)}",
               WIJK_2024.name: f"{odata_url()}/{kwb_table(2024)}",
               GEMEENTE_2022.name: f"{odata_url()}/{KWB_2022_TABLE}"}
    for source, year, collection in ((GEMEENTE_2024_POLYGONS, 2024, "gemeenten"),
                                     (GEMEENTE_2022_POLYGONS, 2022, "gemeenten"),
                                     (WIJK_2024_POLYGONS, 2024, "wijken")):
        path = fetch_pdok_geojson(year, collection, data_dir, progress=progress)
        target = cbs / source.filename
        target.unlink(missing_ok=True)
        target.symlink_to(path.resolve())
        origins[source.name] = f"{pdok_url(year)}/collections/{collection}"
    return origins


# --------------------------------------------------------------------------- all


def download_sources(*, progress=None, cache: Path | None = None, year: int = DEFAULT_YEAR
                     ) -> tuple[Path, dict, dict[str, str]]:
    """Fetch what a build of KWB ``year`` needs; returns (data dir in the cache, extras, origins).

    The year's KWB table (``sources.years``) is first checked against the CBS catalogue.
    With ``BETROKKEN_MIRROR_URL`` every local file comes from the mirror. Without it,
    the files CBS and PDOK publish as open services are built from those services
    (KWB of the year and two years before, boundaries) and PC4 comes from CBS's postcode
    ZIP (``extras['pc4']``, or ``extras['pc4_error']`` when that fails); the others (the
    local PC4 tables, the address crosswalks, the 2019/2020 history) are then absent and
    the build leaves out what depends on them (the historic rows).
    ``extras`` holds the buurt table (KWB rows with a BU code), the buurt polygons
    (PDOK, land parts) and ``catalogue`` (the catalogue entry of the KWB table);
    ``origins`` maps source names to the URL they came from.
    """
    if year not in SUPPORTED_BUILD_YEARS:
        build_year(year)  # names an unknown year first
        raise SourceError(
            f"Een downloadbuild voor jaar {year} wordt nog niet ondersteund: getest zijn "
            f"de tabelindelingen van {', '.join(map(str, SUPPORTED_BUILD_YEARS))}.",
            hint="Zie docs/data.md, 'Refresh by year'.")
    plan = build_year(year)
    catalogue = check_kwb_table(year)
    cache = Path(cache) if cache is not None else default_cache_dir()
    data_dir = cache / "data"
    (data_dir / "cbs").mkdir(parents=True, exist_ok=True)
    if year != DEFAULT_YEAR:
        extras, origins = download_year(plan, data_dir, catalogue, progress=progress)
        return data_dir, extras, origins
    origins: dict[str, str] = {}
    table = fetch_kwb(year, data_dir, progress=progress)
    write_kwb_2024_population_file(table, data_dir)
    origins[KWB_2024_POPULATION.name] = f"{odata_url()}/{plan.kwb_table}"
    mirror = mirror_url()
    extras: dict = {"catalogue": catalogue, "plan": plan}
    if mirror is None:
        origins.update(write_official_sources(data_dir, table, progress=progress))
        extras.update(fetch_official_pc4(data_dir, origins, progress=progress))
    else:
        for source in LOCAL_SOURCES:
            if source.name in origins:
                continue
            fetch_source(source, data_dir, progress=progress)
            origins[source.name] = f"{mirror}/cbs/{source.filename}"
    buurt = table[table["regio_code"].str.startswith("BU")].reset_index(drop=True)
    geoms = fetch_pdok_features(plan.pdok_year, "buurten", data_dir, progress=progress,
                                columns=["buurtcode"])
    origins[f"kwb_{year}_buurt"] = f"{odata_url()}/{plan.kwb_table}"
    origins[f"kwb_{year}_buurt_grenzen"] = f"{pdok_url(plan.pdok_year)}/collections/buurten"
    extras.update({"buurt": buurt, "buurt_geometries": geoms})
    return data_dir, extras, origins


def download_year(plan, data_dir: Path, catalogue: dict, *, progress=None
                  ) -> tuple[dict, dict[str, str]]:
    """Everything of KWB ``plan.year`` from the official services alone (no mirror).

    One KWB table (gemeente, wijk and buurt rows, ``areas.kwb_year``), the PDOK
    boundaries of the same year (land parts) and the newest CBS PC4 file. Returns
    (extras, origins); ``extras['kwb']`` marks a build by year for the area stage.
    """
    year = plan.year
    table = fetch_odata_table(plan.kwb_table, YEAR_KEYS, data_dir,
                              optional=OPTIONAL_YEAR_KEYS, progress=progress)
    origins = {f"kwb_{year}": f"{odata_url()}/{plan.kwb_table}"}
    extras: dict = {"catalogue": catalogue, "plan": plan, "kwb": table}
    for level, collection, code in (("gemeente", "gemeenten", "gemeentecode"),
                                    ("wijk", "wijken", "wijkcode"),
                                    ("buurt", "buurten", "buurtcode")):
        extras[f"{level}_geometries"] = fetch_pdok_features(
            plan.pdok_year, collection, data_dir, progress=progress, columns=[code])
        origins[f"kwb_{year}_{level}_grenzen"] = (f"{pdok_url(plan.pdok_year)}/collections/"
                                                  f"{collection}")
    extras.update(fetch_official_pc4(data_dir, origins, progress=progress))
    return extras, origins


def fetch_official_pc4(data_dir: Path, origins: dict[str, str], *, progress=None) -> dict:
    """CBS Kerncijfers per postcode (``sources.pc4_cbs``) as ``extras['pc4']``.

    A failed PC4 download does not stop the build: gemeente, wijk and buurt are still
    built, and ``extras['pc4_error']`` says why PC4 is missing (a build note).
    """
    try:
        table = read_pc4_zip(fetch_pc4_zip(data_dir, progress=progress))
    except SourceError as exc:
        return {"pc4_error": exc.message}
    origins[PC4_CBS.name] = pc4_url()
    return {"pc4": table}
