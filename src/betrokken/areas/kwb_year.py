"""Area rows of any KWB year straight from its StatLine table (a download build by year).

A download build of a year other than the offline data directory's (``betrokken build
--year 2022``) reads gemeente, wijk and buurt from one KWB table, the one of that year
(``sources.years``), with keys resolved by base name, so any release layout works:

* counts become shares: ages and herkomst of residents, household types of households,
  education of the persons counted for it (laag/middelbaar/hoog);
* herkomst: the 2024 definition (``Nederland``, ``EuropaExclusiefNederland``,
  ``BuitenEuropa``) when the table has it, else the older one (``WestersTotaal``,
  ``NietWestersTotaal``; Nederland is the rest), mapped on the same columns as the
  local 2020 file;
* income, WOZ and owner-occupied share as published (x 1,000 euro, percentages);
* a figure in ``FROM_PARENT`` that the table does not give for an area comes from the
  level above (gemeente -> wijk -> buurt) and is named in ``derived_columns``; an
  age or sex figure that is NULL stays NULL and is named in ``secret_columns``;
* urbanity: the published class, else the parent's (derived).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.areas.columns import (
    AGE_SHARES,
    EDU_SHARES,
    FROM_PARENT,
    HH_SHARES,
    sex_shares,
)
from betrokken.sources.base import to_numeric_with_secrecy
from betrokken.sources.kwb_keys import (
    AGE_KEYS,
    EDU_KEYS,
    HH_KEYS,
    VALUE_KEYS,
)
from betrokken.sources.odata import key_by_base

PREFIX = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}



def kwb_level_rows(table: pd.DataFrame, level: str, year: int,
                   parent: pd.DataFrame | None = None) -> pd.DataFrame:
    """Current rows of one level (``regio_code`` GM/WK/BU) of a KWB table of ``year``.

    ``parent`` holds the current rows of the level above (by ``area_code``); areas
    without a published population are left out.
    """
    rows = table[table["regio_code"].str.startswith(PREFIX[level])].reset_index(drop=True)

    def col(base: str) -> tuple[pd.Series, pd.Series]:
        key = key_by_base(rows.columns, base)
        if key is None:
            return pd.Series(np.nan, index=rows.index), pd.Series(False, index=rows.index)
        return to_numeric_with_secrecy(rows[key], column=key)

    population, pop_secret = col("AantalInwoners")
    out = pd.DataFrame(index=rows.index)
    out["year"] = year
    out["level"] = level
    code = rows["regio_code"].str.strip()
    out["area_code"] = code
    out["area_name"] = rows.get("regio_naam")
    out["gemeente_code"] = "GM" + code.str[2:6]
    out["wijk_code"] = ("WK" + code.str[2:8]) if level in ("wijk", "buurt") else None
    out["population"] = population
    secret = pd.Series("", index=rows.index, dtype="object")
    residents = population.where(population > 0)

    def shares(columns, bases, total) -> None:
        nonlocal secret
        for ours, base in zip(columns, bases, strict=True):
            values, hidden = col(base)
            out[ours] = (values / total).clip(0, 1)
            secret = secret.where(~(hidden & population.notna()), secret + ours + ",")

    shares(AGE_SHARES, AGE_KEYS, residents)
    men, _ = col("Mannen")
    women, _ = col("Vrouwen")
    out["share_man"], out["share_vrouw"] = sex_shares(men, women)
    households, _ = col("HuishoudensTotaal")
    for ours, base in zip(HH_SHARES, HH_KEYS, strict=True):
        out[ours] = (col(base)[0] / households.where(households > 0)).clip(0, 1)
    _migration(out, col, residents)
    edu = pd.concat([col(base)[0] for base in EDU_KEYS], axis=1)
    edu_total = edu.sum(axis=1, min_count=len(EDU_KEYS))
    for i, ours in enumerate(EDU_SHARES):
        out[ours] = edu.iloc[:, i] / edu_total.where(edu_total > 0)
    for ours, (base, factor) in VALUE_KEYS.items():
        out[ours] = col(base)[0] * factor
    out["address_density"] = col("Omgevingsadressendichtheid")[0]
    urbanity = col("MateVanStedelijkheid")[0]
    out["urbanity"] = urbanity.round().astype("Int64")

    derived = pd.Series("", index=rows.index, dtype="object")
    if parent is not None:
        above = parent.set_index("area_code").reindex(
            out["wijk_code"] if level == "buurt" else out["gemeente_code"])
        above.index = out.index
        for column in (*FROM_PARENT, "urbanity"):
            take = out[column].isna() & above[column].notna()
            out.loc[take, column] = above.loc[take, column]
            derived = derived.where(~take, derived + column + ",")
    secret = secret.where(~pop_secret, secret + "population,")
    out["derived_columns"] = derived.str.rstrip(",")
    out["secret_columns"] = secret.str.rstrip(",")
    out["is_current"] = True
    return out[population.notna()].reset_index(drop=True)


def _migration(out: pd.DataFrame, col, residents: pd.Series) -> None:
    """Herkomst (2024 definition) or migratieachtergrond (westers / niet-westers)."""
    nl, nl_key = col("Nederland")
    if nl.notna().any():
        out["share_migration_nl"] = (nl / residents).clip(0, 1)
        out["share_migration_west"] = (col("EuropaExclusiefNederland")[0] / residents).clip(0, 1)
        out["share_migration_nietwest"] = (col("BuitenEuropa")[0] / residents).clip(0, 1)
        return
    west = (col("WestersTotaal")[0] / residents).clip(0, 1)
    nietwest = (col("NietWestersTotaal")[0] / residents).clip(0, 1)
    out["share_migration_west"] = west
    out["share_migration_nietwest"] = nietwest
    out["share_migration_nl"] = (1.0 - west - nietwest).clip(lower=0)


def year_levels(table: pd.DataFrame, year: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                        pd.DataFrame]:
    """Gemeente, wijk and buurt rows of one KWB year (each filled from the one above)."""
    gemeente = kwb_level_rows(table, "gemeente", year)
    gemeente = gemeente[gemeente["area_code"] != "GM0998"].reset_index(drop=True)
    wijk = kwb_level_rows(table, "wijk", year, gemeente)
    buurt = kwb_level_rows(table, "buurt", year, wijk)
    return gemeente, wijk, buurt
