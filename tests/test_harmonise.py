"""The harmonised area table built from the real CBS files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from betrokken import schema
from betrokken.areas.harmonise import (
    AreaTables,
    benchmark_to_parent,
    build_area_tables,
    sex_shares,
    urbanity_class,
)
from betrokken.errors import UnknownAreaError
from betrokken.sources.crosswalk import PC4_WIJK_CROSSWALK
from helpers_data import append_line, broken_copy, local_area_tables

MARGINALS = [*schema.AREA_SHARE_COLUMNS, "income_avg", "woz_avg"]


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> AreaTables:
    return local_area_tables(data_dir)


def current(tables: AreaTables, level: str) -> pd.DataFrame:
    a = tables.areas
    return a[(a["level"] == level) & a["is_current"]]


def test_schema_columns_in_order(tables: AreaTables):
    expected = [*schema.AREA_ID_COLUMNS, *schema.AREA_SHARE_COLUMNS,
                *schema.AREA_VALUE_COLUMNS, *schema.AREA_FLAG_COLUMNS, *schema.AREA_SE_COLUMNS]
    assert list(tables.areas.columns) == expected
    assert not tables.areas.duplicated(["level", "year", "area_code"]).any()


def test_every_level_is_complete(tables: AreaTables):
    assert len(current(tables, "gemeente")) >= 340
    assert len(current(tables, "wijk")) >= 3000
    assert len(current(tables, "pc4")) >= 4000
    assert len(current(tables, "buurt")) == 14574  # issue 18: buurten offline
    years = tables.areas[tables.areas["is_current"]].groupby("level")["year"].unique()
    assert {k: list(v) for k, v in years.items()} == {"buurt": [2024], "gemeente": [2024],
                                                      "wijk": [2024], "pc4": [2021]}


def test_current_areas_have_geometry_and_marginals(tables: AreaTables):
    cur = tables.areas[tables.areas["is_current"]]
    keys = set(zip(tables.geometries["level"], tables.geometries["area_code"],
                   tables.geometries["year"], strict=True))
    assert tables.levels_without_polygons == ("buurt",)  # offline: no buurt polygons
    drawn = cur[~cur["level"].isin(tables.levels_without_polygons)]
    assert all(k in keys for k in zip(drawn["level"], drawn["area_code"], drawn["year"],
                                      strict=True))
    assert tables.geometries.crs.to_epsg() == 28992
    populated = cur[cur["population"] >= schema.MIN_RESIDENTS_PUBLISHED]
    # every marginal is present unless CBS kept it secret (then it is flagged)
    for column in MARGINALS:
        missing = populated[populated[column].isna()]
        flagged = missing["secret_columns"].str.contains(column, regex=False)
        assert flagged.all(), (column, missing["area_code"].head().tolist())
    assert populated[MARGINALS].notna().all(axis=1).mean() > 0.98


def test_shares_are_fractions(tables: AreaTables):
    shares = tables.areas[list(schema.AREA_SHARE_COLUMNS)]
    assert ((shares >= 0) & (shares <= 1) | shares.isna()).all().all()
    edu = current(tables, "gemeente")[["share_edu_laag", "share_edu_midden", "share_edu_hoog"]]
    np.testing.assert_allclose(edu.sum(axis=1), 1.0, atol=1e-9)


def test_derived_columns_are_flagged(tables: AreaTables):
    wijk = current(tables, "wijk")
    pc4 = current(tables, "pc4")
    for frame in (wijk, pc4):
        flags = frame["derived_columns"].str.split(",")
        assert flags.map(lambda f: {"share_edu_laag", "share_hh_single", "income_avg",
                                    "urbanity"} <= set(f)).all()
        # measured at this level: never listed as derived
        assert not flags.map(lambda f: "share_age_0_14" in f or "population" in f).any()
    gm = current(tables, "gemeente")
    assert gm["derived_columns"].str.contains("share_edu_laag").all()  # carried from 2022
    assert not gm["derived_columns"].str.contains("share_migration_nl").any()  # 2024 herkomst


def test_pc4_takes_wijk_figures_through_the_address_crosswalk(tables: AreaTables):
    pc4 = current(tables, "pc4").set_index("area_code")
    wijk = current(tables, "wijk").set_index("area_code")
    cw = tables.crosswalk
    one_wijk = cw.groupby("pc4")["wijk_code"].nunique()
    single = one_wijk[one_wijk == 1].index[:50]
    for code in single:
        w = cw.loc[cw["pc4"] == code, "wijk_code"].iloc[0]
        assert pc4.at[code, "share_edu_hoog"] == pytest.approx(wijk.at[w, "share_edu_hoog"])
    # a PC4 spread over wijken gets the address-weighted mean
    code = one_wijk[one_wijk > 1].index[0]
    part = cw[cw["pc4"] == code]
    expected = np.average(wijk.loc[part["wijk_code"], "woz_avg"], weights=part["n_addresses"])
    assert pc4.at[code, "woz_avg"] == pytest.approx(expected)


def test_every_area_has_gemeente_and_urbanity(tables: AreaTables):
    cur = tables.areas[tables.areas["is_current"]]
    assert cur["gemeente_code"].notna().all()
    assert cur["urbanity"].isin([1, 2, 3, 4, 5]).all()
    gm_codes = set(current(tables, "gemeente")["area_code"])
    assert set(cur["gemeente_code"]) <= gm_codes
    pc4 = current(tables, "pc4").dropna(subset=["wijk_code"])
    assert (pc4["wijk_code"].str[2:6] == pc4["gemeente_code"].str[2:6]).all()
    # PC4 3511 (Utrecht centre) lies in Utrecht and is very urban
    row = current(tables, "pc4").set_index("area_code").loc["3511"]
    assert row["gemeente_code"] == "GM0344" and row["urbanity"] == 1


def test_gemeente_mergers_are_reconciled(tables: AreaTables):
    changes = dict(zip(tables.code_changes["code_2022"], tables.code_changes["gemeente_code"],
                       strict=True))
    assert changes["GM0457"] == "GM0363"  # Weesp -> Amsterdam (2022)
    assert changes["GM0501"] == changes["GM0530"] == changes["GM0614"] == "GM1992"
    # Voorne aan Zee (new in 2023) still gets education from its three 2022 gemeenten
    vaz = current(tables, "gemeente").set_index("area_code").loc["GM1992"]
    assert vaz[["share_edu_laag", "share_edu_midden", "share_edu_hoog"]].notna().all()


def test_wijk_population_matches_gemeente(tables: AreaTables):
    gm = current(tables, "gemeente").set_index("area_code")["population"]
    wk = current(tables, "wijk").groupby("gemeente_code")["population"].sum()
    rel = ((wk.reindex(gm.index) - gm) / gm).abs()
    assert rel.max() < 0.02


def test_urbanity_calibration_is_reported(tables: AreaTables):
    model = tables.urbanity_model
    assert model["n"] >= 340 and 0.5 < model["r2"] <= 1
    assert model["class_within_one"] > 0.9


def test_secret_cells_are_null_and_flagged(tables: AreaTables):
    wijk = current(tables, "wijk")
    secret = wijk[wijk["secret_columns"].str.contains("share_age_0_14", regex=False)]
    assert len(secret) > 0
    assert secret["share_age_0_14"].isna().all()


def test_unknown_area_code_in_crosswalk(tmp_path: Path, data_dir: Path):
    broken = broken_copy(data_dir, tmp_path / "d", PC4_WIJK_CROSSWALK.filename,
                         append_line("2024,WK999999,3511,10"))
    with pytest.raises(UnknownAreaError, match="onbekende gebiedscode 'WK999999'"):
        build_area_tables(broken)


def test_small_helpers():
    men, women = sex_shares(pd.Series([20.0, 0.0]), pd.Series([0.0, 0.0]))
    assert men.tolist()[0] == 1.0 and np.isnan(men.iloc[1])
    assert urbanity_class(pd.Series([3000.0, 1500.0, 999.0, 10.0])).tolist() == [1, 2, 4, 5]
    child = pd.Series([0.1, 0.3, 0.5])
    scaled = benchmark_to_parent(child, pd.Series([1.0, 1.0, 1.0]),
                                 pd.Series(["a", "a", "b"]), pd.Series([0.4, 0.4, 0.6]))
    np.testing.assert_allclose(scaled, [0.2, 0.6, 0.6])


def test_wijk_2019_figures_are_benchmarked_to_the_gemeente(tables: AreaTables):
    """Utrecht's 2019 wijk WOZ, re-weighted by 2019 residents, averages to the gemeente now;
    herkomst is the wijken's own 2024 figure (issue 18), which adds up to the gemeente."""
    a = tables.areas
    wijk = current(tables, "wijk").set_index("area_code")
    w19 = a[(a["level"] == "wijk") & (a["year"] == 2019)].set_index("area_code")
    utrecht = wijk[wijk["gemeente_code"] == "GM0344"]
    weights = w19["population"].reindex(utrecht.index)
    assert weights.notna().all()  # every Utrecht wijk kept its code since 2019
    gm = current(tables, "gemeente").set_index("area_code").loc["GM0344"]
    assert np.average(utrecht["woz_avg"], weights=weights) == pytest.approx(gm["woz_avg"],
                                                                             rel=1e-6)
    own = np.average(utrecht["share_migration_nietwest"], weights=utrecht["population"])
    assert own == pytest.approx(gm["share_migration_nietwest"], abs=0.005)
    # the contrasts between wijken survive (not all equal to the gemeente)
    assert utrecht["share_migration_nietwest"].std() > 0.05
    assert "Amsterdam" in tables.notes[1]


def test_merged_gemeente_with_a_secret_predecessor_gets_no_partial_education():
    from betrokken.areas.harmonise import reconcile_gemeente_2022

    base = {"aantal_inwoners": 1000.0, "huishoudens": 400.0, "woningvoorraad": 420.0,
            "gem_inkomen_inwoner": 30.0, "pct_hh_laag_inkomen": 8.0,
            "pct_hh_hoog_inkomen": 20.0, "koopwoningen": 60.0, "gem_woz_waarde": 300.0}
    gm22 = pd.DataFrame([
        {"gemeentecode": "GM0001", "opl_laag": 200.0, "opl_midden": 300.0, "opl_hoog": 250.0,
         **base},
        {"gemeentecode": "GM0002", "opl_laag": None, "opl_midden": 310.0, "opl_hoog": 240.0,
         **base},
        {"gemeentecode": "GM0003", "opl_laag": 100.0, "opl_midden": 150.0, "opl_hoog": 90.0,
         **base},
    ])
    mapping = pd.DataFrame({"code_2022": ["GM0001", "GM0002", "GM0003"],
                            "gemeente_code": ["GM1990", "GM1990", "GM0003"]})
    out = reconcile_gemeente_2022(gm22, mapping)
    assert out.loc["GM1990", ["opl_laag", "opl_midden", "opl_hoog"]].isna().all()
    assert out.loc["GM0003", "opl_midden"] == 150.0
    assert out.loc["GM1990", "gem_inkomen_inwoner"] == 30.0
