"""Adults per area: the one definition of the weight that combines areas.

The profiles describe adults (18+, the survey's population) and the model's age cells
are 18-24, 25-44, 45-64 and 65+. CBS publishes the 15-24 band, of which
``schema.ADULT_FRACTION_15_24`` is counted as 18+; every adult-weighted sum (a parent
from its children, a custom area from its postcodes, "adults in this profile") uses
this function, so the weights agree with the model's cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.schema import ADULT_FRACTION_15_24

__all__ = ["ADULT_AGE_WEIGHTS", "adult_weight", "adult_weight_or_zero"]

ADULT_AGE_WEIGHTS: dict[str, float] = {
    "share_age_15_24": ADULT_FRACTION_15_24,
    "share_age_25_44": 1.0,
    "share_age_45_64": 1.0,
    "share_age_65plus": 1.0,
}
"""How much of each CBS age band (share of all residents) is adult (18+)."""


def adult_weight(areas: pd.DataFrame) -> np.ndarray:
    """Estimated residents aged 18+ per row of ``areas``.

    ``population x (ADULT_FRACTION_15_24 x share_age_15_24 + share_age_25_44 +
    share_age_45_64 + share_age_65plus)``, with shares as fractions of all residents.
    NaN where the population or any of these age shares is unknown (secret or not
    published): such an area has no adult count, and callers decide whether it counts
    as zero. Negative values cannot occur (shares are clipped to [0, 1]).
    """
    population = pd.to_numeric(areas["population"], errors="coerce").to_numpy(float)
    adult_share = np.zeros(len(areas))
    for column, fraction in ADULT_AGE_WEIGHTS.items():
        share = pd.to_numeric(areas[column], errors="coerce").to_numpy(float)
        adult_share = adult_share + fraction * np.clip(share, 0.0, 1.0)
    return population * adult_share


def adult_weight_or_zero(areas: pd.DataFrame) -> np.ndarray:
    """``adult_weight`` with unknown counts as 0: such an area weighs nothing in a sum."""
    return np.nan_to_num(adult_weight(areas), nan=0.0)
