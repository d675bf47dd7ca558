"""Address density and CBS stedelijkheid (urbanity classes 1-5).

``calibrate_address_density`` fits omgevingsadressendichtheid on plain address density
for the gemeenten of 2024; wijken and PC4 without a published value get an estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2024,
)
from betrokken.sources.kwb_population import KWB_2024_POPULATION

URBANITY_THRESHOLDS = (2500.0, 1500.0, 1000.0, 500.0)
"""CBS stedelijkheid from omgevingsadressendichtheid (addresses/km2): >=2500 -> 1, 1500-2500
-> 2, 1000-1500 -> 3, 500-1000 -> 4, <500 -> 5."""


def urbanity_class(oad: pd.Series) -> pd.Series:
    """CBS stedelijkheid 1-5 from omgevingsadressendichtheid."""
    t1, t2, t3, t4 = URBANITY_THRESHOLDS
    cls = np.select([oad >= t1, oad >= t2, oad >= t3, oad >= t4], [1, 2, 3, 4], default=5)
    return pd.Series(cls, index=oad.index, dtype="Int64").mask(oad.isna())


def calibrate_address_density(raw: dict[str, pd.DataFrame], crosswalk: pd.DataFrame) -> dict:
    """Fit log(OAD) = a + b log(addresses per km2 land) on the 342 gemeenten of 2024.

    CBS's omgevingsadressendichtheid counts addresses within 1 km of each address; we
    only know addresses per area, which is lower wherever an area has empty land. The
    fit on gemeenten (where both are known) translates one into the other for wijken
    and PC4; its fit and the class agreement are reported in ``docs/data.md``.
    """
    pop = raw[KWB_2024_POPULATION.name]
    gm = pop[pop["level"] == "gemeente"].set_index("regio_code")
    addresses = crosswalk.groupby("gemeente_code")["n_addresses"].sum()
    land_km2 = gm["OppervlakteLand"] / 100.0
    density = (addresses / land_km2).dropna()
    oad = raw[GEMEENTE_2024.name].set_index("gemeentecode")["omgevingsadressendichtheid"]
    both = pd.concat([density.rename("d"), oad.rename("oad")], axis=1).dropna()
    both = both[(both["d"] > 0) & (both["oad"] > 0)]
    x, y = np.log(both["d"]), np.log(both["oad"])
    b, a = np.polyfit(x, y, 1)
    pred = a + b * x
    r2 = 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    cls_pred = urbanity_class(np.exp(pred))
    cls_true = raw[GEMEENTE_2024.name].set_index("gemeentecode")["stedelijkheid"].reindex(
        both.index)
    agree = float((cls_pred == cls_true).mean())
    within1 = float(((cls_pred - cls_true).abs() <= 1).mean())
    return {"a": float(a), "b": float(b), "r2": float(r2), "n": int(len(both)),
            "class_agreement": agree, "class_within_one": within1}


def estimated_oad(density: pd.Series, model: dict) -> pd.Series:
    """Omgevingsadressendichtheid estimated from plain address density."""
    d = density.where(density > 0)
    return np.exp(model["a"] + model["b"] * np.log(d)).round(0)
