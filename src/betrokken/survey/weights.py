"""Raking (iterative proportional fitting of weights) to national CBS marginals.

Each respondent gets a weight so that the weighted survey reproduces the population shares
of every margin at once (age x sex, education, region). A respondent whose category on one
margin is missing (e.g. education "weet niet") is left out of that margin's adjustment only.
Weights are scaled to mean 1; the Kish design effect says how much precision they cost.
Like IPF in ``areas.poststratify``, raking reports whether it converged: weights that do
not reproduce the margins are an error unless the caller accepts them explicitly.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from betrokken.errors import BetrokkenError


def margin_codes(frame: pd.DataFrame, margin: str) -> pd.Series:
    """The category of each respondent on a named margin (``age_sex`` joins two columns)."""
    if margin == "age_sex":
        codes = frame["age"].astype(object) + "|" + frame["sex"].astype(object)
        return codes.where(frame["age"].notna() & frame["sex"].notna())
    return frame[margin].astype(object)


RAKE_TOLERANCE = 1e-10
"""Raking has converged when a full sweep changes no weight by more than this factor
(``|factor - 1|``); the margins are then reproduced to about the same precision."""

RAKE_MAX_ITERATIONS = 200
"""Sweeps over all margins before raking gives up (and says so)."""


@dataclass
class RakeResult:
    """Raking weights and how well they reproduce the margins (like ``IPFResult``)."""

    weights: pd.Series  # mean 1, indexed like the frame
    converged: bool
    max_error: float  # largest |weighted share - target| over all margins, after the last sweep
    iterations: int
    max_change: float  # largest |factor - 1| in the last sweep (the stopping criterion)


def rake_result(
    frame: pd.DataFrame,
    targets: Mapping[str, pd.Series],
    *,
    max_iter: int = RAKE_MAX_ITERATIONS,
    tol: float = RAKE_TOLERANCE,
) -> RakeResult:
    """Raking weights (mean 1) and whether they converged (a sweep changed less than ``tol``)."""
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
    iteration = 0
    change = float("inf")
    for iteration in range(1, max_iter + 1):  # noqa: B007 - reported below
        change = 0.0
        for margin, target in targets.items():
            cat = codes[margin]
            known = pd.notna(cat)
            total = weights[known].sum()
            for code, share in target.items():
                idx = cat == code
                factor = share * total / weights[idx].sum()
                weights[idx] *= factor
                change = max(change, abs(factor - 1))
        if change < tol:
            break
    weights *= n / weights.sum()
    return RakeResult(
        weights=pd.Series(weights, index=frame.index, name="weight"),
        converged=bool(change < tol),
        max_error=float(_margin_error(weights, codes, targets)),
        iterations=iteration,
        max_change=float(change),
    )


def rake(
    frame: pd.DataFrame,
    targets: Mapping[str, pd.Series],
    *,
    max_iter: int = RAKE_MAX_ITERATIONS,
    tol: float = RAKE_TOLERANCE,
    allow_unconverged: bool = False,
) -> pd.Series:
    """Raking weights (mean 1) that reproduce every target margin.

    Weights that have not converged after ``max_iter`` sweeps (the last one still changed
    a weight by ``tol`` or more) are an error (``BetrokkenError``, in Dutch); with
    ``allow_unconverged`` a ``RuntimeWarning`` instead. The returned Series carries
    ``attrs`` ``converged``, ``max_error`` and ``iterations`` (``rake_result`` gives
    them as a dataclass).
    """
    result = rake_result(frame, targets, max_iter=max_iter, tol=tol)
    if not result.converged:
        message = (
            f"De weging is na {result.iterations} rondes niet geconvergeerd: een gewogen "
            f"aandeel wijkt nog {result.max_error:.2g} af van de CBS-marge."
        )
        if not allow_unconverged:
            raise BetrokkenError(
                message,
                hint="Controleer of de marges elkaar tegenspreken of bijna lege "
                "categorieën hebben.",
            )
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    weights = result.weights
    weights.attrs.update(
        converged=result.converged, max_error=result.max_error, iterations=result.iterations
    )
    return weights


def _margin_error(
    weights: np.ndarray, codes: Mapping[str, np.ndarray], targets: Mapping[str, pd.Series]
) -> float:
    """Largest absolute difference between a weighted margin share and its target."""
    error = 0.0
    for margin, target in targets.items():
        cat = codes[margin]
        known = pd.notna(cat)
        total = weights[known].sum()
        for code, share in target.items():
            error = max(error, abs(weights[cat == code].sum() / total - share))
    return error


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
