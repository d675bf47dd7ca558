"""The JSON API: every page's data, documented by OpenAPI at /docs.

Field names are English (they are code); messages are Dutch (they are for people).
Suppressed areas never carry shares or indices (see ``queries``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import duckdb
from fastapi import APIRouter, Body, Depends, File, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from betrokken import schema
from betrokken.areas.postcodes import parse_postcode_text, pc4_list
from betrokken.errors import BetrokkenError
from betrokken.store import area_answers, geojson, rankings
from betrokken.store.catalogue import NATIONAL_CODE, Catalogue
from betrokken.store.search import search_catalogue
from betrokken.web import limits
from betrokken.web.composition import read_upload
from betrokken.web.deps import cursor_dependency
from betrokken.web.errors import ERROR_RESPONSES, UPLOAD_RESPONSES
from betrokken.web.openapi_schema import (
    AREA_CODE_PATTERN,
    COMPARE_CODES_PATTERN,
    POSTCODE_ITEMS_SCHEMA,
    POSTCODE_LIST_PATTERN,
)

router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
GZIP_MIN_BYTES = 2048  # as GZipMiddleware: smaller answers are not worth compressing

Cursor = Annotated[duckdb.DuckDBPyConnection, Depends(cursor_dependency)]
Level = Literal["gemeente", "wijk", "buurt", "pc4"]
AreaCode = Annotated[
    str,
    Path(
        max_length=limits.MAX_AREA_CODE_CHARS,
        pattern=AREA_CODE_PATTERN,
        description="Gebiedscode: GM0344, WK034401, BU03440101, 3511 (PC4) of NL "
        "(hoofdletters of kleine letters).",
        examples=["GM0344"],
    ),
]


def _catalogue(request: Request) -> Catalogue:
    return request.app.state.dashboard.catalogue


@router.get(
    "/areas/{code}",
    summary="Eén gebied: profielmix met intervallen, indices, demografie",
    response_model=dict[str, Any],
)
def get_area(code: AreaCode, request: Request) -> Response:
    plain, packed = request.app.state.dashboard.area_json(area_answers.canonical_code(code))
    return prepared_response(request, plain, packed, "application/json")


def prepared_response(request: Request, plain: bytes, packed: bytes, media_type: str) -> Response:
    """An answer serialised and gzipped once, sent as it is (gzipped when accepted)."""
    headers = {"Vary": "Accept-Encoding"}
    if len(plain) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type=media_type, headers=headers)
    return Response(plain, media_type=media_type, headers=headers)


@router.get("/areas/{code}/children", summary="De gebieden van een niveau binnen een gebied")
def get_children(
    code: AreaCode,
    request: Request,
    level: Annotated[Level, Query(description="wijk, buurt of pc4 (gemeente onder NL)")],
) -> dict[str, Any]:
    return area_answers.children(_catalogue(request), area_answers.canonical_code(code), level)


@router.get(
    "/areas/{code}/geojson",
    summary="Grenzen (WGS84) met profielaandelen, voor de kaart",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def get_geojson(
    code: AreaCode,
    request: Request,
    level: Annotated[Level | None, Query(description="Leeg: het gebied zelf")] = None,
) -> Response:
    plain, packed = request.app.state.dashboard.geojson(area_answers.canonical_code(code), level)
    headers = {
        "Cache-Control": f"public, max-age={limits.GEOJSON_MAX_AGE_S}",
        "Vary": "Accept-Encoding",
    }
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type="application/geo+json", headers=headers)
    return Response(plain, media_type="application/geo+json", headers=headers)


@router.get("/profiles", summary="De acht profielkaarten en hun landelijke aandelen")
def get_profiles(request: Request) -> dict[str, Any]:
    cat = _catalogue(request)
    return {"interval_level": schema.INTERVAL_LEVEL, "profiles": cat.profiles}


@router.get("/search", summary="Zoek gemeente, wijk, buurt of postcode op naam of code")
def get_search(
    request: Request,
    q: Annotated[
        str, Query(min_length=limits.MIN_SEARCH_CHARS, max_length=limits.MAX_SEARCH_CHARS)
    ],
) -> dict[str, Any]:
    results = search_catalogue(_catalogue(request), q, limits.SEARCH_RESULT_LIMIT)
    return {"q": q, "count": len(results), "results": results}


@router.post(
    "/compose",
    summary="Samenstelling van een eigen gebied uit PC4-postcodes",
    responses=UPLOAD_RESPONSES,
)
def post_compose(
    request: Request,
    postcodes: Annotated[
        list[Any],
        Body(
            description=f"JSON-lijst met postcodes (PC4 of PC6), hoogstens "
            f"{limits.MAX_COMPOSE_POSTCODES}.",
            examples=[["3511", "3512", "3513"]],
            json_schema_extra=POSTCODE_ITEMS_SCHEMA,
        ),
    ],
) -> dict[str, Any]:
    return request.app.state.dashboard.compose(
        pc4_list(postcodes, max_codes=limits.MAX_COMPOSE_POSTCODES)
    )


@router.post(
    "/compose/upload",
    summary="Eigen gebied uit een bestand (.txt, .csv of .xlsx)",
    responses=UPLOAD_RESPONSES,
)
async def post_compose_upload(
    request: Request,
    bestand: Annotated[UploadFile, File(description="Tekst- of CSV-bestand met postcodes")],
) -> dict[str, Any]:
    text = await read_upload(bestand)
    codes = await run_in_threadpool(
        lambda: parse_postcode_text(text, max_codes=limits.MAX_COMPOSE_POSTCODES))
    return await run_in_threadpool(request.app.state.dashboard.compose, codes)


@router.get(
    "/compose/geojson",
    summary="Grenzen van de postcodes van een eigen gebied, voor de kaart",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def get_compose_geojson(
    request: Request,
    cur: Cursor,
    postcodes: Annotated[
        str,
        Query(
            max_length=limits.MAX_QUERY_POSTCODE_CHARS,
            description="Komma-gescheiden postcodes (past in een URL; langere lijsten: "
            "POST /api/compose)",
            json_schema_extra={"pattern": POSTCODE_LIST_PATTERN},
        ),
    ],
) -> Response:
    cat = _catalogue(request)
    codes = parse_postcode_text(postcodes, max_codes=limits.MAX_COMPOSE_POSTCODES)
    items = [area_answers.area_item(cat, c) for c in codes]
    if any(it["level"] != "pc4" for it in items):
        raise BetrokkenError("Alleen postcodes (PC4) kunnen een eigen gebied vormen.")
    return Response(geojson.geojson_of(cur, cat, items, "pc4"), media_type="application/geo+json")


@router.get("/compare", summary="Twee tot vier gebieden naast elkaar")
def get_compare(
    request: Request,
    codes: Annotated[
        str,
        Query(max_length=limits.MAX_COMPARE_QUERY_CHARS, description="Komma-gescheiden codes",
              json_schema_extra={"pattern": COMPARE_CODES_PATTERN}),
    ],
) -> dict[str, Any]:
    items = parse_compare_codes(codes)
    cat = _catalogue(request)
    return {"areas": [area_answers.area_detail(cat, c) for c in items]}


@router.get("/target-groups/{profile_id}", summary="Waar woont een profiel: de grootste aandelen")
def get_target_group(
    profile_id: Annotated[str, Path(max_length=60)],
    request: Request,
    scope: Annotated[str, Query(max_length=limits.MAX_AREA_CODE_CHARS,
                                json_schema_extra={"pattern": AREA_CODE_PATTERN})
                     ] = NATIONAL_CODE,
    level: Level = "gemeente",
) -> dict[str, Any]:
    cat = _catalogue(request)
    profile = cat.profile(profile_id)
    code = area_answers.canonical_code(scope)
    top = rankings.top_areas(cat, profile_id, code, level, limits.TOP_AREAS)
    return {"profile": profile, "scope": code, "level": level, "top_areas": top}


@router.get("/sources", summary="Bronnen, licenties en bouwgegevens van de database")
def get_sources(request: Request) -> dict[str, Any]:
    cat = _catalogue(request)
    return {"sources": cat.sources, "build_info": cat.build_info, "levels": cat.level_counts}


def parse_compare_codes(raw: str) -> list[str]:
    """'GM0344, WK034401' -> canonical codes; between MIN and MAX_COMPARE_AREAS."""
    items = list(dict.fromkeys(area_answers.canonical_code(c) for c in raw.split(",") if c.strip()))
    if not limits.MIN_COMPARE_AREAS <= len(items) <= limits.MAX_COMPARE_AREAS:
        raise BetrokkenError(
            f"Vergelijk {limits.MIN_COMPARE_AREAS} tot {limits.MAX_COMPARE_AREAS} gebieden; "
            f"nu zijn het er {len(items)}.",
            hint="Bijvoorbeeld: ?codes=GM0344,GM0363",
        )
    return items
