"""Rankings: the areas where a profile is most common, with the adults it stands for."""

from __future__ import annotations

import pandas as pd

from betrokken.areas.population import ADULT_AGE_WEIGHTS, adult_weight
from betrokken.store.area_answers import children
from betrokken.store.catalogue import Catalogue
from betrokken.store.catalogue import clean as _clean


def top_areas(
    cat: Catalogue,
    profile_id: str,
    scope: str,
    level: str,
    limit: int,
) -> list[dict]:
    """Areas with the largest share of one profile (suppressed areas left out).

    ``adults_in_profile`` is the share times the area's adults (18+, estimated by
    ``areas.population.adult_weight`` like every adult weight), rounded to tens: a size
    for planning outreach, as uncertain as the share it comes from.
    """
    cat.profile(profile_id)
    items = [a for a in children(cat, scope, level)["areas"] if not a["suppressed"]]
    items.sort(key=lambda a: a["shares"][profile_id], reverse=True)
    out = []
    for a in items[:limit]:
        adults = _adults(cat.areas[a["code"]])
        share, lo, hi = (a[k][profile_id] for k in ("shares", "shares_lo", "shares_hi"))
        out.append(
            {
                "code": a["code"],
                "name": a["name"],
                "population": a["population"],
                "share": share,
                "share_lo": lo,
                "share_hi": hi,
                "adults_in_profile": _tens(adults, share),
                "adults_in_profile_lo": _tens(adults, lo),
                "adults_in_profile_hi": _tens(adults, hi),
            }
        )
    return out


def _adults(row: dict) -> float | None:
    """Adults (18+) of one area row; None when its population or age shares are unknown."""
    frame = pd.DataFrame([{c: row.get(c) for c in ("population", *ADULT_AGE_WEIGHTS)}])
    return _clean(adult_weight(frame)[0])


def _tens(adults: float | None, share: float | None) -> int | None:
    if adults is None or share is None:
        return None
    return int(round(adults * share, -1))
