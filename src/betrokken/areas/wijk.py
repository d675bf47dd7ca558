"""Wijk rows: KWB 2024 (current) with migration and WOZ from the same wijk in 2019
(benchmarked to the current gemeente) or from the gemeente; 2019 rows for comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.areas.columns import (
    AGE_SHARES,
    FROM_PARENT,
    HH_SHARES,
    KWB_AGE,
    KWB_HH,
    join_flags,
    pct,
    secret_list,
    sex_shares,
)
from betrokken.areas.urbanity import estimated_oad, urbanity_class
from betrokken.sources.kwb_population import KWB_2024_POPULATION
from betrokken.sources.kwb_wijk import WIJK_2019, WIJK_2024

WIJK_2019_MAX_POPULATION_CHANGE = 0.30
"""A 2019 wijk is taken as the same area as the 2024 wijk with that code only when its
population differs by at most this fraction (codes get reused after re-indelingen)."""


def wijk_2019_rows(w: pd.DataFrame) -> pd.DataFrame:
    """Wijk rows of 2019 (derived subset), on 2019 codes; kept for comparison."""
    w = w.dropna(subset=["aantal_inwoners"])
    out = pd.DataFrame(index=w.index)
    out["year"] = 2019
    out["level"] = "wijk"
    out["area_code"] = w["wijkcode"]
    out["area_name"] = None
    out["gemeente_code"] = "GM" + w["wijkcode"].str[2:6]
    out["wijk_code"] = w["wijkcode"]
    out["population"] = w["aantal_inwoners"]
    for ours, theirs in zip(AGE_SHARES, ["frac_" + a for a in KWB_AGE], strict=True):
        out[ours] = w[theirs]
    out["share_man"], out["share_vrouw"] = sex_shares(w["frac_man"], w["frac_vrouw"])
    out["share_migration_west"] = w["frac_westerse_migratieachtergrond"]
    out["share_migration_nietwest"] = w["frac_niet_westerse_migratieachtergrond"]
    out["share_migration_nl"] = (1.0 - out["share_migration_west"]
                                 - out["share_migration_nietwest"]).clip(lower=0)
    out["woz_avg"] = w["gem_woz_waarde_x1000"]
    out["derived_columns"] = ""
    out["secret_columns"] = secret_list(w, {
        **dict(zip(AGE_SHARES, ["frac_" + a for a in KWB_AGE], strict=True)),
        "share_migration_west": "frac_westerse_migratieachtergrond",
        "share_migration_nietwest": "frac_niet_westerse_migratieachtergrond",
        "woz_avg": "gem_woz_waarde_x1000"})
    out["is_current"] = False
    return out


def wijk_2024_rows(raw: dict[str, pd.DataFrame], gemeente: pd.DataFrame,
                   crosswalk: pd.DataFrame, density_model: dict) -> pd.DataFrame:
    """Current wijk rows: KWB 2024 basics; the rest from 2019 (benchmarked) or the gemeente."""
    w = raw[WIJK_2024.name].dropna(subset=["aantal_inwoners"])
    w = w[w["gemeentecode"] != "GM0998"].set_index("wijkcode", drop=False)
    pop = raw[KWB_2024_POPULATION.name]
    pop = pop[pop["level"] == "wijk"].set_index("regio_code")
    out = pd.DataFrame(index=w.index)
    out["year"] = 2024
    out["level"] = "wijk"
    out["area_code"] = w["wijkcode"]
    out["area_name"] = w["wijknaam"]
    out["gemeente_code"] = w["gemeentecode"]
    out["wijk_code"] = w["wijkcode"]
    out["population"] = pop["AantalInwoners"].reindex(w.index).fillna(w["aantal_inwoners"])
    for ours, theirs in zip(AGE_SHARES, KWB_AGE, strict=True):
        out[ours] = pct(w[theirs])
    out["share_man"], out["share_vrouw"] = sex_shares(w["mannen"], w["vrouwen"])
    secret = secret_list(w, dict(zip(AGE_SHARES, KWB_AGE, strict=True)))

    parent = gemeente.set_index("area_code").reindex(out["gemeente_code"])
    parent.index = out.index
    for column in FROM_PARENT:
        out[column] = parent[column]
    parent_secret = parent["secret_columns"].fillna("")

    # Migration and WOZ from the same wijk in 2019, benchmarked to the current gemeente.
    if WIJK_2019.name in raw:
        w19 = wijk_2019_rows(raw[WIJK_2019.name]).set_index("area_code")
    else:
        w19 = pd.DataFrame(columns=["population", "share_migration_west",
                                    "share_migration_nietwest", "woz_avg"], dtype="float64")
    same = w19.reindex(out.index)
    change = (same["population"] - out["population"]).abs() / out["population"].where(
        out["population"] > 0)
    usable = change.le(WIJK_2019_MAX_POPULATION_CHANGE)  # same test as wijk_2019_matches
    used_2019 = pd.Series("", index=out.index, dtype="object")
    for columns in (("share_migration_west", "share_migration_nietwest"), ("woz_avg",)):
        for column in columns:
            bench = benchmark_to_parent(
                same[column].where(usable), same["population"].where(usable),
                out["gemeente_code"], parent[column])
            take = bench.notna()
            out.loc[take, column] = bench[take]
            used_2019 = used_2019.where(~take, used_2019 + column + ",")
    mig_from_2019 = used_2019.str.contains("share_migration_west", regex=False)
    foreign = out["share_migration_west"] + out["share_migration_nietwest"]
    shrink = (1.0 / foreign.where(foreign > 1)).fillna(1.0).where(mig_from_2019, 1.0)
    for column in ("share_migration_west", "share_migration_nietwest"):
        out[column] = out[column] * shrink
    nl = (1.0 - out["share_migration_west"] - out["share_migration_nietwest"]).clip(lower=0)
    out.loc[mig_from_2019, "share_migration_nl"] = nl[mig_from_2019]

    measured_urbanity = "stedelijkheid" in w.columns and w["stedelijkheid"].notna().any()
    if measured_urbanity:  # the StatLine download publishes OAD and class per wijk
        out["address_density"] = w["omgevingsadressendichtheid"]
        out["urbanity"] = w["stedelijkheid"].astype("Int64")
    elif density_model:
        addresses = crosswalk.groupby("wijk_code")["n_addresses"].sum().reindex(out.index)
        land_km2 = pop["OppervlakteLand"].reindex(out.index) / 100.0
        density = addresses / land_km2.where(land_km2 > 0)
        out["address_density"] = estimated_oad(density, density_model)
        out["urbanity"] = urbanity_class(out["address_density"])
    else:
        out["address_density"] = np.nan
        out["urbanity"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    no_density = out["urbanity"].isna()
    out.loc[no_density, "urbanity"] = parent.loc[no_density, "urbanity"]

    # The StatLine download also publishes herkomst and household types per wijk.
    measured = pd.DataFrame(False, index=out.index, columns=list(FROM_PARENT))
    for ours, theirs in (*zip(HH_SHARES, KWB_HH, strict=True),
                         ("share_migration_nl", "pct_herkomst_nl"),
                         ("share_migration_west", "pct_herkomst_europa"),
                         ("share_migration_nietwest", "pct_herkomst_buiten_europa")):
        if theirs in w.columns:
            value = pct(w[theirs])
            measured[ours] = value.notna()
            out[ours] = value.where(value.notna(), out[ours])
    own = () if measured_urbanity else ("address_density", "urbanity")
    derived_text = pd.Series("", index=out.index, dtype="object")
    for column in FROM_PARENT:
        derived_text = derived_text.where(measured[column], derived_text + column + ",")
    out["derived_columns"] = (derived_text + ",".join(own)).str.rstrip(",")
    out["secret_columns"] = join_flags(
        secret, parent_secret.map(lambda s: ",".join(c for c in s.split(",")
                                                     if c in FROM_PARENT)))
    out["is_current"] = True
    return out.reset_index(drop=True)


def wijk_2019_matches(w19_raw: pd.DataFrame, wijk: pd.DataFrame) -> pd.Series:
    """Per 2024 wijk: is the 2019 wijk with the same code the same area (population test)?"""
    w24 = wijk.set_index("area_code")["population"]
    w19 = wijk_2019_rows(w19_raw).set_index("area_code")["population"].reindex(w24.index)
    change = (w19 - w24).abs() / w24.where(w24 > 0)
    return change.le(WIJK_2019_MAX_POPULATION_CHANGE)


def benchmark_to_parent(child: pd.Series, weight: pd.Series, parent_code: pd.Series,
                        parent_value: pd.Series) -> pd.Series:
    """Scale older child values so their weighted mean per parent equals the parent now.

    ``child * parent_now / weighted_mean(child per parent)``: keeps the pattern between
    wijken of an earlier year and the level of the current gemeente (and its
    definitions). Shares are clipped to [0, 1] by the caller's use.
    """
    ok = child.notna() & weight.notna() & (weight > 0)
    num = (child * weight).where(ok).groupby(parent_code).transform("sum")
    den = weight.where(ok).groupby(parent_code).transform("sum")
    old_mean = num / den
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = parent_value / old_mean.where(old_mean > 0)
    scaled = (child * factor).where(ok)
    if child.dropna().le(1).all():
        scaled = scaled.clip(0, 1)
    return scaled
