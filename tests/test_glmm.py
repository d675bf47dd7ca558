"""The multilevel logit (``model.glmm``) recovers a known data-generating process."""

from __future__ import annotations

import numpy as np

from betrokken.model.glmm import fit_multilevel_logit, kish_weights


def _simulate(rng, n=4000, groups=60, tau=0.5):
    x = rng.standard_normal((n, 2))
    g = rng.integers(0, groups, n)
    u = rng.normal(0, tau, groups)
    beta = np.array([-0.3, 0.8, -0.5])
    f = np.hstack([np.ones((n, 1)), x])
    y = (rng.random(n) < 1 / (1 + np.exp(-(f @ beta + u[g])))).astype(float)
    return f, y, g, u, beta


def test_recovers_coefficients_group_sd_and_intervals():
    rng = np.random.default_rng(3)
    f, y, g, u, beta = _simulate(rng)
    fit = fit_multilevel_logit(f, y, np.ones(len(y)), g, 60, np.zeros(3), np.full(3, 5.0))
    assert 0.3 <= fit.tau <= 0.7
    b, ud = fit.draws(400, rng)
    se = b.std(axis=0)
    assert (np.abs(fit.beta - beta) < 3 * se).all()
    # the group intercepts track the true ones (partial pooling, not noise)
    assert np.corrcoef(fit.u, u)[0, 1] > 0.7
    lo, hi = np.quantile(ud, [0.05, 0.95], axis=0)
    covered = ((lo <= u) & (u <= hi)).mean()
    assert 0.75 <= covered <= 1.0


def test_no_group_variation_gives_small_tau_and_a_strong_prior_wins():
    rng = np.random.default_rng(5)
    f, y, g, _, beta = _simulate(rng, n=1500, tau=0.0)
    fit = fit_multilevel_logit(f, y, np.ones(len(y)), g, 60, np.zeros(3), np.full(3, 5.0))
    assert fit.tau <= 0.2
    anchored = fit_multilevel_logit(f, y, np.ones(len(y)), g, 60, np.array([0.0, 2.0, 0.0]),
                                    np.array([5.0, 0.01, 5.0]))
    assert abs(anchored.beta[1] - 2.0) < 0.05


def test_kish_weights_sum_to_effective_sample_size():
    w = np.array([1.0, 1.0, 2.0, 4.0])
    assert kish_weights(w).sum() == np.float64(64 / 22)
