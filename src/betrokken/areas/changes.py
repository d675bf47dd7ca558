"""What changed in the areas since the previous database: added, merged, renamed, removed.

A yearly refresh meets municipal mergers (herindelingen): gemeente codes disappear and
their territory goes to a new or an existing gemeente. The rule the area stage uses for
codes of merged gemeenten (``harmonise.gemeente_2022_to_2024``) is polygon containment:
a point inside the old gemeente's polygon is located in the new year's polygons, so
each old code maps to the one new gemeente that holds it. This module compares the
current areas of a build with those of the database it replaces, per level:

* ``toegevoegd``: a code that was not there before;
* ``samengevoegd``: a gemeente code that is gone and whose territory the code mapping
  of this build places in another gemeente (``opgegaan_in``);
* ``opgeheven``: any other code that is gone (a new wijk or buurt indeling);
* ``hernoemd``: the same code under another name.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from betrokken.errors import BetrokkenError
from betrokken.store.database import check_database_file, go_offline

CHANGE_COLUMNS = ["level", "change", "area_code", "area_name", "previous_name", "merged_into"]


def previous_areas(db_path: Path) -> pd.DataFrame | None:
    """The current areas of an existing database (None when there is none to compare)."""
    import duckdb


    if not Path(db_path).is_file():
        return None
    try:
        check_database_file(db_path)  # a SQLite file would make DuckDB go online
    except BetrokkenError:
        return None
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            go_offline(con)
            return con.execute(
                "SELECT level, area_code, area_name FROM areas WHERE is_current").df()
    except duckdb.Error:  # an old or damaged database: nothing to compare with
        return None


def area_changes(previous: pd.DataFrame, current: pd.DataFrame,
                 code_changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Areas added, merged, removed and renamed between two sets of current areas.

    ``previous`` and ``current`` have ``level, area_code, area_name`` (current rows only);
    ``code_changes`` maps old gemeente codes to new ones (``code_2022, gemeente_code``).
    """
    old = previous[["level", "area_code", "area_name"]].astype(object)
    new = current[["level", "area_code", "area_name"]].astype(object)
    old = old.where(old.notna(), None)
    new = new.where(new.notna(), None)
    both = old.merge(new, on=["level", "area_code"], how="outer", indicator="side",
                     suffixes=("_old", "_new"))
    merged_into = {}
    if code_changes is not None and len(code_changes):
        merged_into = dict(zip(code_changes["code_2022"], code_changes["gemeente_code"],
                               strict=True))
    rows = []
    for row in both.itertuples(index=False):
        if row.side == "right_only":
            rows.append((row.level, "toegevoegd", row.area_code, row.area_name_new, None, None))
        elif row.side == "left_only":
            target = merged_into.get(row.area_code) if row.level == "gemeente" else None
            kind = "samengevoegd" if target else "opgeheven"
            rows.append((row.level, kind, row.area_code, None, row.area_name_old, target))
        elif (row.area_name_old or "") != (row.area_name_new or ""):
            rows.append((row.level, "hernoemd", row.area_code, row.area_name_new,
                         row.area_name_old, None))
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return out.sort_values(["level", "change", "area_code"]).reset_index(drop=True)


def summary(changes: pd.DataFrame) -> list[str]:
    """Dutch lines for the build report (counts per level, and every gemeente change)."""
    if changes.empty:
        return ["Gebieden: geen verschil met de vorige database."]
    lines = []
    for level, group in changes.groupby("level", sort=False):
        counts = group["change"].value_counts()
        lines.append(f"{level}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    for row in changes[changes["level"] == "gemeente"].itertuples(index=False):
        if row.change == "samengevoegd":
            lines.append(f"  {row.area_code} ({row.previous_name}) opgegaan in {row.merged_into}")
        elif row.change == "hernoemd":
            lines.append(f"  {row.area_code}: '{row.previous_name}' heet nu '{row.area_name}'")
        else:
            lines.append(f"  {row.area_code} {row.change} ({row.area_name or row.previous_name})")
    return lines
