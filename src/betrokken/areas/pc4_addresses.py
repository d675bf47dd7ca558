"""PC4 rows of the local build: CBS population and age x sex of 2021, the rest from the
wijken a postcode's addresses lie in (the address crosswalk)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from betrokken.areas.codes import RD_NEW
from betrokken.areas.columns import AGE_SHARES, FROM_PARENT, sex_shares
from betrokken.areas.urbanity import estimated_oad, urbanity_class
from betrokken.sources.base import secret_fields
from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2024_POLYGONS,
)
from betrokken.sources.pc4 import PC4_AGE_SEX_2021, PC4_BOUNDARIES_2020, PC4_POPULATION_2021


def pc4_2021_rows(raw: dict[str, pd.DataFrame], wijk: pd.DataFrame,
                  crosswalk: pd.DataFrame, density_model: dict) -> pd.DataFrame:
    """Current PC4 rows: population, age and sex of 2021; the rest from its wijken."""
    p = raw[PC4_POPULATION_2021.name].set_index("postcode", drop=False)
    poly = raw[PC4_BOUNDARIES_2020.name].set_index("postcode")
    keep = p.index.intersection(poly.index)
    p = p.loc[keep]
    out = pd.DataFrame(index=p.index)
    out["year"] = 2021
    out["level"] = "pc4"
    out["area_code"] = p["postcode"]
    out["area_name"] = p["plaats"].where(p["plaats"] != "", None)
    out["population"] = p["inwoners"]

    ages = raw[PC4_AGE_SEX_2021.name]
    lower = ages["leeftijd"].str.extract(r"^(\d+)")[0].astype(int)
    band = pd.cut(lower, [-1, 14, 24, 44, 64, 200], labels=list(AGE_SHARES))
    counts = ages["inwoners"].groupby([ages["postcode"], band], observed=False).sum(min_count=1)
    secret_cell = ages["inwoners"].isna().groupby([ages["postcode"], band],
                                                   observed=False).any()
    counts = counts.mask(secret_cell).unstack().reindex(out.index)
    secret_band = secret_cell.unstack().reindex(out.index).fillna(False)
    total = ages["inwoners"].groupby(ages["postcode"]).sum().reindex(out.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        for column in AGE_SHARES:
            out[column] = counts[column] / total.where(total > 0)
    out["share_man"], out["share_vrouw"] = sex_shares(p["inwoners_man"], p["inwoners_vrouw"])
    secret = pd.Series("", index=out.index, dtype="object")
    for column in AGE_SHARES:
        secret = secret.where(~secret_band[column].astype(bool), secret + column + ",")
    pop_secret = secret_fields(p, "inwoners")
    secret = secret.where(~pop_secret, secret + "population,share_man,share_vrouw,")

    # Wider figures: address-weighted mean over the wijken the PC4's addresses lie in.
    cw = crosswalk[crosswalk["pc4"].isin(out.index)]
    values = wijk.set_index("area_code")[list(FROM_PARENT)].reindex(cw["wijk_code"])
    values.index = cw.index
    weights = cw["n_addresses"].astype("float64")
    for column in FROM_PARENT:
        ok = values[column].notna()
        num = (values[column] * weights).where(ok).groupby(cw["pc4"]).sum(min_count=1)
        den = weights.where(ok).groupby(cw["pc4"]).sum(min_count=1)
        out[column] = (num / den).reindex(out.index)
    out["gemeente_code"] = (cw.groupby(["pc4", "gemeente_code"])["n_addresses"].sum()
                            .sort_values(ascending=False).reset_index()
                            .drop_duplicates("pc4").set_index("pc4")["gemeente_code"]
                            .reindex(out.index))
    # the wijk with most addresses within that gemeente (cw is sorted: most first)
    in_gemeente = cw[cw["gemeente_code"].to_numpy()
                     == out["gemeente_code"].reindex(cw["pc4"]).to_numpy()]
    out["wijk_code"] = in_gemeente.drop_duplicates("pc4").set_index("pc4")["wijk_code"].reindex(
        out.index)
    addresses = cw.groupby("pc4")["n_addresses"].sum().reindex(out.index)
    area_km2 = poly["oppervlakte_km2"].reindex(out.index)
    density = addresses / area_km2.where(area_km2 > 0)
    out["address_density"] = estimated_oad(density, density_model)
    out["urbanity"] = urbanity_class(out["address_density"])
    wijk_urb = wijk.set_index("area_code")["urbanity"].reindex(out["wijk_code"])
    wijk_urb.index = out.index
    out["urbanity"] = out["urbanity"].fillna(wijk_urb)
    out["derived_columns"] = ",".join((*FROM_PARENT, "address_density", "urbanity"))
    for column in FROM_PARENT:  # NULL in every wijk it comes from: secret there
        secret = secret.where(out[column].notna(), secret + column + ",")
    out["secret_columns"] = secret.str.rstrip(",")
    out["is_current"] = True
    _fill_pc4_without_addresses(out, raw)
    return out.reset_index(drop=True)


def _fill_pc4_without_addresses(out: pd.DataFrame, raw: dict[str, pd.DataFrame]) -> None:
    """PC4s outside the address crosswalk get their gemeente from polygon location."""
    lost = out.index[out["gemeente_code"].isna()]
    if not len(lost):
        return
    poly = gpd.GeoDataFrame(raw[PC4_BOUNDARIES_2020.name], geometry="geometry")
    poly = poly.set_index("postcode").loc[lost]
    gm = gpd.GeoDataFrame(raw[GEMEENTE_2024_POLYGONS.name], geometry="geometry").to_crs(RD_NEW)
    points = gpd.GeoDataFrame(geometry=poly.geometry.representative_point(), crs=RD_NEW)
    joined = gpd.sjoin_nearest(points, gm[["gemeentecode", "geometry"]])
    joined = joined[~joined.index.duplicated()]
    out.loc[lost, "gemeente_code"] = joined["gemeentecode"].reindex(lost)
