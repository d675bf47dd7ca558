"""Fitting the direct area models (``model.area_models`` holds the fitted object, the
prediction and the storage): the two multilevel logits (``model.glmm``) with their CBS
anchors and area predictors, the profile model with local engagement, and the reported (never
selecting) cross-validation and route comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold

from betrokken.errors import BetrokkenError
from betrokken.model.area_models import (
    BOOT_TOL,
    CONTEXT,
    CONTEXT_SD,
    INDIVIDUAL,
    LOCAL,
    LOW_TRUST_THRESHOLD,
    OUTCOMES,
    REGULARISATION_C,
    UNANCHORED_SD,
    AreaModels,
    cell_design,
    design_matrix,
    onehot,
    prior,
    standardise,
)
from betrokken.model.glmm import fit_multilevel_logit, kish_weights
from betrokken.model.membership import MembershipModel, softmax, weighted_log_loss

__all__ = ["SPECS", "cross_validate", "fit_area_models", "fit_outcome", "predict_outcome"]


def fit_outcome(x: np.ndarray, y: np.ndarray, w: np.ndarray, groups: np.ndarray | None,
                n_groups: int, outcome: str, anchors: dict | None, *, tau: float | None = None):
    """One multilevel logit (``model.glmm``) on design ``x`` (without intercept column) with
    the outcome's priors; ``w`` raw survey weights (rescaled to Kish's effective n)."""
    n_context = x.shape[1] - onehot(cell_design()[:1]).shape[1] - (
        outcome == "high_engagement")
    mean, sd = prior(outcome, n_context, anchors)
    f = np.hstack([np.ones((len(x), 1)), x])
    return fit_multilevel_logit(f, y, kish_weights(w), groups if n_groups else None,
                                n_groups, mean, sd, tau=tau)


def predict_outcome(fit, x: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    eta = fit.beta[0] + x @ fit.beta[1:]
    if groups is not None and len(fit.u):
        eta = eta + np.where(groups >= 0, fit.u[np.maximum(groups, 0)], 0.0)
    return 1.0 / (1.0 + np.exp(-eta))


def _binary_log_loss(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / w.sum())


def _fit_profile(x: np.ndarray, post: np.ndarray, w: np.ndarray, *, tol: float = 1e-10
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logit with soft targets, pooled over identical design rows. The point fit
    uses a tight ``tol``; bootstrap refits may use a looser one (their spread is sampling
    noise of order 0.1, far above the optimiser's)."""
    n, k = post.shape
    uniq, inverse = np.unique(x, axis=0, return_inverse=True)
    pooled = np.zeros((len(uniq), k))
    np.add.at(pooled, inverse.ravel(), w[:, None] * post)
    rows = np.repeat(np.arange(len(uniq)), k)
    labels = np.tile(np.arange(k), len(uniq))
    rep_w = pooled.ravel()
    keep = rep_w > 1e-12
    lr = LogisticRegression(C=REGULARISATION_C, max_iter=5000, tol=tol)
    lr.fit(uniq[rows[keep]], labels[keep], sample_weight=rep_w[keep] * (n / w.sum()))
    if len(lr.classes_) != k:
        raise BetrokkenError("Niet elk profiel komt voor in de trainingsdata.")
    return lr.coef_, lr.intercept_


def _fit_local_shift(base: np.ndarray, post: np.ndarray, w: np.ndarray, local: np.ndarray
                     ) -> np.ndarray:
    """Coefficients ``gamma`` (K,) of the standardised local engagement in
    ``P(k) = softmax(base + gamma * local)``, with ``base`` the profile model's logits held
    fixed (a second stage: refitting the whole multinomial with a continuous predictor
    breaks the pooling over identical rows and costs 30-80 s per refit). Same soft targets,
    weights and L2 penalty as ``_fit_profile``."""
    from scipy.optimize import minimize

    wn = w * (len(w) / w.sum())
    target = wn[:, None] * post

    def loss(gamma):
        eta = base + local[:, None] * gamma[None, :]
        eta = eta - eta.max(axis=1, keepdims=True)
        logp = eta - np.log(np.exp(eta).sum(axis=1, keepdims=True))
        p = np.exp(logp)
        value = -(target * logp).sum() + 0.5 * gamma @ gamma / REGULARISATION_C
        grad = ((wn[:, None] * p - target) * local[:, None]).sum(axis=0) + gamma / \
            REGULARISATION_C
        return value, grad

    return minimize(loss, np.zeros(post.shape[1]), jac=True, method="L-BFGS-B",
                    options={"gtol": 1e-9}).x


def _profile_design(frame: pd.DataFrame, local: np.ndarray | None = None) -> np.ndarray:
    """Cell one-hots, t, e, t x e and (optionally) the standardised local engagement."""
    t = frame["low_trust"].to_numpy(float)[:, None]
    e = frame["high_engagement"].to_numpy(float)[:, None]
    blocks = [onehot(frame), t, e, t * e]
    if local is not None:
        blocks.append(np.asarray(local, float)[:, None])
    return np.hstack(blocks)


SPECS: dict[str, tuple[tuple[str, ...], bool]] = {
    "individueel (verankerd)": ((), False),
    "+ gebiedscontext": (CONTEXT, False),
    "+ gebiedscontext + gemeente-intercept": (CONTEXT, True),
}
"""Specifications compared by cross-validation (reported, never selected)."""


def cross_validate(frame: pd.DataFrame, z: pd.DataFrame, w: np.ndarray, groups: np.ndarray,
                   anchors: dict | None, *, center: dict, scale: dict, folds: int = 5,
                   seed: int = 0) -> dict:
    """Weighted CV log-loss per outcome and specification, in two fold schemes: grouped by
    gemeente (how well the model predicts a gemeente it has not seen: context only) and
    random (a respondent in a gemeente with other respondents: context + intercept)."""
    result: dict = {}
    schemes = {
        "gemeente": list(GroupKFold(n_splits=folds).split(frame, groups=groups)),
        "willekeurig": list(KFold(n_splits=folds, shuffle=True, random_state=seed).split(frame)),
    }
    for outcome in OUTCOMES:
        y = frame[outcome].to_numpy(float)
        table: dict = {}
        for name, (cols, with_groups) in SPECS.items():
            x = design_matrix(frame, z, outcome, cols, center, scale)
            row = {}
            for scheme, splits in schemes.items():
                losses = []
                for train, test in splits:
                    codes, g = np.unique(groups[train], return_inverse=True)
                    fit = fit_outcome(x[train], y[train], w[train], g,
                                      len(codes) if with_groups else 0, outcome, anchors)
                    lookup = {c: i for i, c in enumerate(codes)}
                    gt = np.array([lookup.get(c, -1) for c in groups[test]])
                    p = predict_outcome(fit, x[test], gt if with_groups else None)
                    losses.append(_binary_log_loss(y[test], p, w[test]))
                row[scheme] = float(np.mean(losses))
            table[name] = row
        result[outcome] = table
    return result


def fit_area_models(frame: pd.DataFrame, w: np.ndarray, post: np.ndarray, z: pd.DataFrame,
                    groups: np.ndarray, *, n_boot: int, seed: int, folds: int = 5,
                    anchors: dict | None = None, progress=None) -> AreaModels:
    """Fit the three regressions on respondents with a known cell and postcode context.

    ``frame`` holds the cell variables plus ``low_trust`` and ``high_engagement`` (0/1);
    ``post`` the LCA posteriors; ``z`` the raw context of each respondent's postcode;
    ``groups`` the respondent's gemeente code; ``anchors`` the official gradients
    (``model.anchors.load_anchors``; None: weak priors only).
    """
    cols = CONTEXT
    center = {c: float(np.nanmean(z[c])) for c in cols}
    scale = {c: float(np.nanstd(z[c]) or 1.0) for c in cols}
    groups = np.asarray(groups).astype(str)
    codes, g = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng(seed)
    coefs: dict[str, list] = {o: [] for o in (*OUTCOMES, "profile")}
    icpts: dict[str, list] = {o: [] for o in (*OUTCOMES, "profile")}
    effects: dict[str, np.ndarray] = {}
    taus: dict[str, float] = {}
    variance: dict[str, dict] = {}
    for o in OUTCOMES:
        x = design_matrix(frame, z, o, cols, center, scale)
        fit = fit_outcome(x, frame[o].to_numpy(float), w, g, len(codes), o, anchors)
        beta, u = fit.draws(n_boot, rng)
        beta = np.vstack([fit.beta, beta])
        effects[o] = np.vstack([fit.u, u])
        coefs[o], icpts[o] = beta[:, 1:], beta[:, 0]
        taus[o] = fit.tau
        context_sd = float(np.std(x[:, -len(cols):] @ fit.beta[-len(cols):]))
        variance[o] = {
            "tau_gemeente": fit.tau,
            "sd_context_part": context_sd,
            "log_marginal_by_tau": fit.log_marginal,
        }
    local = None
    if LOCAL in z:
        center[LOCAL] = float(np.nanmean(z[LOCAL]))
        scale[LOCAL] = float(np.nanstd(z[LOCAL]) or 1.0)
        local = standardise(z, (LOCAL,), center, scale)[:, 0]
    xk = _profile_design(frame)
    n = len(frame)
    for b in range(n_boot + 1):
        idx = np.arange(n) if b == 0 else rng.integers(0, n, n)
        c, i = _fit_profile(xk[idx], post[idx], w[idx], tol=1e-10 if b == 0 else BOOT_TOL)
        if local is not None:
            gamma = _fit_local_shift(xk[idx] @ c.T + i, post[idx], w[idx], local[idx])
            c = np.hstack([c, gamma[:, None]])
        coefs["profile"].append(c)
        icpts["profile"].append(i)
        if progress is not None:
            progress(b)
    models = AreaModels(
        context={o: list(cols) for o in OUTCOMES},
        center=center, scale=scale,
        coef={o: np.asarray(v) for o, v in coefs.items()},
        intercept={o: np.asarray(v) for o, v in icpts.items()},
        group_codes=[str(c) for c in codes], group_effect=effects, tau=taus,
        meta={"variance_components": variance, "n_respondents": int(n),
              "n_gemeenten": int(len(codes)), "n_boot": int(n_boot),
              "seed": int(seed), "folds": int(folds),
              "low_trust_threshold": LOW_TRUST_THRESHOLD,
              "anchored": anchors is not None,
              "priors": {"context_sd": CONTEXT_SD, "unanchored_sd": UNANCHORED_SD}},
    )
    models.meta["cross_validation"] = cross_validate(
        frame, z, w, groups, anchors, center=center, scale=scale, folds=folds, seed=seed)
    models.meta["route_comparison"] = compare_routes(frame, w, post, z, groups, models,
                                                     anchors, folds=folds)
    return models


def compare_routes(frame: pd.DataFrame, w: np.ndarray, post: np.ndarray, z: pd.DataFrame,
                   groups: np.ndarray, models: AreaModels, anchors: dict | None = None, *,
                   folds: int = 5) -> dict:
    """Grouped-CV log-loss of a respondent's profile under the two routes to an area mix.

    *demografie*: P(k | cell) (the membership model on demographics only);
    *via indices*: sum_{t,e} P(t | cell, context) P(e | cell, t, context) P(k | cell, t, e).
    Both are refitted in every fold on the training gemeenten (the held-out gemeenten get the
    average gemeente intercept); the respondent's own answers are never used for the
    prediction (only their cell and postcode context).
    """
    losses: dict[str, list[float]] = {"demografie": [], "via indices": [], "basis": []}
    local = (standardise(z, (LOCAL,), models.center, models.scale)[:, 0]
             if models.profile_uses_local else None)
    xk = _profile_design(frame)
    trust_col = onehot(frame[:1]).shape[1]  # position of low_trust in the engagement design
    xt = design_matrix(frame, z, "low_trust", tuple(models.context["low_trust"]),
                       models.center, models.scale)
    xe = design_matrix(frame, z, "high_engagement",
                       tuple(models.context["high_engagement"]), models.center, models.scale)
    for train, test in GroupKFold(n_splits=folds).split(frame, groups=groups):
        mem = MembershipModel(INDIVIDUAL).fit(frame.iloc[train], post[train], w[train])
        p_dem = mem.predict_proba(frame.iloc[test])
        codes, g = np.unique(groups[train], return_inverse=True)
        ft = fit_outcome(xt[train], frame["low_trust"].to_numpy(float)[train], w[train], g,
                         len(codes), "low_trust", anchors, tau=models.tau.get("low_trust"))
        fe = fit_outcome(xe[train], frame["high_engagement"].to_numpy(float)[train], w[train],
                         g, len(codes), "high_engagement", anchors,
                         tau=models.tau.get("high_engagement"))
        ck, ik = _fit_profile(xk[train], post[train], w[train])
        if local is not None:
            gamma = _fit_local_shift(xk[train] @ ck.T + ik, post[train], w[train], local[train])
            ck = np.hstack([ck, gamma[:, None]])
        test_frame = frame.iloc[test]
        p_t = predict_outcome(ft, xt[test])
        mix = np.zeros((len(test), post.shape[1]))
        for t in (0, 1):
            xe_t = xe[test].copy()
            xe_t[:, trust_col] = t
            p_e = predict_outcome(fe, xe_t)
            for e in (0, 1):
                tf = test_frame.assign(low_trust=t, high_engagement=e)
                pk = softmax(_profile_design(tf, None if local is None else local[test])
                             @ ck.T + ik)
                weight = (p_t if t else 1 - p_t) * (p_e if e else 1 - p_e)
                mix += weight[:, None] * pk
        shares = (post[train] * w[train, None]).sum(axis=0) / w[train].sum()
        losses["demografie"].append(weighted_log_loss(post[test], p_dem, w[test]))
        losses["via indices"].append(weighted_log_loss(post[test], mix, w[test]))
        losses["basis"].append(
            weighted_log_loss(post[test], np.tile(shares, (len(test), 1)), w[test])
        )
    diff = np.asarray(losses["demografie"]) - np.asarray(losses["via indices"])
    return {
        **{name: float(np.mean(v)) for name, v in losses.items()},
        "gain_via_indices": float(diff.mean()),
        "gain_se": float(diff.std(ddof=1) / np.sqrt(folds)),
        "folds": "grouped by gemeente",
    }
