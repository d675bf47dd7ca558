"""Buurt rows of a download build: KWB 2024 buurt counts (OData) turned into shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.areas.columns import (
    AGE_SHARES,
    EDU_SHARES,
    HH_SHARES,
    HOUSING_COLUMNS,
    INCOME_COLUMNS,
    MIGRATION_SHARES,
    sex_shares,
)
from betrokken.sources.base import to_numeric_with_secrecy


def buurt_2024_rows(table: pd.DataFrame, wijk: pd.DataFrame) -> pd.DataFrame:
    """Current buurt rows from KWB 2024 (OData 85984NED): counts turned into shares.

    Age, sex, herkomst and household types are published per buurt (as counts);
    education, income and housing come from the wijk (derived), as for wijken.
    """
    def col(base: str) -> tuple[pd.Series, pd.Series]:
        match = [c for c in table.columns if c == base or c.rsplit("_", 1)[0] == base]
        if not match:
            return pd.Series(np.nan, index=table.index), pd.Series(False, index=table.index)
        return to_numeric_with_secrecy(table[match[0]], column=match[0])

    population, pop_secret = col("AantalInwoners")
    keep = population.notna()
    out = pd.DataFrame(index=table.index)
    out["year"] = 2024
    out["level"] = "buurt"
    out["area_code"] = table["regio_code"].str.strip()
    out["area_name"] = table.get("regio_naam")
    out["gemeente_code"] = "GM" + out["area_code"].str[2:6]
    out["wijk_code"] = "WK" + out["area_code"].str[2:8]
    out["population"] = population
    secret = pd.Series("", index=table.index, dtype="object")
    denom = population.where(population > 0)

    def shares(columns: tuple[str, ...], bases: tuple[str, ...], total: pd.Series) -> None:
        nonlocal secret
        for ours, base in zip(columns, bases, strict=True):
            values, hidden = col(base)
            out[ours] = values / total
            secret = secret.where(~hidden, secret + ours + ",")

    shares(AGE_SHARES, ("k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar",
                        "k_65JaarOfOuder"), denom)
    men, _ = col("Mannen")
    women, _ = col("Vrouwen")
    out["share_man"], out["share_vrouw"] = sex_shares(men, women)
    shares(MIGRATION_SHARES, ("Nederland", "EuropaExclusiefNederland", "BuitenEuropa"), denom)
    households, _ = col("HuishoudensTotaal")
    shares(HH_SHARES, ("Eenpersoonshuishoudens", "HuishoudensZonderKinderen",
                       "HuishoudensMetKinderen"), households.where(households > 0))
    for column in (*AGE_SHARES, *MIGRATION_SHARES, *HH_SHARES):
        out[column] = out[column].clip(0, 1)
    parent = wijk.set_index("area_code").reindex(out["wijk_code"])
    parent.index = out.index
    derived = [*EDU_SHARES, *INCOME_COLUMNS, *HOUSING_COLUMNS]
    for column in derived:
        out[column] = parent[column]
    oad, _ = col("Omgevingsadressendichtheid")
    urbanity, _ = col("MateVanStedelijkheid")
    out["address_density"] = oad
    out["urbanity"] = urbanity.astype("Int64").fillna(parent["urbanity"])
    own_urbanity = urbanity.notna()
    out["derived_columns"] = ",".join(derived)
    out.loc[~own_urbanity, "derived_columns"] = ",".join((*derived, "urbanity"))
    secret = secret.where(~pop_secret, secret + "population,")
    out["secret_columns"] = secret.str.rstrip(",")
    out["is_current"] = True
    return out[keep].reset_index(drop=True)
