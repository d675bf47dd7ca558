"""Coverage of the 90 % intervals of the area indices, by simulation.

The committed area models (posterior mode: individual coefficients, area predictors and
gemeente intercepts) are taken as the truth; surveys are drawn for the real respondents'
cells, postcode context, gemeenten and weights; each simulated survey is analysed as the
fit and the build do (multilevel refit with the same priors and a re-estimated gemeente
SD, posterior draws, poststratification over an area's cells, centred percentile
interval). Three areas with different cell mixes: national-like, young and highly
educated, old and low educated, each placed in one of the three gemeenten with the most
respondents (that gemeente's context and intercept). A fourth, composed area is the set
of the three as postcodes of unequal adult populations (``COMPOSED_ADULTS``), combined by
the dashboard's own ``areas.compose.PostcodeComposer`` draw by draw; its truth is the
adult-weighted truth of the three. Used by tests/test_interval_coverage.py (small) and
benchmarks/interval_coverage.py (large, reported in docs/method.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from betrokken.areas.compose import COMPOSED_INDICES, PostcodeComposer
from betrokken.areas.mix import interval_around_point
from betrokken.areas.poststratify import cell_frame
from betrokken.errors import BetrokkenError
from betrokken.fit_areas import respondents_with_context
from betrokken.model.anchors import load_anchors
from betrokken.model.area_fit import fit_outcome
from betrokken.model.area_models import design_matrix, load_area_models, onehot
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
    engagement of the three areas (and of their composition); also the mean widths."""
    model, area_models = load_model(), load_area_models()
    if area_models is None or not area_models.group_effect:
        raise BetrokkenError("De simulatie verwacht multilevel-gebiedsmodellen; schat ze "
                             "opnieuw met 'betrokken fit --gebiedsmodellen'.")
    anchors = load_anchors(Path(data_dir))
    resp = respondents_with_context(Path(data_dir), model)
    frame, w, groups = resp.frame, resp.weights, resp.gemeente
    codes, g = np.unique(groups, return_inverse=True)
    top = codes[np.argsort(-np.bincount(g))[:3]]
    cells = cell_frame()
    shares = _areas(cells)
    x_cells = onehot(cells)
    n_ind = x_cells.shape[1]
    cols = {o: tuple(area_models.context[o]) for o in ("low_trust", "high_engagement")}
    # Each area's context: the mean over its gemeente's respondents' postcodes.
    z_area = np.stack([
        design_matrix(frame[groups == c], resp.context[groups == c], "low_trust",
                      cols["low_trust"], area_models.center, area_models.scale)[:, n_ind:]
        .mean(axis=0) for c in top])
    x_t = design_matrix(frame, resp.context, "low_trust", cols["low_trust"],
                        area_models.center, area_models.scale)
    x_e = design_matrix(frame.assign(low_trust=0.0), resp.context, "high_engagement",
                        cols["high_engagement"], area_models.center, area_models.scale)

    def true_effect(outcome: str, code_list) -> np.ndarray:
        return area_models.gemeente_effects(outcome, np.asarray(code_list, object), 0)

    ct, it = area_models.coef["low_trust"][0], area_models.intercept["low_trust"][0]
    ce, ie = area_models.coef["high_engagement"][0], area_models.intercept["high_engagement"][0]

    def indices(bt, be, ut, ue) -> dict[str, np.ndarray]:
        """Areas' low trust and political engagement under intercept+coefficients ``bt``,
        ``be`` (intercept first) and the areas' gemeente intercepts ``ut``, ``ue``."""
        pt = _sigmoid(bt[0] + (x_cells @ bt[1:n_ind + 1])[None, :]
                      + (z_area @ bt[n_ind + 1:] + ut)[:, None])
        base = be[0] + (x_cells @ be[1:n_ind + 1])[None, :] + (
            z_area @ be[n_ind + 2:] + ue)[:, None]
        pe0, pe1 = _sigmoid(base), _sigmoid(base + be[n_ind + 1])
        return {"low_trust": (shares * pt).sum(axis=1),
                "political": (shares * ((1 - pt) * pe0 + pt * pe1)).sum(axis=1)}

    truth = indices(np.concatenate([[it], ct]), np.concatenate([[ie], ce]),
                    true_effect("low_trust", top), true_effect("high_engagement", top))
    composed_weight = np.asarray(COMPOSED_ADULTS) / sum(COMPOSED_ADULTS)
    composed_truth = {name: float(composed_weight @ value) for name, value in truth.items()}
    eta_t = it + x_t @ ct + true_effect("low_trust", groups)
    eta_e = ie + x_e @ ce + true_effect("high_engagement", groups)
    rng = np.random.default_rng(seed)
    hits: dict[str, list] = {name: [] for name in truth}
    widths: dict[str, list] = {name: [] for name in truth}
    composed_hits: dict[str, list] = {name: [] for name in truth}
    composed_widths: dict[str, list] = {name: [] for name in truth}
    pos = np.searchsorted(codes, top)
    for _ in range(n_sim):
        t = (rng.random(len(frame)) < _sigmoid(eta_t)).astype(float)
        e = (rng.random(len(frame)) < _sigmoid(eta_e + ce[n_ind] * t)).astype(float)
        xe_sim = x_e.copy()
        xe_sim[:, n_ind] = t
        ft = fit_outcome(x_t, t, w, g, len(codes), "low_trust", anchors)
        fe = fit_outcome(xe_sim, e, w, g, len(codes), "high_engagement", anchors)
        bt, ut = ft.draws(n_boot, rng)
        be, ue = fe.draws(n_boot, rng)
        bt, ut = np.vstack([ft.beta, bt]), np.vstack([ft.u, ut])
        be, ue = np.vstack([fe.beta, be]), np.vstack([fe.u, ue])
        estimates: dict[str, list] = {name: [] for name in truth}
        for b in range(n_boot + 1):
            for name, value in indices(bt[b], be[b], ut[b][pos], ue[b][pos]).items():
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
        "gemeenten": [str(c) for c in top],
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


def coverage_markdown(result: dict) -> str:
    """The simulation result as the ``coverage`` block of docs/method.md."""
    n = result["n_sim"]
    lines = [
        f"{n} simulated surveys × {result['n_boot']} posterior draws, "
        f"seed {result.get('seed', '?')}; "
        f"areas in gemeenten {', '.join(result['gemeenten'])}; "
        f"{result.get('seconds', '?')} s.",
        "",
        "| index | single areas: coverage of 90 % intervals | mean width | composed area: "
        "coverage | mean width |",
        "|---|---:|---:|---:|---:|",
    ]
    names = {"low_trust": "low-trust share", "political": "political engagement"}
    for key, label in names.items():
        lines.append(
            f"| {label} | {result['coverage'][key]:.3f} ({3 * n} intervals) | "
            f"{100 * result['mean_width'][key]:.1f} points | "
            f"{result['composed_coverage'][key]:.3f} ({n} intervals) | "
            f"{100 * result['composed_mean_width'][key]:.1f} points |")
    return "\n".join(lines) + "\n"
