"""The Fay–Herriot area-level model: a direct estimate and a model estimate by precision.

Model (Fay & Herriot 1979; Rao & Molina 2015, ch. 6). For areas ``i = 1 … m``:

    y_i = theta_i + e_i,        e_i ~ N(0, psi_i)       (direct estimate, psi_i known)
    theta_i = x_i' beta + v_i,  v_i ~ N(0, sigma2_v)    (linking model)

The EBLUP is ``gamma_i * y_i + (1 - gamma_i) * x_i' beta`` with
``gamma_i = sigma2_v / (sigma2_v + psi_i)``: the more precise the direct estimate (small
``psi_i``) compared with how far areas scatter around the model (``sigma2_v``), the more
it counts. ``sigma2_v`` is estimated by REML (default) or by the Prasad–Rao moment
estimator; ``beta`` by weighted least squares given ``sigma2_v``. The MSE is the
Prasad–Rao second-order approximation ``g1 + g2 + 2 g3`` (REML).

Why not a package: ``samplics`` (the one maintained Python implementation on PyPI) pulls
in polars and pyarrow for a forty-line estimator; this module is the textbook formulas,
checked in ``tests/test_fay_herriot.py`` against simulated areas with known truth and
against the closed forms at the boundaries (``sigma2_v = 0``: the synthetic estimate;
``psi_i -> 0``: the direct estimate).

``offset`` allows a model estimate with a fixed coefficient of 1 (``X`` empty): then
``theta_i = offset_i + v_i`` and only ``sigma2_v`` is estimated (used when there are too
few areas to estimate a regression on the model estimate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

__all__ = ["FayHerriotResult", "fay_herriot"]


@dataclass(frozen=True)
class FayHerriotResult:
    estimate: np.ndarray  # EBLUP per area
    synthetic: np.ndarray  # x_i' beta (+ offset): the model part
    gamma: np.ndarray  # weight of the direct estimate per area
    mse: np.ndarray  # Prasad–Rao MSE approximation
    sigma2_v: float  # between-area variance of the linking model
    beta: np.ndarray  # regression coefficients (empty without X)
    method: str


def _restricted_loglik(s2: float, y: np.ndarray, psi: np.ndarray, X: np.ndarray) -> float:
    v = s2 + psi
    if X.shape[1] == 0:
        return float(-0.5 * np.sum(np.log(v)) - 0.5 * np.sum(y**2 / v))
    Xw = X / v[:, None]
    A = X.T @ Xw
    beta = np.linalg.solve(A, Xw.T @ y)
    r = y - X @ beta
    sign, logdet = np.linalg.slogdet(A)
    return float(-0.5 * np.sum(np.log(v)) - 0.5 * logdet - 0.5 * np.sum(r**2 / v))


def _moment(y: np.ndarray, psi: np.ndarray, X: np.ndarray) -> float:
    m, p = X.shape
    if p == 0:
        return max(0.0, float((np.sum(y**2) - np.sum(psi)) / m))
    H = X @ np.linalg.pinv(X)
    r = y - H @ y
    return max(0.0, float((r @ r - np.sum(psi * (1 - np.diag(H)))) / (m - p)))


def fay_herriot(
    direct: np.ndarray,
    psi: np.ndarray,
    X: np.ndarray | None = None,
    *,
    offset: np.ndarray | None = None,
    method: str = "REML",
) -> FayHerriotResult:
    """Fit the Fay–Herriot model and return the EBLUP per area.

    Parameters
    ----------
    direct : (m,) direct estimates.
    psi : (m,) their sampling variances, treated as known (smooth them first).
    X : (m, p) covariates of the linking model, or None (then ``offset`` is the model).
    offset : (m,) a model estimate with coefficient fixed at 1 (default 0).
    method : "REML" (restricted maximum likelihood) or "PR" (Prasad–Rao moments).

    Returns
    -------
    FayHerriotResult. Needs more areas than covariates.
    """
    y0 = np.asarray(direct, float)
    psi = np.asarray(psi, float)
    m = len(y0)
    off = np.zeros(m) if offset is None else np.asarray(offset, float)
    X = np.zeros((m, 0)) if X is None else np.asarray(X, float).reshape(m, -1)
    p = X.shape[1]
    if m <= p:
        raise ValueError(f"Fay–Herriot needs more areas ({m}) than covariates ({p}).")
    if np.any(psi <= 0):
        raise ValueError("Sampling variances must be positive.")
    y = y0 - off
    if method == "PR":
        s2 = _moment(y, psi, X)
    elif method == "REML":
        upper = max(float(np.var(y)) * 10, float(psi.max()) * 10, 1e-8)
        res = minimize_scalar(
            lambda s: -_restricted_loglik(s, y, psi, X),
            bounds=(0.0, upper),
            method="bounded",
            options={"xatol": 1e-12 + upper * 1e-9},
        )
        s2 = float(res.x)
        if -_restricted_loglik(0.0, y, psi, X) <= res.fun:
            s2 = 0.0
    else:
        raise ValueError(f"Unknown method {method!r}; use 'REML' or 'PR'.")
    v = s2 + psi
    gamma = s2 / v
    if p:
        Xw = X / v[:, None]
        A_inv = np.linalg.inv(X.T @ Xw)
        beta = A_inv @ (Xw.T @ y)
        fitted = X @ beta
        g2 = (1 - gamma) ** 2 * np.einsum("ij,jk,ik->i", X, A_inv, X)
    else:
        beta = np.zeros(0)
        fitted = np.zeros(m)
        g2 = np.zeros(m)
    synthetic = fitted + off
    estimate = gamma * y0 + (1 - gamma) * synthetic
    g1 = gamma * psi
    var_s2 = 2.0 / np.sum(1.0 / v**2)
    g3 = psi**2 / v**3 * var_s2
    return FayHerriotResult(
        estimate=estimate,
        synthetic=synthetic,
        gamma=gamma,
        mse=g1 + g2 + 2 * g3,
        sigma2_v=s2,
        beta=beta,
        method=method,
    )
