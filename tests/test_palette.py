"""The eight profile colours stay apart for colour-blind readers (issue 12, item 2).

Checked with a simulator: ``colorspacious`` (Machado et al. 2009 at full severity) for
deuteranomaly, protanomaly and tritanomaly, distances in CAM02-UCS.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from betrokken.web.palette import DIVERGING_RAMP, PROFILE_COLOURS, SHARE_RAMP, diverging_breaks

colorspacious = pytest.importorskip("colorspacious")

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#882255")
KINDS = ("deuteranomaly", "protanomaly", "tritanomaly")


def _ucs(hex_colour: str, kind: str | None) -> np.ndarray:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    if kind is not None:
        rgb = np.clip(colorspacious.cspace_convert(
            rgb, {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}, "sRGB1"), 0, 1)
    return colorspacious.cspace_convert(rgb, "sRGB1", "CAM02-UCS")


def smallest_distance(colours) -> float:
    """Smallest distance between two colours in normal vision or any simulated CVD."""
    return min(
        float(np.linalg.norm(_ucs(a, kind) - _ucs(b, kind)))
        for kind in (None, *KINDS)
        for a, b in itertools.combinations(colours, 2)
    )


def test_profile_colours_are_distinguishable_under_colour_blindness():
    ours, okabe = smallest_distance(PROFILE_COLOURS), smallest_distance(OKABE_ITO)
    assert len(set(PROFILE_COLOURS)) == 8
    assert ours >= 15 and ours > okabe + 3, (ours, okabe)


def test_ramps_run_light_to_dark_and_diverge_around_zero():
    lightness = [_ucs(c, None)[0] for c in SHARE_RAMP]
    assert lightness == sorted(lightness, reverse=True)
    ends = [_ucs(c, None)[0] for c in (DIVERGING_RAMP[0], DIVERGING_RAMP[-1])]
    middle = [_ucs(c, None)[0] for c in DIVERGING_RAMP[2:4]]
    assert min(middle) > max(ends)
    breaks = diverging_breaks([-0.05, -0.01, 0.0, 0.02, 0.06])
    assert breaks[2] == 0 and breaks[0] == -breaks[-1] and breaks == sorted(breaks)
