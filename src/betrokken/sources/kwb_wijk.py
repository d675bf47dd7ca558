"""CBS Kerncijfers wijken en buurten, wijk level: 2024 basics with polygons, 2019 subset.

2024: population, sex, age bands and household count per wijk (no household types,
migration, income or WOZ in this file). 2019: a derived subset of the wijk- en
buurtkaart 2019 (fractions, AGPL table of thomvenema/spatialstatistics) that still has
migration background, WOZ and income per wijk.
"""

from __future__ import annotations

from betrokken.schema import WIJK_CODE
from betrokken.sources.base import Source
from betrokken.sources.kwb_gemeente import CC_BY

WK = rf"^{WIJK_CODE}$"

WIJK_2024 = Source(
    name="kwb_2024_wijk",
    description="CBS Kerncijfers wijken en buurten 2024, wijken (basis)",
    year=2024,
    licence=CC_BY,
    origin="CBS StatLine 85984NED / PDOK wijkenbuurten 2024 (via AnneVersion/geoinzicht-app "
    "@25103b81)",
    filename="wijk_2024_kwb_basic_geoinzicht_attributes.csv",
    required_columns=("wijkcode", "wijknaam", "gemeentecode", "aantal_inwoners", "mannen",
                      "vrouwen", "0_15", "15_25", "25_45", "45_65", "65plus", "huishoudens"),
    numeric_columns=("aantal_inwoners", "mannen", "vrouwen", "0_15", "15_25", "25_45",
                     "45_65", "65plus", "huishoudens"),
    min_rows=3300,
    code_column="wijkcode",
    code_prefix=WK,
    download_url="https://opendata.cbs.nl/ODataApi/odata/85984NED",
    meta={"optional_numeric": ("pct_eenpersoonshhd", "pct_hhd_zonder_kind",
                               "pct_hhd_met_kind", "pct_herkomst_nl", "pct_herkomst_europa",
                               "pct_herkomst_buiten_europa", "omgevingsadressendichtheid",
                               "stedelijkheid")},
)

WIJK_2024_POLYGONS = Source(
    name="kwb_2024_wijk_grenzen",
    description="Wijkgrenzen 2024 (PDOK wijken- en buurtenkaart, vereenvoudigd, WGS84)",
    year=2024,
    licence="CC BY 4.0 (Bron: CBS, Kadaster)",
    origin="PDOK wijkenbuurten 2024 (via AnneVersion/geoinzicht-app @25103b81)",
    filename="wijk_2024_kwb_basic_geoinzicht.geojson",
    required_columns=("wijkcode", "geometry"),
    min_rows=3300,
    code_column="wijkcode",
    code_prefix=WK,
    kind="vector",
    meta={"columns": ["wijkcode"]},
    download_url="https://service.pdok.nl/cbs/wijkenbuurten/2024/wfs/v1_0",
)

WIJK_2019_FRACTIONS = (
    "frac_man", "frac_vrouw", "frac_0_15", "frac_15_25", "frac_25_45", "frac_45_65",
    "frac_65plus", "frac_westerse_migratieachtergrond",
    "frac_niet_westerse_migratieachtergrond",
)

WIJK_2019 = Source(
    name="kwb_2019_wijk",
    description="CBS wijk- en buurtkaart 2019, wijken (afgeleide deelset: fracties)",
    year=2019,
    licence="CC BY 4.0 (Bron: CBS); afgeleide tabel AGPL-3.0",
    origin="CBS wijk- en buurtkaart 2019 (via thomvenema/spatialstatistics @b3baa812)",
    filename="wijk_2019_kwb_subset_thomvenema.csv",
    required_columns=("wijkcode", "aantal_inwoners", *WIJK_2019_FRACTIONS,
                      "gem_woz_waarde_x1000"),
    numeric_columns=("aantal_inwoners", *WIJK_2019_FRACTIONS, "gem_woz_waarde_x1000"),
    min_rows=3000,
    code_column="wijkcode",
    code_prefix=WK,
    download_url="https://opendata.cbs.nl/ODataApi/odata/84583NED",
)
