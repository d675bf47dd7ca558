"""The download path: CBS OData (StatLine) and PDOK into a local cache, with progress bars.

Used when no data directory is given (``betrokken build`` without ``--data-dir`` or
``BETROKKEN_DATA``). Three services, each with a base URL that a setting can change
(tests point them at a local server; an organisation can point them at its own mirror):

* ``BETROKKEN_ODATA_URL`` (default ``https://opendata.cbs.nl/ODataApi/odata``): CBS
  StatLine OData v3 feeds (``DataProperties``, ``TypedDataSet`` with paging through
  ``odata.nextLink``, the ``WijkenEnBuurten`` dimension).
* ``BETROKKEN_PDOK_URL`` (default ``https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1``):
  PDOK OGC API Features of the CBS wijken- en buurtenkaart (GeoJSON pages via ``next``).
* ``BETROKKEN_PC4_URL`` (default ``https://download.cbs.nl/postcode``): the CBS
  "Kerncijfers per postcode" ZIP (``sources.pc4_cbs``), used when there is no mirror.
* ``BETROKKEN_MIRROR_URL`` (no default): a plain HTTP copy of a data directory
  (``<mirror>/cbs/<file>``), for the files that have no official JSON service.

From the official services the build gets KWB 2024 for gemeente, wijk and buurt, the
2024 boundaries and (without a mirror) PC4 from CBS's postcode file; buurt level exists
only on this path. Every download is cached
(``BETROKKEN_CACHE``, default ``~/.cache/betrokken``) and a second build reads the cache.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

import httpx
import pandas as pd

from betrokken.config import cache_dir as default_cache_dir
from betrokken.errors import SourceError

ODATA_ENV = "BETROKKEN_ODATA_URL"
PDOK_ENV = "BETROKKEN_PDOK_URL"
MIRROR_ENV = "BETROKKEN_MIRROR_URL"
DEFAULT_ODATA_URL = "https://opendata.cbs.nl/ODataApi/odata"
DEFAULT_PDOK_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
TIMEOUT_S = 60.0
KWB_2024_TABLE = "85984NED"

KWB_2024_KEYS: dict[str, str] = {
    "AantalInwoners": "AantalInwoners_5",
    "Mannen": "Mannen_6",
    "Vrouwen": "Vrouwen_7",
    "k_0Tot15Jaar": "k_0Tot15Jaar_8",
    "k_15Tot25Jaar": "k_15Tot25Jaar_9",
    "k_25Tot45Jaar": "k_25Tot45Jaar_10",
    "k_45Tot65Jaar": "k_45Tot65Jaar_11",
    "k_65JaarOfOuder": "k_65JaarOfOuder_12",
    "Nederland": "Nederland_17",
    "EuropaExclusiefNederland": "EuropaExclusiefNederland_18",
    "BuitenEuropa": "BuitenEuropa_19",
    "HuishoudensTotaal": "HuishoudensTotaal_29",
    "Eenpersoonshuishoudens": "Eenpersoonshuishoudens_30",
    "HuishoudensZonderKinderen": "HuishoudensZonderKinderen_31",
    "HuishoudensMetKinderen": "HuishoudensMetKinderen_32",
    "Bevolkingsdichtheid": "Bevolkingsdichtheid_34",
    "Woningvoorraad": "Woningvoorraad_35",
    "OppervlakteTotaal": "OppervlakteTotaal_122",
    "OppervlakteLand": "OppervlakteLand_123",
    "OppervlakteWater": "OppervlakteWater_124",
    "Omgevingsadressendichtheid": "Omgevingsadressendichtheid_121",
    "MateVanStedelijkheid": "MateVanStedelijkheid_120",
}
"""85984NED column keys by base name (the number after '_' is resolved from the live
``DataProperties``; these are the known keys, used only to report what is missing)."""

POPULATION_FILE_KEYS = ("AantalInwoners", "Mannen", "Vrouwen", "Bevolkingsdichtheid",
                        "Woningvoorraad", "OppervlakteTotaal", "OppervlakteLand",
                        "OppervlakteWater")
BUURT_KEYS = ("AantalInwoners", "Mannen", "Vrouwen", "k_0Tot15Jaar", "k_15Tot25Jaar",
              "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder", "Nederland",
              "EuropaExclusiefNederland", "BuitenEuropa", "HuishoudensTotaal",
              "Eenpersoonshuishoudens", "HuishoudensZonderKinderen", "HuishoudensMetKinderen",
              "OppervlakteLand")
OPTIONAL_BUURT_KEYS = ("Omgevingsadressendichtheid", "MateVanStedelijkheid")


def odata_url() -> str:
    return os.environ.get(ODATA_ENV, DEFAULT_ODATA_URL).rstrip("/")


def pdok_url(year: int) -> str:
    return os.environ.get(PDOK_ENV, DEFAULT_PDOK_URL).rstrip("/").format(year=year)


def mirror_url() -> str | None:
    raw = os.environ.get(MIRROR_ENV)
    return raw.rstrip("/") if raw else None


def http_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT_S, follow_redirects=True,
                        headers={"User-Agent": "betrokken (open data build)"})


# --------------------------------------------------------------------------- files


def fetch_file(url: str, dest: Path, *, progress=None, client: httpx.Client | None = None
               ) -> Path:
    """Download ``url`` to ``dest`` unless cached; streams with a progress bar.

    Writes to ``<dest>.part`` and renames on success, so an interrupted download is
    never mistaken for a cached file.
    """
    dest = Path(dest)
    if dest.is_file() and dest.stat().st_size > 0:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    own = client is None
    client = client or http_client()
    try:
        with client.stream("GET", url) as response:
            _raise_for_status(response, url)
            total = int(response.headers.get("Content-Length", 0)) or None
            task = (progress.add_task(f"Downloaden {dest.name}", total=total)
                    if progress is not None else None)
            with part.open("wb") as out:
                for chunk in response.iter_bytes(chunk_size=1 << 16):
                    out.write(chunk)
                    if task is not None:
                        progress.advance(task, len(chunk))
        part.replace(dest)
    except httpx.HTTPError as exc:
        part.unlink(missing_ok=True)
        raise SourceError(f"Downloaden van {url} mislukt: {exc}",
                          hint="Controleer de internetverbinding of gebruik --data-dir.") from None
    finally:
        if own:
            client.close()
    return dest


def fetch_source(source, cache_dir: Path, *, progress=None) -> Path:
    """A source file from the mirror (``BETROKKEN_MIRROR_URL``) into the cache."""
    mirror = mirror_url()
    if mirror is None:
        raise SourceError(
            f"Voor bron '{source.name}' ({source.filename}) is geen officiële download "
            "als bestand beschikbaar.",
            hint=f"Gebruik --data-dir, of zet {MIRROR_ENV} op een kopie van de datamap.",
        )
    return fetch_file(f"{mirror}/cbs/{quote(source.filename)}",
                      Path(cache_dir) / "cbs" / source.filename, progress=progress)


def _raise_for_status(response: httpx.Response, url: str) -> None:
    if response.status_code >= 400:
        raise SourceError(f"De server gaf fout {response.status_code} voor {url}.",
                          hint="Controleer de URL-instelling of probeer het later opnieuw.")


def _get_json(client: httpx.Client, url: str, params: dict | None = None) -> dict:
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise SourceError(f"Downloaden van {url} mislukt: {exc}",
                          hint="Controleer de internetverbinding of gebruik --data-dir.") from None
    _raise_for_status(response, url)
    try:
        return response.json()
    except ValueError:
        raise SourceError(f"Antwoord van {url} is geen geldige JSON.") from None


# --------------------------------------------------------------------------- OData


def resolve_keys(properties: list[dict], base_names: tuple[str, ...], table: str,
                 optional: tuple[str, ...] = ()) -> dict[str, str]:
    """Map base names (``AantalInwoners``) to this table's keys (``AantalInwoners_5``)."""
    keys = [p.get("Key", "") for p in properties if p.get("Key")]
    found: dict[str, str] = {}
    for base in (*base_names, *optional):
        match = [k for k in keys if k == base or k.rsplit("_", 1)[0] == base]
        if match:
            found[base] = match[0]
        elif base in base_names:
            raise SourceError(
                f"CBS-tabel {table} heeft geen kolom '{base}' (verwacht bijv. "
                f"'{KWB_2024_KEYS.get(base, base)}').",
                hint="De tabel is gewijzigd; pas sources/download.py aan.",
            )
    return found


def fetch_odata_table(table: str, base_names: tuple[str, ...], cache_dir: Path, *,
                      optional: tuple[str, ...] = (), progress=None) -> pd.DataFrame:
    """All rows of a StatLine table for the given columns, cached as CSV.

    Columns come back under their full keys; ``regio_code`` holds the stripped
    ``WijkenEnBuurten`` code and ``regio_naam`` the dimension title.
    """
    cache = Path(cache_dir) / "odata" / f"{table}.csv"
    if cache.is_file():
        return pd.read_csv(cache, dtype={"regio_code": str, "regio_naam": str})
    base = f"{odata_url()}/{table}"
    with http_client() as client:
        props = _get_json(client, f"{base}/DataProperties", {"$format": "json"})["value"]
        keys = resolve_keys(props, base_names, table, optional)
        regions = _get_json(client, f"{base}/WijkenEnBuurten", {"$format": "json"})["value"]
        names = {r["Key"].strip(): (r.get("Title") or "").strip() for r in regions}
        select = ",".join(["WijkenEnBuurten", *keys.values()])
        url: str | None = f"{base}/TypedDataSet"
        params: dict | None = {"$format": "json", "$select": select}
        rows: list[dict] = []
        task = (progress.add_task(f"CBS {table}", total=len(names) or None)
                if progress is not None else None)
        while url:
            page = _get_json(client, url, params)
            rows.extend(page.get("value", []))
            if task is not None:
                progress.update(task, completed=len(rows))
            url, params = page.get("odata.nextLink"), None
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise SourceError(f"CBS-tabel {table} gaf geen rijen terug.")
    frame.insert(0, "regio_code", frame.pop("WijkenEnBuurten").str.strip())
    frame.insert(1, "regio_naam", frame["regio_code"].map(names))
    cache.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(cache, index=False)
    return frame


def fetch_kwb_2024(cache_dir: Path, *, progress=None) -> pd.DataFrame:
    """KWB 2024 (85984NED) for every gemeente, wijk and buurt: the columns we use."""
    wanted = tuple(dict.fromkeys((*BUURT_KEYS, *POPULATION_FILE_KEYS)))
    return fetch_odata_table(KWB_2024_TABLE, wanted, cache_dir,
                             optional=OPTIONAL_BUURT_KEYS, progress=progress)


def write_kwb_2024_population_file(table: pd.DataFrame, data_dir: Path) -> Path:
    """The gemeente + wijk rows of 85984NED in the layout of the local extract."""
    from betrokken.sources.kwb_population import KWB_2024_POPULATION

    level = table["regio_code"].str[:2].map({"GM": "gemeente", "WK": "wijk"})
    out = table[level.notna()].copy()
    out.insert(1, "level", level[level.notna()])
    columns = ["regio_code", "level", *(c for c in out.columns
                                        if c.rsplit("_", 1)[0] in POPULATION_FILE_KEYS)]
    dest = Path(data_dir) / "cbs" / KWB_2024_POPULATION.filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    out[columns].to_csv(dest, index=False)
    return dest


# --------------------------------------------------------------------------- PDOK


def fetch_pdok_features(year: int, collection: str, cache_dir: Path, *, progress=None,
                        page_size: int = 1000):
    """All features of a PDOK wijken-en-buurten collection as a GeoDataFrame."""
    import geopandas as gpd

    path = fetch_pdok_geojson(year, collection, cache_dir, progress=progress,
                              page_size=page_size)
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs("OGC:CRS84")
    return frame


def fetch_pdok_geojson(year: int, collection: str, cache_dir: Path, *, progress=None,
                       page_size: int = 1000) -> Path:
    """All features of a PDOK wijken-en-buurten collection (GeoJSON pages), cached.

    The file carries ``metadata.year`` like the local boundary files, so the same
    year check applies.
    """
    cache = Path(cache_dir) / "pdok" / f"{collection}_{year}.geojson"
    if not cache.is_file():
        url: str | None = f"{pdok_url(year)}/collections/{collection}/items"
        params: dict | None = {"f": "json", "limit": page_size}
        features: list[dict] = []
        task = (progress.add_task(f"PDOK {collection} {year}", total=None)
                if progress is not None else None)
        with http_client() as client:
            while url:
                page = _get_json(client, url, params)
                features.extend(page.get("features", []))
                if task is not None:
                    progress.update(task, completed=len(features))
                url = next((link["href"] for link in page.get("links", [])
                            if link.get("rel") == "next"), None)
                params = None
        if not features:
            raise SourceError(f"PDOK-collectie '{collection}' ({year}) is leeg.")
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"type": "FeatureCollection", "metadata": {"year": year},
                                     "features": features}))
    return cache


# --------------------------------------------------------------------------- official


KWB_2022_TABLE = "85318NED"
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


def _by_base(table: pd.DataFrame, base: str) -> pd.Series:
    match = [c for c in table.columns if c == base or c.rsplit("_", 1)[0] == base]
    if not match:
        return pd.Series(float("nan"), index=table.index)
    return pd.to_numeric(table[match[0]], errors="coerce")


def kwb_attributes(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """StatLine KWB rows of one level in the column layout of the local attribute files.

    Counts become percentages of residents (age, herkomst) or of households (types),
    as the PDOK/geoinzicht files publish them; everything else keeps its unit.
    """
    rows = table[table["regio_code"].str.startswith(prefix)].reset_index(drop=True)
    pop = _by_base(rows, "AantalInwoners")
    hh = _by_base(rows, "HuishoudensTotaal")
    out = pd.DataFrame({"aantal_inwoners": pop, "mannen": _by_base(rows, "Mannen"),
                        "vrouwen": _by_base(rows, "Vrouwen")})
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
        counts = pd.DataFrame({ours: _by_base(rows, base) for ours, base in group})
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
        out[ours] = _by_base(rows, base)
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
    from betrokken.sources.kwb_gemeente import (
        GEMEENTE_2022,
        GEMEENTE_2022_POLYGONS,
        GEMEENTE_2024,
        GEMEENTE_2024_POLYGONS,
    )
    from betrokken.sources.kwb_wijk import WIJK_2024, WIJK_2024_POLYGONS

    cbs = Path(data_dir) / "cbs"
    cbs.mkdir(parents=True, exist_ok=True)
    kwb_attributes(table_2024, "GM").to_csv(cbs / GEMEENTE_2024.filename, index=False)
    kwb_attributes(table_2024, "WK").to_csv(cbs / WIJK_2024.filename, index=False)
    table_2022 = fetch_odata_table(KWB_2022_TABLE, KWB_2022_KEYS, data_dir, progress=progress)
    kwb_attributes(table_2022, "GM").to_csv(cbs / GEMEENTE_2022.filename, index=False)
    origins = {GEMEENTE_2024.name: f"{odata_url()}/{KWB_2024_TABLE}",
               WIJK_2024.name: f"{odata_url()}/{KWB_2024_TABLE}",
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


def download_sources(*, progress=None, cache: Path | None = None
                     ) -> tuple[Path, dict, dict[str, str]]:
    """Fetch what a build needs; returns (data dir in the cache, extras, origins).

    With ``BETROKKEN_MIRROR_URL`` every local file comes from the mirror. Without it,
    the files CBS and PDOK publish as open services are built from those services
    (KWB 2024 and 2022, boundaries) and PC4 comes from CBS's postcode ZIP
    (``extras['pc4']``, or ``extras['pc4_error']`` when that fails); the others (the
    local PC4 tables, the address crosswalks, the 2019/2020 history) are then absent and
    the build leaves out what depends on them (the historic rows).
    ``extras`` holds the buurt table (85984NED rows with a BU code) and the buurt
    polygons (PDOK); ``origins`` maps source names to the URL they came from.
    """
    from betrokken.sources import LOCAL_SOURCES
    from betrokken.sources.kwb_population import KWB_2024_POPULATION

    cache = Path(cache) if cache is not None else default_cache_dir()
    data_dir = cache / "data"
    (data_dir / "cbs").mkdir(parents=True, exist_ok=True)
    origins: dict[str, str] = {}
    table = fetch_kwb_2024(data_dir, progress=progress)
    write_kwb_2024_population_file(table, data_dir)
    origins[KWB_2024_POPULATION.name] = f"{odata_url()}/{KWB_2024_TABLE}"
    mirror = mirror_url()
    extras: dict = {}
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
    geoms = fetch_pdok_features(2024, "buurten", data_dir, progress=progress)
    origins["kwb_2024_buurt"] = f"{odata_url()}/{KWB_2024_TABLE}"
    origins["kwb_2024_buurt_grenzen"] = f"{pdok_url(2024)}/collections/buurten"
    extras.update({"buurt": buurt, "buurt_geometries": geoms})
    return data_dir, extras, origins


def fetch_official_pc4(data_dir: Path, origins: dict[str, str], *, progress=None) -> dict:
    """CBS Kerncijfers per postcode (``sources.pc4_cbs``) as ``extras['pc4']``.

    A failed PC4 download does not stop the build: gemeente, wijk and buurt are still
    built, and ``extras['pc4_error']`` says why PC4 is missing (a build note).
    """
    from betrokken.sources.pc4_cbs import PC4_CBS, fetch_pc4_zip, pc4_url, read_pc4_zip

    try:
        table = read_pc4_zip(fetch_pc4_zip(data_dir, progress=progress))
    except SourceError as exc:
        return {"pc4_error": exc.message}
    origins[PC4_CBS.name] = pc4_url()
    return {"pc4": table}
