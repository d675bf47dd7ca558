"""The Fay–Herriot estimator on simulated areas with known truth and at its boundaries."""

from __future__ import annotations

import numpy as np
import pytest

from betrokken.areas.fay_herriot import fay_herriot


def _areas(rng, m=40, sigma2=0.004):
    x = rng.uniform(0.05, 0.4, m)
    X = np.column_stack([np.ones(m), x])
    theta = 0.05 + 0.8 * x + rng.normal(0, np.sqrt(sigma2), m)
    psi = rng.uniform(0.0005, 0.01, m)
    return X, theta, psi, theta + rng.normal(0, np.sqrt(psi))


def test_eblup_beats_direct_and_synthetic_and_recovers_the_variance():
    rng = np.random.default_rng(1)
    err = {"direct": [], "synthetic": [], "eblup": []}
    s2 = []
    for _ in range(200):
        X, theta, psi, y = _areas(rng)
        fit = fay_herriot(y, psi, X)
        err["direct"].append(np.mean((y - theta) ** 2))
        err["synthetic"].append(np.mean((fit.synthetic - theta) ** 2))
        err["eblup"].append(np.mean((fit.estimate - theta) ** 2))
        s2.append(fit.sigma2_v)
        assert np.all((fit.gamma >= 0) & (fit.gamma <= 1))
    mse = {k: float(np.mean(v)) for k, v in err.items()}
    assert mse["eblup"] < 0.8 * mse["direct"] and mse["eblup"] < 0.8 * mse["synthetic"]
    assert np.mean(s2) == pytest.approx(0.004, rel=0.15)


def test_estimated_mse_tracks_the_real_error():
    rng = np.random.default_rng(2)
    real, estimated = [], []
    for _ in range(200):
        X, theta, psi, y = _areas(rng)
        fit = fay_herriot(y, psi, X)
        real.append((fit.estimate - theta) ** 2)
        estimated.append(fit.mse)
    ratio = np.mean(estimated) / np.mean(real)
    assert 0.8 < ratio < 1.25


def test_moment_estimator_agrees_with_reml_on_many_areas():
    rng = np.random.default_rng(3)
    X, theta, psi, y = _areas(rng, m=400)
    reml = fay_herriot(y, psi, X)
    pr = fay_herriot(y, psi, X, method="PR")
    assert pr.sigma2_v == pytest.approx(reml.sigma2_v, rel=0.3)
    assert np.abs(pr.estimate - reml.estimate).max() < 0.01


def test_boundaries_precise_direct_wins_and_no_spread_gives_the_model():
    rng = np.random.default_rng(4)
    X, theta, psi, y = _areas(rng)
    tiny = fay_herriot(y, np.full(len(y), 1e-9), X)
    assert tiny.estimate == pytest.approx(y, abs=1e-4)
    flat = 0.05 + 0.8 * X[:, 1]
    exact = fay_herriot(flat + rng.normal(0, 1e-5, len(y)), psi, X)
    assert exact.sigma2_v < 1e-6 and exact.gamma.max() < 1e-3
    assert exact.estimate == pytest.approx(exact.synthetic, abs=1e-5)


def test_offset_without_covariates_shrinks_toward_the_model():
    y = np.array([0.30, 0.10, 0.25])
    model = np.array([0.20, 0.20, 0.20])
    fit = fay_herriot(y, np.array([0.0004, 0.01, 0.002]), offset=model)
    assert fit.synthetic == pytest.approx(model)
    assert fit.gamma[0] > fit.gamma[2] > fit.gamma[1]
    assert np.all(np.abs(fit.estimate - model) <= np.abs(y - model) + 1e-12)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="more areas"):
        fay_herriot(np.array([0.1, 0.2]), np.array([0.01, 0.01]), np.ones((2, 2)))
    with pytest.raises(ValueError, match="positive"):
        fay_herriot(np.array([0.1, 0.2, 0.3]), np.array([0.01, 0.0, 0.01]))
