"""The direct area models in the committed artifact, and that a refit reproduces them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from betrokken.model.area_models import SPECS, load_area_models


@pytest.fixture(scope="module")
def models():
    loaded = load_area_models()
    assert loaded is not None, "the artifact must contain area_models.npz/json"
    return loaded


def test_artifact_has_200_refits_and_a_recorded_selection(models):
    assert models.n_boot == 200
    for outcome in ("low_trust", "high_engagement"):
        sel = models.meta["selection"][outcome]
        assert set(sel["table"]) == set(SPECS)
        assert models.context[outcome] == list(SPECS[sel["chosen"]])
    comparison = models.meta["route_comparison"]
    assert comparison["demografie"] < comparison["basis"]  # demographics beat base rates


def test_bootstrap_refits_resampled_the_respondents(models):
    for outcome in ("low_trust", "high_engagement", "profile"):
        coef = models.coef[outcome]
        assert not np.allclose(coef[1], coef[2]), outcome
        assert not np.allclose(coef[0], coef[1]), outcome
        spread = coef[1:].std(axis=0)
        assert spread.max() > 0.05  # a real sampling spread, not rounding noise


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
    committed coefficients and the same context choice."""
    from betrokken.fit_areas import fit_area_models_from_data

    out = fit_area_models_from_data(data_dir, tmp_path, n_boot=1)
    again = load_area_models(out)
    assert again.context == models.context
    for outcome in ("low_trust", "high_engagement", "profile"):
        np.testing.assert_allclose(again.coef[outcome][0], models.coef[outcome][0],
                                   atol=1e-5, rtol=1e-4)
        np.testing.assert_allclose(again.intercept[outcome][0], models.intercept[outcome][0],
                                   atol=1e-5, rtol=1e-4)
    assert again.meta["n_respondents"] == models.meta["n_respondents"] == 1814
