"""Do the 90 % intervals of the area indices cover the truth about 90 % of the time?

Simulation with the model's own data-generating process: the committed area models
(full-sample fit) are the truth; surveys are drawn for the real respondents' cells and
weights; each simulated survey is analysed exactly as the build does (refit, bootstrap
refits on resampled respondents, poststratify over an area's cells, centred percentile
interval). Three areas with different cell mixes. Tolerance: with 30 simulations x 3
areas x 2 indices the observed coverage has a standard error of about 0.03-0.05 (the
three areas of one simulation are correlated), so 0.78-0.98 is accepted; it catches
intervals that ignore the sampling noise (coverage far below) or come from the wrong draws.
"""

from __future__ import annotations

import numpy as np
import pytest

from betrokken.areas.mix import interval_around_point
from betrokken.areas.poststratify import cell_frame
from betrokken.fit_areas import respondent_frame
from betrokken.model.area_models import _design, _fit_binary, _onehot, load_area_models
from betrokken.model.artifact import load_model

N_SIM = 30
N_BOOT = 25


def _areas(cells) -> np.ndarray:
    """Cell shares of three areas: national-like, young and highly educated, old and low."""
    base = np.ones(len(cells))
    young = base * np.where(cells["age"].isin(["15_24", "25_44"]), 4.0, 1.0) * np.where(
        cells["education"] == "hoog", 4.0, 1.0)
    old = base * np.where(cells["age"] == "65plus", 5.0, 1.0) * np.where(
        cells["education"] == "laag", 4.0, 1.0)
    shares = np.stack([base, young, old])
    return shares / shares.sum(axis=1, keepdims=True)


@pytest.mark.slow
def test_index_intervals_cover_the_truth(data_dir):
    model, area_models = load_model(), load_area_models()
    assert area_models.context == {"low_trust": [], "high_engagement": []}, (
        "this simulation assumes models without area context")
    frame, w, _, _ = respondent_frame(data_dir, model)
    keep = frame[["age", "sex", "education", "migration"]].notna().all(axis=1).to_numpy()
    frame, w = frame.loc[keep].reset_index(drop=True), w[keep]
    cells = cell_frame()
    shares = _areas(cells)
    x_cells = _onehot(cells)
    x_resp = _onehot(frame)
    n_ind = x_cells.shape[1]

    ct, it = area_models.coef["low_trust"][0], area_models.intercept["low_trust"][0]
    ce, ie = area_models.coef["high_engagement"][0], area_models.intercept["high_engagement"][0]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    p_t_cells = sig(x_cells @ ct[:n_ind] + it)
    p_e_cells = [sig(x_cells @ ce[:n_ind] + ce[n_ind] * t + ie) for t in (0, 1)]
    truth = {
        "low_trust": shares @ p_t_cells,
        "political": shares @ ((1 - p_t_cells) * p_e_cells[0] + p_t_cells * p_e_cells[1]),
    }
    p_t_resp = sig(x_resp @ ct[:n_ind] + it)

    rng = np.random.default_rng(7)
    hits = {name: [] for name in truth}
    for _ in range(N_SIM):
        t = (rng.random(len(frame)) < p_t_resp).astype(float)
        p_e_resp = sig(x_resp @ ce[:n_ind] + ce[n_ind] * t + ie)
        e = (rng.random(len(frame)) < p_e_resp).astype(float)
        sim = frame.assign(low_trust=t, high_engagement=e)
        xt = _design(sim, sim, "low_trust", (), {}, {})
        xe = _design(sim, sim, "high_engagement", (), {}, {})
        estimates = {name: [] for name in truth}
        for b in range(N_BOOT + 1):
            idx = np.arange(len(sim)) if b == 0 else rng.integers(0, len(sim), len(sim))
            bt, bit = _fit_binary(xt[idx], t[idx], w[idx])
            be, bie = _fit_binary(xe[idx], e[idx], w[idx])
            pt = sig(x_cells @ bt[:n_ind] + bit)
            pe = [sig(x_cells @ be[:n_ind] + be[n_ind] * tt + bie) for tt in (0, 1)]
            estimates["low_trust"].append(shares @ pt)
            estimates["political"].append(shares @ ((1 - pt) * pe[0] + pt * pe[1]))
        for name, values in estimates.items():
            values = np.asarray(values)  # (B+1, 3)
            lo, hi, _ = interval_around_point(values[0], values[1:])
            hits[name].extend(((lo <= truth[name]) & (truth[name] <= hi)).tolist())
    coverage = {name: float(np.mean(v)) for name, v in hits.items()}
    for name, value in coverage.items():
        assert 0.78 <= value <= 0.98, (name, coverage)
    print(f"coverage of the 90 % intervals: {coverage}")
