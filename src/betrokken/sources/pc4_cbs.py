"""CBS "Kerncijfers per postcode" (PC4): the official download of PC4 statistics + polygons.

CBS publishes the PC4 figures as a ZIP per reference year and release on
``https://download.cbs.nl/postcode/`` (``<release year>-cbs_pc4_<year>_<version>.zip``,
e.g. ``2024-cbs_pc4_2021_vol.zip``), holding a GeoPackage (EPSG:28992) with one polygon
per postcode and columns such as ``postcode``, ``aantal_inwoners``, ``aantal_mannen``,
``aantal_vrouwen``, ``aantal_inwoners_0_tot_15_jaar`` … ``aantal_inwoners_65_jaar_en_ouder``,
herkomst percentages, household counts, ``gemiddelde_woz_waarde_woning`` (x 1,000 euro)
and ``percentage_koopwoningen`` (see docs/data.md for the sources of these names).

The base URL is a setting (``BETROKKEN_PC4_URL``) so tests and organisations can point
it elsewhere. CBS secrecy codes (-99997 geheim, -99995 nog niet beschikbaar, ...) become
NULL and are named per row in ``secret_fields`` (``sources.base.validate``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from betrokken.config import setting
from betrokken.errors import SourceError
from betrokken.sources import transfer
from betrokken.sources.base import Source, validate
from betrokken.sources.kwb_gemeente import CC_BY

PC4_URL_ENV = "BETROKKEN_PC4_URL"
DEFAULT_PC4_URL = "https://download.cbs.nl/postcode"
PC4_YEAR = 2021
PC4_RELEASE = "2024-cbs_pc4_2021_vol.zip"
"""The 'vol' (complete) release of reference year 2021: the year of the local PC4 files,
so a download build and a local build describe the same year."""

AGE_COLUMNS = ("aantal_inwoners_0_tot_15_jaar", "aantal_inwoners_15_tot_25_jaar",
               "aantal_inwoners_25_tot_45_jaar", "aantal_inwoners_45_tot_65_jaar",
               "aantal_inwoners_65_jaar_en_ouder")
HERKOMST_COLUMNS = {
    # ours: the CBS percentages that add up to it (2022+ 'herkomst' classification)
    "share_migration_nl": ("percentage_geb_nederland_herkomst_nederland",),
    "share_migration_west": ("percentage_geb_nederland_herkomst_overig_europa",
                             "percentage_geb_buiten_nederland_herkomst_europa"),
    "share_migration_nietwest": ("percentage_geb_nederland_herkomst_buiten_europa",
                                 "percentage_geb_buiten_nederland_herkmst_buiten_europa"),
}
"""CBS spells the last column 'herkmst' in the files."""
OLD_MIGRATION_COLUMNS = {
    "share_migration_nl": ("percentage_nederlandse_achtergrond",),
    "share_migration_west": ("percentage_westerse_migr_achtergr",),
    "share_migration_nietwest": ("percentage_niet_westerse_migr_achtergr",),
}
"""Older releases (westers / niet-westers); used only when the herkomst columns are absent."""
HOUSEHOLD_COLUMNS = {
    "share_hh_single": ("aantal_eenpersoonshuishoudens",),
    "share_hh_couple_no_children": ("aantal_meerpersoonshuishoudens_zonder_kind",),
    "share_hh_with_children": ("aantal_eenouderhuishoudens", "aantal_tweeouderhuishoudens"),
}
OPTIONAL_NUMERIC = (
    *(c for group in HERKOMST_COLUMNS.values() for c in group),
    *(c for group in OLD_MIGRATION_COLUMNS.values() for c in group),
    *(c for group in HOUSEHOLD_COLUMNS.values() for c in group),
    "aantal_part_huishoudens", "gemiddelde_woz_waarde_woning", "percentage_koopwoningen",
    "aantal_woningen", "omgevingsadressendichtheid", "stedelijkheid",
)

PC4_CBS = Source(
    name="pc4_cbs_kerncijfers",
    description="Kerncijfers per postcode-4 (CBS, GeoPackage in ZIP), RD New",
    year=PC4_YEAR,
    licence=CC_BY + " (grenzen © CBS, © ESRI Nederland)",
    origin="CBS Kerncijfers per postcode, download.cbs.nl/postcode",
    filename=PC4_RELEASE,
    required_columns=("postcode", "aantal_inwoners", "aantal_mannen", "aantal_vrouwen",
                      *AGE_COLUMNS, "geometry"),
    numeric_columns=("aantal_inwoners", "aantal_mannen", "aantal_vrouwen", *AGE_COLUMNS),
    min_rows=4000,
    code_column="postcode",
    code_prefix=r"^\d{4}$",
    kind="vector",
    download_url=f"{DEFAULT_PC4_URL}/{PC4_RELEASE}",
    meta={"optional_numeric": OPTIONAL_NUMERIC},
)


def pc4_url() -> str:
    """Where the ZIP is fetched: ``BETROKKEN_PC4_URL`` + release file name."""
    return setting(PC4_URL_ENV, DEFAULT_PC4_URL).rstrip("/") + f"/{PC4_RELEASE}"


def fetch_pc4_zip(cache_dir: Path, *, progress=None) -> Path:
    """Download the ZIP into ``<cache>/cbs/`` (checksummed cache, resumable stream)."""
    return transfer.fetch_file(pc4_url(), Path(cache_dir) / "cbs" / PC4_RELEASE,
                               progress=progress, manifest_root=Path(cache_dir))


def read_pc4_zip(path: Path, *, source: Source = PC4_CBS):
    """The PC4 layer of the GeoPackage in the ZIP, validated, as a GeoDataFrame.

    The layer is found by its columns (the one with ``postcode``), not by name, since
    CBS names layers after the release. Raises ``SourceError`` naming the file for a
    broken ZIP, a ZIP without GeoPackage or a missing column.
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    if not path.is_file():
        raise SourceError(f"Bronbestand '{path.name}' (Kerncijfers per postcode) ontbreekt.")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".gpkg")]
            if not members:
                raise SourceError(f"ZIP '{path.name}' bevat geen GeoPackage (.gpkg).",
                                  hint="Is de URL-instelling BETROKKEN_PC4_URL juist?")
            target = path.parent / (path.stem + "_" + Path(members[0]).name)
            if not target.is_file() or target.stat().st_mtime < path.stat().st_mtime:
                part = target.with_name(target.name + ".part")
                with archive.open(members[0]) as src, part.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                part.replace(target)
    except zipfile.BadZipFile:
        raise SourceError(f"Bestand '{path.name}' is geen geldige ZIP (afgebroken download?).",
                          hint="Verwijder het uit de cache en probeer opnieuw.") from None
    try:
        layers = [name for name, _ in pyogrio.list_layers(target)]
        layer = next((name for name in layers
                      if "postcode" in pyogrio.read_info(target, layer=name)["fields"]), None)
        if layer is None:
            raise SourceError(f"GeoPackage '{target.name}' heeft geen laag met kolom "
                              "'postcode'.")
        frame = gpd.read_file(target, layer=layer)
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError(f"Geodata '{target.name}' kan niet gelezen worden: "
                          f"{str(exc)[:200]}") from None
    if frame.crs is None:
        raise SourceError(f"Geodata '{target.name}' heeft geen coördinatenstelsel.")
    if "postcode" in frame:  # CBS stores the postcode as a number (1011)
        code = pd.to_numeric(frame["postcode"], errors="coerce").astype("Int64")
        frame["postcode"] = code.astype(str).str.zfill(4)
    return validate(frame, source, path)
