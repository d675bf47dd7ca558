"""Reads of the theme tables (``theme_indicators``, ``theme_attitudes``) for the reports.

The build writes them (``themes/store.py``); the dossiers and the national report ask
these questions of them, so ``reports/`` holds no SQL.
"""

from __future__ import annotations

import duckdb


def indicator_rows(con: duckdb.DuckDBPyConnection, indicator: str, code: str) -> list[tuple]:
    """``(year, value, comparable)`` of one indicator for one area, by year."""
    return con.execute(
        "SELECT year, value, comparable FROM theme_indicators WHERE indicator = ? "
        "AND area_code = ? ORDER BY year", [indicator, code]).fetchall()


def indicator_meta(con: duckdb.DuckDBPyConnection, indicator: str
                   ) -> tuple[str, str, str, str] | None:
    """``(label, unit, source, theme)`` of one indicator; None when the build has none."""
    return con.execute("SELECT label, unit, source, theme FROM theme_indicators WHERE "
                       "indicator = ? LIMIT 1", [indicator]).fetchone()


def attitude_rows(con: duckdb.DuckDBPyConnection, theme: str) -> list[tuple]:
    """``(item, label, profile_id, value, lo, hi)`` of one theme's attitudes."""
    return con.execute("SELECT item, label, profile_id, value, lo, hi FROM theme_attitudes "
                       "WHERE theme = ? ORDER BY item, profile_id", [theme]).fetchall()


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables of the database."""
    return {r[0] for r in con.execute("SHOW TABLES").fetchall()}


def gemeente_outlines_wkb(con: duckdb.DuckDBPyConnection, simplify_m: float) -> list[tuple]:
    """``(code, WKB)`` of every gemeente's latest RD polygon, simplified by ``simplify_m``
    metres. Raises when the database has no geometries."""
    con.execute("LOAD spatial")
    return con.execute(
        "SELECT area_code, ST_AsWKB(ST_SimplifyPreserveTopology(geom_rd, ?)) FROM ("
        "SELECT area_code, geom_rd, row_number() OVER (PARTITION BY area_code "
        "ORDER BY year DESC) AS r FROM area_geometries WHERE level = 'gemeente') "
        "WHERE r = 1", [simplify_m]).fetchall()
