"""Iterative proportional fitting: margins reproduced, seed interactions preserved."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from betrokken.areas.poststratify import (
    CELL_SHAPE,
    MARGIN_COLUMNS,
    area_margins,
    cell_frame,
    fill_absent_margins,
    ipf,
    seed_array,
)
from betrokken.errors import BetrokkenError
from betrokken.schema import CELL_VARIABLES, MIN_RESIDENTS_PUBLISHED


def _margins_of(cells: np.ndarray) -> list[np.ndarray]:
    return [cells.sum(axis=tuple(a for a in range(1, 5) if a != axis)) for axis in range(1, 5)]


def _log_odds_ratios(cells: np.ndarray) -> np.ndarray:
    """Every local log odds ratio between two cell variables (the others held fixed)."""
    logc = np.log(cells)
    out = []
    for a in range(1, 5):
        for b in range(a + 1, 5):
            d = np.diff(np.diff(logc, axis=a), axis=b)
            out.append(d.reshape(cells.shape[0], -1))
    return np.concatenate(out, axis=1)


@pytest.fixture(scope="module")
def seed() -> np.ndarray:
    rng = np.random.default_rng(7)
    raw = rng.gamma(2.0, size=CELL_SHAPE)
    return raw / raw.sum()


@pytest.fixture(scope="module")
def hand_margins() -> dict[str, np.ndarray]:
    """Three made-up areas: a student town, a retirement village, an average place."""
    return {
        "age": np.array(
            [[0.40, 0.35, 0.15, 0.10], [0.05, 0.15, 0.30, 0.50], [0.13, 0.31, 0.33, 0.23]]
        ),
        "sex": np.array([[0.52, 0.48], [0.45, 0.55], [0.50, 0.50]]),
        "education": np.array([[0.15, 0.35, 0.50], [0.45, 0.40, 0.15], [0.30, 0.40, 0.30]]),
        "migration": np.array([[0.60, 0.15, 0.25], [0.92, 0.06, 0.02], [0.75, 0.10, 0.15]]),
    }


IPF_PROMISE = 1e-9
"""Every fitted margin share within 1e-9 of its target (pinned, not imported)."""


def test_ipf_reproduces_given_margins(seed, hand_margins):
    result = ipf(seed, hand_margins)
    assert result.converged.all()
    assert result.max_error.max() <= IPF_PROMISE
    assert np.allclose(result.cells.sum(axis=(1, 2, 3, 4)), 1.0)
    for fitted, var in zip(_margins_of(result.cells), CELL_VARIABLES, strict=True):
        np.testing.assert_allclose(fitted, hand_margins[var], rtol=0, atol=IPF_PROMISE)


def test_ipf_preserves_seed_odds_ratios(seed, hand_margins):
    result = ipf(seed, hand_margins)
    seed_lor = _log_odds_ratios(seed[None])
    expected = np.repeat(seed_lor, 3, axis=0)
    np.testing.assert_allclose(_log_odds_ratios(result.cells), expected, atol=1e-8)


def test_ipf_with_the_seed_margins_returns_the_seed(seed):
    margins = dict(zip(CELL_VARIABLES, _margins_of(seed[None]), strict=True))
    result = ipf(seed, margins)
    np.testing.assert_allclose(result.cells[0], seed, atol=1e-12)


def test_ipf_leaves_areas_with_missing_margins_unfitted(seed, hand_margins):
    margins = {k: v.copy() for k, v in hand_margins.items()}
    margins["education"][1] = np.nan
    result = ipf(seed, margins)
    assert result.converged.tolist() == [True, False, True]
    assert np.isnan(result.cells[1]).all()
    assert np.isfinite(result.cells[[0, 2]]).all()


def test_a_margin_the_source_lacks_everywhere_is_raked_to_the_national_margin(seed, hand_margins):
    """A 2022 KWB layout has no migration background at all: every area used to be dropped
    (a download build of 2022 published no estimate). Now the margin is the seed's own,
    the other margins are still met, and a margin missing for one area only stays missing."""
    margins = {k: v.copy() for k, v in hand_margins.items()}
    margins["migration"][:] = np.nan
    filled, names = fill_absent_margins(margins, seed)
    assert names == ["migration"]
    national = seed.sum(axis=(0, 1, 2)) / seed.sum()
    assert np.allclose(filled["migration"], national[None, :], atol=1e-15)
    result = ipf(seed, filled)
    assert result.converged.all()
    fitted = _margins_of(result.cells)
    for axis, var in enumerate(CELL_VARIABLES):
        assert np.abs(fitted[axis] - filled[var]).max() < IPF_PROMISE
    assert np.isnan(margins["migration"]).all()  # the caller's margins are not changed

    partly = {k: v.copy() for k, v in hand_margins.items()}
    partly["migration"][1] = np.nan
    same, names = fill_absent_margins(partly, seed)
    assert names == [] and np.isnan(same["migration"][1]).all()


def test_ipf_reports_non_convergence_when_iterations_run_out(seed, hand_margins):
    result = ipf(seed, hand_margins, max_iterations=1)
    assert not result.converged.all()
    assert result.iterations == 1


def test_zero_margin_category_gives_zero_cells(seed, hand_margins):
    margins = {k: v.copy() for k, v in hand_margins.items()}
    margins["migration"][2] = [1.0, 0.0, 0.0]
    result = ipf(seed, margins)
    assert result.converged[2]
    assert np.allclose(result.cells[2, :, :, :, 1:], 0.0)


def test_area_margins_renormalise_adults_and_flag_missing():
    areas = pd.DataFrame(
        {
            "share_age_15_24": [0.10, 0.12],
            "share_age_25_44": [0.30, 0.25],
            "share_age_45_64": [0.25, 0.30],
            "share_age_65plus": [0.15, 0.18],
            "share_man": [0.5, 0.49],
            "share_vrouw": [0.5, 0.51],
            "share_edu_laag": [0.3, None],  # secret in the second area
            "share_edu_midden": [0.4, None],
            "share_edu_hoog": [0.3, None],
            "share_migration_nl": [0.7, 0.8],
            "share_migration_west": [0.1, 0.1],
            "share_migration_nietwest": [0.2, 0.1],
        }
    )
    margins = area_margins(areas)
    # adults 18+: 7 of the 10 years of the 15-24 band, then renormalised
    adults = np.array([0.10 * 0.7, 0.30, 0.25, 0.15])
    np.testing.assert_allclose(margins["age"][0], adults / adults.sum())
    assert np.isnan(margins["education"][1]).all()
    with pytest.raises(BetrokkenError, match="share_man"):
        area_margins(areas.drop(columns=["share_man"]))


def test_seed_array_from_cells_floors_empty_cells():
    cells = cell_frame()
    cells["weight"] = 1.0
    cells.loc[0, "weight"] = 0.0
    seed = seed_array(cells)
    assert seed.shape == CELL_SHAPE
    assert seed.sum() == pytest.approx(1.0)
    assert seed.min() > 0
    bad = cells.assign(age="18_24")
    with pytest.raises(BetrokkenError, match="18_24"):
        seed_array(bad)


def test_margin_columns_follow_the_schema():
    from betrokken.schema import AREA_SHARE_COLUMNS

    for columns in MARGIN_COLUMNS.values():
        assert set(columns) <= set(AREA_SHARE_COLUMNS)


# --- real areas, real seed ------------------------------------------------------------


def test_ipf_reproduces_published_margins_of_real_areas(data_dir):
    from betrokken.areas.harmonise import build_area_tables
    from betrokken.areas.poststratify import poststratify
    from betrokken.model.artifact import load_model

    areas = build_area_tables(data_dir).areas
    areas = areas[areas["is_current"].astype(bool)].reset_index(drop=True)
    seed = seed_array(load_model().national_cells)
    result = poststratify(areas, load_model().national_cells)
    margins = area_margins(areas)
    fitted = np.isfinite(result.max_error)
    published = (areas["population"] >= MIN_RESIDENTS_PUBLISHED).to_numpy()
    # only areas with secret/missing margins left out (many buurten below 50 residents)
    assert fitted[published].sum() > 0.97 * published.sum()
    assert result.converged[fitted].all()
    assert result.max_error[fitted].max() <= IPF_PROMISE
    for fit, var in zip(_margins_of(result.cells[fitted]), CELL_VARIABLES, strict=True):
        np.testing.assert_allclose(fit, margins[var][fitted], rtol=0, atol=IPF_PROMISE)
    positive = fitted & (np.nan_to_num(result.cells).reshape(len(areas), -1) > 0).all(axis=1)
    sample = np.flatnonzero(positive)[::50]  # areas with a zero margin category have zero cells
    assert sample.size > 100
    expected = np.repeat(_log_odds_ratios(seed[None]), sample.size, axis=0)
    np.testing.assert_allclose(_log_odds_ratios(result.cells[sample]), expected, atol=1e-6)


# --- edges of the margins (hand-made areas; found by mutation testing) ------------------


def _one_area(**overrides) -> pd.DataFrame:
    row = {
        "share_age_15_24": 0.10, "share_age_25_44": 0.30, "share_age_45_64": 0.25,
        "share_age_65plus": 0.15, "share_man": 0.5, "share_vrouw": 0.5,
        "share_edu_laag": 0.3, "share_edu_midden": 0.4, "share_edu_hoog": 0.3,
        "share_migration_nl": 0.9, "share_migration_west": 0.0, "share_migration_nietwest": 0.1,
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_negative_codes_are_missing_but_a_zero_share_is_a_share():
    """CBS writes secret values as negative codes in some files: the margin is then
    missing. A category with share 0 (no western migrants) is a real share."""
    margins = area_margins(_one_area(share_edu_hoog=-99997.0))
    assert np.isnan(margins["education"]).all()
    assert np.isnan(area_margins(_one_area(share_edu_hoog=-0.05))["education"]).all()
    np.testing.assert_allclose(margins["migration"][0], [0.9, 0.0, 0.1])
    np.testing.assert_allclose(margins["sex"][0], [0.5, 0.5])


def test_a_margin_that_sums_to_zero_or_is_secret_everywhere_is_missing_without_warnings():
    import warnings

    areas = pd.concat([_one_area(share_man=0.0, share_vrouw=0.0), _one_area()],
                      ignore_index=True)
    areas["share_edu_laag"] = None  # secret everywhere: an all-None (object) column
    assert areas["share_edu_laag"].dtype == object
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0/0 is expected here, not worth a warning
        margins = area_margins(areas)
    assert np.isnan(margins["sex"][0]).all() and np.isfinite(margins["sex"][1]).all()
    assert np.isnan(margins["education"]).all()


def test_missing_columns_are_all_named():
    with pytest.raises(BetrokkenError, match="share_man, share_vrouw"):
        area_margins(_one_area().drop(columns=["share_man", "share_vrouw"]))
    cells = cell_frame()
    with pytest.raises(BetrokkenError, match="mist de kolommen weight"):
        seed_array(cells)
    with pytest.raises(BetrokkenError, match="mist de kolommen sex, weight"):
        seed_array(cells.drop(columns=["sex"]))
    with pytest.raises(BetrokkenError) as info:
        seed_array(cells.assign(weight=0.0))
    assert info.value.message == "De nationale celverdeling van het model heeft totaal gewicht 0."


def test_seed_array_places_each_weight_in_its_cell_and_floors_only_empty_cells():
    cells = cell_frame()
    cells["weight"] = 0.0
    cells.loc[5, "weight"] = 3.0
    cells.loc[70, "weight"] = 1.0
    seed = seed_array(cells)
    flat = seed.reshape(-1)
    floor = 1e-6
    total = 0.75 + 0.25 + 70 * floor
    assert flat[5] == pytest.approx(0.75 / total) and flat[70] == pytest.approx(0.25 / total)
    assert np.delete(flat, [5, 70]) == pytest.approx(floor / total)
    # repeated rows add up; the cell order is C order over age, sex, education, migration
    twice = pd.concat([cells, cells.iloc[[5]]], ignore_index=True)
    assert seed_array(twice).reshape(-1)[5] == pytest.approx((6 / 7) / (1 + 70 * floor))
    assert cells.iloc[5][list(CELL_VARIABLES)].tolist() == [
        CELL_VARIABLES["age"][0], CELL_VARIABLES["sex"][0], CELL_VARIABLES["education"][1],
        CELL_VARIABLES["migration"][2]]


def test_filling_absent_margins_needs_areas_and_normalises_the_seed(seed, hand_margins):
    none = {k: v[:0] for k, v in hand_margins.items()}
    filled, names = fill_absent_margins(none, seed)
    assert names == [] and all(filled[k].shape == (0, v.shape[1]) for k, v in none.items())
    margins = {k: v.copy() for k, v in hand_margins.items()}
    margins["sex"][:] = np.nan
    filled, names = fill_absent_margins(margins, 3 * seed)  # a seed that does not sum to 1
    assert names == ["sex"]
    np.testing.assert_allclose(filled["sex"], np.repeat(seed.sum(axis=(0, 2, 3))[None], 3, 0))
    np.testing.assert_allclose(filled["sex"].sum(axis=1), 1.0)


def _one_sweep(seed: np.ndarray, margins: dict[str, np.ndarray]) -> np.ndarray:
    """One IPF sweep written out: scale to the age, sex, education, migration margins in turn."""
    cells = np.repeat(seed[None] / seed.sum(), 3, axis=0)
    for axis, var in enumerate(CELL_VARIABLES, start=1):
        current = _margins_of(cells)[axis - 1]
        shape = [3, 1, 1, 1, 1]
        shape[axis] = current.shape[1]
        cells = cells * (margins[var] / current).reshape(shape)
    return cells


def test_max_iterations_counts_sweeps_and_errors_are_per_area(seed, hand_margins):
    one = ipf(seed, hand_margins, max_iterations=1)
    np.testing.assert_allclose(one.cells, _one_sweep(seed, hand_margins), rtol=1e-12)
    # after one sweep only the last margin (migration) is met; each area has its own error
    fitted = _margins_of(one.cells)
    own = np.max([np.abs(f - hand_margins[v]).max(axis=1)
                  for f, v in zip(fitted, CELL_VARIABLES, strict=True)], axis=0)
    np.testing.assert_allclose(one.max_error, own, rtol=1e-12)
    assert len(set(np.round(one.max_error, 12))) == 3 and (one.max_error > 1e-6).all()
    # the seed itself needs one sweep; the loop notices in the next one
    margins = dict(zip(CELL_VARIABLES, _margins_of(np.repeat(seed[None], 3, 0)), strict=True))
    done = ipf(seed, margins)
    assert done.converged.all() and done.iterations == 2


def test_a_zero_margin_category_raises_no_warnings(seed, hand_margins):
    import warnings

    margins = {k: v.copy() for k, v in hand_margins.items()}
    margins["migration"][2] = [1.0, 0.0, 0.0]
    margins["age"][0] = [0.0, 0.5, 0.5, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0/0 on the emptied cells is expected
        result = ipf(seed, margins)
    assert result.converged.all()
    assert np.allclose(result.cells[0, [0, 3]], 0.0)


def test_poststratify_rakes_the_national_cells_to_each_areas_adult_margins():
    from betrokken.areas.poststratify import poststratify

    cells = cell_frame()
    cells["weight"] = np.arange(1, 73, dtype=float)
    areas = pd.concat([_one_area(), _one_area(share_age_15_24=0.4, share_man=0.6,
                                              share_vrouw=0.4)], ignore_index=True)
    result = poststratify(areas, cells)
    assert result.converged.tolist() == [True, True] and result.n_converged == 2
    age = result.cells.sum(axis=(2, 3, 4))
    adults = np.array([0.28, 0.30, 0.25, 0.15])  # 0.7 x 0.4 = 0.28 in the second area
    np.testing.assert_allclose(age[1], adults / adults.sum(), atol=1e-9)
    np.testing.assert_allclose(result.cells.sum(axis=(1, 3, 4))[1], [0.6, 0.4], atol=1e-9)
