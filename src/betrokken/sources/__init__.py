"""Source adapters: one module per published table, all with the ``Source`` interface.

``LOCAL_SOURCES`` lists every file the offline build reads from ``<data_dir>/cbs``.
"""

from betrokken.sources.base import Source
from betrokken.sources.crosswalk import PC4_GEMEENTE_CROSSWALK, PC4_WIJK_CROSSWALK
from betrokken.sources.gebieden import GEBIEDEN_2022
from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2020,
    GEMEENTE_2022,
    GEMEENTE_2022_POLYGONS,
    GEMEENTE_2024,
    GEMEENTE_2024_POLYGONS,
)
from betrokken.sources.kwb_gwb import GWB_2022_TENURE, GWB_2024_AGE_SEX, GWB_2024_HERKOMST
from betrokken.sources.kwb_population import KWB_2024_POPULATION
from betrokken.sources.kwb_regions import KWB_2022_REGIONS
from betrokken.sources.kwb_wijk import WIJK_2019, WIJK_2024, WIJK_2024_POLYGONS
from betrokken.sources.pc4 import PC4_AGE_SEX_2021, PC4_BOUNDARIES_2020, PC4_POPULATION_2021

LOCAL_SOURCES: tuple[Source, ...] = (
    GEMEENTE_2024,
    GEMEENTE_2024_POLYGONS,
    GEMEENTE_2022,
    GEMEENTE_2022_POLYGONS,
    GEMEENTE_2020,
    KWB_2024_POPULATION,
    WIJK_2024,
    WIJK_2024_POLYGONS,
    WIJK_2019,
    PC4_BOUNDARIES_2020,
    PC4_POPULATION_2021,
    PC4_AGE_SEX_2021,
    PC4_WIJK_CROSSWALK,
    PC4_GEMEENTE_CROSSWALK,
    GEBIEDEN_2022,
    KWB_2022_REGIONS,
    GWB_2024_AGE_SEX,
    GWB_2024_HERKOMST,
    GWB_2022_TENURE,
)

__all__ = ["LOCAL_SOURCES", "Source"]
