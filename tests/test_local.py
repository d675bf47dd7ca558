"""Gezondheidsmonitor indicators on the current areas: direct, merged, adjusted, via wijk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from betrokken.areas.local import local_engagement, map_local_indicators
from betrokken.sources.gezondheidsmonitor import read_gezondheidsmonitor
from helpers_data import local_area_tables


@pytest.fixture(scope="module")
def gm(data_dir: Path) -> pd.DataFrame:
    return read_gezondheidsmonitor(data_dir)


@pytest.fixture(scope="module")
def mapped(data_dir: Path, gm):
    tables = local_area_tables(data_dir)
    return tables, map_local_indicators(gm, tables.areas, tables.crosswalk, edition_year=2020)


def test_every_current_area_gets_a_value_and_the_report_counts_methods(mapped):
    tables, local = mapped
    frame = local.frame
    current = tables.areas[tables.areas["is_current"].astype(bool)]
    for level in ("gemeente", "wijk", "pc4"):
        n = int((current["level"] == level).sum())
        got = frame[frame["level"] == level]
        assert len(got) == n
        assert got["volunteering"].notna().all(), level
        assert sum(local.report["methods"][level].values()) == n
    assert local.report["methods"]["gemeente"] == {"direct": 335, "merged": 7}
    assert local.report["methods"]["wijk"]["direct"] > 2500
    assert local.report["methods"]["wijk"]["parent_adjusted"] > 0
    assert local.report["methods"]["pc4"] == {"via_wijk": 4065}


def test_direct_values_equal_the_file(mapped, gm):
    frame = mapped[1].frame.set_index("area_code")
    by_code = gm.set_index("area_code")
    for code in ("GM0344", "GM0184", "WK034403"):
        assert frame.loc[code, "method"] == "direct"
        assert frame.loc[code, "volunteering"] == by_code.loc[code, "volunteering"]


def test_merged_gemeente_is_the_population_weighted_mean_of_its_predecessors(mapped, gm,
                                                                              data_dir):
    # Eemsdelta (2021) = Appingedam + Delfzijl + Loppersum; populations of 2020 from CBS.
    pop = pd.read_csv(data_dir / "cbs" / "gemeente_2020_kwb_buurtvergelijker.csv")
    pop = pop.set_index("GM_CODE")["Aantal inwoners"]
    olds = ["GM0003", "GM0010", "GM0024"]
    values = gm.set_index("area_code").loc[olds, "volunteering"].to_numpy()
    expected = float(np.average(values, weights=pop.loc[olds].to_numpy()))
    frame = mapped[1].frame.set_index("area_code")
    assert frame.loc["GM1979", "method"] == "merged"
    assert frame.loc["GM1979", "volunteering"] == pytest.approx(expected, abs=1e-9)
    # Purmerend kept its code but merged with Beemster: not the old Purmerend's value.
    assert frame.loc["GM0439", "method"] == "merged"


def test_pc4_is_the_address_weighted_mean_of_its_wijken(mapped):
    tables, local = mapped
    frame = local.frame.set_index(["level", "area_code"])
    cw = tables.crosswalk[tables.crosswalk["pc4"].astype(str) == "3511"]
    wijk = frame.loc["wijk"].reindex(cw["wijk_code"])["volunteering"].to_numpy()
    ok = np.isfinite(wijk)
    expected = np.average(wijk[ok], weights=cw["n_addresses"].to_numpy(float)[ok])
    assert frame.loc[("pc4", "3511"), "volunteering"] == pytest.approx(expected)


def test_parent_adjusted_wijken_stay_near_their_gemeente(mapped):
    frame = mapped[1].frame
    wijk = frame[(frame["level"] == "wijk") & (frame["method"] == "parent_adjusted")]
    gem = frame[frame["level"] == "gemeente"].set_index("area_code")["volunteering"]
    parent = wijk["area_code"].str[2:6].radd("GM").map(gem)
    diff = (wijk["volunteering"].to_numpy() - parent.to_numpy())
    assert np.nanmax(np.abs(diff)) < 0.25
    assert np.nanstd(diff) > 0  # adjusted for their own demographics, not a plain copy


def test_local_engagement_is_the_mean_of_three_components(mapped):
    frame = mapped[1].frame
    nl = frame[frame["level"] == "nl"]
    value, se = local_engagement(nl)
    expected = (0.246 + 0.136 + (1 - 0.300)) / 3
    assert value[0] == pytest.approx(expected, abs=1e-9)
    assert 0 < se[0] < 0.001  # 14 million adults: tiny sampling error


def test_small_areas_get_wider_standard_errors(mapped):
    frame = mapped[1].frame
    wijk = frame[(frame["level"] == "wijk") & (frame["method"] == "direct")]
    gem = frame[(frame["level"] == "gemeente") & (frame["method"] == "direct")]
    assert wijk["volunteering_se"].median() > 2 * gem["volunteering_se"].median()
