"""Raking (iterative proportional fitting of weights) to national CBS marginals.

Each respondent gets a weight so that the weighted survey reproduces the population shares
of every margin at once (age x sex, education, region). A respondent whose category on one
margin is missing (e.g. education "weet niet") is left out of that margin's adjustment only.
Weights are scaled to mean 1; the Kish design effect says how much precision they cost.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from betrokken.errors import BetrokkenError


def margin_codes(frame: pd.DataFrame, margin: str) -> pd.Series:
    """The category of each respondent on a named margin (``age_sex`` joins two columns)."""
    if margin == "age_sex":
        codes = frame["age"].astype(object) + "|" + frame["sex"].astype(object)
        return codes.where(frame["age"].notna() & frame["sex"].notna())
    return frame[margin].astype(object)


def rake(
    frame: pd.DataFrame,
    targets: Mapping[str, pd.Series],
    *,
    max_iter: int = 200,
    tol: float = 1e-10,
) -> pd.Series:
    """Raking weights (mean 1) that reproduce every target margin."""
    n = len(frame)
    if n == 0:
        raise BetrokkenError("Weging onmogelijk: er zijn geen respondenten.")
    weights = np.ones(n)
    codes = {m: margin_codes(frame, m).to_numpy() for m in targets}
    for margin, target in targets.items():
        present = set(pd.Series(codes[margin]).dropna())
        empty = [c for c in target.index if target[c] > 0 and c not in present]
        if empty:
            raise BetrokkenError(
                f"Weging onmogelijk: geen enkele respondent in categorie {', '.join(empty)} "
                f"van '{margin}'."
            )
    for _ in range(max_iter):
        change = 0.0
        for margin, target in targets.items():
            cat = codes[margin]
            known = pd.notna(cat)
            total = weights[known].sum()
            for code, share in target.items():
                idx = cat == code
                current = weights[idx].sum()
                factor = share * total / current
                weights[idx] *= factor
                change = max(change, abs(factor - 1))
        if change < tol:
            break
    weights *= n / weights.sum()
    return pd.Series(weights, index=frame.index, name="weight")


def weighted_margin(frame: pd.DataFrame, weights: pd.Series, margin: str) -> pd.Series:
    """Weighted shares of one margin among respondents with a known category."""
    codes = margin_codes(frame, margin)
    known = codes.notna()
    return weights[known].groupby(codes[known]).sum() / weights[known].sum()


def kish_deff(weights: pd.Series | np.ndarray) -> float:
    """Kish's design effect of unequal weights: n * sum(w^2) / sum(w)^2."""
    w = np.asarray(weights, dtype=float)
    return float(len(w) * np.sum(w**2) / np.sum(w) ** 2)


def weight_report(
    frame: pd.DataFrame, weights: pd.Series, targets: Mapping[str, pd.Series]
) -> dict:
    """Per margin: sample share, weighted share and target; plus deff and effective n."""
    margins = {}
    for margin, target in targets.items():
        codes = margin_codes(frame, margin)
        sample = codes.value_counts(normalize=True)
        weighted = weighted_margin(frame, weights, margin)
        margins[margin] = {
            str(code): {
                "sample": round(float(sample.get(code, 0.0)), 4),
                "weighted": round(float(weighted.get(code, 0.0)), 4),
                "target": round(float(share), 4),
            }
            for code, share in target.items()
        }
    deff = kish_deff(weights)
    return {
        "n": int(len(weights)),
        "deff_kish": round(deff, 3),
        "n_effective": round(len(weights) / deff, 1),
        "weight_min": round(float(weights.min()), 3),
        "weight_max": round(float(weights.max()), 3),
        "margins": margins,
    }
