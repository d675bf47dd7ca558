"""PC4 <-> wijk/gemeente relation from polygon overlap, for builds without the address file.

The address crosswalk (addresses per PC4 x wijk) is CC BY-NC-SA; a download build has
no such file. This module derives the same relation from the open CBS polygons:

* ``area`` weight: the area of the intersection of the PC4 polygon with the wijk polygon;
* ``residents`` weight (used by the build): the wijk's residents spread evenly over the
  wijk's area, i.e. ``population_wijk * area(pc4 ∩ wijk) / area(wijk)``. It is the number
  of the wijk's residents expected in that part of the PC4 if they lived evenly spread
  over the wijk, which follows where people live better than plain area does (a PC4
  that is half empty polder and half village belongs to the village's wijk).

Both are computed in one vectorised pass: candidate pairs from the spatial index
(``sjoin``), then ``shapely.intersection`` on the arrays. The agreement with the
address crosswalk is measured by ``agreement`` and reported in docs/data.md.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

RD_NEW = "EPSG:28992"
MIN_SHARE = 0.001
"""Pairs with less than this share of a PC4's area are boundary slivers (polygons of
different years and generalisations do not share edges exactly) and are dropped."""
MIN_PAIR_SHARE = 0.02
"""Pairs with less than this share of a PC4's (fitted) residents are left out of the
crosswalk: about as many pairs remain as the address crosswalk has (6,832 vs 6,863),
83 % of them also in it, and the weights come closer to the address weights."""


def _polygons(frame: pd.DataFrame, code: str) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(frame[[code, "geometry"]].copy(), geometry="geometry")
    if gdf.crs is None:
        raise ValueError("polygons without a coordinate reference system")
    gdf = gdf.to_crs(RD_NEW)
    gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
    return gdf.rename(columns={code: "code"}).reset_index(drop=True)


def overlap_relation(pc4: pd.DataFrame, wijk: pd.DataFrame, wijk_population: pd.Series, *,
                     pc4_code: str = "postcode", wijk_code: str = "wijkcode") -> pd.DataFrame:
    """PC4 x wijk pairs with their overlap: ``pc4, wijk_code, gemeente_code, area_m2,
    area_share, residents``.

    ``wijk_population`` is indexed by wijk code; ``area_share`` is the share of the PC4's
    area in that wijk, ``residents`` the wijk's residents expected in the overlap (see
    the module docstring). Sorted by PC4, most residents first.
    """
    left = _polygons(pc4, pc4_code)
    right = _polygons(wijk, wijk_code)
    pairs = gpd.sjoin(left, right, how="inner", predicate="intersects")
    a = left.geometry.to_numpy()[pairs.index.to_numpy()]
    b = right.geometry.to_numpy()[pairs["index_right"].to_numpy()]
    overlap = shapely.area(shapely.intersection(a, b))
    out = pd.DataFrame({
        "pc4": pairs["code_left"].astype(str).str.zfill(4).to_numpy(),
        "wijk_code": pairs["code_right"].to_numpy(),
        "area_m2": overlap,
    })
    pc4_area = out.groupby("pc4")["area_m2"].transform("sum")
    out["area_share"] = out["area_m2"] / pc4_area.where(pc4_area > 0)
    out = out[out["area_share"] >= MIN_SHARE].copy()
    wijk_area = pd.Series(shapely.area(right.geometry.to_numpy()), index=right["code"])
    wijk_area = wijk_area.groupby(level=0).sum()
    density = wijk_population.reindex(wijk_area.index).astype("float64") / wijk_area
    out["residents"] = out["area_m2"] * density.reindex(out["wijk_code"]).fillna(0).to_numpy()
    out["gemeente_code"] = "GM" + out["wijk_code"].str[2:6]
    out = out.sort_values(["pc4", "residents", "area_m2"], ascending=[True, False, False])
    return out[["pc4", "wijk_code", "gemeente_code", "area_m2", "area_share",
                "residents"]].reset_index(drop=True)


def fit_to_margins(relation: pd.DataFrame, pc4_population: pd.Series,
                   wijk_population: pd.Series, *, n_iter: int = 50) -> pd.Series:
    """Residents per PC4 x wijk pair that add up to both published populations.

    Iterative proportional fitting of the ``residents`` seed (even density within the
    wijk): rows are scaled to the PC4 population, columns to the wijk population
    (scaled to the PC4 total, since the years differ), in turn. A wijk that is mostly
    empty land (a village and its forest in one wijk) otherwise sends residents to
    neighbouring PC4s that lie in its forest; the PC4 totals pull them back. PC4s
    with an unknown (secret) population keep their seed.
    """
    weight = relation["residents"].astype("float64").to_numpy().copy()
    pc4 = relation["pc4"].to_numpy()
    wijk = relation["wijk_code"].to_numpy()
    row_target = pc4_population.reindex(pc4).astype("float64").to_numpy()
    known = ~np.isnan(row_target)
    col_target = wijk_population.reindex(wijk).astype("float64").fillna(0).to_numpy()
    row_total = pd.Series(row_target, index=pc4)[~pd.Index(pc4).duplicated()].sum()
    col_total = wijk_population.reindex(pd.unique(wijk)).fillna(0).sum()
    if col_total > 0:
        col_target = col_target * row_total / col_total
    rows, cols = pd.factorize(pc4)[0], pd.factorize(wijk)[0]
    for _ in range(n_iter):
        row_sum = np.bincount(rows, weight)[rows]
        scale = np.where(known & (row_sum > 0), row_target / np.where(row_sum > 0, row_sum, 1),
                         1.0)
        weight = weight * scale
        col_sum = np.bincount(cols, weight)[cols]
        weight = weight * np.where(col_sum > 0, col_target / np.where(col_sum > 0, col_sum, 1),
                                   1.0)
    return pd.Series(weight, index=relation.index, name="residents_fitted")


def as_crosswalk(relation: pd.DataFrame, *, min_share: float = MIN_PAIR_SHARE
                 ) -> pd.DataFrame:
    """The relation in the layout of ``AreaTables.crosswalk`` (``n_addresses`` holds the
    weights: estimated residents; a PC4 with no residents in any wijk keeps its area).

    Pairs with less than ``min_share`` of the PC4's weight are dropped: they come mostly
    from boundaries drawn differently in the two polygon sets, and the web app lists a
    postcode under every wijk it has a pair with.
    """
    column = "residents_fitted" if "residents_fitted" in relation else "residents"
    weight = relation[column].astype("float64").copy()
    empty = relation.groupby("pc4")[column].transform("sum") <= 0
    weight[empty] = relation.loc[empty, "area_share"]
    share = weight / weight.groupby(relation["pc4"]).transform("sum")
    keep = share >= min(min_share, 1.0)
    keep |= share.eq(share.groupby(relation["pc4"]).transform("max"))
    out = pd.DataFrame({"pc4": relation["pc4"], "gemeente_code": relation["gemeente_code"],
                        "wijk_code": relation["wijk_code"], "n_addresses": weight})
    return out[keep.to_numpy()].reset_index(drop=True)


def main_area(relation: pd.DataFrame, weight: str, column: str) -> pd.Series:
    """Per PC4 the ``column`` value (wijk or gemeente) with the largest summed ``weight``."""
    summed = relation.groupby(["pc4", column])[weight].sum().reset_index()
    summed = summed.sort_values(["pc4", weight], ascending=[True, False])
    return summed.drop_duplicates("pc4").set_index("pc4")[column]


def agreement(relation: pd.DataFrame, crosswalk: pd.DataFrame,
              pc4_population: pd.Series) -> dict:
    """How often the overlap relation names the same main wijk / gemeente as addresses.

    ``crosswalk`` is the address relation (``pc4, gemeente_code, wijk_code,
    n_addresses``). Reported per weight (area, residents): share of PC4s (present in
    both) with the same main gemeente and main wijk, the same shares weighted by PC4
    population, and the mean total-variation distance between the two weight vectors.
    """
    result: dict = {}
    common = sorted(set(relation["pc4"]) & set(crosswalk["pc4"]))
    pop = pc4_population.reindex(common).fillna(0)
    cw = crosswalk[crosswalk["pc4"].isin(common)]
    weights = [w for w in ("area_m2", "residents", "residents_fitted") if w in relation]
    for weight in weights:
        rel = relation[relation["pc4"].isin(common)]
        stats: dict = {"pc4": len(common)}
        for column, label in (("gemeente_code", "gemeente"), ("wijk_code", "wijk")):
            same = (main_area(rel, weight, column).reindex(common)
                    == main_area(cw, "n_addresses", column).reindex(common))
            stats[f"same_main_{label}"] = float(same.mean())
            stats[f"same_main_{label}_pop"] = float((same * pop).sum() / pop.sum())
        p = rel.groupby(["pc4", "wijk_code"])[weight].sum()
        p = p / p.groupby(level="pc4").transform("sum")
        q = cw.groupby(["pc4", "wijk_code"])["n_addresses"].sum()
        q = q / q.groupby(level="pc4").transform("sum")
        both = pd.concat([p.rename("p"), q.rename("q")], axis=1).fillna(0)
        tv = (both["p"] - both["q"]).abs().groupby(level="pc4").sum() / 2
        stats["mean_tv_distance_wijk"] = float(tv.mean())
        stats["mean_tv_distance_wijk_pop"] = float(
            (tv.reindex(common).fillna(0) * pop).sum() / pop.sum())
        result[{"area_m2": "area"}.get(weight, weight)] = stats
    return result


def weighted_mean(values: pd.DataFrame, relation: pd.DataFrame, weight: pd.Series,
                  columns: list[str]) -> pd.DataFrame:
    """Per PC4 the weighted mean of wijk ``values`` (indexed by wijk code); NULL wijk
    values are left out of both numerator and denominator."""
    v = values[columns].reindex(relation["wijk_code"])
    v.index = relation.index
    out = {}
    for column in columns:
        ok = v[column].notna()
        num = (v[column] * weight).where(ok).groupby(relation["pc4"]).sum(min_count=1)
        den = weight.where(ok).groupby(relation["pc4"]).sum(min_count=1)
        out[column] = num / den.where(den > 0)
    return pd.DataFrame(out)

