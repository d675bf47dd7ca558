"""CBS Kerncijfers wijken en buurten as one gemeente + wijk + buurt table per file.

Three StatLine CSV exports (``;``-separated, UTF-8 with BOM):

* 2024 (85984NED) population, sex and age bands for every gemeente, wijk and buurt,
  with the area code (``Codering``);
* 2024 (85984NED) herkomst (Nederland / Europa / buiten Europa) for the same 18,310 rows
  *in the same order*, without a code column: ``areas.gwb.join_herkomst`` joins it by
  row order only after checking names and populations row by row;
* 2022 (85318NED, an early release) tenure (koop / huur / corporatie), marital status
  and density per gemeente, wijk and buurt (education is empty in this release).
"""

from __future__ import annotations

from betrokken.sources.base import Source
from betrokken.sources.kwb_gemeente import CC_BY

AREA_CODE = r"^(NL00|GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$"

GWB_NAME = "Wijken en buurten"
GWB_GEMEENTE = "Regioaanduiding/Gemeentenaam (naam)"
GWB_KIND = "Regioaanduiding/Soort regio (omschrijving)"
GWB_CODE = "Regioaanduiding/Codering (code)"
GWB_POPULATION = "Bevolking/Aantal inwoners (aantal)"
GWB_MEN = "Bevolking/Geslacht/Mannen (aantal)"
GWB_WOMEN = "Bevolking/Geslacht/Vrouwen (aantal)"
GWB_AGE = tuple(f"Bevolking/Leeftijdsgroepen/{band} (aantal)" for band in (
    "0 tot 15 jaar", "15 tot 25 jaar", "25 tot 45 jaar", "45 tot 65 jaar", "65 jaar of ouder"))
GWB_HERKOMST = (
    "Bevolking/Bevolking naar herkomst/Herkomstland/Nederland (aantal)",
    "Bevolking/Bevolking naar herkomst/Herkomstland/Europa (exclusief Nederland)  (aantal)",
    "Bevolking/Bevolking naar herkomst/Herkomstland/Buiten Europa  (aantal)",
)

GWB_2024_AGE_SEX = Source(
    name="kwb_2024_gwb_leeftijd_geslacht",
    description="CBS Kerncijfers wijken en buurten 2024 (85984NED): inwoners, geslacht en "
    "leeftijd per gemeente, wijk en buurt",
    year=2024,
    licence=CC_BY,
    origin="CBS StatLine 85984NED (via Swienn/ScientificDataAnalysisProject @87339a8d)",
    filename="kwb_2024_85984NED_gwb_age_sex_swienn.csv",
    required_columns=(GWB_NAME, GWB_GEMEENTE, GWB_KIND, GWB_CODE, GWB_POPULATION, GWB_MEN,
                      GWB_WOMEN, *GWB_AGE),
    numeric_columns=(GWB_POPULATION, GWB_MEN, GWB_WOMEN, *GWB_AGE),
    min_rows=18000,
    code_column=GWB_CODE,
    code_prefix=AREA_CODE,
    download_url="https://opendata.cbs.nl/ODataApi/odata/85984NED",
    meta={"sep": ";"},
)

GWB_2024_HERKOMST = Source(
    name="kwb_2024_gwb_herkomst",
    description="CBS Kerncijfers wijken en buurten 2024 (85984NED): herkomst per gemeente, "
    "wijk en buurt (zonder codekolom; zelfde rijvolgorde als leeftijd/geslacht)",
    year=2024,
    licence=CC_BY,
    origin="CBS StatLine 85984NED (via Swienn/ScientificDataAnalysisProject @87339a8d)",
    filename="kwb_2024_85984NED_gwb_herkomst_swienn.csv",
    required_columns=(GWB_NAME, GWB_GEMEENTE, GWB_POPULATION, *GWB_HERKOMST),
    numeric_columns=(GWB_POPULATION, *GWB_HERKOMST),
    min_rows=18000,
    download_url="https://opendata.cbs.nl/ODataApi/odata/85984NED",
    meta={"sep": ";"},
)

TENURE_COLUMNS = ("Koopwoningen", "HuurwoningenTotaal", "InBezitWoningcorporatie")
MARITAL_COLUMNS = ("Ongehuwd", "Gehuwd", "Gescheiden", "Verweduwd")

GWB_2022_TENURE = Source(
    name="kwb_2022_gwb_woningbezit",
    description="CBS Kerncijfers wijken en buurten 2022 (85318NED, vroege publicatie): "
    "koop/huur/corporatie, burgerlijke staat en dichtheid per gemeente, wijk en buurt",
    year=2022,
    licence=CC_BY,
    origin="CBS StatLine 85318NED (via lostconnectionhere/R_practice @2c5b29bb)",
    filename="kwb_2022_85318NED_gwb_age_tenure_rpractice.csv",
    required_columns=("WijkenEnBuurten", "AantalInwoners", *MARITAL_COLUMNS,
                      "Bevolkingsdichtheid", *TENURE_COLUMNS),
    numeric_columns=("AantalInwoners", *MARITAL_COLUMNS, "Bevolkingsdichtheid",
                     *TENURE_COLUMNS),
    min_rows=17000,
    code_column="WijkenEnBuurten",
    code_prefix=AREA_CODE,
    download_url="https://opendata.cbs.nl/ODataApi/odata/85318NED",
    meta={"sep": ";", "keys_by_base": True},
)
