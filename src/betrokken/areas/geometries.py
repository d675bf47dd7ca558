"""Polygons of every level in RD New, joined to the area rows on (level, area_code, year)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from betrokken.areas.codes import RD_NEW
from betrokken.areas.columns import CURRENT_YEAR
from betrokken.errors import SourceError
from betrokken.sources.kwb_buurt import BUURT_2024_POLYGONS
from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2022_POLYGONS,
    GEMEENTE_2024_POLYGONS,
)
from betrokken.sources.kwb_wijk import WIJK_2024_POLYGONS
from betrokken.sources.pc4 import PC4_BOUNDARIES_2020
from betrokken.sources.pc4_cbs import PC4_CBS


def area_geometries(raw: dict[str, pd.DataFrame], areas: pd.DataFrame, *,
                    buurt_geometries: gpd.GeoDataFrame | None = None,
                    pc4_geometries: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Polygons in RD New for gemeente 2024 and 2022, wijk 2024 and PC4 (2020 polygons).

    Each polygon carries the year of the area row it belongs to (PC4 rows are 2021,
    drawn with the 2020 postcode polygons; see docs/data.md). Invalid rings are repaired.
    """
    parts = []
    inputs = [
        (raw.get(GEMEENTE_2024_POLYGONS.name), GEMEENTE_2024_POLYGONS, "gemeente", 2024,
         "gemeentecode"),
        (raw.get(GEMEENTE_2022_POLYGONS.name), GEMEENTE_2022_POLYGONS, "gemeente", 2022,
         "gemeentecode"),
        (raw.get(WIJK_2024_POLYGONS.name), WIJK_2024_POLYGONS, "wijk", 2024, "wijkcode"),
        (raw.get(PC4_BOUNDARIES_2020.name), PC4_BOUNDARIES_2020, "pc4", CURRENT_YEAR["pc4"],
         "postcode"),
    ]
    if pc4_geometries is not None:  # download build: polygons of the CBS PC4 file

        inputs[-1] = (pc4_geometries, PC4_CBS, "pc4", CURRENT_YEAR["pc4"], "postcode")
    inputs = [item for item in inputs if item[0] is not None]
    if buurt_geometries is not None:
        if "buurtcode" not in buurt_geometries.columns:
            raise SourceError("Buurtgrenzen van PDOK missen kolom 'buurtcode'.")
        inputs.append((buurt_geometries, BUURT_2024_POLYGONS, "buurt", 2024, "buurtcode"))
    for table, source, level, year, code in inputs:
        parts.append(level_polygons(table, areas, level, year, code, label=source.filename))
    geoms = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(geoms, geometry="geometry", crs=RD_NEW)


def level_polygons(table: pd.DataFrame, areas: pd.DataFrame, level: str, year: int,
                   code: str, *, label: str = "") -> gpd.GeoDataFrame:
    """The polygons of the ``(level, year)`` area rows, in RD New, repaired."""
    frame = gpd.GeoDataFrame(table, geometry="geometry")
    if code not in frame.columns:
        raise SourceError(f"Grenzen van {label or level} missen kolom '{code}'.")
    if frame.crs is None:
        raise SourceError(f"Geodata '{label or level}' heeft geen coördinatenstelsel.")
    frame = frame.to_crs(RD_NEW)
    wanted = set(areas.loc[(areas["level"] == level) & (areas["year"] == year), "area_code"])
    frame = frame[frame[code].isin(wanted)]
    return gpd.GeoDataFrame({"level": level, "area_code": frame[code].to_numpy(), "year": year},
                            geometry=shapely.make_valid(frame.geometry.to_numpy()), crs=RD_NEW)
