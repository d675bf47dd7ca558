"""The region list of KWB 2022 (85318NED): every gemeente, wijk and buurt code and name."""

from __future__ import annotations

from betrokken.schema import BUURT_CODE, GEMEENTE_CODE, WIJK_CODE
from betrokken.sources.base import Source
from betrokken.sources.kwb_gemeente import CC_BY

KWB_2022_REGIONS = Source(
    name="kwb_2022_regio_indeling",
    description="Gebiedsindeling KWB 2022 (85318NED): gemeenten, wijken en buurten",
    year=2022,
    licence=CC_BY,
    origin="CBS StatLine 85318NED/WijkenEnBuurten (via VNG-Realisatie/Burgerpeiling @758d8b4c)",
    filename="kwb_2022_85318NED_regions.csv",
    required_columns=("Key", "Title", "Municipality"),
    min_rows=17000,
    code_column="Key",
    code_prefix=rf"^(NL00|{GEMEENTE_CODE}|{WIJK_CODE}|{BUURT_CODE})$",
    download_url="https://opendata.cbs.nl/ODataApi/odata/85318NED/WijkenEnBuurten",
)
