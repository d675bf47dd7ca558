"""Reads for the Bereikcheck's target area (``areas.reach.load_target``).

The Bereikcheck compares its participants with the adults of a gemeente, some wijken or
some postcodes; this reader answers the few questions it asks the published tables, so
``areas/reach.py`` holds the statistics and no SQL.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from betrokken.areas.poststratify import MARGIN_COLUMNS


class TargetAreaReader:
    """The published rows the Bereikcheck needs, through one cursor."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.cur = cur

    def area_rows(self, level: str, codes: list[str]) -> pd.DataFrame:
        """Current rows of ``codes``: names, population, age and sex shares, parents."""
        cols = ", ".join(["area_code", "area_name", "population", *MARGIN_COLUMNS["age"],
                          *MARGIN_COLUMNS["sex"], "gemeente_code", "wijk_code"])
        marks = ", ".join("?" * len(codes))
        return self.cur.execute(
            f"SELECT {cols} FROM areas WHERE is_current AND level = ? "
            f"AND area_code IN ({marks})",
            [level, *codes],
        ).df()

    def wijk_codes(self, gemeente_code: str) -> list[str]:
        """The current wijken of a gemeente, by code."""
        rows = self.cur.execute(
            "SELECT area_code FROM areas WHERE is_current AND level = 'wijk' AND "
            "gemeente_code = ? ORDER BY area_code",
            [gemeente_code],
        ).fetchall()
        return [c for (c,) in rows]

    def gemeente_crosswalk(self, gemeente_code: str) -> pd.DataFrame:
        """``pc4, unit (wijk code), n_addresses`` of a gemeente's postcodes."""
        return self.cur.execute(
            "SELECT pc4, wijk_code AS unit, n_addresses FROM crosswalk_pc4 WHERE gemeente_code = ?",
            [gemeente_code],
        ).df()

    def wijk_crosswalk(self, wijk_codes: list[str]) -> pd.DataFrame:
        """``pc4, unit (wijk code), n_addresses`` of the postcodes in these wijken."""
        marks = ", ".join("?" * len(wijk_codes))
        return self.cur.execute(
            f"SELECT pc4, wijk_code AS unit, n_addresses FROM crosswalk_pc4 "
            f"WHERE wijk_code IN ({marks})",
            wijk_codes,
        ).df()

    def profile_mix(self, level: str, codes: list[str]) -> pd.DataFrame:
        """Long ``area_code, profile_id, share`` of these areas."""
        marks = ", ".join("?" * len(codes))
        return self.cur.execute(
            f"SELECT area_code, profile_id, share FROM profile_mix WHERE level = ? "
            f"AND area_code IN ({marks})",
            [level, *codes],
        ).df()
