"""Areas added, merged and renamed between two builds (the yearly refresh report)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from betrokken.areas.changes import area_changes, previous_areas, summary
from helpers_data import local_area_tables


def test_changes_against_the_previous_database(built_db: Path, data_dir: Path):
    tables = local_area_tables(data_dir)
    before = previous_areas(built_db)
    current = tables.areas[tables.areas["is_current"]]
    assert len(before) == len(current)
    assert area_changes(before, current, tables.code_changes).empty  # same data, no change

    # The previous database as a 2022 one: the merged 2022 gemeenten are still there.
    gm22 = tables.areas.query("level == 'gemeente' and year == 2022")
    old = before[before["level"] != "gemeente"]
    old = pd.concat([old, gm22[["level", "area_code", "area_name"]]], ignore_index=True)
    renamed = old.index[(old["level"] == "wijk") & (old["area_code"] == "WK034401")]
    old.loc[renamed, "area_name"] = "Oude naam"
    changes = area_changes(old, current, tables.code_changes).set_index("area_code")
    merged = changes[changes["change"] == "samengevoegd"]
    assert len(merged) == len(tables.code_changes) > 0
    for code, target in zip(tables.code_changes["code_2022"],
                            tables.code_changes["gemeente_code"], strict=True):
        assert merged.loc[code, "merged_into"] == target
    added = set(changes.index[changes["change"] == "toegevoegd"])
    assert added == set(current.query("level == 'gemeente'")["area_code"]) - set(
        gm22["area_code"])
    assert changes.loc["WK034401", "change"] == "hernoemd"
    assert changes.loc["WK034401", "previous_name"] == "Oude naam"
    lines = summary(area_changes(old, current, tables.code_changes))
    assert any("opgegaan in" in line for line in lines)


def test_no_previous_database(tmp_path: Path):
    assert previous_areas(tmp_path / "nieuw.duckdb") is None
