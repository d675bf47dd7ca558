"""Adults (18+) per area: the one weight behind every adult-weighted sum. Numbers pinned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from betrokken import schema
from betrokken.areas.population import adult_weight


def _areas(**overrides) -> pd.DataFrame:
    row = {
        "population": 1000.0,
        "share_age_0_14": 0.10,
        "share_age_15_24": 0.20,
        "share_age_25_44": 0.30,
        "share_age_45_64": 0.25,
        "share_age_65plus": 0.15,
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_adults_count_seven_tenths_of_the_15_24_band():
    # 1000 x (0.7 x 0.20 + 0.30 + 0.25 + 0.15) = 840; 15+ would give 900, 0.5 would give 800
    assert adult_weight(_areas())[0] == pytest.approx(840.0)
    assert adult_weight(_areas(share_age_15_24=0.0, share_age_0_14=0.30))[0] == pytest.approx(700)


def test_unknown_population_or_age_gives_nan():
    assert np.isnan(adult_weight(_areas(population=None))[0])
    assert np.isnan(adult_weight(_areas(share_age_45_64=None))[0])
    assert adult_weight(_areas(share_age_0_14=None))[0] == pytest.approx(840.0)  # not needed


def test_real_areas_have_fewer_adults_than_residents(built_db):
    from betrokken.store.database import connect

    con = connect(built_db, read_only=True)
    try:
        areas = con.execute("SELECT * FROM areas WHERE is_current").df()
    finally:
        con.close()
    adults = adult_weight(areas)
    published = (areas["population"] >= schema.MIN_RESIDENTS_PUBLISHED).to_numpy()
    known = np.isfinite(adults) & (areas["population"] > 0).to_numpy()
    # secret age shares (small postcodes and buurten) leave the rest unknown
    assert known[published].mean() > 0.98
    ratio = adults[known] / areas["population"].to_numpy()[known]
    # CBS: about 80 % of residents are 18+; no area has more adults than residents
    assert (ratio <= 1.0 + 1e-9).all() and np.median(ratio) == pytest.approx(0.82, abs=0.02)
    utrecht = (areas["area_code"] == "GM0344").to_numpy()
    assert ratio_of(adults, areas, utrecht) == pytest.approx(0.80, abs=0.01)


def ratio_of(adults, areas, mask) -> float:
    return float(adults[mask][0] / areas["population"].to_numpy()[mask][0])


def test_unknown_adults_weigh_zero_in_a_sum():
    from betrokken.areas.population import adult_weight_or_zero

    areas = pd.concat([_areas(), _areas(population=None), _areas(share_age_25_44="geheim")],
                      ignore_index=True)
    assert adult_weight_or_zero(areas).tolist() == pytest.approx([840.0, 0.0, 0.0])
    assert np.isnan(adult_weight(_areas(population="geheim"))[0])


def test_shares_outside_zero_and_one_are_clipped():
    # a share of 1.3 counts as 1, a negative code as 0: 1000 x (0.7 x 0.2 + 1 + 0 + 0.15)
    weight = adult_weight(_areas(share_age_25_44=1.3, share_age_45_64=-0.25))[0]
    assert weight == pytest.approx(1290.0)
