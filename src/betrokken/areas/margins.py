"""Education, income and WOZ below gemeente level: a documented model, benchmarked.

Offline, CBS publishes education and income only per gemeente. Per wijk and buurt they
are *estimated* from what is published there (see docs/data.md, "Margin model"):

* predictors, all published per gemeente, wijk and buurt: age shares (15-24, 25-44,
  65+; KWB 2024), herkomst shares (Europa, buiten Europa; KWB 2024), owner-occupied and
  housing-association shares, population density and the share married (KWB 2022);
* targets (gemeente level, KWB 2022 reconciled to 2024 codes): the logits of the shares
  low and highly educated, of households with a low and a high income, and the logs of
  average income per resident and average WOZ value;
* model: ridge regression (standardised predictors, ``RIDGE_ALPHA``) per target, fitted on
  the 342 gemeenten, checked by ``CV_FOLDS``-fold cross-validation at gemeente level;
* benchmarking: per gemeente one offset on the logit/log scale so that the
  resident-weighted mean of its areas equals the gemeente's published figure;
* error: the cross-validated RMSE on the transformed scale, times ``SUBAREA_ERROR_FACTOR``
  for areas below the gemeente (measured on the wijken of 2019 where income and WOZ are
  known, see ``wijk_2019_check``), carried to the share scale by the delta method and
  written as ``<column>_se``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RIDGE_ALPHA = 1.0
CV_FOLDS = 10
SUBAREA_ERROR_FACTOR = 2.0
"""Error below gemeente level over the gemeente CV error. Measured by
``benchmarks/margins.py`` on the 2019 wijken (within-gemeente deviations, log scale):
WOZ 0.203 vs CV 0.203 (ratio 1.0), income per recipient 0.087 vs CV 0.045 (1.9);
education has no sub-gemeente figure to check, so the larger ratio, rounded up, is used
for every target."""

PREDICTORS = ("share_age_15_24", "share_age_25_44", "share_age_65plus",
              "share_migration_west", "share_migration_nietwest", "owner", "social_rent",
              "log_density", "married", "log_woz")

WITHIN_CITY_SIGN: dict[str, int] = {
    "share_edu_laag": 1, "share_edu_hoog": -1, "share_low_income_hh": 1,
    "share_high_income_hh": -1, "income_avg": -1, "woz_avg": -1,
}
"""Sign of the herkomst-buiten-Europa coefficient within a city (more residents of
non-European origin: fewer highly educated, lower incomes and WOZ). Across gemeenten the
sign can flip (cities have both more migrants and more graduates); where the gemeente
fit has the other sign, both herkomst predictors are left out of that target, since the
model is applied *within* gemeenten."""

TARGETS: dict[str, str] = {  # column -> link; WOZ first (it predicts the others)
    "woz_avg": "log",
    "share_edu_laag": "logit",
    "share_edu_hoog": "logit",
    "share_low_income_hh": "logit",
    "share_high_income_hh": "logit",
    "income_avg": "log",
}
MODELLED = (*TARGETS, "share_edu_midden")
"""Columns the model gives per wijk/buurt (midden = 1 - laag - hoog)."""

SOURCE_WORDS = "huur/koop, herkomst, leeftijd, burgerlijke staat en dichtheid"
"""How the pages say what the estimate is made from ("geschat uit ...")."""


def _link(values: np.ndarray, link: str) -> np.ndarray:
    if link == "logit":
        p = np.clip(values, 0.005, 0.995)
        return np.log(p / (1 - p))
    return np.log(np.clip(values, 1e-6, None))


def _inverse(eta: np.ndarray, link: str) -> np.ndarray:
    return 1 / (1 + np.exp(-eta)) if link == "logit" else np.exp(eta)


def predictor_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's predictors from a frame with the area columns plus ``owner``,
    ``social_rent``, ``density`` and ``married``."""
    out = pd.DataFrame(index=frame.index)
    for column in PREDICTORS:
        if column == "log_density":
            out[column] = np.log1p(frame["density"].astype(float).clip(lower=0))
        elif column == "log_woz":
            out[column] = np.log(frame["woz_avg"].astype(float).where(frame["woz_avg"] > 0))
        else:
            out[column] = frame[column].astype(float)
    return out


@dataclass
class MarginModel:
    """Ridge coefficients per target on standardised predictors, and the CV check."""

    mean: np.ndarray
    scale: np.ndarray
    coef: dict[str, np.ndarray]
    cv_rmse: dict[str, float] = field(default_factory=dict)
    cv_r: dict[str, float] = field(default_factory=dict)
    n: int = 0

    def eta(self, X: pd.DataFrame, target: str) -> np.ndarray:
        z = (X[list(PREDICTORS)].to_numpy(float) - self.mean) / self.scale
        z = np.where(np.isfinite(z), z, 0.0) * self.mask[target]
        return self.coef[target][0] + z @ self.coef[target][1:]

    mask: dict[str, np.ndarray] = field(default_factory=dict)
    """Per target: 1 for the predictors used, 0 for those left out."""

    def summary(self) -> dict:
        return {"n_gemeenten": self.n,
                "predictors": {t: [p for p, m in zip(PREDICTORS, self.mask[t], strict=True)
                                   if m] for t in TARGETS},
                "ridge_alpha": RIDGE_ALPHA, "cv_folds": CV_FOLDS,
                "cv_rmse_transformed": {k: round(v, 4) for k, v in self.cv_rmse.items()},
                "cv_r": {k: round(v, 3) for k, v in self.cv_r.items()},
                "subarea_error_factor": SUBAREA_ERROR_FACTOR}


def _ridge(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    A = np.hstack([np.ones((len(z), 1)), z])
    penalty = RIDGE_ALPHA * np.eye(A.shape[1])
    penalty[0, 0] = 0.0
    return np.linalg.solve(A.T @ A + penalty, A.T @ y)


def fit_margin_model(X: pd.DataFrame, y: pd.DataFrame, *, seed: int = 0) -> MarginModel:
    """Fit per target on the gemeenten with complete predictors and target; CV check."""
    Xv = X[list(PREDICTORS)].to_numpy(float)
    ok_x = np.isfinite(Xv).all(axis=1)
    mean = Xv[ok_x].mean(axis=0)
    scale = Xv[ok_x].std(axis=0)
    scale[scale == 0] = 1.0
    z_all = (Xv - mean) / scale
    model = MarginModel(mean=mean, scale=scale, coef={}, n=int(ok_x.sum()))
    rng = np.random.default_rng(seed)
    z_all = np.where(np.isfinite(z_all), z_all, 0.0)
    herkomst = np.isin(PREDICTORS, ("share_migration_west", "share_migration_nietwest"))
    nietwest = PREDICTORS.index("share_migration_nietwest")
    for target, link in TARGETS.items():
        values = y[target].to_numpy(float)
        ok = ok_x & np.isfinite(values) & (values > 0)
        mask = np.ones(len(PREDICTORS))
        if target == "woz_avg":
            mask[PREDICTORS.index("log_woz")] = 0.0
        z, t = z_all[ok] * mask, _link(values[ok], link)
        beta = _ridge(z, t)
        if np.sign(beta[1 + nietwest]) != WITHIN_CITY_SIGN[target]:
            mask[herkomst] = 0.0
            z = z_all[ok] * mask
            beta = _ridge(z, t)
        model.mask[target] = mask
        model.coef[target] = beta
        folds = rng.permutation(len(t)) % CV_FOLDS
        pred = np.empty_like(t)
        for k in range(CV_FOLDS):
            test = folds == k
            beta = _ridge(z[~test], t[~test])
            pred[test] = beta[0] + z[test] @ beta[1:]
        model.cv_rmse[target] = float(np.sqrt(np.mean((pred - t) ** 2)))
        model.cv_r[target] = float(np.corrcoef(_inverse(pred, link), values[ok])[0, 1])
    return model


def benchmark_offsets(eta: np.ndarray, weight: np.ndarray, group: np.ndarray,
                      target: np.ndarray, link: str, iterations: int = 60) -> np.ndarray:
    """Per row the offset of its group that makes the weighted mean of
    ``inverse(eta + offset)`` over the group equal ``target`` (bisection, all groups at
    once; rows whose group target is unknown get offset 0)."""
    codes, inverse = np.unique(group, return_inverse=True)
    lo = np.full(len(codes), -10.0)
    hi = np.full(len(codes), 10.0)
    w = np.where(np.isfinite(eta) & np.isfinite(weight), weight, 0.0)
    e = np.where(np.isfinite(eta), eta, 0.0)
    goal = pd.Series(target).groupby(inverse).first().reindex(range(len(codes))).to_numpy()
    wsum = np.bincount(inverse, weights=w, minlength=len(codes))
    for _ in range(iterations):
        mid = (lo + hi) / 2
        mean = np.bincount(inverse, weights=w * _inverse(e + mid[inverse], link),
                           minlength=len(codes)) / np.where(wsum > 0, wsum, 1)
        too_high = mean > goal
        hi = np.where(too_high, mid, hi)
        lo = np.where(too_high, lo, mid)
    offset = (lo + hi) / 2
    offset[~np.isfinite(goal) | (wsum <= 0)] = 0.0
    return offset[inverse]


def estimate_margins(model: MarginModel, X: pd.DataFrame, weight: pd.Series,
                     gemeente_code: pd.Series, gemeente: pd.DataFrame) -> pd.DataFrame:
    """Estimated ``MODELLED`` columns and their ``_se`` for sub-gemeente rows.

    ``gemeente`` is indexed by gemeente code with the published targets. Rows with an
    incomplete predictor get NaN (the caller keeps its fallback for them).
    """
    out = pd.DataFrame(index=X.index)
    X = X.copy()
    complete = np.isfinite(X[[p for p in PREDICTORS if p != "log_woz"]].to_numpy(float)
                           ).all(axis=1)
    for target, link in TARGETS.items():
        if target != "woz_avg" and "woz_avg" in out:  # stage 2: own WOZ, else stage 1's
            X["log_woz"] = X["log_woz"].fillna(np.log(out["woz_avg"]))
        eta = model.eta(X, target)
        eta[~complete] = np.nan
        goal = gemeente[target].reindex(gemeente_code).to_numpy(float)
        offset = benchmark_offsets(eta, weight.to_numpy(float), gemeente_code.to_numpy(),
                                   goal, link)
        value = _inverse(eta + offset, link)
        value[~np.isfinite(goal)] = np.nan
        se_eta = model.cv_rmse[target] * SUBAREA_ERROR_FACTOR
        deriv = value * (1 - value) if link == "logit" else value
        out[target] = value
        out[f"{target}_se"] = se_eta * deriv
    laag, hoog = out["share_edu_laag"], out["share_edu_hoog"]
    total = (laag + hoog).where(laag + hoog > 0.98)  # keep midden >= 2 %
    scale = (0.98 / total).fillna(1.0)
    out["share_edu_laag"], out["share_edu_hoog"] = laag * scale, hoog * scale
    out["share_edu_midden"] = 1.0 - out["share_edu_laag"] - out["share_edu_hoog"]
    out["share_edu_midden_se"] = np.sqrt(out["share_edu_laag_se"] ** 2
                                         + out["share_edu_hoog_se"] ** 2)
    return out
