"""The self-contained background map: gemeente outlines and names from our own database.

The dashboard shows PDOK's BRT-Achtergrondkaart under the areas when that tile server
answers; when it does not (a closed network, an outage), the map draws this layer
instead, so an area is never one polygon on grey. Served once per process, gzipped.
"""

from __future__ import annotations

import gzip
import json
import os
import threading

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betrokken.errors import BetrokkenError
from betrokken.web import limits
from betrokken.web.errors import ERROR_RESPONSES

__all__ = ["BASEMAP", "router"]

router = APIRouter(prefix="/api", tags=["api"], responses={**ERROR_RESPONSES})

BASEMAP = os.environ.get("BETROKKEN_BASEMAP", "pdok")
"""'pdok' (try PDOK's tiles first, the default) or 'eigen' (only our own outlines: for
installations that must not contact other servers). The tile URL lives in map.js."""

_cache: dict[str, tuple[bytes, bytes]] = {}
_lock = threading.Lock()


def basemap_geojson(cur) -> bytes:
    """Gemeente outlines (display geometry) with name and a label point inside each."""
    rows = cur.execute(
        "SELECT g.area_code, a.area_name, ST_AsGeoJSON(CASE WHEN ST_GeometryType(g.geom_display)"
        " = 'GEOMETRYCOLLECTION' THEN ST_CollectionExtract(g.geom_display, 3) ELSE "
        "g.geom_display END), ST_X(ST_PointOnSurface(g.geom_display)), "
        "ST_Y(ST_PointOnSurface(g.geom_display)) "
        "FROM area_geometries g JOIN areas a ON a.is_current AND a.level = g.level "
        "AND a.area_code = g.area_code "
        "WHERE g.level = 'gemeente' AND g.geom_display IS NOT NULL "
        "QUALIFY row_number() OVER (PARTITION BY g.area_code ORDER BY g.year DESC) = 1"
    ).fetchall()
    features = [
        '{"type":"Feature","geometry":' + geom + ',"properties":'
        + json.dumps({"code": code, "name": name, "lx": round(lx, 5), "ly": round(ly, 5)},
                     ensure_ascii=False) + "}"
        for code, name, geom, lx, ly in rows if geom
    ]
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


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
