"""CBS Gebieden in Nederland 2022 (85067NED): gemeente -> provincie and other regions."""

from __future__ import annotations

from betrokken.schema import GEMEENTE_CODE
from betrokken.sources.base import Source
from betrokken.sources.kwb_gemeente import CC_BY

GEBIEDEN_2022 = Source(
    name="gebieden_in_nederland_2022",
    description="CBS Gebieden in Nederland 2022 (85067NED)",
    year=2022,
    licence=CC_BY,
    origin="CBS StatLine 85067NED (via VNG-Realisatie/Burgerpeiling @758d8b4c)",
    filename="gebieden_in_nederland_2022_85067NED.csv",
    required_columns=("RegioS", "Naam_2", "Code_28", "Naam_29", "Inwonertal_54",
                      "Omgevingsadressendichtheid_55"),
    numeric_columns=("Inwonertal_54", "Omgevingsadressendichtheid_55"),
    min_rows=340,
    code_column="RegioS",
    code_prefix=rf"^{GEMEENTE_CODE}$",
    download_url="https://opendata.cbs.nl/ODataApi/odata/85067NED",
)
