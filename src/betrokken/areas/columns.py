"""The columns of the area table and the small helpers every level uses.

Shares are fractions in [0, 1]; ``derived_columns`` and ``secret_columns`` are comma
lists of column names (see ``areas.harmonise`` for the rules, ``docs/data.md`` for the
columns). ``conform`` puts any level's rows in schema order with stable dtypes.
"""

from __future__ import annotations

import pandas as pd

from betrokken import schema
from betrokken.sources.base import secret_fields

CURRENT_YEAR = {"gemeente": 2024, "wijk": 2024, "pc4": 2021}
"""The year per level that ``is_current`` marks (buurt: the downloaded year)."""

AGE_SHARES = ("share_age_0_14", "share_age_15_24", "share_age_25_44", "share_age_45_64",
              "share_age_65plus")

KWB_AGE = ("0_15", "15_25", "25_45", "45_65", "65plus")

HH_SHARES = ("share_hh_single", "share_hh_couple_no_children", "share_hh_with_children")

KWB_HH = ("pct_eenpersoonshhd", "pct_hhd_zonder_kind", "pct_hhd_met_kind")

MIGRATION_SHARES = ("share_migration_nl", "share_migration_west", "share_migration_nietwest")

EDU_SHARES = ("share_edu_laag", "share_edu_midden", "share_edu_hoog")

INCOME_COLUMNS = ("income_avg", "share_low_income_hh", "share_high_income_hh")

HOUSING_COLUMNS = ("share_owner_occupied", "woz_avg")

FROM_PARENT = (*HH_SHARES, *MIGRATION_SHARES, *EDU_SHARES, *INCOME_COLUMNS, *HOUSING_COLUMNS)
"""Columns a wijk or PC4 takes from a wider area when they are not published for it."""

AREA_COLUMNS = (
    *schema.AREA_ID_COLUMNS,
    *schema.AREA_SHARE_COLUMNS,
    *schema.AREA_VALUE_COLUMNS,
    *schema.AREA_FLAG_COLUMNS,
    *schema.AREA_SE_COLUMNS,
)


def pct(series: pd.Series) -> pd.Series:
    return series.astype("float64") / 100.0


def secret_list(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.Series:
    """Comma list of our column names whose source field was secret in that row."""
    out = pd.Series("", index=frame.index, dtype="object")
    for ours, theirs in mapping.items():
        hit = secret_fields(frame, theirs)
        out = out.where(~hit, out + ours + ",")
    return out.str.rstrip(",")


def join_flags(*parts: pd.Series | str) -> pd.Series:
    series = [p for p in parts if isinstance(p, pd.Series)]
    index = series[0].index
    text = pd.Series("", index=index, dtype="object")
    for part in parts:
        part = pd.Series(part, index=index) if isinstance(part, str) else part.fillna("")
        text = text + "," + part.astype(str)
    return text.map(lambda s: ",".join(dict.fromkeys(x for x in s.split(",") if x)))


def sex_shares(men: pd.Series, women: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Shares of men and women among men + women.

    CBS rounds small-area counts (PC4 to fives), so men + women can differ from the
    published total; dividing by their sum keeps the pair consistent.
    """
    total = (men + women).where((men + women) > 0)
    return men / total, women / total


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """All schema columns in schema order, with stable dtypes."""
    frame = frame.reindex(columns=list(AREA_COLUMNS))
    for column in (*schema.AREA_SHARE_COLUMNS, "income_avg", "woz_avg", "address_density",
                   "population", *schema.AREA_SE_COLUMNS):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["year"] = frame["year"].astype("int64")
    frame["urbanity"] = pd.to_numeric(frame["urbanity"], errors="coerce").astype("Int64")
    for column in ("derived_columns", "secret_columns", "figure_sources"):
        values = frame[column].astype(object)
        frame[column] = values.where(values.notna(), "")
    frame["is_current"] = frame["is_current"].astype(bool)
    for column in ("area_code", "area_name", "gemeente_code", "wijk_code", "level"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def figure_sources(derived: pd.Series, tags: pd.DataFrame, default: str) -> pd.Series:
    """``figure_sources`` text per row: every derived column with its origin (``tags``
    where set, else ``default``), e.g. ``share_edu_hoog:model,share_hh_single:gemeente``."""
    derived = derived.fillna("").astype(str)
    padded = "," + derived + ","
    columns = dict.fromkeys(c for text in derived.unique() for c in text.split(",") if c)
    text = pd.Series("", index=derived.index, dtype=object)
    for column in columns:
        has = padded.str.contains(f",{column},", regex=False)
        tag = (tags[column].reindex(derived.index).fillna("") if column in tags.columns
               else pd.Series("", index=derived.index))
        tag = tag.where(tag != "", default)
        text = text.where(~has, text + "," + column + ":" + tag)
    return text.str.lstrip(",")
