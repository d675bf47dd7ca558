"""The eight engagement profiles: a latent class model (StepMix) on trust and engagement items.

Indicators are the harmonised survey items binned into three ordered categories (a
categorical measurement model makes no normality assumption about skewed 0-10 and 0-7
answers; ``categorical_nan`` skips missing answers in the likelihood instead of imputing).
The model is fitted unweighted (standard LCA fit statistics); population shares come from
the survey weights applied to the posterior class probabilities.

Classes are put in a fixed order on two axes computed from the items, not from the model:
*trust* and *engagement* (each a 0-1 score, see :func:`axis_scores`). The 8 classes are
ranked by trust; ranks 1-3 form the low-trust group, 4-6 the middle and 7-8 the high group;
within a group classes are sorted by engagement. Ids and names follow that position, so a
refit that finds the same structure gets the same names, whatever StepMix's label order.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from betrokken.survey.frame import (
    CHANNEL_ITEMS,
    CYNICISM_ITEMS,
    EFFICACY_ITEMS,
    POPULISM_ITEMS,
    TRUST_ITEMS,
)

N_PROFILES = 8

# indicator -> (frame column, bin edges (right-closed), meaning of the 3 categories)
TRUST_BINS = ([-1, 4, 6, 10], "0–4 / 5–6 / 7–10")
AGREE_BINS = ([0, 2, 3, 5], "oneens / neutraal / eens")
DAYS_BINS = ([-1, 0, 3, 7], "0 / 1–3 / 4–7 dagen per week")
KNOWLEDGE_BINS = ([-1, 4, 8, 12], "0–4 / 5–8 / 9–12 goed")

INDICATORS: dict[str, tuple[list[float] | None, str]] = {
    **{c: TRUST_BINS for c in TRUST_ITEMS},
    **{c: AGREE_BINS for c in (*CYNICISM_ITEMS, *EFFICACY_ITEMS, *POPULISM_ITEMS)},
    "knowledge": KNOWLEDGE_BINS,
    "turnout_2017": (None, "0 = niet gestemd / 1 = gestemd"),
    **{c: DAYS_BINS for c in CHANNEL_ITEMS},
}

# Axes: item groups rescaled to 0-1 (1 = more trust / more engagement), averaged per group,
# then groups averaged with equal weight.
INSTITUTIONAL_TRUST = (
    "trust_government",
    "trust_parliament",
    "trust_parties",
    "trust_politicians",
    "trust_democracy",
    "trust_justice",
    "trust_eu",
)
AXES_DOC = {
    "trust": "gemiddelde van (a) vertrouwen in regering, Tweede Kamer, partijen, politici, "
    "democratie, rechtspraak en EU (0–10 → 0–1) en (b) vertrouwen in politici: "
    "omgekeerde cynisme-stellingen en de drie 'bekwaam / lossen op / vertegenwoordigd'-"
    "stellingen (1–5 → 0–1)",
    "engagement": "gemiddelde van (a) politieke kennis (0–12 → 0–1), (b) opkomst 2017 (0/1) "
    "en (c) nieuwsgebruik: gemiddeld aantal dagen per week over de negen kanalen (0–7 → 0–1)",
}

TRUST_GROUPS: tuple[tuple[str, int], ...] = (("laag", 3), ("midden", 3), ("hoog", 2))
PROFILE_NAMES: dict[tuple[str, int], tuple[str, str]] = {
    ("laag", 0): ("kritisch_op_afstand", "Teleurgestelde toeschouwers"),
    ("laag", 1): ("kritische_volgers", "Voorzichtige twijfelaars"),
    ("laag", 2): ("kritisch_betrokken", "Kritische kiezers"),
    ("midden", 0): ("stille_middengroep", "Stille middengroep"),
    ("midden", 1): ("gematigde_volgers", "Gematigde volgers"),
    ("midden", 2): ("betrokken_middengroep", "Nuchtere realisten"),
    ("hoog", 0): ("tevreden_vertrouwers", "Tevreden optimisten"),
    ("hoog", 1): ("betrokken_vertrouwers", "Betrokken vertrouwers"),
}


def indicator_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Binned indicators (0, 1, 2 or NaN) in the fixed order of :data:`INDICATORS`."""
    out = {}
    for column, (edges, _) in INDICATORS.items():
        values = frame[column].astype(float)
        out[column] = values if edges is None else pd.cut(values, edges, labels=False)
    return pd.DataFrame(out, index=frame.index).astype(float)


def axis_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Per respondent: ``trust`` and ``engagement`` on a 0-1 scale (NaN if no items)."""
    inst = frame[list(INSTITUTIONAL_TRUST)].mean(axis=1) / 10
    cyn = (5 - frame[list(CYNICISM_ITEMS)]) / 4
    eff = (frame[list(EFFICACY_ITEMS)] - 1) / 4
    conf = pd.concat([cyn, eff], axis=1).mean(axis=1)
    trust = pd.concat([inst, conf], axis=1).mean(axis=1)
    knowledge = frame["knowledge"] / 12
    news = frame[list(CHANNEL_ITEMS)].mean(axis=1) / 7
    engagement = pd.concat([knowledge, frame["turnout_2017"], news], axis=1).mean(axis=1)
    return pd.DataFrame({"trust": trust, "engagement": engagement}, index=frame.index)


# --------------------------------------------------------------------------- fitting


def fit_lca(X: pd.DataFrame, k: int, *, n_init: int, seed: int, max_iter: int = 1000):
    """One StepMix fit (best of ``n_init`` random starts)."""
    from stepmix import StepMix

    model = StepMix(
        n_components=k,
        measurement="categorical_nan",
        n_init=n_init,
        random_state=seed,
        max_iter=max_iter,
        abs_tol=1e-6,
        progress_bar=0,
        verbose=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X.to_numpy(float))
    return model


@dataclass
class LCAParams:
    """Class weights and per-item category probabilities: all that assignments need."""

    class_weights: np.ndarray  # (k,)
    item_probs: np.ndarray  # (k, n_items, n_categories)

    @classmethod
    def from_stepmix(cls, model, n_items: int) -> LCAParams:
        params = model.get_parameters()
        pis = np.asarray(params["measurement"]["pis"], dtype=float)
        n_cat = int(params["measurement"]["max_n_outcomes"])
        return cls(np.asarray(params["weights"], float), pis.reshape(len(pis), n_items, n_cat))

    def permuted(self, order: np.ndarray) -> LCAParams:
        return LCAParams(self.class_weights[order], self.item_probs[order])

    def posterior(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """P(class | answers): the LCA E-step, skipping missing answers (as categorical_nan)."""
        values = np.asarray(X, dtype=float)
        k, n_items, n_cat = self.item_probs.shape
        logp = np.log(np.clip(self.item_probs, 1e-300, None))
        loglik = np.tile(np.log(self.class_weights), (len(values), 1))
        for j in range(n_items):
            col = values[:, j]
            ok = ~np.isnan(col)
            loglik[ok] += logp[:, j, col[ok].astype(int)].T
        loglik -= loglik.max(axis=1, keepdims=True)
        post = np.exp(loglik)
        return post / post.sum(axis=1, keepdims=True)


def fit_statistics(model, X: pd.DataFrame) -> dict:
    """BIC, AIC, log-likelihood, relative entropy and smallest class share of one fit."""
    values = X.to_numpy(float)
    post = model.predict_proba(values)
    return {
        "k": int(model.n_components),
        "loglik": float(model.score(values) * len(values)),
        "n_parameters": int(model.n_parameters),
        "bic": float(model.bic(values)),
        "aic": float(model.aic(values)),
        "relative_entropy": float(model.relative_entropy(values)),
        "smallest_class": float(post.mean(axis=0).min()),
    }


def select_k(X: pd.DataFrame, ks, *, n_init: int, seed: int, progress=None) -> pd.DataFrame:
    """Fit every K and tabulate the fit statistics (the K = 2 ... 10 table)."""
    rows = []
    for k in ks:
        rows.append(fit_statistics(fit_lca(X, k, n_init=n_init, seed=seed + k), X))
        if progress:
            progress(k)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- ordering


def class_axes(post: np.ndarray, scores: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    """Posterior x survey-weight weighted mean trust and engagement per class (NaN-aware)."""
    out = {}
    for axis in ("trust", "engagement"):
        s = scores[axis].to_numpy(float)
        ok = ~np.isnan(s)
        pw = post[ok] * weights[ok, None]
        out[axis] = (pw * s[ok, None]).sum(axis=0) / pw.sum(axis=0)
    return pd.DataFrame(out)


def profile_order(axes: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Permutation of classes into profile order plus each position's (trust group, rank)."""
    if len(axes) != N_PROFILES:
        raise ValueError(f"expected {N_PROFILES} classes, got {len(axes)}")
    by_trust = np.argsort(axes["trust"].to_numpy(), kind="stable")
    order, keys, start = [], [], 0
    for group, size in TRUST_GROUPS:
        members = by_trust[start : start + size]
        members = members[np.argsort(axes["engagement"].to_numpy()[members], kind="stable")]
        order.extend(members.tolist())
        keys.extend((group, i) for i in range(size))
        start += size
    return np.asarray(order), keys


def profile_ids_names(keys: list[tuple[str, int]]) -> tuple[list[str], list[str]]:
    ids = [PROFILE_NAMES[key][0] for key in keys]
    names = [PROFILE_NAMES[key][1] for key in keys]
    return ids, names


@dataclass
class Segmentation:
    """The ordered K=8 solution: parameters in profile order and its summaries."""

    params: LCAParams
    ids: list[str]
    names: list[str]
    trust_groups: list[str]
    stats: dict

    def posterior(self, X: pd.DataFrame) -> np.ndarray:
        return self.params.posterior(X)


def fit_segmentation(
    X: pd.DataFrame, scores: pd.DataFrame, weights: np.ndarray, *, n_init: int, seed: int
) -> Segmentation:
    """Fit K=8 and put the classes in profile order (see module docstring)."""
    model = fit_lca(X, N_PROFILES, n_init=n_init, seed=seed)
    stats = fit_statistics(model, X)
    params = LCAParams.from_stepmix(model, X.shape[1])
    order, keys = profile_order(class_axes(params.posterior(X), scores, weights))
    ids, names = profile_ids_names(keys)
    return Segmentation(params.permuted(order), ids, names, [g for g, _ in keys], stats)


def assignment_hash(post: np.ndarray) -> str:
    """SHA-256 of the modal assignments (profile positions): checks a refit without microdata."""
    import hashlib

    return hashlib.sha256(np.argmax(post, axis=1).astype(np.int8).tobytes()).hexdigest()


# --------------------------------------------------------------------------- stability


def match_classes(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Permutation of ``other``'s classes that best agrees with ``reference`` (Hungarian)."""
    overlap = reference.T @ other  # (k_ref, k_other) expected co-assignment
    _, cols = linear_sum_assignment(-overlap)
    return cols


def bootstrap_stability(
    X: pd.DataFrame,
    weights: np.ndarray,
    reference: Segmentation,
    *,
    n_boot: int,
    n_init: int,
    seed: int,
    progress=None,
) -> dict:
    """Refit K=8 on bootstrap resamples of respondents.

    For each resample: refit, predict on the original data, match classes to the reference
    by posterior overlap, and record the adjusted Rand index of modal assignments and the
    weighted class shares within the resample (for the share intervals).
    """
    rng = np.random.default_rng(seed)
    ref_post = reference.posterior(X)
    ref_labels = ref_post.argmax(axis=1)
    n = len(X)
    aris, shares = [], []
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        model = fit_lca(X.iloc[idx], N_PROFILES, n_init=n_init, seed=seed + 1000 + b)
        params = LCAParams.from_stepmix(model, X.shape[1])
        post = params.posterior(X)
        perm = match_classes(ref_post, post)
        post = post[:, perm]
        aris.append(adjusted_rand_score(ref_labels, post.argmax(axis=1)))
        boot_post = params.posterior(X.iloc[idx])[:, perm]
        w = weights[idx]
        shares.append((boot_post * w[:, None]).sum(axis=0) / w.sum())
        if progress:
            progress(b)
    aris = np.asarray(aris)
    return {
        "n_boot": n_boot,
        "n_init": n_init,
        "ari": aris.tolist(),
        "ari_median": float(np.median(aris)),
        "ari_p05": float(np.quantile(aris, 0.05)),
        "ari_p95": float(np.quantile(aris, 0.95)),
        "shares": np.asarray(shares),
    }


def share_bootstrap(post: np.ndarray, weights: np.ndarray, *, n_boot: int, seed: int) -> np.ndarray:
    """Weighted profile shares on ``n_boot`` resamples of respondents, classes held fixed.

    This is the sampling uncertainty of the national shares given the class model; the
    (larger) uncertainty from refitting the classes is reported separately (ARI and the
    refit share spread in :func:`bootstrap_stability`).
    """
    rng = np.random.default_rng(seed)
    n = len(post)
    out = np.empty((n_boot, post.shape[1]))
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        w = weights[idx]
        out[b] = (post[idx] * w[:, None]).sum(axis=0) / w.sum()
    return out
