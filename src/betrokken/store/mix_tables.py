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


def _write_national_and_contrasts(con, mix, suppressed_codes: pd.DataFrame) -> None:
    """The NL estimates and the per-area contrasts (none for suppressed areas)."""
    con.execute(_NATIONAL_DDL)
    con.execute(_CONTRASTS_DDL)
    national = getattr(mix, "national", None)
    if national is not None and not national.empty:
        con.register("_na", national)
        con.execute("INSERT INTO national_estimates SELECT measure, value, lo, hi FROM _na")
        con.unregister("_na")
    con.execute(_INDEX_DRAWS_DDL)
    index_draws = getattr(mix, "index_draws", None)
    if index_draws is not None and not index_draws.empty:
        key = pd.MultiIndex.from_frame(index_draws[["level", "area_code"]])
        index_draws = index_draws[~key.isin(pd.MultiIndex.from_frame(suppressed_codes))]
        lists = [np.asarray(d, dtype=np.float32) for d in index_draws["draws"]]
        con.register("_id", index_draws.assign(draws=lists))
        con.execute("INSERT INTO area_index_draws SELECT level, area_code, measure, draws FROM _id")
        con.unregister("_id")
    contrasts = getattr(mix, "contrasts", None)
    if contrasts is not None and not contrasts.empty:
        key = pd.MultiIndex.from_frame(contrasts[["level", "area_code"]])
        contrasts = contrasts[~key.isin(pd.MultiIndex.from_frame(suppressed_codes))]
        con.register("_co", contrasts)
        con.execute(
            "INSERT INTO area_contrasts SELECT year, level, area_code, reference, measure, diff, "
            "diff_lo, diff_hi, clear FROM _co"
        )
        con.unregister("_co")


def write_local_indicators(con: duckdb.DuckDBPyConnection, local, suppressed_codes=None) -> int:
    """Gezondheidsmonitor indicators per area (wide, with ``_se``) and the match method."""
    frame = local.frame.copy()
    if suppressed_codes is not None and len(suppressed_codes):
        key = pd.MultiIndex.from_frame(frame[["level", "area_code"]])
        hidden = key.isin(pd.MultiIndex.from_frame(suppressed_codes))
        value_cols = [c for c in frame.columns
                      if c not in ("level", "area_code", "year", "source_year", "method")]
        frame.loc[hidden, value_cols] = np.nan
    con.register("_li", frame)
    con.execute("CREATE OR REPLACE TABLE local_indicators AS SELECT * FROM _li")
    con.unregister("_li")
    return len(frame)


def write_mix_tables(con: duckdb.DuckDBPyConnection, mix, model) -> int:
    """Create profile_mix, area_indices, profiles, profile_mix_draws, mix_diagnostics.

    Returns the number of profile_mix rows written.
    """
    indices = mix.area_indices.copy()
    profile_mix = mix.profile_mix.copy()
    suppressed_codes = indices.loc[indices["suppressed"].astype(bool), ["level", "area_code"]]
    key = pd.MultiIndex.from_frame(profile_mix[["level", "area_code"]])
    hidden = key.isin(pd.MultiIndex.from_frame(suppressed_codes))
    profile_mix.loc[hidden, ["share", "share_lo", "share_hi"]] = np.nan
    indices.loc[indices["suppressed"].astype(bool), list(INDEX_COLUMNS)] = np.nan
    if "estimate_method" not in indices:
        indices["estimate_method"] = None
    missing_reason = indices["suppressed"].astype(bool) & indices["suppression_reason"].isna()
    if missing_reason.any():
        codes = ", ".join(indices.loc[missing_reason, "area_code"].astype(str).head(5))
        raise BetrokkenError(f"Onderdrukte gebieden zonder reden: {codes}.")

    con.execute(_PROFILE_MIX_DDL)
    con.execute(_AREA_INDICES_DDL)
    con.execute(_PROFILES_DDL)
    con.execute(_DRAWS_DDL)
    con.execute(_DIAGNOSTICS_DDL)
    con.register("_pm", profile_mix)
    con.execute(
        "INSERT INTO profile_mix SELECT year, level, area_code, profile_id, share, share_lo, "
        "share_hi FROM _pm"
    )
    con.unregister("_pm")
    con.register("_ai", indices)
    con.execute(
        "INSERT INTO area_indices SELECT year, level, area_code, population, suppressed, "
        f"suppression_reason, {', '.join(INDEX_COLUMNS)}, estimate_method FROM _ai"
    )
    con.unregister("_ai")
    con.register("_pr", _profiles_frame(model))
    con.execute("INSERT INTO profiles SELECT * FROM _pr")
    con.unregister("_pr")
    draws = getattr(mix, "draws", None)
    if draws is not None and not draws.empty:
        key = pd.MultiIndex.from_frame(draws[["level", "area_code"]])
        draws = draws[~key.isin(pd.MultiIndex.from_frame(suppressed_codes))]
        lists = [np.asarray(d, dtype=np.float32) for d in draws["draws"]]
        con.register("_dr", draws.assign(draws=lists))
        con.execute(
            "INSERT INTO profile_mix_draws SELECT level, area_code, profile_id, draws FROM _dr"
        )
        con.unregister("_dr")
    _write_national_and_contrasts(con, mix, suppressed_codes)
    flat: list[tuple[str, str]] = []
    _flatten("", getattr(mix, "diagnostics", {}) or {}, flat)
    if flat:
        con.executemany("INSERT INTO mix_diagnostics VALUES (?, ?)", flat)
    return len(profile_mix)
