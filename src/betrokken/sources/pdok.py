"""PDOK OGC API Features of the CBS wijken- en buurtenkaart, streamed to disk, land only.

``https://api.pdok.nl/cbs/wijken-en-buurten-<year>/ogc/v1/collections/<gemeenten|wijken|
buurten>/items?f=json&limit=1000`` answers GeoJSON pages (CRS84) linked by
``links[rel=next]``. Pages go to disk one by one (``transfer.fetch_pages``: retries,
back-off, resume), and are then streamed into one GeoJSON file: the ~14,500 buurt
polygons are never all held as Python objects.

The kaart publishes the water part of an area as a separate feature with the same code
and ``"water": "JA"`` (the land part has ``"NEE"``). Only land parts are kept: a water
part would be a second polygon for the same ``(level, area_code, year)``, would colour
lakes and sea on the map, and would pull water into the PC4 overlap weights.
"""

from __future__ import annotations

import json
from pathlib import Path

from betrokken.config import setting
from betrokken.errors import SourceError
from betrokken.sources import transfer

PDOK_ENV = "BETROKKEN_PDOK_URL"
DEFAULT_PDOK_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
PAGE_SIZE = 1000
"""The largest ``limit`` the PDOK OGC API accepts."""


def pdok_url(year: int) -> str:
    return setting(PDOK_ENV, DEFAULT_PDOK_URL).rstrip("/").format(year=year)


def is_water(feature: dict) -> bool:
    """A water part of the kaart (``"water": "JA"``)."""
    value = (feature.get("properties") or {}).get("water")
    return isinstance(value, str) and value.strip().upper() == "JA"


def _next_link(page: dict) -> str | None:
    return next((link["href"] for link in page.get("links", [])
                 if link.get("rel") == "next"), None)


def fetch_pdok_geojson(year: int, collection: str, cache_dir: Path, *, progress=None,
                       page_size: int = PAGE_SIZE) -> Path:
    """All land features of a collection as one GeoJSON file (cached, checksummed).

    The file carries ``metadata.year`` (and the number of water parts left out) like
    the local boundary files, so the same year check applies.
    """
    cache_dir = Path(cache_dir)
    final = cache_dir / "pdok" / f"{collection}_{year}.geojson"
    manifest = transfer.Manifest(cache_dir)
    if manifest.is_valid(final):
        return final
    url = f"{pdok_url(year)}/collections/{collection}/items"
    folder = final.with_name(final.name + ".pages")
    pages = transfer.fetch_pages(url, {"f": "json", "limit": page_size}, folder,
                                 items="features", next_url=_next_link, progress=progress,
                                 label=f"PDOK {collection} {year}")
    part = final.with_name(final.name + ".part")
    land = water = 0
    with part.open("w") as out:
        out.write(f'{{"type": "FeatureCollection", "metadata": {{"year": {year}}}, '
                  '"features": [')
        for page in pages:
            for feature in transfer.read_page(page):
                if is_water(feature):
                    water += 1
                    continue
                out.write(("," if land else "") + json.dumps(feature))
                land += 1
        out.write(f'], "water_parts_left_out": {water}}}')
    if not land:
        part.unlink()
        raise SourceError(f"PDOK-collectie '{collection}' ({year}) is leeg.")
    part.replace(final)
    manifest.record(final, url)
    for page in pages:
        page.unlink()
    (folder / "state.json").unlink(missing_ok=True)
    folder.rmdir()
    return final


def fetch_pdok_features(year: int, collection: str, cache_dir: Path, *, progress=None,
                        columns: list[str] | None = None):
    """The land features of a collection as a GeoDataFrame (CRS84 unless stated)."""
    import pyogrio

    path = fetch_pdok_geojson(year, collection, cache_dir, progress=progress)
    frame = pyogrio.read_dataframe(path, columns=columns)
    if frame.crs is None:
        frame = frame.set_crs("OGC:CRS84")
    return frame
