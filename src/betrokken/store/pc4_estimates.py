"""Every published PC4 estimate as arrays: the input of an own area's composition.

``load_composer`` reads the PC4 rows, mixes, indices and their bootstrap draws once and
hands them to ``areas.compose.PostcodeComposer``, which holds the arithmetic.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np

from betrokken.areas.compose import COMPOSED_INDICES, PostcodeComposer
from betrokken.areas.population import ADULT_AGE_WEIGHTS, adult_weight
from betrokken.store.database import table_exists

__all__ = ["compose_postcodes", "load_composer"]


def load_composer(con: duckdb.DuckDBPyConnection) -> PostcodeComposer:
    """Read every PC4 estimate of the current build into arrays."""
    areas = con.execute(
        f"""
        SELECT i.area_code, i.population, i.suppressed, i.suppression_reason,
               a.area_name, {", ".join(f"a.{c}" for c in ADULT_AGE_WEIGHTS)}
        FROM area_indices i
        LEFT JOIN areas a ON a.level = i.level AND a.area_code = i.area_code
             AND a.year = i.year
        WHERE i.level = 'pc4'
        ORDER BY i.area_code
        """
    ).df()
    cards = [
        json.loads(c[0])
        for c in con.execute("SELECT card_json FROM profiles ORDER BY position").fetchall()
    ]
    ids = [str(c["id"]) for c in cards]
    codes = areas["area_code"].tolist()
    row = {code: i for i, code in enumerate(codes)}
    col = {pid: j for j, pid in enumerate(ids)}
    shares = np.full((len(codes), len(ids)), np.nan)
    for code, pid, share in con.execute(
        "SELECT area_code, profile_id, share FROM profile_mix WHERE level = 'pc4'"
    ).fetchall():
        if code in row and share is not None:
            shares[row[code], col[pid]] = share
    draw_rows = con.execute(
        "SELECT area_code, profile_id, draws FROM profile_mix_draws WHERE level = 'pc4'"
    ).fetchall()
    n_draws = len(draw_rows[0][2]) if draw_rows else 0
    draws = np.full((len(codes), len(ids), n_draws), np.nan)
    for code, pid, values in draw_rows:
        if code in row:
            draws[row[code], col[pid]] = values
    index_points, index_draws = _index_arrays(con, row)
    population = areas["population"].fillna(0.0).to_numpy(float)
    return PostcodeComposer(
        codes=codes,
        names=areas["area_name"].tolist(),
        population=population,
        weight=np.nan_to_num(adult_weight(areas), nan=0.0),
        suppressed=areas["suppressed"].fillna(True).to_numpy(bool),
        reasons=areas["suppression_reason"].tolist(),
        profile_ids=ids,
        profile_names=[str(c["name"]) for c in cards],
        shares=shares,
        draws=draws,
        p_engaged=np.array([float(c["p_high_engagement"]) for c in cards]),
        p_low_trust=np.array([float(c["p_low_trust"]) for c in cards]),
        index_points=index_points,
        index_draws=index_draws,
    )


def _index_arrays(con: duckdb.DuckDBPyConnection, row: dict[str, int]
                  ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Published PC4 indices and their draws, or (None, None) for an older database."""
    if not table_exists(con, "area_index_draws"):
        return None, None
    cols = ", ".join(COMPOSED_INDICES)
    points = np.full((len(row), len(COMPOSED_INDICES)), np.nan)
    for code, *values in con.execute(
        f"SELECT area_code, {cols} FROM area_indices WHERE level = 'pc4'"
    ).fetchall():
        if code in row:
            points[row[code]] = [np.nan if v is None else v for v in values]
    draw_rows = con.execute(
        "SELECT area_code, measure, draws FROM area_index_draws WHERE level = 'pc4'"
    ).fetchall()
    n_draws = len(draw_rows[0][2]) if draw_rows else 0
    draws = np.full((len(row), len(COMPOSED_INDICES), n_draws), np.nan)
    col = {name: j for j, name in enumerate(COMPOSED_INDICES)}
    for code, measure, values in draw_rows:
        if code in row and measure in col:
            draws[row[code], col[measure]] = values
    return points, draws


def compose_postcodes(con: duckdb.DuckDBPyConnection, pc4_codes: list[str]) -> dict:
    """One-off composition of a set of PC4 areas (see ``areas.compose.PostcodeComposer.compose``).

    The codes are checked first (inside ``compose``), but only after loading; callers
    that compose more than once should keep a ``PostcodeComposer``.
    """
    return load_composer(con).compose(pc4_codes)
