"""Coverage of the 90 % intervals of the area indices, by simulation.

The committed area models (full-sample fit) are taken as the truth; surveys are drawn for
the real respondents' cells and weights; each simulated survey is analysed as the build
does (refit, bootstrap refits on resampled respondents, poststratification over an area's
cells, centred percentile interval). Three areas with different cell mixes: national-like,
young and highly educated, old and low educated. A fourth, composed area is the set of the
three as postcodes of unequal adult populations (``COMPOSED_ADULTS``), combined by the
dashboard's own ``areas.compose.PostcodeComposer`` draw by draw; its truth is the
adult-weighted truth of the three. Used by tests/test_interval_coverage.py
(small) and benchmarks/interval_coverage.py (large, reported in docs/method.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from betrokken.areas.compose import COMPOSED_INDICES, PostcodeComposer
from betrokken.areas.mix import interval_around_point
from betrokken.areas.poststratify import cell_frame
from betrokken.errors import BetrokkenError
from betrokken.fit_areas import respondent_frame
from betrokken.model.area_models import _design, _fit_binary, _onehot, load_area_models
from betrokken.model.artifact import load_model

__all__ = ["simulate_index_coverage"]

COMPOSED_ADULTS: tuple[float, ...] = (1200.0, 4000.0, 600.0)
"""Adults of the three simulated areas when composed as one custom set of postcodes."""
COMPOSED_CODES: tuple[str, ...] = ("9991", "9992", "9993")
"""Made-up PC4 codes under which the three areas enter the composer."""


def _areas(cells) -> np.ndarray:
    base = np.ones(len(cells))
    young = base * np.where(cells["age"].isin(["15_24", "25_44"]), 4.0, 1.0) * np.where(
        cells["education"] == "hoog", 4.0, 1.0)
    old = base * np.where(cells["age"] == "65plus", 5.0, 1.0) * np.where(
        cells["education"] == "laag", 4.0, 1.0)
    shares = np.stack([base, young, old])
    return shares / shares.sum(axis=1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def simulate_index_coverage(data_dir: Path, *, n_sim: int, n_boot: int, seed: int = 7) -> dict:
    """Share of simulated 90 % intervals containing the true low-trust share and political
    engagement of the three areas; also the mean interval width."""
    model, area_models = load_model(), load_area_models()
    if area_models is None or any(area_models.context.values()):
        raise BetrokkenError("De simulatie verwacht gebiedsmodellen zonder gebiedscontext.")
    frame, w, _, _ = respondent_frame(Path(data_dir), model)
    keep = frame[["age", "sex", "education", "migration"]].notna().all(axis=1).to_numpy()
    frame, w = frame.loc[keep].reset_index(drop=True), w[keep]
    cells = cell_frame()
    shares = _areas(cells)
    x_cells, x_resp = _onehot(cells), _onehot(frame)
    n_ind = x_cells.shape[1]
    ct, it = area_models.coef["low_trust"][0], area_models.intercept["low_trust"][0]
    ce, ie = area_models.coef["high_engagement"][0], area_models.intercept["high_engagement"][0]

    def indices(bt, bit, be, bie) -> dict[str, np.ndarray]:
        pt = _sigmoid(x_cells @ bt[:n_ind] + bit)
        pe = [_sigmoid(x_cells @ be[:n_ind] + be[n_ind] * t + bie) for t in (0, 1)]
        return {"low_trust": shares @ pt, "political": shares @ ((1 - pt) * pe[0] + pt * pe[1])}

    truth = indices(ct, it, ce, ie)
    composed_weight = np.asarray(COMPOSED_ADULTS) / sum(COMPOSED_ADULTS)
    composed_truth = {name: float(composed_weight @ value) for name, value in truth.items()}
    p_t_resp = _sigmoid(x_resp @ ct[:n_ind] + it)
    rng = np.random.default_rng(seed)
    hits: dict[str, list] = {name: [] for name in truth}
    widths: dict[str, list] = {name: [] for name in truth}
    composed_hits: dict[str, list] = {name: [] for name in truth}
    composed_widths: dict[str, list] = {name: [] for name in truth}
    for _ in range(n_sim):
        t = (rng.random(len(frame)) < p_t_resp).astype(float)
        e = (rng.random(len(frame)) < _sigmoid(x_resp @ ce[:n_ind] + ce[n_ind] * t + ie)
             ).astype(float)
        sim = frame.assign(low_trust=t, high_engagement=e)
        xt = _design(sim, sim, "low_trust", (), {}, {})
        xe = _design(sim, sim, "high_engagement", (), {}, {})
        estimates: dict[str, list] = {name: [] for name in truth}
        for b in range(n_boot + 1):
            idx = np.arange(len(sim)) if b == 0 else rng.integers(0, len(sim), len(sim))
            bt, bit = _fit_binary(xt[idx], t[idx], w[idx])
            be, bie = _fit_binary(xe[idx], e[idx], w[idx])
            for name, value in indices(bt, bit, be, bie).items():
                estimates[name].append(value)
        for name, values in estimates.items():
            values = np.asarray(values)  # (B+1, 3)
            lo, hi, _ = interval_around_point(values[0], values[1:])
            hits[name].extend(((lo <= truth[name]) & (truth[name] <= hi)).tolist())
            widths[name].extend((hi - lo).tolist())
        composed = _compose(estimates)
        for name, interval in composed.items():
            composed_hits[name].append(interval["lo"] <= composed_truth[name] <= interval["hi"])
            composed_widths[name].append(interval["hi"] - interval["lo"])
    return {
        "n_sim": n_sim,
        "n_boot": n_boot,
        "coverage": {name: float(np.mean(v)) for name, v in hits.items()},
        "mean_width": {name: float(np.mean(v)) for name, v in widths.items()},
        "composed_coverage": {name: float(np.mean(v)) for name, v in composed_hits.items()},
        "composed_mean_width": {name: float(np.mean(v)) for name, v in composed_widths.items()},
    }


_COMPOSED_MEASURE = {"low_trust": "low_trust_share", "political": "political_engagement"}


def _compose(estimates: dict[str, list]) -> dict[str, dict]:
    """The three areas' estimates (row 0 point, rows 1.. draws) composed as one set of
    postcodes by ``PostcodeComposer``: low trust and political engagement with intervals."""
    n_areas = len(COMPOSED_CODES)
    values = {name: np.asarray(v) for name, v in estimates.items()}  # (B+1, 3)
    n_draws = next(iter(values.values())).shape[0] - 1
    points = np.full((n_areas, len(COMPOSED_INDICES)), np.nan)
    draws = np.full((n_areas, len(COMPOSED_INDICES), n_draws), np.nan)
    for name, measure in _COMPOSED_MEASURE.items():
        j = COMPOSED_INDICES.index(measure)
        points[:, j] = values[name][0]
        draws[:, j] = values[name][1:].T
    # The "mix" of this composer is the two indices themselves (two pseudo-profiles).
    composer = PostcodeComposer(
        codes=list(COMPOSED_CODES), names=[None] * n_areas,
        population=np.asarray(COMPOSED_ADULTS), weight=np.asarray(COMPOSED_ADULTS),
        suppressed=np.zeros(n_areas, bool), reasons=[None] * n_areas,
        profile_ids=list(_COMPOSED_MEASURE), profile_names=list(_COMPOSED_MEASURE),
        shares=points[:, [COMPOSED_INDICES.index(m) for m in _COMPOSED_MEASURE.values()]],
        draws=draws[:, [COMPOSED_INDICES.index(m) for m in _COMPOSED_MEASURE.values()]],
        p_engaged=np.zeros(2), p_low_trust=np.zeros(2),
        index_points=points, index_draws=draws,
    )
    result = composer.compose(list(COMPOSED_CODES))
    return {name: result[measure] for name, measure in _COMPOSED_MEASURE.items()}
