"""The self-contained background map: gemeente outlines and names from our own database.

The dashboard shows PDOK's BRT-Achtergrondkaart under the areas when that tile server
answers; when it does not (a closed network, an outage), the map draws this layer
instead, so an area is never one polygon on grey. Served once per process, gzipped.
"""

from __future__ import annotations

import gzip
import threading

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betrokken.config import setting
from betrokken.errors import BetrokkenError
from betrokken.store.geojson import basemap_geojson
from betrokken.web import limits
from betrokken.web.errors import ERROR_RESPONSES

__all__ = ["BASEMAP", "router"]

router = APIRouter(prefix="/api", tags=["api"], responses={**ERROR_RESPONSES})

BASEMAP_ENV = "BETROKKEN_BASEMAP"
BASEMAP = setting(BASEMAP_ENV, "pdok")
"""'pdok' (try PDOK's tiles first, the default) or 'eigen' (only our own outlines: for
installations that must not contact other servers). The tile URL lives in map.js."""

_cache: dict[str, tuple[bytes, bytes]] = {}
_lock = threading.Lock()


@router.get("/basemap", summary="Achtergrondkaart zonder internet: gemeentegrenzen en namen",
            response_class=Response,
            responses={200: {"description": "GeoJSON", "content": {"application/geo+json": {}}},
                       503: {"description": "Deze database heeft geen gebiedsgrenzen."}})
def get_basemap(request: Request) -> Response:
    dashboard = request.app.state.dashboard
    if not dashboard.catalogue.has_geometries:
        raise BetrokkenError("Deze database bevat geen gebiedsgrenzen (tabel area_geometries).")
    key = str(dashboard.db_path)
    with _lock:
        pair = _cache.get(key)
    if pair is None:
        cur = dashboard.cursor()
        try:
            plain = basemap_geojson(cur)
        finally:
            cur.close()
        pair = (plain, gzip.compress(plain, compresslevel=6))
        with _lock:
            _cache[key] = pair
    headers = {"Cache-Control": f"public, max-age={limits.GEOJSON_MAX_AGE_S}",
               "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(pair[1], media_type="application/geo+json", headers=headers)
    return Response(pair[0], media_type="application/geo+json", headers=headers)
