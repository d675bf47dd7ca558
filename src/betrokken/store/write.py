"""Write the area stage into DuckDB: areas, geometries, crosswalk, sources, build info.

Geometries are projected with pyproj (vectorised, via geopandas) and stored as DuckDB
GEOMETRY. The WGS84 copy is (lon, lat) (``always_xy``), which is what GeoJSON and the
web map expect (EPSG:4326's official axis order is lat, lon). ``geom_display`` is
simplified in metres before the transform and rounded to about 10 m, so the whole
country at PC4 level stays a few MB of GeoJSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from betrokken import schema
from betrokken.areas.quality import quality_summary
from betrokken.version import code_version

DISPLAY_TOLERANCE_M = {"gemeente": 100.0, "wijk": 30.0, "buurt": 15.0, "pc4": 30.0}
"""Douglas-Peucker tolerance (metres, RD New) for the display geometry per level."""
DISPLAY_DECIMALS = 4
"""Decimals of lon/lat kept in the display geometry: about 7-11 m, below the tolerance."""


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

    frame = geometry_frame(tables.geometries)
    con.register("geoms_df", frame)
    con.execute(
        """
        CREATE OR REPLACE TABLE area_geometries AS
        SELECT level, area_code, year,
               ST_GeomFromWKB(rd) AS geom_rd,
               ST_GeomFromWKB(wgs84) AS geom_wgs84,
               ST_GeomFromWKB(display) AS geom_display
        FROM geoms_df ORDER BY level, year, area_code
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
    margin_model = getattr(tables, "margin_model", None)
    if margin_model:
        _put(con, "margin_model", json.dumps(margin_model))
    if len(tables.code_changes):
        _put(con, "gemeente_code_changes_2022_2024",
             json.dumps(tables.code_changes.to_dict("records")))

    rows = con.execute(
        "SELECT level, count(*) FROM areas WHERE is_current GROUP BY level"
    ).fetchall()
    counts = dict(rows)
    return {level: int(counts[level]) for level in schema.LEVELS if level in counts}


def geometry_frame(geoms) -> pd.DataFrame:
    """RD, WGS84 (lon, lat) and display geometries as WKB, vectorised with shapely/pyproj.

    Display: Douglas-Peucker in metres per level, then lon/lat rounded to 4 decimals
    (about 7-11 m); where rounding would make a polygon invalid or empty, 5 decimals,
    else the unrounded simplified shape.
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    rd = geoms.geometry.to_numpy()
    tolerance = geoms["level"].map(DISPLAY_TOLERANCE_M).fillna(20.0).to_numpy()
    wgs84 = gpd.GeoSeries(rd, crs=28992).to_crs(4326).to_numpy()  # always_xy: lon, lat
    simple = gpd.GeoSeries(shapely.simplify(rd, tolerance, preserve_topology=True),
                           crs=28992).to_crs(4326).to_numpy()
    display = simple
    for decimals in (5, DISPLAY_DECIMALS):
        rounded = shapely.transform(simple, lambda xy, d=decimals: np.round(xy, d))
        good = shapely.is_valid(rounded) & ~shapely.is_empty(rounded)
        display = np.where(good, rounded, display)
    display = np.where(shapely.is_empty(display), wgs84, display)
    return pd.DataFrame({
        "level": geoms["level"].to_numpy(),
        "area_code": geoms["area_code"].to_numpy(),
        "year": geoms["year"].astype("int64").to_numpy(),
        "rd": shapely.to_wkb(rd),
        "wgs84": shapely.to_wkb(wgs84),
        "display": shapely.to_wkb(display),
    })


def write_build_info(con: duckdb.DuckDBPyConnection, *, data_dir: Path | None, report) -> None:
    """Record when, from what and with which code (and model) the database was built."""
    _ensure_build_info(con)
    quality = getattr(report, "quality", []) or []
    values = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "data_dir": str(data_dir) if data_dir is not None else "download (CBS/PDOK)",
        "level_counts": json.dumps(getattr(report, "level_counts", {})),
        "quality_checks": quality_summary(quality),
        "timings_s": json.dumps({k: round(v, 2) for k, v in
                                 getattr(report, "timings", {}).items()}),
        "duckdb_version": duckdb.__version__,
    }
    model_version = getattr(report, "model_version", None)
    if model_version:
        values["model_version"] = model_version
    local = getattr(report, "local", None)
    if local:
        values["local_indicators"] = json.dumps(
            {"edition": local.get("edition"), "methods": local.get("methods")})
    national = getattr(report, "national_margins", None)
    if national:
        values["national_margins"] = ",".join(national)
    for key, value in values.items():
        _put(con, key, value)


def _ensure_build_info(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS build_info (key VARCHAR PRIMARY KEY, value VARCHAR)")


def _put(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO build_info VALUES (?, ?)", [key, str(value)])
