"""Buurt level: KWB 2024 buurt rows (CBS OData 85984NED) and buurt polygons (PDOK).

There is no buurt file in the offline data directory; this level exists only when the
build downloads (``sources.download``). The ``Source`` records here describe those two
downloads for the ``sources`` table; the rows themselves come from ``download_sources``.
"""

from __future__ import annotations

from betrokken.sources.base import Source
from betrokken.sources.kwb_gemeente import CC_BY

BUURT_2024 = Source(
    name="kwb_2024_buurt",
    description="CBS Kerncijfers wijken en buurten 2024, buurten (StatLine 85984NED)",
    year=2024,
    licence=CC_BY,
    origin="CBS StatLine OData 85984NED",
    filename="odata/85984NED.csv",
    required_columns=("regio_code",),
    min_rows=1,
    download_url="https://opendata.cbs.nl/ODataApi/odata/85984NED",
)

BUURT_2024_POLYGONS = Source(
    name="kwb_2024_buurt_grenzen",
    description="Buurtgrenzen 2024 (PDOK wijken- en buurtenkaart, OGC API)",
    year=2024,
    licence="CC BY 4.0 (Bron: CBS, Kadaster)",
    origin="PDOK OGC API wijken-en-buurten-2024, collectie buurten",
    filename="pdok/buurten_2024.geojson",
    required_columns=("buurtcode", "geometry"),
    min_rows=1,
    kind="vector",
    download_url="https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1/collections/buurten",
)
