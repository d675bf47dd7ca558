"""Export the profile mix per area for QGIS and Excel: gpkg, csv, csv-excel, xlsx or parquet.

One row per area with its population, the privacy flag and reason, the engagement and
trust indices and, per profile, ``share_<id>`` with its 90 % interval
(``share_<id>_lo``/``_hi``). Suppressed areas have empty (NULL) estimates in every
format. GeoPackages carry the RD New (EPSG:28992) polygons.

``csv`` and ``parquet`` are for scripts (English columns, full precision, comma and
decimal point); ``csv-excel``, ``xlsx`` and ``gpkg`` are for people and use the Dutch
columns of ``store.spreadsheet`` (the dashboard's downloads use the same), the XLSX with a
'Toelichting' sheet on sources, licences, versions and column meanings.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.schema import INDEX_COLUMNS, LEVEL_LABELS_NL, LEVELS
from betrokken.store.database import connect, table_exists
from betrokken.store.spreadsheet import (
    about_rows,
    dutch_frame,
    excel_csv_bytes,
    profile_names_of,
    xlsx_bytes,
)

__all__ = ["EXPORT_FORMATS", "export_areas", "export_frame"]

EXPORT_FORMATS: tuple[str, ...] = ("gpkg", "csv", "csv-excel", "xlsx", "parquet")
GEOMETRY_CRS = "EPSG:28992"
_GEMEENTE = re.compile(r"^(GM)?(\d{1,4})$", re.IGNORECASE)


def _check_format(fmt: str) -> str:
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise BetrokkenError(
            f"Onbekend exportformaat '{fmt}'.", hint=f"Kies uit: {', '.join(EXPORT_FORMATS)}."
        )
    return fmt


def _check_level(con: duckdb.DuckDBPyConnection, level: str) -> str:
    level = (level or "").lower()
    if level not in LEVELS:
        raise BetrokkenError(
            f"Onbekend niveau '{level}'.", hint=f"Kies uit: {', '.join(LEVELS)}."
        )
    n = con.execute("SELECT count(*) FROM area_indices WHERE level = ?", [level]).fetchone()[0]
    if n == 0:
        raise BetrokkenError(
            f"Het niveau '{LEVEL_LABELS_NL[level]}' staat niet in deze database.",
            hint="Bouw de database met gegevens voor dit niveau (betrokken build).",
        )
    return level


def _check_gemeente(con: duckdb.DuckDBPyConnection, gemeente: str | None) -> str | None:
    if gemeente is None or str(gemeente).strip() == "":
        return None
    match = _GEMEENTE.match(str(gemeente).strip())
    if not match:
        raise BetrokkenError(
            f"Ongeldige gemeentecode '{gemeente}'.", hint="Gebruik de CBS-code, bv. GM0344."
        )
    code = f"GM{int(match.group(2)):04d}"
    found = con.execute(
        "SELECT count(*) FROM area_indices WHERE level = 'gemeente' AND area_code = ?", [code]
    ).fetchone()[0]
    if not found:
        raise UnknownAreaError(
            f"Gemeente '{code}' staat niet in de database.",
            hint="Gemeentecodes volgen de indeling van het jaar in de database (bv. GM0344).",
        )
    return code


def export_frame(con: duckdb.DuckDBPyConnection, level: str, gemeente: str | None) -> pd.DataFrame:
    """The export table (without geometry) for one level, optionally within one gemeente."""
    for table in ("areas", "area_indices", "profile_mix", "profiles"):
        if not table_exists(con, table):
            raise BetrokkenError(
                f"De database mist de tabel '{table}'.", hint="Bouw hem opnieuw: betrokken build"
            )
    level = _check_level(con, level)
    gemeente = _check_gemeente(con, gemeente)
    where = "i.level = ?"
    params: list = [level]
    if gemeente is not None:
        where += " AND (a.gemeente_code = ? OR i.area_code = ?)"
        params += [gemeente, gemeente]
    base = con.execute(
        f"""
        SELECT i.area_code, a.area_name, i.level, i.year, a.gemeente_code, i.population,
               i.suppressed, i.suppression_reason, i.estimate_method,
               {", ".join(f"CASE WHEN i.suppressed THEN NULL ELSE i.{c} END AS {c}"
                          for c in INDEX_COLUMNS)}
        FROM area_indices i
        LEFT JOIN areas a ON a.level = i.level AND a.area_code = i.area_code AND a.year = i.year
        WHERE {where}
        ORDER BY i.area_code
        """,
        params,
    ).df()
    ids = [r[0] for r in con.execute("SELECT id FROM profiles ORDER BY position").fetchall()]
    mix = con.execute(
        """
        SELECT m.area_code, m.profile_id, m.share, m.share_lo, m.share_hi
        FROM profile_mix m JOIN area_indices i USING (year, level, area_code)
        WHERE m.level = ? AND NOT i.suppressed
        """,
        [level],
    ).df()
    values = ["share", "share_lo", "share_hi"]
    wide = mix.pivot(index="area_code", columns="profile_id", values=values)
    columns = {}
    for pid in ids:
        for stat, suffix in (("share", ""), ("share_lo", "_lo"), ("share_hi", "_hi")):
            key = (stat, pid)
            columns[f"share_{pid}{suffix}"] = wide[key] if key in wide.columns else np.nan
    wide = pd.DataFrame(columns, index=wide.index)
    out = base.merge(wide, left_on="area_code", right_index=True, how="left")
    share_cols = list(columns)
    out.loc[out["suppressed"].astype(bool), [*INDEX_COLUMNS, *share_cols]] = np.nan
    out["suppressed"] = out["suppressed"].astype(bool)
    out["population"] = pd.to_numeric(out["population"], errors="coerce")
    return out


def _geometries(con: duckdb.DuckDBPyConnection, level: str, codes: list[str]):
    import geopandas as gpd

    if not table_exists(con, "area_geometries"):
        raise BetrokkenError("De database mist de tabel 'area_geometries' (nodig voor gpkg).")
    rows = con.execute(
        """
        SELECT area_code, ST_AsWKB(geom_rd) AS wkb FROM area_geometries
        WHERE level = ? AND list_contains(?, area_code)
        QUALIFY row_number() OVER (PARTITION BY area_code ORDER BY year DESC) = 1
        """,
        [level, codes],
    ).df()
    geometry = gpd.GeoSeries.from_wkb([bytes(b) for b in rows["wkb"]], crs=GEOMETRY_CRS)
    return pd.Series(list(geometry), index=rows["area_code"], dtype=object), geometry


def _default_out(level: str, gemeente: str | None, fmt: str) -> Path:
    name = f"betrokken_{level}" + (f"_{gemeente}" if gemeente else "")
    return Path.cwd() / f"{name}.{'csv' if fmt == 'csv-excel' else fmt}"


def export_areas(
    db_path: str | Path,
    *,
    level: str,
    gemeente: str | None = None,
    fmt: str = "csv",
    out: str | Path | None = None,
) -> Path:
    """Write the export file and return its path (see module docstring for the columns)."""
    fmt = _check_format(fmt)
    con = connect(db_path, read_only=True)
    try:
        frame = export_frame(con, level, gemeente)
        gm = _check_gemeente(con, gemeente)
        path = Path(out) if out is not None else _default_out(frame["level"].iat[0], gm, fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "gpkg":
            import geopandas as gpd

            by_code, _ = _geometries(con, level.lower(), frame["area_code"].tolist())
            geo = gpd.GeoDataFrame(
                dutch_frame(frame, profile_names=profile_names_of(con)),
                geometry=gpd.GeoSeries(frame["area_code"].map(by_code), crs=GEOMETRY_CRS),
            )
            path.unlink(missing_ok=True)
            geo.to_file(path, layer=f"betrokken_{level.lower()}", driver="GPKG")
        elif fmt == "csv":
            frame.to_csv(path, index=False, encoding="utf-8")
        elif fmt == "csv-excel":
            path.write_bytes(excel_csv_bytes(dutch_frame(frame,
                                                         profile_names=profile_names_of(con))))
        elif fmt == "xlsx":
            names = profile_names_of(con)
            path.write_bytes(xlsx_bytes(dutch_frame(frame, profile_names=names), "profielmix",
                                        about_rows(con), profile_names=names))
        else:  # parquet, written by DuckDB (no pyarrow needed)
            con.register("_export", frame)
            escaped = str(path).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM _export) TO '{escaped}' (FORMAT PARQUET)")
            con.unregister("_export")
    finally:
        con.close()
    return path
