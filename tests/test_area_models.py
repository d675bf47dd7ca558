"""The direct area models in the committed artifact, and that a refit reproduces them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from betrokken.model.area_fit import SPECS
from betrokken.model.area_models import CONTEXT, load_area_models


@pytest.fixture(scope="module")
def models():
    loaded = load_area_models()
    assert loaded is not None, "the artifact must contain area_models.npz/json"
    return loaded


def test_artifact_has_200_draws_variance_components_and_no_gate(models):
    assert models.n_boot == 200
    for outcome in ("low_trust", "high_engagement"):
        # every area predictor is in the model: no keep-or-drop selection
        assert models.context[outcome] == list(CONTEXT)
        assert set(models.meta["cross_validation"][outcome]) == set(SPECS)
        components = models.meta["variance_components"][outcome]
        assert components["tau_gemeente"] == models.tau[outcome] > 0
        assert models.group_effect[outcome].shape == (201, len(models.group_codes))
    assert models.meta["anchored"] is True
    comparison = models.meta["route_comparison"]
    assert comparison["demografie"] < comparison["basis"]  # demographics beat base rates


def test_posterior_draws_and_bootstrap_refits_vary(models):
    for outcome in ("low_trust", "high_engagement", "profile"):
        coef = models.coef[outcome]
        assert not np.allclose(coef[1], coef[2]), outcome
        assert not np.allclose(coef[0], coef[1]), outcome
        spread = coef[1:].std(axis=0)
        assert spread.max() > 0.05  # a real sampling spread, not rounding noise


def test_gemeente_intercept_applies_to_its_wijken_and_unsampled_gemeenten_get_draws(models):
    code = models.group_codes[0]
    for outcome in ("low_trust", "high_engagement"):
        effect = models.gemeente_effects(outcome, [code, code, "GM9999", None], 3)
        assert effect[0] == effect[1] == models.group_effect[outcome][3][0]
        assert effect[3] == 0.0  # no gemeente (NL): the average
        point = models.gemeente_effects(outcome, ["GM9999"], 0)
        assert point[0] == 0.0  # no respondents: the average gemeente at the point
        draws = np.array([models.gemeente_effects(outcome, ["GM9999"], r)[0]
                          for r in range(1, 201)])
        assert draws.std() > 0.5 * models.tau[outcome]
        again = models.gemeente_effects(outcome, ["GM9999"], 3)
        assert again[0] == effect[2]  # the same draw for every area of that gemeente


def test_cell_predictions_are_probabilities(models):
    pred = models.cell_predictions(None, 0)
    for key in ("p_t", "p_e_t0", "p_e_t1"):
        assert pred[key].shape == (1, 72)
        assert ((pred[key] > 0) & (pred[key] < 1)).all()
    assert pred["p_k"].shape == (72, 2, 2, 8)
    np.testing.assert_allclose(pred["p_k"].sum(axis=-1), 1.0)


def test_education_gradient_of_low_trust(models):
    """Low-educated adults more often have low trust than highly educated ones, in every
    age x sex x migration cell (the survey's clearest gradient)."""
    from betrokken.areas.poststratify import cell_frame

    cells = cell_frame()
    p_t = models.cell_predictions(None, 0)["p_t"][0]
    low = p_t[(cells["education"] == "laag").to_numpy()]
    high = p_t[(cells["education"] == "hoog").to_numpy()]
    assert (low > high).all()


@pytest.mark.slow
def test_refit_reproduces_the_committed_point_fit(data_dir: Path, tmp_path: Path, models):
    """The full-sample fit (row 0) is deterministic: a refit on the real survey gives the
    committed coefficients, the same gemeente SDs and intercepts."""
    from betrokken.fit_areas import fit_area_models_from_data

    out = fit_area_models_from_data(data_dir, tmp_path, n_boot=1)
    again = load_area_models(out)
    assert again.context == models.context
    assert again.tau == models.tau
    for outcome in ("low_trust", "high_engagement", "profile"):
        np.testing.assert_allclose(again.coef[outcome][0], models.coef[outcome][0],
                                   atol=1e-5, rtol=1e-4)
        np.testing.assert_allclose(again.intercept[outcome][0], models.intercept[outcome][0],
                                   atol=1e-5, rtol=1e-4)
    for outcome in ("low_trust", "high_engagement"):
        np.testing.assert_allclose(again.group_effect[outcome][0],
                                   models.group_effect[outcome][0], atol=1e-5)
    assert again.meta["n_respondents"] == models.meta["n_respondents"] == 1814


def test_mix_follows_local_engagement(models):
    """Two areas alike in every cell and predictor except local engagement get different
    mixes (issue 18, item 6), and the indices of the direct models do not change."""
    import pandas as pd

    from betrokken.areas.mix import _per_area
    from betrokken.model.area_models import LOCAL

    assert models.profile_uses_local
    row = {c: models.center[c] for c in CONTEXT}
    low = {**row, LOCAL: models.center[LOCAL] - 2 * models.scale[LOCAL]}
    high = {**row, LOCAL: models.center[LOCAL] + 2 * models.scale[LOCAL]}
    pred = models.cell_predictions(pd.DataFrame([low, high]), 0)
    shares = np.full((2, 72), 1 / 72)
    result = _per_area(shares, pred)
    k = pred["p_k"].shape[-1]
    np.testing.assert_allclose(result[:, :k].sum(axis=1), 1.0)
    assert np.abs(result[0, :k] - result[1, :k]).max() > 0.002
    np.testing.assert_allclose(result[0, k:], result[1, k:])  # low trust, political
