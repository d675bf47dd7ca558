"""Colours for the eight profiles and for maps, safe for colour-blind readers.

Profiles: eight colours from Paul Tol's muted/medium-contrast sets and Okabe-Ito, chosen
to maximise the smallest perceptual distance between any two of them (CAM02-UCS ΔE)
in normal vision and under simulated deuteranomaly, protanomaly and tritanomaly at full
severity (Machado et al. 2009, as implemented by ``colorspacious``). That smallest
distance is 15.5 for this set against 11.0 for the plain Okabe-Ito palette, whose
orange/vermillion and two blues readers confused (tests/test_palette.py recomputes it).
Profiles with look-alike names get colours far apart. Each colour is only ever used
beside a text label and with a dark outline, so no information rests on colour alone
(WCAG 1.4.1, 1.4.11). Share maps use a sequential light-to-dark ramp (ColorBrewer YlGnBu)
that reads in greyscale too; differences from NL a diverging ramp (ColorBrewer PuOr).
"""

from __future__ import annotations

PROFILE_COLOURS: tuple[str, ...] = (
    "#CC6677",  # rose (Tol muted)
    "#88CCEE",  # light cyan (Tol muted)
    "#F0E442",  # yellow (Okabe-Ito)
    "#6699CC",  # medium blue (Tol medium contrast)
    "#117733",  # green (Tol muted)
    "#EE99AA",  # light pink (Tol medium contrast)
    "#999933",  # olive (Tol muted)
    "#332288",  # indigo (Tol muted)
)

DIVERGING_RAMP: tuple[str, ...] = ("#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788")
"""Six classes for differences from NL: orange = less than NL, purple = more (PuOr)."""

SHARE_RAMP: tuple[str, ...] = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
"""Six classes, light = small share, dark = large share."""


def profile_colours(profile_ids: list[str]) -> dict[str, str]:
    """Map profile ids (in model order) to their fixed colours."""
    return {pid: PROFILE_COLOURS[i % len(PROFILE_COLOURS)] for i, pid in enumerate(profile_ids)}


def colour_profiles(cat):
    """The catalogue with a colour for every profile (``cat.colours``, ``profile["colour"]``)."""
    cat.colours = profile_colours(cat.profile_ids)
    for p in cat.profiles:
        p["colour"] = cat.colours[p["id"]]
    return cat


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


def diverging_breaks(values: list[float]) -> list[float]:
    """Class limits symmetric around 0 (no difference with NL), from the data's spread:
    the outer limit is the 80th percentile of the absolute differences, rounded."""
    import numpy as np

    if not values:
        return []
    top = float(np.quantile(np.abs(np.asarray(values, float)), 0.8)) or 0.01
    step = _round_step(top / 2) if top > 0.01 else 0.005
    return [-2 * step, -step, 0.0, step, 2 * step]


def quantile_breaks(values: list[float]) -> list[float]:
    """Class limits at the sextiles of the values shown (rounded to 0.1 percentage point),
    so each colour of an index map holds about as many areas; duplicates are dropped."""
    import numpy as np

    if not values:
        return []
    qs = np.quantile(np.asarray(values, float), np.linspace(0, 1, len(SHARE_RAMP) + 1)[1:-1])
    return sorted({round(float(q), 3) for q in qs})
