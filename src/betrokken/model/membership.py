"""P(profile | demographics): a multinomial logistic regression on CBS-published variables.

Only variables that CBS publishes per area enter (age band, sex, education, migration
background, and optionally the urbanity of the respondent's gemeente), so the same model can
be applied to every area's population cells (multilevel regression and poststratification
without the multilevel part). The target is *soft*: each respondent contributes to every
profile with weight ``survey weight x posterior probability`` (the LCA's uncertainty about
a person's class is carried over instead of forcing a modal class).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from betrokken import schema
from betrokken.errors import BetrokkenError, SourceError

CATEGORIES: dict[str, tuple] = {
    **schema.CELL_VARIABLES,
    "gemeente_urbanity": schema.URBANITY_CLASSES,
}
BASE_PREDICTORS: tuple[str, ...] = ("age", "sex", "education", "migration")


def design_matrix(
    X: pd.DataFrame, predictors: list[str], interactions: list[tuple[str, str]]
) -> tuple[np.ndarray, list[str]]:
    """One-hot main effects (all levels; the L2 penalty makes that identifiable) + products."""
    missing = [p for p in predictors if p not in X.columns]
    if missing:
        raise BetrokkenError(f"Kolom(men) {', '.join(missing)} ontbreken voor het profielmodel.")
    blocks, names = [], []
    dummies: dict[str, np.ndarray] = {}
    for var in predictors:
        levels = CATEGORIES[var]
        values = X[var].to_numpy()
        known = pd.Series(values).isin(levels).to_numpy()
        if not known.all():
            bad = sorted({str(v) for v in values[~known]})[:5]
            raise BetrokkenError(
                f"Onbekende waarde(n) {', '.join(bad)} in kolom '{var}'.",
                hint=f"Toegestaan: {', '.join(map(str, levels))}.",
            )
        onehot = np.stack([(values == lvl) for lvl in levels], axis=1).astype(float)
        dummies[var] = onehot
        blocks.append(onehot)
        names += [f"{var}={lvl}" for lvl in levels]
    for a, b in interactions:
        da, db = dummies[a], dummies[b]
        for i, la in enumerate(CATEGORIES[a]):
            for j, lb in enumerate(CATEGORIES[b]):
                blocks.append((da[:, i] * db[:, j])[:, None])
                names.append(f"{a}={la}:{b}={lb}")
    return np.hstack(blocks), names


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class MembershipModel(BaseEstimator):
    """sklearn-style estimator: ``fit(X, Y, sample_weight)`` with Y = (n, K) posteriors."""

    def __init__(self, predictors=BASE_PREDICTORS, interactions=(), C: float = 1.0):
        self.predictors = predictors
        self.interactions = interactions
        self.C = C

    def fit(self, X: pd.DataFrame, Y: np.ndarray, sample_weight=None) -> MembershipModel:
        Y = np.asarray(Y, dtype=float)
        if Y.ndim == 1:  # hard labels -> one-hot
            Y = np.eye(int(Y.max()) + 1)[Y.astype(int)]
        n, k = Y.shape
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
        D, self.feature_names_ = design_matrix(X, list(self.predictors), list(self.interactions))
        # Soft labels: every respondent counts in every class with weight w * posterior.
        # Respondents with the same design row are pooled first (the design is categorical,
        # so at most a few hundred distinct rows): identical likelihood, far faster fit.
        uniq, inverse = np.unique(D, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        pooled = np.zeros((len(uniq), k))
        np.add.at(pooled, inverse, w[:, None] * Y)
        rows = np.repeat(np.arange(len(uniq)), k)
        labels = np.tile(np.arange(k), len(uniq))
        rep_w = pooled.ravel()
        keep = rep_w > 1e-12
        lr = LogisticRegression(C=self.C, max_iter=5000, tol=1e-10)
        lr.fit(uniq[rows[keep]], labels[keep], sample_weight=rep_w[keep] * (n / w.sum()))
        if len(lr.classes_) != k:
            raise BetrokkenError("Niet elk profiel komt voor in de trainingsdata.")
        self.coef_ = lr.coef_
        self.intercept_ = lr.intercept_
        self.n_classes_ = k
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        D, _ = design_matrix(X, list(self.predictors), list(self.interactions))
        return softmax(D @ self.coef_.T + self.intercept_)


def predict_from_coefficients(
    X: pd.DataFrame,
    predictors: list[str],
    interactions: list[tuple[str, str]],
    coef: np.ndarray,
    intercept: np.ndarray,
) -> np.ndarray:
    """Probabilities from stored coefficients: (K, p) -> (n, K); (B, K, p) -> (B, n, K)."""
    D, _ = design_matrix(X, predictors, interactions)
    if coef.ndim == 2:
        return softmax(D @ coef.T + intercept)
    return softmax(np.einsum("np,bkp->bnk", D, coef) + intercept[:, None, :])


# --------------------------------------------------------------------------- evaluation


def weighted_log_loss(Y: np.ndarray, P: np.ndarray, w: np.ndarray) -> float:
    """Cross-entropy of soft targets Y against predictions P, survey-weighted."""
    return float(-(w * (Y * np.log(np.clip(P, 1e-15, None))).sum(axis=1)).sum() / w.sum())


def weighted_accuracy(Y: np.ndarray, P: np.ndarray, w: np.ndarray) -> float:
    """Share (weighted) whose most likely predicted profile is their modal LCA class."""
    return float((w * (Y.argmax(axis=1) == P.argmax(axis=1))).sum() / w.sum())


def cross_validate(
    X: pd.DataFrame,
    Y: np.ndarray,
    w: np.ndarray,
    *,
    predictors,
    interactions=(),
    C: float = 1.0,
    folds: int = 5,
    seed: int = 0,
) -> dict:
    """5-fold CV log-loss and accuracy, next to the base rates computed on the same folds."""
    scores = {"log_loss": [], "accuracy": [], "base_log_loss": [], "base_accuracy": []}
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(X):
        model = MembershipModel(predictors, interactions, C).fit(X.iloc[train], Y[train], w[train])
        P = model.predict_proba(X.iloc[test])
        shares = (Y[train] * w[train, None]).sum(axis=0) / w[train].sum()
        base = np.tile(shares, (len(test), 1))
        scores["log_loss"].append(weighted_log_loss(Y[test], P, w[test]))
        scores["accuracy"].append(weighted_accuracy(Y[test], P, w[test]))
        scores["base_log_loss"].append(weighted_log_loss(Y[test], base, w[test]))
        scores["base_accuracy"].append(weighted_accuracy(Y[test], base, w[test]))
    out = {key: float(np.mean(vals)) for key, vals in scores.items()}
    out["log_loss_se"] = float(np.std(scores["log_loss"], ddof=1) / np.sqrt(folds))
    out["n"] = int(len(X))
    return out


def bootstrap_coefficients(
    X: pd.DataFrame,
    Y: np.ndarray,
    w: np.ndarray,
    *,
    predictors,
    interactions=(),
    C: float = 1.0,
    n_boot: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Refit on ``n_boot`` resamples of respondents (segmentation fixed): (B, K, p), (B, K)."""
    rng = np.random.default_rng(seed)
    coefs, intercepts = [], []
    n = len(X)
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        model = MembershipModel(predictors, interactions, C).fit(X.iloc[idx], Y[idx], w[idx])
        coefs.append(model.coef_)
        intercepts.append(model.intercept_)
    return np.asarray(coefs), np.asarray(intercepts)


# --------------------------------------------------------------------------- area predictor

CROSSWALK_FILE = Path("cbs/pc4_gemeente_address_crosswalk_2023_2024_grenswijzigen.csv")
GEMEENTE_2024_FILE = Path("cbs/gemeente_2024_kwb_geoinzicht_attributes.csv")


def pc4_urbanity(data_dir: Path) -> pd.Series:
    """PC4 -> CBS stedelijkheid (1-5) of the gemeente holding most of its addresses (2024)."""
    cw_path, gm_path = Path(data_dir) / CROSSWALK_FILE, Path(data_dir) / GEMEENTE_2024_FILE
    for path in (cw_path, gm_path):
        if not path.is_file():
            raise SourceError(f"Bronbestand '{path}' ontbreekt (nodig voor stedelijkheid).")
    cw = pd.read_csv(cw_path)
    cw = cw[cw["year"] == 2024].sort_values("n_addresses", ascending=False)
    main = cw.drop_duplicates("pc4").set_index("pc4")["gemeentecode"]
    gm = pd.read_csv(gm_path).set_index("gemeentecode")["stedelijkheid"]
    return main.map(gm).dropna().astype(int).rename("gemeente_urbanity")
