"""Theme dossiers, approach and PDF reports over HTTP (JSON and PDF; OpenAPI at /docs)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from betrokken.areas.postcodes import pc4_list
from betrokken.reports.approach import approach_with_theme
from betrokken.reports.area_report import area_report, composed_area, national_area
from betrokken.reports.themes import theme_dossiers
from betrokken.store import area_answers
from betrokken.store.catalogue import NATIONAL_CODE
from betrokken.themes import THEMES
from betrokken.web import limits
from betrokken.web.api import AreaCode, Cursor
from betrokken.web.errors import ERROR_RESPONSES, UPLOAD_RESPONSES
from betrokken.web.openapi_schema import POSTCODE_ITEMS_SCHEMA

router = APIRouter(prefix="/api", tags=["thema's en rapporten"],
                   responses={**ERROR_RESPONSES})
ERRORS = {400: {"description": "Ongeldige gebiedscode of postcodelijst (Nederlandse melding)"},
          404: {"description": "Gebied of postcode bestaat niet in deze database"},
          422: {"description": "Ongeldige invoer (Nederlandse melding)"}}
PDF = {200: {"content": {"application/pdf": {}}, "description": "Gebiedsrapport (PDF/UA-1)"}}
Theme = Annotated[Literal[tuple(THEMES)] | None, Query(  # type: ignore[valid-type]
    description="Optioneel: " + ", ".join(THEMES) + "; voegt een deel over dat thema toe")]
Postcodes = Annotated[list[Any], Body(description="JSON-lijst met postcodes (PC4 of PC6)",
                                      examples=[["3511", "3512", "3513"]],
                                      json_schema_extra=POSTCODE_ITEMS_SCHEMA)]


def _area(request: Request, code: str) -> dict:
    cat = request.app.state.dashboard.catalogue
    code = area_answers.canonical_code(code)
    if code == NATIONAL_CODE:
        return national_area(cat)
    return area_answers.area_detail(cat, code)


def _composed(request: Request, postcodes: list) -> dict:
    dash = request.app.state.dashboard
    codes = pc4_list(postcodes, max_codes=limits.MAX_COMPOSE_POSTCODES)
    return composed_area(dash.compose(codes), dash.catalogue)


@router.get("/areas/{code}/themes", responses=ERRORS,
            summary="De vier themadossiers van een gebied (cijfers, houdingen per profiel)")
def get_themes(code: AreaCode, request: Request, cur: Cursor) -> dict[str, Any]:
    return theme_dossiers(cur, request.app.state.dashboard.catalogue, _area(request, code))


@router.get("/areas/{code}/approach", responses=ERRORS,
            summary="Aanpak op maat: participatieladder, kanalen, toon, wie u mist")
def get_approach(code: AreaCode, request: Request, cur: Cursor,
                 thema: Theme = None) -> dict[str, Any]:
    return approach_with_theme(cur, request.app.state.dashboard.catalogue,
                               _area(request, code), thema)


@router.get("/areas/{code}/report.pdf", responses={**PDF, **ERRORS}, response_class=Response,
            summary="Gebiedsrapport als toegankelijke PDF")
async def get_report(code: AreaCode, request: Request, cur: Cursor) -> Response:
    area = _area(request, code)
    cat = request.app.state.dashboard.catalogue
    pdf = await run_in_threadpool(area_report, cur, cat, area,
                                  national=area["code"] == "NL")
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="gebiedsrapport-{area["code"]}.pdf"'})


@router.post("/compose/themes", responses={**ERRORS, **UPLOAD_RESPONSES},
             summary="Themadossiers van een eigen gebied")
def post_themes(postcodes: Postcodes, request: Request, cur: Cursor) -> dict[str, Any]:
    return theme_dossiers(cur, request.app.state.dashboard.catalogue,
                          _composed(request, postcodes))


@router.post("/compose/approach", responses={**ERRORS, **UPLOAD_RESPONSES},
             summary="Aanpak voor een eigen gebied")
def post_approach(postcodes: Postcodes, request: Request, cur: Cursor,
                  thema: Theme = None) -> dict[str, Any]:
    return approach_with_theme(cur, request.app.state.dashboard.catalogue,
                               _composed(request, postcodes), thema)


@router.post("/compose/report.pdf", responses={**PDF, **ERRORS, **UPLOAD_RESPONSES},
             response_class=Response,
             summary="Gebiedsrapport (PDF) van een eigen gebied")
async def post_report(postcodes: Postcodes, request: Request, cur: Cursor) -> Response:
    area = _composed(request, postcodes)
    pdf = await run_in_threadpool(area_report, cur, request.app.state.dashboard.catalogue, area)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="gebiedsrapport.pdf"'})
