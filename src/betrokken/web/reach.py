"""Bereikcheck routes: POST /api/bereikcheck, the page /bereikcheck and its XLSX download.

Uploads are read in the request (size-checked by ``composition.read_upload``), parsed and
computed in a worker thread (``run_in_threadpool``); nothing is written to disk. The
result page carries the participants aggregated to postcode × age × sex counts in a hidden
field, so the XLSX download re-computes without storing anything on the server.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Body, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from betrokken.areas import reach
from betrokken.errors import BetrokkenError
from betrokken.model.artifact import load_model
from betrokken.web import limits
from betrokken.web.composition import read_upload
from betrokken.web.deps import cursor_dependency
from betrokken.web.errors import ERROR_RESPONSES, UPLOAD_RESPONSES

api_router = APIRouter(prefix="/api", tags=["bereikcheck"],
                       responses={**ERROR_RESPONSES, **UPLOAD_RESPONSES})
page_router = APIRouter(include_in_schema=False)
Cursor = Annotated[duckdb.DuckDBPyConnection, Depends(cursor_dependency)]

_ERRORS = {
    404: {"description": "Onbekend doelgebied of onbekende postcode (JSON: fout, tip)"},
    413: {"description": "Verzoek te groot"},
    422: {"description": "Onbruikbare deelnemerslijst of doelgebied, met de regel erbij"},
}


def run_check(cur, area: str, participants) -> dict[str, Any]:
    model = load_model()
    target = reach.load_target(cur, area, model.profile_ids)
    return reach.bereikcheck(target, participants, model)


@api_router.post(
    "/bereikcheck",
    summary="Wie bereikte uw participatie? Deelnemers tegen de volwassenen van het gebied",
    responses=_ERRORS,
)
async def post_bereikcheck(
    cur: Cursor,
    payload: dict[str, Any] = Body(
        ...,
        json_schema_extra={
            "required": ["area"],
            "anyOf": [{"required": ["participants"]}, {"required": ["postcodes"]}],
        },
        examples=[
            {
                "area": "GM0344",
                "participants": [{"postcode": "3511", "age_band": "65plus", "sex": "vrouw"}],
            }
        ],
    ),
) -> dict[str, Any]:
    if not isinstance(payload, dict) or "area" not in payload:
        raise reach.ReachError("Verplicht veld ontbreekt: area (doelgebied).")
    rows = payload.get("participants")
    if rows is None and isinstance(payload.get("postcodes"), list):
        rows = [{"postcode": p} for p in payload["postcodes"]]
    if not isinstance(rows, list):
        raise reach.ReachError("Geef 'participants' (lijst van objecten) of 'postcodes' (lijst).")
    participants = reach.participants_frame(
        rows, source="participants", max_rows=limits.MAX_PARTICIPANT_ROWS
    )
    return await run_in_threadpool(run_check, cur, str(payload["area"]), participants)


def _render(request: Request, **context):
    from betrokken.web.errors import status_for

    templates = request.app.state.templates
    error = context.get("error")
    return templates.TemplateResponse(
        request,
        "bereikcheck.html",
        {"page": "bereikcheck", **context},
        status_code=status_for(error) if error else 200,
    )


@page_router.get("/bereikcheck")
def bereikcheck_form(request: Request):
    return _render(request, result=None, area="", text="", error=None)


def _aggregate_text(participants) -> str:
    agg = (
        participants.fillna({"age_band": "", "sex": ""})
        .groupby(["pc4", "age_band", "sex"], as_index=False)["count"]
        .sum()
    )
    lines = ["postcode;leeftijd;geslacht;aantal"]
    lines += [f"{r.pc4};{r.age_band};{r.sex};{r.count:g}" for r in agg.itertuples()]
    return "\n".join(lines)


@page_router.post("/bereikcheck")
async def bereikcheck_result(
    request: Request,
    cur: Cursor,
    gebied: Annotated[str, Form(max_length=2000)] = "",
    deelnemers: Annotated[str, Form(max_length=limits.MAX_PASTE_CHARS)] = "",
    bestand: Annotated[UploadFile | None, File()] = None,
):
    try:
        text = deelnemers
        source = "het tekstvak"
        if bestand is not None and bestand.filename:
            text = await read_upload(bestand)
            source = f"'{bestand.filename}'"
        participants = await run_in_threadpool(
            reach.participants_from_text, text, source=source, max_rows=limits.MAX_PARTICIPANT_ROWS
        )
        result = await run_in_threadpool(run_check, cur, gebied, participants)
    except BetrokkenError as exc:
        return _render(request, result=None, area=gebied, text=deelnemers, error=exc)
    return _render(
        request,
        result=result,
        area=gebied,
        text=deelnemers,
        error=None,
        aggregate=_aggregate_text(participants),
        labels=reach.DIMENSION_LABELS,
    )


def result_workbook(result: dict) -> bytes:
    """The check as an .xlsx: groups with verdicts, advice, reweighting table."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Groepen"
    ws.append(
        [
            "dimensie",
            "groep",
            "omschrijving",
            "deelnemers",
            "aandeel deelnemers",
            "aandeel volwassenen",
            "ondergrens",
            "bovengrens",
            "oordeel",
        ]
    )
    for g in result["groups"]:
        ws.append(
            [
                g["dimension"],
                g["group"],
                g["label"],
                g["participants"],
                g["participants_share"],
                g["population_share"],
                g["lo"],
                g["hi"],
                g["verdict"],
            ]
        )
    adv = wb.create_sheet("Advies")
    adv.append([f"Doelgebied: {result['area_name']} ({result['area']})"])
    adv.append([f"Intervallen: {result['interval_method']}, {result['level']:.0%}"])
    for line in result["advice"] or ["Geen groep duidelijk ondervertegenwoordigd."]:
        adv.append([line])
    rw = wb.create_sheet("Herweging")
    rw.append(
        ["gebied", "naam", "leeftijd", "geslacht", "aandeel volwassenen", "deelnemers", "gewicht"]
    )
    for r in result["reweighting"]:
        rw.append(
            [
                r["unit"],
                r["unit_name"],
                r["age_band"],
                r["sex"],
                r["population_share"],
                r["participants"],
                r["weight"],
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@page_router.post("/download/bereikcheck.xlsx")
async def bereikcheck_xlsx(
    cur: Cursor,
    gebied: Annotated[str, Form(max_length=2000)],
    deelnemers: Annotated[str, Form(max_length=limits.MAX_PASTE_CHARS)],
) -> Response:
    participants = await run_in_threadpool(
        reach.participants_from_text,
        deelnemers,
        source="de deelnemers",
        max_rows=limits.MAX_PARTICIPANT_ROWS,
    )
    result = await run_in_threadpool(run_check, cur, gebied, participants)
    data = await run_in_threadpool(result_workbook, result)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="bereikcheck.xlsx"'},
    )


router = APIRouter()
router.include_router(api_router)
router.include_router(page_router)
