"""An own area from postcodes: ``/eigen-gebied`` and ``/api/compose`` (list, upload,
GeoJSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from betrokken.areas.postcodes import parse_postcode_text, pc4_list
from betrokken.errors import BetrokkenError
from betrokken.store import area_answers, geojson
from betrokken.web import limits
from betrokken.web.composition import read_upload
from betrokken.web.deps import Cursor, catalogue_of
from betrokken.web.errors import ERROR_RESPONSES, UPLOAD_RESPONSES, status_for
from betrokken.web.openapi_schema import POSTCODE_ITEMS_SCHEMA, POSTCODE_LIST_PATTERN
from betrokken.web.rendering import map_profiles, render

api_router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
page_router = APIRouter(include_in_schema=False)


@api_router.post(
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


@api_router.post(
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


@api_router.get(
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
    cat = catalogue_of(request)
    codes = parse_postcode_text(postcodes, max_codes=limits.MAX_COMPOSE_POSTCODES)
    items = [area_answers.area_item(cat, c) for c in codes]
    if any(it["level"] != "pc4" for it in items):
        raise BetrokkenError("Alleen postcodes (PC4) kunnen een eigen gebied vormen.")
    return Response(geojson.geojson_of(cur, cat, items, "pc4"), media_type="application/geo+json")


@page_router.get("/eigen-gebied", response_class=HTMLResponse)
def custom_area_form(request: Request):
    return render(request, "custom_area.html", "eigen-gebied", result=None, text="", error=None)


@page_router.post("/eigen-gebied", response_class=HTMLResponse)
async def custom_area_result(
    request: Request,
    postcodes: Annotated[str, Form(max_length=limits.MAX_PASTE_CHARS)] = "",
    bestand: Annotated[UploadFile | None, File()] = None,
):
    cat = catalogue_of(request)
    text = postcodes
    if bestand is not None and bestand.filename:
        text = (text + "\n" + await read_upload(bestand)).strip()
    try:
        codes = await run_in_threadpool(
            lambda: parse_postcode_text(text, max_codes=limits.MAX_COMPOSE_POSTCODES))
        result = await run_in_threadpool(request.app.state.dashboard.compose, codes)
    except BetrokkenError as exc:
        response = render(
            request, "custom_area.html", "eigen-gebied", result=None, text=postcodes, error=exc
        )
        response.status_code = status_for(exc)
        return response
    national = area_answers.national_detail(cat)
    return render(
        request,
        "custom_area.html",
        "eigen-gebied",
        result=result,
        national=national,
        text=postcodes,
        error=None,
        codes=codes,
        colour_mode="kenmerkend",
        colour_profile=None,
        map_profiles=map_profiles(cat),
        breaks=[],
        geojson_url="/api/compose/geojson?postcodes=" + ",".join(codes)
        if cat.has_geometries
        else None,
        map_label="Kaart van de postcodes van uw gebied, gekleurd naar kenmerkend profiel",
    )
