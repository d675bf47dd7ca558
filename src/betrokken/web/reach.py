"""Bereikcheck routes: POST /api/bereikcheck, the page /bereikcheck and its XLSX download.

Uploads are read in the request (at most ``MAX_UPLOAD_BYTES``), parsed by
``betrokken.uploads`` and computed in a worker thread (``run_in_threadpool``); nothing is
written to disk. The result page carries the participants aggregated to postcode × age
× sex counts in a hidden field, so the XLSX download re-computes without storing anything
on the server.
"""

from __future__ import annotations

from typing import Annotated, Any

import duckdb
import numpy as np
from fastapi import APIRouter, Body, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from betrokken.areas import reach
from betrokken.errors import BetrokkenError
from betrokken.model.artifact import load_model
from betrokken.model.quiz import (
    MIN_QUIZ_ANSWERS,
    QUIZ_ITEMS,
    QuizAnswerError,
    check_answers,
    quiz_posterior,
)
from betrokken.reports.reach_check import read_participants, result_workbook, run_check
from betrokken.uploads import participants_from_text
from betrokken.web import limits
from betrokken.web.deps import catalogue_of, cursor_dependency
from betrokken.web.errors import ERROR_RESPONSES, UPLOAD_RESPONSES, status_for

api_router = APIRouter(prefix="/api", tags=["bereikcheck"],
                       responses={**ERROR_RESPONSES, **UPLOAD_RESPONSES})
page_router = APIRouter(include_in_schema=False)
Cursor = Annotated[duckdb.DuckDBPyConnection, Depends(cursor_dependency)]
_ERRORS = {
    404: {"description": "Onbekend doelgebied of onbekende postcode (JSON: fout, tip)"},
    413: {"description": "Verzoek te groot"},
    422: {"description": "Onbruikbare deelnemerslijst of doelgebied, met de regel erbij"},
}


def _json_participants(rows: list) -> tuple[Any, Any]:
    """API rows; a row may carry ``answers`` (quiz item -> option value)."""
    participants = reach.participants_frame(
        rows, source="participants", max_rows=limits.MAX_PARTICIPANT_ROWS
    )
    with_answers = [
        (i, r["answers"]) for i, r in enumerate(rows) if isinstance(r, dict) and r.get("answers")
    ]
    if not with_answers:
        return participants, None
    model = load_model()
    posteriors = []
    for i, answers in with_answers:
        try:
            posteriors.append(quiz_posterior(model, check_answers(model, answers)))
        except QuizAnswerError as exc:
            raise QuizAnswerError(f"Deelnemer {i + 1}: {exc.message}", hint=exc.hint) from None
    probs = np.array(posteriors)
    pc4 = participants["pc4"].to_numpy()[[i for i, _ in with_answers]]
    return participants, (pc4, probs)


@api_router.post(
    "/bereikcheck",
    summary="Wie bereikte uw participatie? Deelnemers tegen de volwassenen van het gebied",
    description="Deelnemers (postcode, optioneel leeftijdsklasse en geslacht) of een "
    "postcodelijst tegen de volwassenen van het doelgebied. Met `answers` (quizvraag → "
    "waarde, zie `GET /api/quiz`) per deelnemer vergelijkt de dimensie 'profiel' het "
    "bereikte profiel in plaats van het verwachte (`profile_basis`: bereikt/verwacht). "
    "Niets wordt bewaard.",
    responses=_ERRORS,
)
async def post_bereikcheck(
    request: Request,
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
            },
            {"area": "GM0344", "postcodes": ["3511", "3512", "3584"]},
            {
                "area": "GM0344",
                "participants": [
                    {"postcode": "3511",
                     "answers": {item: 1 for item in QUIZ_ITEMS[:MIN_QUIZ_ANSWERS]}}
                ],
            },
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
    participants, reached = await run_in_threadpool(_json_participants, rows)
    return await run_in_threadpool(run_check, cur, str(payload["area"]), participants, reached,
                                   catalogue_of(request))


def _render(request: Request, **context):
    templates = request.app.state.templates
    error = context.get("error")
    return templates.TemplateResponse(
        request,
        "bereikcheck.html",
        {"page": "bereikcheck", "few_participants": reach.FEW_PARTICIPANTS, **context},
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
        data, name, source = deelnemers.encode("utf-8"), "tekstvak.txt", "het tekstvak"
        if bestand is not None and bestand.filename:
            data = await bestand.read(limits.MAX_UPLOAD_BYTES + 1)
            name = bestand.filename
            source = f"'{bestand.filename}'"
        participants, reached = await run_in_threadpool(
            read_participants, data, name, source=source
        )
        result = await run_in_threadpool(run_check, cur, gebied, participants, reached,
                                         catalogue_of(request))
    except BetrokkenError as exc:
        return _render(request, result=None, area=gebied, text=deelnemers, error=exc)
    reached_counts = ""
    if result["profile_basis"] == "bereikt":
        counts = [g["participants"] for g in result["groups"] if g["dimension"] == "profiel"]
        reached_counts = ";".join(f"{c:g}" for c in counts)
    return _render(
        request,
        result=result,
        area=gebied,
        text=deelnemers,
        error=None,
        aggregate=_aggregate_text(participants),
        reached_counts=reached_counts,
        labels={**reach.DIMENSION_LABELS, "profiel": "Profiel (bereikt, uit de quiz)"}
        if reached_counts else reach.DIMENSION_LABELS,
    )


@page_router.post("/download/bereikcheck.xlsx")
async def bereikcheck_xlsx(
    request: Request,
    cur: Cursor,
    gebied: Annotated[str, Form(max_length=2000)],
    deelnemers: Annotated[str, Form(max_length=limits.MAX_PASTE_CHARS)],
    profielen: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    participants = await run_in_threadpool(
        participants_from_text,
        deelnemers,
        source="de deelnemers",
        max_rows=limits.MAX_PARTICIPANT_ROWS,
    )
    reached = None
    if profielen.strip():
        try:
            reached = [float(v) for v in profielen.split(";")]
        except ValueError:
            raise reach.ReachError("Onleesbare profieltelling in het formulier.") from None
        if len(reached) != len(load_model().profile_ids) or min(reached) < 0:
            raise reach.ReachError("Onleesbare profieltelling in het formulier.")
    result = await run_in_threadpool(run_check, cur, gebied, participants, reached,
                                     catalogue_of(request))
    data = await run_in_threadpool(result_workbook, result)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="bereikcheck.xlsx"'},
    )


router = APIRouter()
router.include_router(api_router)
router.include_router(page_router)
