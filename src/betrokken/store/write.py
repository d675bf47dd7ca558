"""Write the area stage into DuckDB: areas, geometries, crosswalk, sources, build info.

Geometries go in as WKB in RD New and are transformed inside DuckDB spatial. The WGS84
copy uses ``always_xy`` so that coordinates are (lon, lat), which is what GeoJSON and
the web map expect (EPSG:4326's official axis order is lat, lon). ``geom_display`` is
simplified in metres before the transform and rounded to about a metre, so the whole
country at PC4 level stays a few MB of GeoJSON.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

import betrokken
from betrokken import schema

DISPLAY_TOLERANCE_M = {"gemeente": 100.0, "wijk": 30.0, "buurt": 15.0, "pc4": 30.0}
"""Douglas-Peucker tolerance (metres, RD New) for the display geometry per level."""
DISPLAY_PRECISION_DEG = 0.0001
"""Grid (degrees) the display geometry is snapped to: about 7-11 m, below the tolerance."""


def write_area_tables(con: duckdb.DuckDBPyConnection, tables) -> dict[str, int]:
    """Create ``areas``, ``area_geometries``, ``crosswalk_pc4`` and ``sources``.

    Returns the number of current areas per level (coarse to fine).
    """
    areas = tables.areas.copy()
    areas["urbanity"] = areas["urbanity"].astype("float64")
    con.register("areas_df", areas)
    con.execute(
        "CREATE OR REPLACE TABLE areas AS SELECT * REPLACE (CAST(urbanity AS TINYINT) AS urbanity)"
        " FROM areas_df ORDER BY level, year, area_code"
    )
    con.unregister("areas_df")

    geoms = tables.geometries
    frame = pd.DataFrame({
        "level": geoms["level"].to_numpy(),
        "area_code": geoms["area_code"].to_numpy(),
        "year": geoms["year"].astype("int64").to_numpy(),
        "wkb": geoms.geometry.to_wkb().to_numpy(),
    })
    frame["tolerance"] = frame["level"].map(DISPLAY_TOLERANCE_M).fillna(20.0)
    con.register("geoms_df", frame)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE area_geometries AS
        WITH rd AS (
            SELECT level, area_code, year, tolerance, ST_GeomFromWKB(wkb) AS geom_rd
            FROM geoms_df
        )
        , wgs AS (
            SELECT level, area_code, year, geom_rd,
                   ST_Transform(geom_rd, 'EPSG:28992', 'EPSG:4326', true) AS geom_wgs84,
                   ST_Transform(ST_SimplifyPreserveTopology(geom_rd, tolerance),
                                'EPSG:28992', 'EPSG:4326', true) AS simple
            FROM rd
        ), display AS (
            SELECT *, ST_ReducePrecision(simple, {DISPLAY_PRECISION_DEG}) AS snapped FROM wgs
        )
        SELECT level, area_code, year, geom_rd, geom_wgs84,
               CASE WHEN NOT ST_IsEmpty(snapped) AND ST_IsValid(snapped) THEN snapped
                    WHEN NOT ST_IsEmpty(simple) THEN simple
                    ELSE geom_wgs84 END AS geom_display
        FROM display ORDER BY level, year, area_code
        """
    )
    con.unregister("geoms_df")

    con.register("crosswalk_df", tables.crosswalk)
    con.execute("CREATE OR REPLACE TABLE crosswalk_pc4 AS SELECT * FROM crosswalk_df")
    con.unregister("crosswalk_df")
    con.register("sources_df", tables.sources)
    con.execute("CREATE OR REPLACE TABLE sources AS SELECT * FROM sources_df")
    con.unregister("sources_df")

    _ensure_build_info(con)
    _put(con, "area_notes", json.dumps(tables.notes, ensure_ascii=False))
    _put(con, "urbanity_model", json.dumps(tables.urbanity_model))
    if len(tables.code_changes):
        _put(con, "gemeente_code_changes_2022_2024",
             json.dumps(tables.code_changes.to_dict("records")))

    rows = con.execute(
        "SELECT level, count(*) FROM areas WHERE is_current GROUP BY level"
    ).fetchall()
    counts = dict(rows)
    return {level: int(counts[level]) for level in schema.LEVELS if level in counts}


def write_build_info(con: duckdb.DuckDBPyConnection, *, data_dir: Path | None, report) -> None:
    """Record when, from what and with which code (and model) the database was built."""
    _ensure_build_info(con)
    quality = getattr(report, "quality", []) or []
    values = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": _code_version(),
        "data_dir": str(data_dir) if data_dir is not None else "download (CBS/PDOK)",
        "level_counts": json.dumps(getattr(report, "level_counts", {})),
        "quality_checks": f"{sum(bool(c.get('ok')) for c in quality)}/{len(quality)} in orde",
        "timings_s": json.dumps({k: round(v, 2) for k, v in
                                 getattr(report, "timings", {}).items()}),
        "duckdb_version": duckdb.__version__,
    }
    model_version = _model_version(con)
    if model_version:
        values["model_version"] = model_version
    for key, value in values.items():
        _put(con, key, value)


def _ensure_build_info(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS build_info (key VARCHAR PRIMARY KEY, value VARCHAR)")


def _put(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO build_info VALUES (?, ?)", [key, str(value)])


def _code_version() -> str:
    """Package version plus the git commit when run from a checkout."""
    version = betrokken.__version__
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+{commit}" if commit else version


def _model_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The profile model version, when the mix stage wrote one."""
    try:
        from betrokken.model.artifact import load_model
    except ImportError:
        return None
    try:
        return str(load_model().version)
    except Exception:  # a missing artifact is reported by the mix stage, not here
        return None
