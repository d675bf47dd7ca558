"""Colours for the eight profiles and for share maps, safe for colour-blind readers.

Profiles get the Okabe-Ito palette: its seven colours plus Paul Tol's wine (#882255)
instead of black, which would hide borders, and instead of grey, which reads as
'no data' on a map. Each colour is only ever used beside a text label and with a
dark outline, so no information rests on colour alone (WCAG 1.4.1, 1.4.11). Share maps
use a sequential light-to-dark ramp (ColorBrewer YlGnBu) that reads in greyscale too.
"""

from __future__ import annotations

PROFILE_COLOURS: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#882255",  # wine (Paul Tol)
)

SHARE_RAMP: tuple[str, ...] = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
"""Six classes, light = small share, dark = large share."""


def profile_colours(profile_ids: list[str]) -> dict[str, str]:
    """Map profile ids (in model order) to their fixed colours."""
    return {pid: PROFILE_COLOURS[i % len(PROFILE_COLOURS)] for i, pid in enumerate(profile_ids)}


def share_breaks(max_share: float) -> list[float]:
    """Class limits for a share map: equal steps from 0 up to the largest share seen.

    Equal steps (not quantiles) keep the legend honest across gemeenten: the same colour
    means the same share range within one map, and the ranges are round numbers.
    """
    top = max(0.05, min(1.0, max_share))
    step = _round_step(top / len(SHARE_RAMP))
    return [round(step * i, 4) for i in range(1, len(SHARE_RAMP))]


def _round_step(raw: float) -> float:
    for step in (0.01, 0.02, 0.025, 0.05, 0.1, 0.2):
        if raw <= step:
            return step
    return 0.2


def quantile_breaks(values: list[float]) -> list[float]:
    """Class limits at the sextiles of the values shown (rounded to 0.1 percentage point),
    so each colour of an index map holds about as many areas; duplicates are dropped."""
    import numpy as np

    if not values:
        return []
    qs = np.quantile(np.asarray(values, float), np.linspace(0, 1, len(SHARE_RAMP) + 1)[1:-1])
    return sorted({round(float(q), 3) for q in qs})
