"""CBS Kerncijfers wijken en buurten (KWB), gemeente level: 2020, 2022 and 2024.

2022 and 2024 come as attribute CSVs beside simplified WGS84 polygons (PDOK wijken- en
buurtenkaart via geoinzicht-app); 2020 is the full wijk- en buurtkaart attribute set.
The official tables are CBS StatLine 84799NED (2020), 85318NED (2022), 85984NED (2024).
"""

from __future__ import annotations

from betrokken.schema import GEMEENTE_CODE
from betrokken.sources.base import Source

CC_BY = "CC BY 4.0 (Bron: CBS)"
GM = rf"^{GEMEENTE_CODE}$"

_COMMON_2022_2024 = (
    "aantal_inwoners", "mannen", "vrouwen", "0_15", "15_25", "25_45", "45_65", "65plus",
    "huishoudens", "pct_eenpersoonshhd", "pct_hhd_zonder_kind", "pct_hhd_met_kind",
    "omgevingsadressendichtheid", "stedelijkheid",
)

GEMEENTE_2024 = Source(
    name="kwb_2024_gemeente",
    description="CBS Kerncijfers wijken en buurten 2024, gemeenten",
    year=2024,
    licence=CC_BY,
    origin="CBS StatLine 85984NED / PDOK wijkenbuurten 2024 (via AnneVersion/geoinzicht-app "
    "@167d2924)",
    filename="gemeente_2024_kwb_geoinzicht_attributes.csv",
    required_columns=("gemeentecode", "gemeentenaam", *_COMMON_2022_2024,
                      "pct_herkomst_nl", "pct_herkomst_europa", "pct_herkomst_buiten_europa"),
    numeric_columns=(*_COMMON_2022_2024, "pct_herkomst_nl", "pct_herkomst_europa",
                     "pct_herkomst_buiten_europa"),
    min_rows=340,
    code_column="gemeentecode",
    code_prefix=GM,
    download_url="https://opendata.cbs.nl/ODataApi/odata/85984NED",
)

GEMEENTE_2022 = Source(
    name="kwb_2022_gemeente",
    description="CBS Kerncijfers wijken en buurten 2022, gemeenten",
    year=2022,
    licence=CC_BY,
    origin="CBS StatLine 85318NED / PDOK wijkenbuurten 2022 (via AnneVersion/geoinzicht-app "
    "@167d2924)",
    filename="gemeente_2022_kwb_geoinzicht_attributes.csv",
    required_columns=("gemeentecode", "gemeentenaam", *_COMMON_2022_2024,
                      "gem_woz_waarde", "koopwoningen", "woningvoorraad", "gem_inkomen_inwoner",
                      "pct_hh_laag_inkomen", "pct_hh_hoog_inkomen",
                      "opl_laag", "opl_midden", "opl_hoog"),
    numeric_columns=(*_COMMON_2022_2024, "gem_woz_waarde", "koopwoningen", "woningvoorraad",
                     "gem_inkomen_inwoner", "pct_hh_laag_inkomen", "pct_hh_hoog_inkomen",
                     "opl_laag", "opl_midden", "opl_hoog"),
    min_rows=340,
    code_column="gemeentecode",
    code_prefix=GM,
    download_url="https://opendata.cbs.nl/ODataApi/odata/85318NED",
)

GEMEENTE_2020_COLUMNS = {
    "Aantal inwoners": "aantal_inwoners",
    "Aantal mannen": "mannen",
    "Aantal vrouwen": "vrouwen",
    "Personen 0 tot 15 jaar (%)": "0_15",
    "Personen 15 tot 25 jaar (%)": "15_25",
    "Personen 25 tot 45 jaar (%)": "25_45",
    "Personen 45 tot 65 jaar (%)": "45_65",
    "Personen 65 jaar en ouder (%)": "65plus",
    "Aantal huishoudens": "huishoudens",
    "Eenpersoonshuishoudens (%)": "pct_eenpersoonshhd",
    "Huishoudens zonder kinderen (%)": "pct_hhd_zonder_kind",
    "Huishoudens met kinderen (%)": "pct_hhd_met_kind",
    "Westerse migratieachtergrond (% van aantal inwoners)": "pct_westers",
    "Niet-westerse migratieachtergrond (% van aantal inwoners)": "pct_niet_westers",
    "Aantal personen met laag opleidingsniveau": "opl_laag",
    "Aantal personen met middelbaar opleidingsniveau": "opl_midden",
    "Aantal personen met hoog opleidingsniveau": "opl_hoog",
    "Gemiddeld inkomen per inwoner (x1000 euro)": "gem_inkomen_inwoner",
    "Huishoudens met laagste inkomen (%)": "pct_hh_laagste40",
    "Huishoudens met hoogste inkomen (%)": "pct_hh_hoogste20",
    "Huishoudens met een laag inkomen(%)": "pct_hh_laag_inkomen",
    "Koopwoningen (%)": "koopwoningen",
    "Omgevingsadressendichtheid (per km2)": "omgevingsadressendichtheid",
    "Stedelijkheid (1=zeer sterk stedelijk, 5=niet stedelijk)": "stedelijkheid",
}
"""Source column (wijk- en buurtkaart 2020 titles) -> short name used in harmonise."""

GEMEENTE_2020 = Source(
    name="kwb_2020_gemeente",
    description="CBS wijk- en buurtkaart 2020, gemeenten (volledige KWB-attributen)",
    year=2020,
    licence=CC_BY,
    origin="CBS wijk- en buurtkaart 2020 (via ImkeDekkers/Buurtvergelijker @df3b857b)",
    filename="gemeente_2020_kwb_buurtvergelijker.csv",
    required_columns=("GM_CODE", "GM_NAAM", "JAAR", *GEMEENTE_2020_COLUMNS),
    numeric_columns=tuple(GEMEENTE_2020_COLUMNS),
    min_rows=350,
    code_column="GM_CODE",
    code_prefix=GM,
    year_column="JAAR",
    download_url="https://opendata.cbs.nl/ODataApi/odata/84799NED",
)

def gemeente_polygons(year: int) -> Source:
    """Gemeente boundaries of one KWB year (the files differ only by year)."""
    return Source(
        name=f"kwb_{year}_gemeente_grenzen",
        description=f"Gemeentegrenzen {year} (PDOK wijken- en buurtenkaart, vereenvoudigd, WGS84)",
        year=year,
        licence="CC BY 4.0 (Bron: CBS, Kadaster)",
        origin=f"PDOK wijkenbuurten {year} (via AnneVersion/geoinzicht-app @167d2924)",
        filename=f"gemeente_{year}_kwb_geoinzicht.geojson",
        required_columns=("gemeentecode", "geometry"),
        min_rows=340,
        code_column="gemeentecode",
        code_prefix=GM,
        kind="vector",
        meta={"geojson_year": True, "columns": ["gemeentecode"]},
        download_url=f"https://service.pdok.nl/cbs/wijkenbuurten/{year}/wfs/v1_0",
    )


GEMEENTE_2024_POLYGONS = gemeente_polygons(2024)
GEMEENTE_2022_POLYGONS = gemeente_polygons(2022)
