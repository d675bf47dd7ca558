"""Maps: GeoJSON of areas with their shares, the base map's gemeente outlines, and the RD
polygons of the GeoPackage download, read from the geometry table."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from betrokken.errors import BetrokkenError
from betrokken.store.area_answers import INDEX_NAMES, area_item, children
from betrokken.store.catalogue import NATIONAL_CODE, Catalogue


def children_geojson(
    cur: duckdb.DuckDBPyConnection, cat: Catalogue, code: str, level: str | None
) -> str:
    """A GeoJSON FeatureCollection (WGS84) of the children, or of the area itself.

    Properties per feature: code, name, population, suppressed, ``dominant`` and
    ``typical`` (profile ids: largest share; largest share relative to the country) and
    ``s_<profile_id>`` shares, so the map can colour by any of them without another call.
    Built as a string from ``ST_AsGeoJSON`` output: no parsing of big geometries.
    """
    if not cat.has_geometries:
        raise BetrokkenError("Deze database bevat geen gebiedsgrenzen (tabel area_geometries).")
    if level is None:
        if code == NATIONAL_CODE:
            raise BetrokkenError(
                "Geef een niveau op voor de kaart van Nederland.",
                hint="Bijvoorbeeld ?level=gemeente",
            )
        items = [area_item(cat, code)]
        geom_level = items[0]["level"]
    else:
        items, geom_level = children(cat, code, level)["areas"], level
    return geojson_of(cur, cat, items, geom_level)


def geojson_of(
    cur: duckdb.DuckDBPyConnection, cat: Catalogue, items: list[dict], geom_level: str
) -> str:
    """FeatureCollection of area items (see ``area_item``) of one level."""
    if not cat.has_geometries:
        raise BetrokkenError("Deze database bevat geen gebiedsgrenzen (tabel area_geometries).")
    codes = [it["code"] for it in items]
    year = cat.level_years.get(geom_level, 0)
    found = cur.execute(
        # Simplification can leave GeometryCollections; keep only their polygons.
        # A point inside each polygon places its label on the map.
        "SELECT area_code, ST_AsGeoJSON(CASE WHEN ST_GeometryType(geom_display) = "
        "'GEOMETRYCOLLECTION' THEN ST_CollectionExtract(geom_display, 3) "
        "ELSE geom_display END), ST_X(ST_PointOnSurface(geom_display)), "
        "ST_Y(ST_PointOnSurface(geom_display)) FROM area_geometries "
        "WHERE level = ? AND list_contains(?, area_code) AND geom_display IS NOT NULL "
        "QUALIFY row_number() OVER "
        "(PARTITION BY area_code ORDER BY abs(year - ?), year DESC) = 1",
        [geom_level, codes, year],
    ).fetchall()
    geoms = {code: geom for code, geom, _, _ in found}
    label_points = {code: (x, y) for code, _, x, y in found if x is not None}
    features = []
    for it in items:
        geom = geoms.get(it["code"])
        if geom is None:
            continue
        props: dict[str, Any] = {
            "code": it["code"],
            "name": it["name"],
            "population": it["population"],
            "suppressed": it["suppressed"],
        }
        if it["code"] in label_points:
            props["lx"], props["ly"] = (round(v, 5) for v in label_points[it["code"]])
        if not it["suppressed"]:
            props["dominant"] = it.get("dominant_profile")
            props["typical"] = it.get("typical_profile")
            for pid, share in it.get("shares", {}).items():
                props[f"s_{pid}"] = share
            for name, value in (it.get("indices") or {}).items():
                if name in INDEX_NAMES and value is not None:
                    props[f"i_{name}"] = value
        features.append(
            '{"type":"Feature","geometry":'
            + geom
            + ',"properties":'
            + json.dumps(props, ensure_ascii=False)
            + "}"
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


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


def rd_outlines_wkb(cur: duckdb.DuckDBPyConnection, level: str, codes: list[str]
                    ) -> dict[str, bytes]:
    """code -> latest RD New polygon (WKB) of these areas of one level."""
    rows = cur.execute(
        "SELECT area_code, ST_AsWKB(geom_rd) FROM area_geometries "
        "WHERE level = ? AND list_contains(?, area_code) "
        "QUALIFY row_number() OVER (PARTITION BY area_code ORDER BY year DESC) = 1",
        [level, codes],
    ).fetchall()
    return {c: bytes(w) for c, w in rows}
