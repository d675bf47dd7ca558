"""Write the profile mix, the area indices, the profile cards and the draws into DuckDB.

Suppressed areas are written with NULL shares (they come that way from
``compute_profile_mix``); this module applies the suppression flags of ``area_indices``
again to every table it writes (mix, indices, draws, index draws, contrasts, local
indicators), so an estimate of a suppressed area cannot reach the database even if a
stage upstream forgot it.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from betrokken.errors import BetrokkenError
from betrokken.schema import INDEX_COLUMNS

__all__ = ["write_local_indicators", "write_mix_tables"]

_PROFILE_MIX_DDL = """
CREATE OR REPLACE TABLE profile_mix (
    year INTEGER, level VARCHAR, area_code VARCHAR, profile_id VARCHAR,
    share DOUBLE, share_lo DOUBLE, share_hi DOUBLE
)"""
_AREA_INDICES_DDL = """
CREATE OR REPLACE TABLE area_indices (
    year INTEGER, level VARCHAR, area_code VARCHAR, population DOUBLE,
    suppressed BOOLEAN, suppression_reason VARCHAR,
    engagement_index DOUBLE, engagement_index_lo DOUBLE, engagement_index_hi DOUBLE,
    low_trust_share DOUBLE, low_trust_share_lo DOUBLE, low_trust_share_hi DOUBLE,
    political_engagement DOUBLE, political_engagement_lo DOUBLE, political_engagement_hi DOUBLE,
    local_engagement DOUBLE, local_engagement_lo DOUBLE, local_engagement_hi DOUBLE,
    estimate_method VARCHAR
)"""
_INDEX_DRAWS_DDL = """
CREATE OR REPLACE TABLE area_index_draws (
    level VARCHAR, area_code VARCHAR, measure VARCHAR, draws FLOAT[]
)"""
_NATIONAL_DDL = """
CREATE OR REPLACE TABLE national_estimates (
    measure VARCHAR PRIMARY KEY, value DOUBLE, lo DOUBLE, hi DOUBLE
)"""
_CONTRASTS_DDL = """
CREATE OR REPLACE TABLE area_contrasts (
    year INTEGER, level VARCHAR, area_code VARCHAR, reference VARCHAR, measure VARCHAR,
    diff DOUBLE, diff_lo DOUBLE, diff_hi DOUBLE, clear BOOLEAN
)"""
_PROFILES_DDL = """
CREATE OR REPLACE TABLE profiles (
    id VARCHAR PRIMARY KEY, position INTEGER, name VARCHAR, share DOUBLE, share_lo DOUBLE,
    share_hi DOUBLE, trust DOUBLE, engagement DOUBLE, card_json VARCHAR
)"""
_DRAWS_DDL = """
CREATE OR REPLACE TABLE profile_mix_draws (
    level VARCHAR, area_code VARCHAR, profile_id VARCHAR, draws FLOAT[]
)"""
_DIAGNOSTICS_DDL = "CREATE OR REPLACE TABLE mix_diagnostics (key VARCHAR, value VARCHAR)"


def _profiles_frame(model) -> pd.DataFrame:
    rows = []
    for position, card in enumerate(model.profiles, start=1):
        rows.append(
            {
                "id": card["id"],
                "position": position,
                "name": card.get("name"),
                "share": card.get("share"),
                "share_lo": card.get("share_lo"),
                "share_hi": card.get("share_hi"),
                "trust": card.get("trust"),
                "engagement": card.get("engagement"),
                "card_json": json.dumps(card, ensure_ascii=False, default=_json_default),
            }
        )
    return pd.DataFrame(rows)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _flatten(prefix: str, value, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), sub, out)
    else:
        out.append((prefix, json.dumps(value, default=_json_default)))


def _hidden(frame: pd.DataFrame, suppressed_codes: pd.DataFrame) -> np.ndarray:
    """Rows of ``frame`` that belong to a suppressed area (matched on level and code)."""
    key = pd.MultiIndex.from_frame(frame[["level", "area_code"]])
    return key.isin(pd.MultiIndex.from_frame(suppressed_codes))


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame, columns: str) -> None:
    """Append ``frame``'s ``columns`` to ``table`` (nothing when the frame is absent)."""
    if frame is None or frame.empty:
        return
    con.register("_rows", frame)
    con.execute(f"INSERT INTO {table} SELECT {columns} FROM _rows")
    con.unregister("_rows")


def _draw_lists(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(draws=[np.asarray(d, dtype=np.float32) for d in frame["draws"]])


def _write_national_and_contrasts(con, mix, suppressed_codes: pd.DataFrame) -> None:
    """The NL estimates, the index draws and the per-area contrasts (none for suppressed
    areas)."""
    con.execute(_NATIONAL_DDL)
    con.execute(_CONTRASTS_DDL)
    con.execute(_INDEX_DRAWS_DDL)
    _insert(con, "national_estimates", getattr(mix, "national", None), "measure, value, lo, hi")
    index_draws = getattr(mix, "index_draws", None)
    if index_draws is not None and not index_draws.empty:
        index_draws = _draw_lists(index_draws[~_hidden(index_draws, suppressed_codes)])
        _insert(con, "area_index_draws", index_draws, "level, area_code, measure, draws")
    contrasts = getattr(mix, "contrasts", None)
    if contrasts is not None and not contrasts.empty:
        _insert(con, "area_contrasts", contrasts[~_hidden(contrasts, suppressed_codes)],
                "year, level, area_code, reference, measure, diff, diff_lo, diff_hi, clear")


def write_local_indicators(con: duckdb.DuckDBPyConnection, local, suppressed_codes=None) -> int:
    """Gezondheidsmonitor indicators per area (wide, with ``_se``) and the match method."""
    frame = local.frame.copy()
    if suppressed_codes is not None and len(suppressed_codes):
        value_cols = [c for c in frame.columns
                      if c not in ("level", "area_code", "year", "source_year", "method")]
        frame.loc[_hidden(frame, suppressed_codes), value_cols] = np.nan
    con.register("_li", frame)
    con.execute("CREATE OR REPLACE TABLE local_indicators AS SELECT * FROM _li")
    con.unregister("_li")
    return len(frame)


def write_mix_tables(con: duckdb.DuckDBPyConnection, mix, model) -> int:
    """Create profile_mix, area_indices, profiles, profile_mix_draws, mix_diagnostics,
    national_estimates, area_index_draws and area_contrasts.

    Returns the number of profile_mix rows written.
    """
    indices = mix.area_indices.copy()
    profile_mix = mix.profile_mix.copy()
    suppressed_codes = indices.loc[indices["suppressed"].astype(bool), ["level", "area_code"]]
    profile_mix.loc[_hidden(profile_mix, suppressed_codes), ["share", "share_lo", "share_hi"]] = (
        np.nan)
    indices.loc[indices["suppressed"].astype(bool), list(INDEX_COLUMNS)] = np.nan
    if "estimate_method" not in indices:
        indices["estimate_method"] = None
    missing_reason = indices["suppressed"].astype(bool) & indices["suppression_reason"].isna()
    if missing_reason.any():
        codes = ", ".join(indices.loc[missing_reason, "area_code"].astype(str).head(5))
        raise BetrokkenError(f"Onderdrukte gebieden zonder reden: {codes}.")

    for ddl in (_PROFILE_MIX_DDL, _AREA_INDICES_DDL, _PROFILES_DDL, _DRAWS_DDL,
                _DIAGNOSTICS_DDL):
        con.execute(ddl)
    _insert(con, "profile_mix", profile_mix,
            "year, level, area_code, profile_id, share, share_lo, share_hi")
    _insert(con, "area_indices", indices,
            "year, level, area_code, population, suppressed, suppression_reason, "
            f"{', '.join(INDEX_COLUMNS)}, estimate_method")
    _insert(con, "profiles", _profiles_frame(model), "*")
    draws = getattr(mix, "draws", None)
    if draws is not None and not draws.empty:
        _insert(con, "profile_mix_draws", _draw_lists(draws[~_hidden(draws, suppressed_codes)]),
                "level, area_code, profile_id, draws")
    _write_national_and_contrasts(con, mix, suppressed_codes)
    flat: list[tuple[str, str]] = []
    _flatten("", getattr(mix, "diagnostics", {}) or {}, flat)
    if flat:
        con.executemany("INSERT INTO mix_diagnostics VALUES (?, ?)", flat)
    return len(profile_mix)
