"""Code reconciliation: references between sources, 2022 -> 2024 gemeente codes, PC4 x wijk.

Rule for municipal mergers (herindelingen): a point inside each 2022 gemeente polygon is
located in the 2024 polygons, so every old code maps onto the one 2024 gemeente that
holds it (mergers come out as several old codes on one new code).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from betrokken.errors import SourceError, UnknownAreaError
from betrokken.sources import Source
from betrokken.sources.crosswalk import PC4_WIJK_CROSSWALK
from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2024,
)
from betrokken.sources.kwb_population import KWB_2024_POPULATION
from betrokken.sources.kwb_wijk import WIJK_2024

RD_NEW = "EPSG:28992"


def check_codes(raw: dict[str, pd.DataFrame]) -> None:
    """Every code a relation refers to must exist in the table it points at."""
    gm24 = set(raw[GEMEENTE_2024.name]["gemeentecode"])
    wk24 = set(raw[WIJK_2024.name]["wijkcode"])
    _known(raw[KWB_2024_POPULATION.name].query("level == 'gemeente'")["regio_code"], gm24,
           KWB_2024_POPULATION, "regio_code", "gemeente 2024")
    _known(raw[KWB_2024_POPULATION.name].query("level == 'wijk'")["regio_code"], wk24,
           KWB_2024_POPULATION, "regio_code", "wijk 2024")
    populated = raw[WIJK_2024.name].dropna(subset=["aantal_inwoners"])
    _known(populated["gemeentecode"], gm24, WIJK_2024, "gemeentecode", "gemeente 2024")
    if PC4_WIJK_CROSSWALK.name in raw:
        cw = raw[PC4_WIJK_CROSSWALK.name]
        _known(cw.loc[cw["year"] == "2024", "wijkcode"], wk24, PC4_WIJK_CROSSWALK,
               "wijkcode", "wijk 2024")


def _known(codes: pd.Series, known: set, source: Source, column: str, what: str) -> None:
    unknown = sorted(set(codes) - known)
    if unknown:
        raise UnknownAreaError(
            f"Bronbestand '{source.filename}' kolom '{column}' verwijst naar onbekende "
            f"gebiedscode '{unknown[0]}' (niet in {what})"
            + (f"; nog {len(unknown) - 1} andere." if len(unknown) > 1 else "."),
        )


def gemeente_2022_to_2024(poly_2022: pd.DataFrame, poly_2024: pd.DataFrame) -> pd.DataFrame:
    """Map each 2022 gemeente onto the 2024 gemeente that contains it.

    A representative point of the 2022 polygon is located in the 2024 polygons; mergers
    (several 2022 codes in one 2024 gemeente) come out naturally. Boundary corrections
    between continuing gemeenten are ignored (they move a handful of addresses).
    """
    old = gpd.GeoDataFrame(poly_2022, geometry="geometry").to_crs(RD_NEW)
    new = gpd.GeoDataFrame(poly_2024, geometry="geometry").to_crs(RD_NEW)
    old = old[old["gemeentecode"] != "GM0998"]
    new = new[new["gemeentecode"] != "GM0998"]
    points = gpd.GeoDataFrame(
        {"code_2022": old["gemeentecode"].to_numpy()},
        geometry=shapely.point_on_surface(shapely.make_valid(old.geometry.to_numpy())),
        crs=RD_NEW,
    )
    joined = gpd.sjoin_nearest(points, new[["gemeentecode", "geometry"]], how="left")
    joined = joined.drop_duplicates("code_2022")
    mapping = joined[["code_2022", "gemeentecode"]].rename(
        columns={"gemeentecode": "gemeente_code"})
    missing = set(new["gemeentecode"]) - set(mapping["gemeente_code"])
    if missing:
        raise SourceError(
            f"Gemeente {sorted(missing)[0]} (2024) bevat geen enkele gemeente van 2022: "
            "de grenzen van 2022 en 2024 passen niet bij elkaar."
        )
    return mapping.reset_index(drop=True)


def reconcile_gemeente_2022(gm22: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """2022 gemeente figures on 2024 codes: counts summed, rates weighted by their base."""
    frame = gm22.merge(mapping, left_on="gemeentecode", right_on="code_2022", how="inner")
    weights = {
        "gem_inkomen_inwoner": "aantal_inwoners",
        "pct_hh_laag_inkomen": "huishoudens",
        "pct_hh_hoog_inkomen": "huishoudens",
        "koopwoningen": "woningvoorraad",
        "gem_woz_waarde": "woningvoorraad",
    }
    out = frame.groupby("gemeente_code")[["opl_laag", "opl_midden", "opl_hoog"]].sum(
        min_count=1)
    for column, weight in weights.items():
        ok = frame[column].notna()
        num = (frame[column] * frame[weight]).where(ok).groupby(frame["gemeente_code"]).sum(
            min_count=1)
        den = frame[weight].where(ok).groupby(frame["gemeente_code"]).sum(min_count=1)
        out[column] = num / den
    # A merged gemeente whose predecessor kept education secret would get a partial sum,
    # i.e. biased shares: leave its education missing instead.
    any_opl_secret = frame[["opl_laag", "opl_midden", "opl_hoog"]].isna().any(axis=1)
    incomplete = any_opl_secret.groupby(frame["gemeente_code"]).any()
    out.loc[incomplete[incomplete].index, ["opl_laag", "opl_midden", "opl_hoog"]] = float("nan")
    return out


def pc4_crosswalk(cw: pd.DataFrame) -> pd.DataFrame:
    """The 2024 address relation PC4 x wijk (gemeente from the wijk code)."""
    cw = cw[cw["year"] == "2024"]
    out = pd.DataFrame({
        "pc4": cw["pc4"].astype(str).str.zfill(4).to_numpy(),
        "gemeente_code": ("GM" + cw["wijkcode"].str[2:6]).to_numpy(),
        "wijk_code": cw["wijkcode"].to_numpy(),
        "n_addresses": cw["n_addresses"].astype("int64").to_numpy(),
    })
    return out.sort_values(["pc4", "n_addresses"], ascending=[True, False]).reset_index(
        drop=True)
