"""CBS StatLine 85984NED (KWB 2024): population and land area per gemeente and wijk.

The official population counts for 2024 (the geoinzicht attribute files carry the same
numbers); the land area gives the wijk address density. Columns are StatLine keys
(``AantalInwoners_5``) whose number changes between releases: they are read by base name.
"""

from __future__ import annotations

from betrokken.schema import BUURT_CODE, GEMEENTE_CODE, WIJK_CODE
from betrokken.sources.base import Source
from betrokken.sources.kwb_gemeente import CC_BY

KWB_2024_POPULATION = Source(
    name="kwb_2024_85984NED",
    description="CBS Kerncijfers wijken en buurten 2024 (85984NED): inwoners en oppervlakte",
    year=2024,
    licence=CC_BY,
    origin="CBS StatLine 85984NED (via niquedegraaff/Wikipedia-Generator-CBS-Kerncijfers "
    "@55981982)",
    filename="kwb_2024_85984NED_gemeente_wijk_population.csv",
    required_columns=("regio_code", "level", "AantalInwoners", "Mannen", "Vrouwen",
                      "OppervlakteLand"),
    numeric_columns=("AantalInwoners", "Mannen", "Vrouwen", "OppervlakteLand"),
    min_rows=3600,
    code_column="regio_code",
    code_prefix=rf"^({GEMEENTE_CODE}|{WIJK_CODE}|{BUURT_CODE})$",
    download_url="https://opendata.cbs.nl/ODataFeed/odata/85984NED",
    meta={"keys_by_base": True},
)
