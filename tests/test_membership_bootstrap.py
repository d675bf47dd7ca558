"""The membership model's pieces on data drawn from a known multinomial logit.

Respondents are simulated with the model's own data-generating process (one-hot CBS
categories -> softmax -> profile), so the true coefficients are known. This is where
``bootstrap_coefficients`` runs: a bootstrap that refits without resampling gives identical
draws, and these tests fail on that. The fits take well under a second each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from betrokken.errors import BetrokkenError, SourceError
from betrokken.model.membership import (
    MembershipModel,
    bootstrap_coefficients,
    cross_validate,
    design_matrix,
    pc4_urbanity,
    predict_from_coefficients,
    softmax,
    weighted_accuracy,
    weighted_log_loss,
)
from betrokken.schema import CELL_VARIABLES

PREDICTORS = ["age", "sex"]
N_PROFILES = 3


def _simulate(n: int, seed: int):
    """n respondents: age x sex uniform, profile from a known logit, gamma survey weights."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "age": rng.choice(CELL_VARIABLES["age"], n),
        "sex": rng.choice(CELL_VARIABLES["sex"], n),
    })
    D, _ = design_matrix(X, PREDICTORS, [])
    true_coef = np.array([[1.0, 0.0, -1.0, 0.5, 0.0, 0.0],
                          [0.0, 1.0, 0.0, -0.5, 0.0, 0.5],
                          [-1.0, 0.0, 1.0, 0.0, 0.0, -0.5]])
    assert D.shape[1] == true_coef.shape[1]
    p = softmax(D @ true_coef.T)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    w = rng.gamma(4.0, 0.25, n)
    return X, y, w, p


@pytest.fixture(scope="module")
def sample():
    return _simulate(1500, seed=11)


def test_design_matrix_one_hot_and_interactions():
    X = pd.DataFrame({"age": ["15_24", "65plus"], "sex": ["vrouw", "man"]})
    D, names = design_matrix(X, ["age", "sex"], [("age", "sex")])
    n_age, n_sex = len(CELL_VARIABLES["age"]), len(CELL_VARIABLES["sex"])
    assert D.shape == (2, n_age + n_sex + n_age * n_sex)
    assert names[0] == f"age={CELL_VARIABLES['age'][0]}"
    assert f"age=65plus:sex={CELL_VARIABLES['sex'][0]}" in names
    # each row: one age, one sex, one interaction cell
    np.testing.assert_array_equal(D.sum(axis=1), [3, 3])
    row = dict(zip(names, D[1], strict=True))
    assert row["age=65plus"] == 1 and row["sex=man"] == 1 and row["age=65plus:sex=man"] == 1
    assert row["age=15_24"] == 0 and row["age=65plus:sex=vrouw"] == 0


def test_design_matrix_names_missing_columns_and_unknown_values():
    with pytest.raises(BetrokkenError, match="Kolom\\(men\\) sex ontbreken"):
        design_matrix(pd.DataFrame({"age": ["65plus"]}), ["age", "sex"], [])
    bad = pd.DataFrame({"age": ["65plus", "12-17", "12-17"], "sex": ["man"] * 3})
    with pytest.raises(BetrokkenError, match="Onbekende waarde\\(n\\) 12-17 in kolom 'age'") as e:
        design_matrix(bad, ["age", "sex"], [])
    assert "65plus" in e.value.hint and "15_24" in e.value.hint


def test_softmax_rows_sum_to_one_and_survive_large_scores():
    z = np.array([[1000.0, 1000.0, 0.0], [0.0, np.log(3.0), 0.0]])
    p = softmax(z)
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0], [0.2, 0.6, 0.2]], atol=1e-12)


def test_fit_recovers_the_generating_probabilities(sample):
    X, y, w, p_true = sample
    model = MembershipModel(PREDICTORS, C=100.0).fit(X, y, w)
    assert model.coef_.shape == (N_PROFILES, 6) and model.n_classes_ == N_PROFILES
    assert model.feature_names_[:2] == ["age=15_24", "age=25_44"]
    assert np.abs(model.predict_proba(X) - p_true).max() < 0.08
    # soft labels: a one-hot posterior is the same fit as the hard label
    soft = MembershipModel(PREDICTORS, C=100.0).fit(X, np.eye(N_PROFILES)[y], w)
    np.testing.assert_allclose(soft.coef_, model.coef_, atol=1e-6)
    # no weights = unit weights
    np.testing.assert_allclose(MembershipModel(PREDICTORS).fit(X, y).coef_,
                               MembershipModel(PREDICTORS).fit(X, y, np.ones(len(y))).coef_,
                               atol=1e-8)


def test_weights_matter_and_scale_free(sample):
    X, y, w, _ = sample
    a = MembershipModel(PREDICTORS).fit(X, y, w).coef_
    # the weights are normalised to the sample size: scaling them changes nothing
    np.testing.assert_allclose(MembershipModel(PREDICTORS).fit(X, y, 7 * w).coef_, a, atol=1e-6)
    # ... but their relative size does
    heavy = np.where(y == 0, 5.0, 1.0)
    b = MembershipModel(PREDICTORS).fit(X, y, heavy)
    assert b.predict_proba(X)[:, 0].mean() > MembershipModel(PREDICTORS).fit(X, y).predict_proba(
        X)[:, 0].mean() + 0.1


def test_a_profile_missing_from_the_training_data_is_an_error(sample):
    X, y, w, _ = sample
    soft = np.eye(N_PROFILES + 1)[y]  # a fourth profile nobody belongs to
    with pytest.raises(BetrokkenError, match="Niet elk profiel"):
        MembershipModel(PREDICTORS).fit(X, soft, w)


def test_predict_from_coefficients_matches_the_model_for_point_and_draws(sample):
    X, y, w, _ = sample
    model = MembershipModel(PREDICTORS).fit(X, y, w)
    point = predict_from_coefficients(X, PREDICTORS, [], model.coef_, model.intercept_)
    np.testing.assert_allclose(point, model.predict_proba(X), atol=1e-12)
    coefs = np.stack([model.coef_, model.coef_ * 0.0])
    intercepts = np.stack([model.intercept_, np.array([0.0, np.log(2.0), 0.0])])
    draws = predict_from_coefficients(X, PREDICTORS, [], coefs, intercepts)
    assert draws.shape == (2, len(X), N_PROFILES)
    np.testing.assert_allclose(draws[0], point, atol=1e-12)
    np.testing.assert_allclose(draws[1], np.tile([0.25, 0.5, 0.25], (len(X), 1)), atol=1e-12)


def test_bootstrap_resamples_respondents(sample):
    X, y, w, _ = sample
    Y = np.eye(N_PROFILES)[y]
    coef, intercept = bootstrap_coefficients(X, Y, w, predictors=PREDICTORS, n_boot=6, seed=5)
    assert coef.shape == (6, N_PROFILES, 6) and intercept.shape == (6, N_PROFILES)
    full = MembershipModel(PREDICTORS).fit(X, Y, w)
    # every draw is a different refit (a bootstrap without resampling repeats the full fit)
    for b in range(6):
        assert np.abs(coef[b] - full.coef_).max() > 1e-3
        for c in range(b):
            assert np.abs(coef[b] - coef[c]).max() > 1e-3
    # ... centred on the full fit, with a spread like the sampling error at n=1500
    spread = coef.std(axis=0, ddof=1)
    assert 0.02 < np.median(spread) < 0.3
    assert np.abs(coef.mean(axis=0) - full.coef_).max() < 3 * spread.max()
    # the same seed gives the same draws, another seed other draws
    again, _ = bootstrap_coefficients(X, Y, w, predictors=PREDICTORS, n_boot=2, seed=5)
    np.testing.assert_allclose(again, coef[:2])
    other, _ = bootstrap_coefficients(X, Y, w, predictors=PREDICTORS, n_boot=2, seed=6)
    assert np.abs(other - coef[:2]).max() > 1e-3


def test_each_draw_is_a_weighted_refit_on_a_seeded_resample(sample):
    X, y, w, _ = sample
    Y = np.eye(N_PROFILES)[y]
    coef, intercept = bootstrap_coefficients(X, Y, w, predictors=PREDICTORS, n_boot=1, seed=9)
    idx = np.random.default_rng(9).integers(0, len(X), len(X))
    by_hand = MembershipModel(PREDICTORS, C=1.0).fit(X.iloc[idx], Y[idx], w[idx])
    np.testing.assert_allclose(coef[0], by_hand.coef_, atol=1e-8)
    np.testing.assert_allclose(intercept[0], by_hand.intercept_, atol=1e-8)


def test_bootstrap_passes_the_penalty_and_interactions(sample):
    X, y, w, _ = sample
    Y = np.eye(N_PROFILES)[y]
    strong, _ = bootstrap_coefficients(X, Y, w, predictors=PREDICTORS, C=1e-3, n_boot=2, seed=5)
    weak, _ = bootstrap_coefficients(X, Y, w, predictors=PREDICTORS, C=1.0, n_boot=2, seed=5)
    assert np.abs(strong).max() < 0.2 < 0.5 < np.abs(weak).max()
    inter, _ = bootstrap_coefficients(X, Y, w, predictors=PREDICTORS, interactions=[("age", "sex")],
                                      n_boot=1, seed=5)
    assert inter.shape == (1, N_PROFILES, 6 + 4 * 2)


def test_weighted_scores_by_hand():
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    P = np.array([[0.8, 0.2], [0.4, 0.6], [0.0, 1.0]])
    w = np.array([1.0, 2.0, 1.0])
    expected = -(np.log(0.8) + 2 * np.log(0.6) + 0.5 * np.log(1e-15)) / 4
    assert weighted_log_loss(Y, P, w) == pytest.approx(expected, rel=1e-12)
    # argmax of a tie is the first class: row 3's modal class is 0, predicted 1
    assert weighted_accuracy(Y, P, w) == pytest.approx(3 / 4)


def test_cross_validation_beats_the_base_rate_on_informative_data(sample):
    X, y, w, _ = sample
    Y = np.eye(N_PROFILES)[y]
    cv = cross_validate(X, Y, w, predictors=PREDICTORS, folds=3, seed=1)
    assert cv["n"] == len(X)
    assert cv["log_loss"] < cv["base_log_loss"] - 0.05
    assert cv["accuracy"] > cv["base_accuracy"]
    assert cv["base_log_loss"] == pytest.approx(np.log(N_PROFILES), abs=0.05)
    assert 0 < cv["log_loss_se"] < 0.05
    # other folds, other numbers; same seed, same numbers
    assert cross_validate(X, Y, w, predictors=PREDICTORS, folds=3, seed=1) == cv
    assert cross_validate(X, Y, w, predictors=PREDICTORS, folds=3, seed=2)["log_loss"] != cv[
        "log_loss"]


def test_pc4_urbanity_from_the_biggest_gemeente(data_dir):
    urb = pc4_urbanity(data_dir)
    assert urb.name == "gemeente_urbanity"
    assert set(urb.unique()) <= {1, 2, 3, 4, 5}
    assert len(urb) > 3500
    assert urb.loc[1012] == 1  # Amsterdam centre: very strongly urban


def test_pc4_urbanity_names_a_missing_file(tmp_path):
    with pytest.raises(SourceError, match="ontbreekt .*stedelijkheid"):
        pc4_urbanity(tmp_path)
