"""Address-weighted relation between PC4 and wijk / gemeente (indeling 2023 and 2024).

Counts of addresses (PC6 + huisnummer) per PC4 x wijk and PC4 x gemeente, built by VNG
from CBS's pc6hnr file (via reidhin/grenswijzigen). Licence CC BY-NC-SA 4.0: used in
builds, never shipped inside the package. Production may replace it with CBS's own
postcode-to-area file or a polygon overlay.
"""

from __future__ import annotations

from betrokken.schema import GEMEENTE_CODE, WIJK_CODE
from betrokken.sources.base import Source

NC_LICENCE = "CC BY-NC-SA 4.0 (niet-commercieel; niet meegeleverd in het pakket)"

PC4_WIJK_CROSSWALK = Source(
    name="pc4_wijk_adressen",
    description="Adressen per postcode-4 x wijk, indeling 2023 en 2024",
    year=2024,
    licence=NC_LICENCE,
    origin="VNG / CBS pc6hnr (via reidhin/grenswijzigen @62ddad82)",
    filename="pc4_wijk_address_crosswalk_2023_2024_grenswijzigen.csv",
    required_columns=("year", "wijkcode", "pc4", "n_addresses"),
    numeric_columns=("n_addresses",),
    min_rows=13000,
    code_column="wijkcode",
    code_prefix=rf"^{WIJK_CODE}$",
    year_column="year",
    meta={"allowed_years": [2023, 2024], "many_rows_per_code": True},
)

PC4_GEMEENTE_CROSSWALK = Source(
    name="pc4_gemeente_adressen",
    description="Adressen per postcode-4 x gemeente, indeling 2023 en 2024",
    year=2024,
    licence=NC_LICENCE,
    origin="VNG / CBS pc6hnr (via reidhin/grenswijzigen @62ddad82)",
    filename="pc4_gemeente_address_crosswalk_2023_2024_grenswijzigen.csv",
    required_columns=("year", "gemeentecode", "pc4", "n_addresses"),
    numeric_columns=("n_addresses",),
    min_rows=8000,
    code_column="gemeentecode",
    code_prefix=rf"^{GEMEENTE_CODE}$",
    year_column="year",
    meta={"allowed_years": [2023, 2024], "many_rows_per_code": True},
)
