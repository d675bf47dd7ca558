"""CBS statistics per 4-digit postcode: 2020 polygons, 2021 population and age x sex.

Polygons from CBS "Kerncijfers per postcode" 2020 (EPSG:28992); population per PC4 on
1 January 2021 (StatLine 83503NED) and by 5-year age band and sex (83502NED). CBS
rounds these counts to multiples of 5.
"""

from __future__ import annotations

from betrokken.sources.base import Source
from betrokken.sources.kwb_gemeente import CC_BY

PC4 = r"^\d{4}$"

PC4_BOUNDARIES_2020 = Source(
    name="pc4_2020_grenzen",
    description="Postcode-4-gebieden 2020 (CBS Kerncijfers per postcode), RD New",
    year=2020,
    licence=CC_BY,
    origin="CBS Kerncijfers per postcode 2020 v1 (via certe-medical-epidemiology/certegis "
    "@53de1e11)",
    filename="pc4_2020_boundaries_certegis.gpkg",
    required_columns=("postcode", "inwoners", "oppervlakte_km2", "geometry"),
    min_rows=4000,
    code_column="postcode",
    code_prefix=PC4,
    kind="vector",
    layer="pc4",
    download_url="https://download.cbs.nl/postcode/2024-cbs_pc4_2020_vol.zip",
)

PC4_POPULATION_2021 = Source(
    name="pc4_2021_inwoners",
    description="Inwoners per postcode-4 op 1 januari 2021 (83503NED)",
    year=2021,
    licence=CC_BY,
    origin="CBS StatLine 83503NED (via certe-medical-epidemiology/certegis @53de1e11)",
    filename="pc4_2021_population_places_certegis.csv",
    required_columns=("postcode", "inwoners", "inwoners_man", "inwoners_vrouw", "gemeente"),
    numeric_columns=("inwoners", "inwoners_man", "inwoners_vrouw"),
    min_rows=4000,
    code_column="postcode",
    code_prefix=PC4,
    download_url="https://opendata.cbs.nl/ODataApi/odata/83503NED",
)

PC4_AGE_SEX_2021 = Source(
    name="pc4_2021_leeftijd_geslacht",
    description="Inwoners per postcode-4 naar leeftijd (5 jaar) en geslacht, 2021 (83502NED)",
    year=2021,
    licence=CC_BY,
    origin="CBS StatLine 83502NED (via certe-medical-epidemiology/certegis @53de1e11)",
    filename="pc4_2021_population_by_age5_sex_certegis.csv",
    required_columns=("postcode", "leeftijd", "inwoners", "inwoners_man", "inwoners_vrouw"),
    numeric_columns=("inwoners", "inwoners_man", "inwoners_vrouw"),
    min_rows=80000,
    code_column="postcode",
    code_prefix=PC4,
    download_url="https://opendata.cbs.nl/ODataApi/odata/83502NED",
    meta={"many_rows_per_code": True},  # one row per age band
)
