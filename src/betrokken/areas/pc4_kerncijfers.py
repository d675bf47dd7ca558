"""PC4 area rows from CBS "Kerncijfers per postcode" (the download build).

Measured per PC4 (from the file): population, sex, age bands and, where the file has
them, herkomst, household types, average WOZ, owner-occupied share, address density
and stedelijkheid. Everything else comes from the wijken the PC4 overlaps
(``areas.overlap``: wijk residents spread evenly over the wijk's area), as the local
build does through the address crosswalk, and is named in ``derived_columns``.
Counts are turned into shares by dividing by the sum of their group, since CBS rounds
PC4 counts (to fives) and percentages (to whole numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.areas import overlap
from betrokken.areas.columns import (
    AGE_SHARES,
    FROM_PARENT,
    sex_shares,
)
from betrokken.sources.base import secret_fields
from betrokken.sources.pc4_cbs import (
    AGE_COLUMNS,
    HERKOMST_COLUMNS,
    HOUSEHOLD_COLUMNS,
    OLD_MIGRATION_COLUMNS,
    PC4_YEAR,
)


def _group_shares(table: pd.DataFrame, groups: dict[str, tuple[str, ...]]
                  ) -> tuple[pd.DataFrame, pd.Series] | None:
    """Shares of each group (sum of its CBS columns) in the sum of all groups.

    Returns None when the file lacks one of the columns; otherwise the shares and a
    boolean per row: some column of the group was secret (then all shares are NULL).
    """
    if not all(c in table.columns for cols in groups.values() for c in cols):
        return None
    parts = pd.DataFrame({ours: table[list(cols)].sum(axis=1, min_count=len(cols))
                          for ours, cols in groups.items()})
    secret = pd.Series(False, index=table.index)
    for cols in groups.values():
        for column in cols:
            secret |= secret_fields(table, column)
    total = parts.sum(axis=1, min_count=len(groups))
    shares = parts.div(total.where(total > 0), axis=0).clip(0, 1)
    return shares.where(~secret), secret


def pc4_cbs_rows(table: pd.DataFrame, wijk: pd.DataFrame, gemeente: pd.DataFrame,
                 crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Current PC4 rows from the CBS PC4 table and the overlap ``crosswalk``.

    ``crosswalk`` is ``overlap.as_crosswalk(relation)`` (weights in ``n_addresses``).
    """
    t = table.set_index("postcode", drop=False)
    t = t[~t.index.duplicated()]
    out = pd.DataFrame(index=t.index)
    out["year"] = PC4_YEAR
    out["level"] = "pc4"
    out["area_code"] = t["postcode"]
    out["population"] = t["aantal_inwoners"]
    secret = pd.Series("", index=out.index, dtype="object")

    def flag(mask: pd.Series, columns: tuple[str, ...]) -> None:
        nonlocal secret
        text = ",".join(columns) + ","
        secret = secret.where(~mask.reindex(out.index).fillna(False).astype(bool),
                              secret + text)

    ages = _group_shares(t, dict(zip(AGE_SHARES, ((c,) for c in AGE_COLUMNS), strict=True)))
    assert ages is not None  # required columns, checked by the reader
    for column in AGE_SHARES:
        out[column] = ages[0][column]
    flag(ages[1], AGE_SHARES)
    out["share_man"], out["share_vrouw"] = sex_shares(t["aantal_mannen"], t["aantal_vrouwen"])
    flag(secret_fields(t, "aantal_inwoners"), ("population",))
    flag(secret_fields(t, "aantal_mannen") | secret_fields(t, "aantal_vrouwen"),
         ("share_man", "share_vrouw"))

    measured: set[str] = set()
    migration = (_group_shares(t, HERKOMST_COLUMNS)
                 or _group_shares(t, OLD_MIGRATION_COLUMNS))
    households = _group_shares(t, HOUSEHOLD_COLUMNS)
    for result in (migration, households):
        if result is not None:
            out[list(result[0].columns)] = result[0]
            flag(result[1], tuple(result[0].columns))
            measured.update(result[0].columns)
    for ours, theirs, scale in (("woz_avg", "gemiddelde_woz_waarde_woning", 1.0),
                                ("share_owner_occupied", "percentage_koopwoningen", 0.01)):
        if theirs in t.columns:
            out[ours] = t[theirs] * scale
            flag(secret_fields(t, theirs), (ours,))
            measured.add(ours)

    # Wider figures: weighted mean over the wijken the PC4 overlaps.
    cw = crosswalk[crosswalk["pc4"].isin(out.index)].reset_index(drop=True)
    values = wijk.set_index("area_code")
    derived = [c for c in FROM_PARENT if c not in measured]
    means = overlap.weighted_mean(values, cw, cw["n_addresses"], derived).reindex(out.index)
    for column in derived:
        out[column] = means[column]
        flag(out[column].isna(), (column,))  # NULL in every wijk it comes from

    gm = overlap.main_area(cw, "n_addresses", "gemeente_code")
    out["gemeente_code"] = gm.reindex(out.index)
    in_gemeente = cw[cw["gemeente_code"].to_numpy()
                     == out["gemeente_code"].reindex(cw["pc4"]).to_numpy()]
    out["wijk_code"] = overlap.main_area(in_gemeente, "n_addresses", "wijk_code").reindex(
        out.index)
    names = gemeente.set_index("area_code")["area_name"]
    out["area_name"] = out["gemeente_code"].map(names)

    own_urbanity = "stedelijkheid" in t.columns
    if own_urbanity:
        out["address_density"] = (t["omgevingsadressendichtheid"]
                                  if "omgevingsadressendichtheid" in t.columns else np.nan)
        out["urbanity"] = pd.to_numeric(t["stedelijkheid"], errors="coerce").astype("Int64")
    else:
        out["address_density"] = np.nan
        out["urbanity"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    wijk_urb = values["urbanity"].reindex(out["wijk_code"])
    wijk_urb.index = out.index
    from_wijk = out["urbanity"].isna()
    out["urbanity"] = out["urbanity"].fillna(wijk_urb)

    base = ",".join(derived)
    out["derived_columns"] = base
    urb_derived = (base + ",address_density,urbanity").lstrip(",")
    out.loc[from_wijk, "derived_columns"] = urb_derived
    out["secret_columns"] = secret.str.rstrip(",")
    out["is_current"] = True
    return out.reset_index(drop=True)

