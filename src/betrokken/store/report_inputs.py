"""The reads of the PDF reports that the catalogue does not hold.

Each function answers one question of ``reports/`` against a published database (the
one being served, or an older one to compare with), so the reports hold layout and text
and no SQL.
"""

from __future__ import annotations

import duckdb


def area_outline_wkb(con, code: str) -> bytes | None:
    """The area's latest RD polygon as WKB; None without geometries."""
    try:
        con.execute("LOAD spatial")
        row = con.execute("SELECT ST_AsWKB(geom_rd) FROM area_geometries WHERE area_code = ? "
                          "ORDER BY year DESC LIMIT 1", [code]).fetchone()
    except Exception:  # noqa: BLE001 - a database without geometries has no map
        return None
    return bytes(row[0]) if row else None


def source_rows(con) -> list[dict]:
    """Every source of the build (name, description, year, licence, origin), by name."""
    rel = con.execute("SELECT name, description, year, licence, origin FROM sources ORDER BY name")
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def build_facts(con) -> dict:
    """The ``build_info`` table as a dict."""
    return dict(con.execute("SELECT key, value FROM build_info").fetchall())


def national_values(con) -> dict:
    """measure -> NL value; empty for a database from before national estimates."""
    try:
        return dict(con.execute("SELECT measure, value FROM national_estimates").fetchall())
    except duckdb.Error:
        return {}


def profile_names(con) -> dict:
    """profile id -> name."""
    return dict(con.execute("SELECT id, name FROM profiles").fetchall())


def current_area_count(con) -> int:
    """How many current areas (all levels) the database holds."""
    return con.execute("SELECT count(*) FROM areas WHERE is_current").fetchone()[0]


def gemeente_median(con, measure: str) -> float | None:
    """Median of a published index over the current gemeenten of one database."""
    try:
        return con.execute(
            f"SELECT median(i.{measure}) FROM area_indices i JOIN areas a ON a.area_code = "
            "i.area_code AND a.year = i.year AND a.level = i.level AND a.is_current "
            "WHERE i.level = 'gemeente' AND NOT coalesce(i.suppressed, false)").fetchone()[0]
    except duckdb.Error:
        return None
