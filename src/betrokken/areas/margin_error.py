"""Carry the margin model's error (``areas.margins``) into the profile-mix draws.

A wijk or buurt whose education margin is *estimated* has a standard error on it
(``share_edu_hoog_se``, ``share_edu_laag_se``). The mix is recomputed once with the
margin moved one standard error along its main axis of error (more highly educated,
fewer low educated; midden takes the rest), and every bootstrap draw of such an area
gets ``z * (shifted - point)`` added, with ``z`` standard normal per area and draw
(seeded). This is the delta method in one dimension: it widens the intervals by the
margin's error without a second IPF per draw. Parents aggregated from their children
are not touched (their own total is benchmarked, so the children's errors cancel there),
and PC4 areas (whose margins are means of wijken) are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

MARGIN_ERROR_SEED = 20240101


def shifted_margins(areas: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Rows with an estimated education margin, and a copy of them moved by one SE."""
    if "share_edu_hoog_se" not in areas or "share_edu_laag_se" not in areas:
        return np.array([], dtype=int), areas.iloc[:0]
    se_hoog = pd.to_numeric(areas["share_edu_hoog_se"], errors="coerce")
    se_laag = pd.to_numeric(areas["share_edu_laag_se"], errors="coerce")
    rows = np.flatnonzero((se_hoog.notna() & se_laag.notna()).to_numpy())
    shifted = areas.iloc[rows].copy()
    hoog = (shifted["share_edu_hoog"] + se_hoog.iloc[rows]).clip(0.001, 0.97)
    laag = (shifted["share_edu_laag"] - se_laag.iloc[rows]).clip(0.001, 0.97)
    scale = (0.98 / (hoog + laag)).clip(upper=1.0)
    shifted["share_edu_hoog"], shifted["share_edu_laag"] = hoog * scale, laag * scale
    shifted["share_edu_midden"] = 1.0 - shifted["share_edu_hoog"] - shifted["share_edu_laag"]
    return rows, shifted


def add_margin_error(areas: pd.DataFrame, estimated: np.ndarray, point: np.ndarray,
                     draws: np.ndarray, predict: Callable[[pd.DataFrame], tuple]) -> int:
    """Add the margin error to ``draws`` in place; returns the number of areas affected.

    ``predict(frame)`` gives ``(point, estimated)`` for a frame of area rows (the same
    route as the mix itself: IPF and the models' point estimate).
    """
    rows, shifted = shifted_margins(areas)
    rows_ok = rows[estimated[rows]] if rows.size else rows
    if rows_ok.size == 0:
        return 0
    shifted = shifted.loc[areas.index[rows_ok]]
    moved, ok = predict(shifted)
    delta = moved - point[rows_ok]
    delta[~ok] = 0.0
    delta = np.nan_to_num(delta)
    rng = np.random.default_rng(MARGIN_ERROR_SEED)
    z = rng.standard_normal((draws.shape[0], rows_ok.size, 1))
    draws[:, rows_ok] = np.clip(draws[:, rows_ok] + z * delta[None], 0.0, 1.0)
    return int(rows_ok.size)
