"""Raking reproduces the CBS marginals; the targets themselves are sane."""

from __future__ import annotations

import numpy as np
import pytest

from betrokken.errors import BetrokkenError
from betrokken.survey.targets import BIG_CITIES_2022, gemeente_regions, national_targets
from betrokken.survey.vu import load_vu
from betrokken.survey.weights import kish_deff, rake, weighted_margin


@pytest.fixture(scope="module")
def sample(data_dir):
    return load_vu(data_dir)[0]


@pytest.fixture(scope="module")
def targets(data_dir):
    return national_targets(data_dir)


def test_targets_are_shares_from_the_cbs_files(targets, data_dir):
    assert set(targets) == {"age_sex", "education", "region", "migration"}
    for margin in targets.values():
        assert margin.sum() == pytest.approx(1.0)
        assert (margin > 0).all()
    assert len(targets["age_sex"]) == 8
    # adults: 65+ is roughly a quarter of the 18+ population, not a fifth of everyone
    old = targets["age_sex"].filter(like="65plus").sum()
    assert 0.2 < old < 0.3
    regions = gemeente_regions(data_dir)
    assert (regions["region"] == "grote_steden").sum() == len(BIG_CITIES_2022)
    # CBS 2020 (old definition, as in the survey): about a quarter has a migration background
    assert 0.7 < targets["migration"]["nl"] < 0.8
    assert targets["migration"]["nietwest"] > targets["migration"]["west"]


def test_weighted_margins_reproduce_the_targets(sample, targets):
    weights = rake(sample, targets)
    assert weights.mean() == pytest.approx(1.0)
    for margin, target in targets.items():
        achieved = weighted_margin(sample, weights, margin).reindex(target.index)
        np.testing.assert_allclose(achieved.to_numpy(), target.to_numpy(), atol=1e-8)
    # and the unweighted sample did not already match (the weights do something)
    raw = weighted_margin(sample, weights * 0 + 1, "age_sex").reindex(targets["age_sex"].index)
    assert np.abs(raw - targets["age_sex"]).max() > 0.01


def test_design_effect(sample, targets):
    weights = rake(sample, targets)
    deff = kish_deff(weights)
    assert deff == pytest.approx(len(weights) * (weights**2).sum() / weights.sum() ** 2)
    assert 1.0 < deff < 2.0
    assert kish_deff(np.ones(10)) == pytest.approx(1.0)


def test_empty_category_is_a_clear_error(sample, targets):
    no_young = sample[sample["age"] != "15_24"]
    with pytest.raises(BetrokkenError, match="15_24"):
        rake(no_young, targets)


def test_raking_reports_convergence(sample, targets):
    from betrokken.survey.weights import rake_result

    done = rake_result(sample, targets)
    assert done.converged and done.max_error < 1e-10 and done.max_change < 1e-10
    assert 5 < done.iterations < 200
    short = rake_result(sample, targets, max_iter=3)
    assert not short.converged and short.iterations == 3 and short.max_error > 1e-6


def test_unconverged_weights_are_a_dutch_error_or_an_explicit_warning(sample, targets):
    with pytest.raises(BetrokkenError, match="niet geconvergeerd"):
        rake(sample, targets, max_iter=3)
    with pytest.warns(RuntimeWarning, match="niet geconvergeerd"):
        weights = rake(sample, targets, max_iter=3, allow_unconverged=True)
    assert weights.attrs["converged"] is False and weights.attrs["iterations"] == 3
    assert rake(sample, targets).attrs["converged"] is True


def test_no_respondents_and_half_known_age_sex(sample, targets):
    with pytest.raises(BetrokkenError, match="geen respondenten"):
        rake(sample.iloc[:0], targets)
    from betrokken.survey.weights import margin_codes

    half = sample.iloc[:2].copy()
    half.loc[half.index[0], "sex"] = None
    codes = margin_codes(half, "age_sex")
    assert codes.isna().tolist() == [True, False]  # one unknown of the two: not in the cell
