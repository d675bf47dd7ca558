"""Profielquiz routes: the JSON contract (GET/POST /api/quiz) and the form page (/quiz).

The page is a plain HTML form that posts to itself: it works without JavaScript and
stores nothing (the answers live only in the request). The printable version is an
HTML print view (/quiz/afdrukken) and the CSV template lists item ids, wording and
option values for a municipality's own survey or sign-up form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from betrokken.errors import BetrokkenError
from betrokken.model.artifact import load_model
from betrokken.model.quiz import (
    MIN_QUIZ_ANSWERS,
    QUIZ_ITEMS,
    QuizAnswerError,
    check_answers,
    quiz_items,
    quiz_posterior,
)
from betrokken.reports.quiz_print import quiz_pdf, quiz_template_csv
from betrokken.web.errors import ERROR_RESPONSES, UPLOAD_RESPONSES

api_router = APIRouter(prefix="/api", tags=["quiz"],
                       responses={**ERROR_RESPONSES, **UPLOAD_RESPONSES})
page_router = APIRouter(include_in_schema=False)

_QUIZ_ERRORS = {422: {"description": "Onbekende vraag, ongeldig antwoord of minder dan "
                        f"{MIN_QUIZ_ANSWERS} antwoorden (JSON: fout, tip)"}}


_EXAMPLE = {item: 1 for item in QUIZ_ITEMS[:MIN_QUIZ_ANSWERS]}


def _model():
    return load_model()


def quiz_result(answers: dict) -> dict[str, Any]:
    model = _model()
    clean = check_answers(model, answers)
    post = quiz_posterior(model, clean)
    best = int(post.argmax())
    return {
        "profile": model.profile_ids[best],
        "probabilities": {pid: float(p) for pid, p in zip(model.profile_ids, post, strict=True)},
        "answered": len(clean),
    }


@api_router.get("/quiz", summary="De vragen van de profielquiz (hoogstens 12)")
def get_quiz() -> dict[str, Any]:
    return {"items": quiz_items(_model())}


@api_router.post(
    "/quiz", summary="Profielkansen uit de antwoorden op de quiz", responses=_QUIZ_ERRORS,
    description=f"Minstens {MIN_QUIZ_ANSWERS} van de vragen beantwoorden; met minder antwoordt "
    "de quiz 422.",
)
def post_quiz(
    payload: dict[str, Any] = Body(..., examples=[{"answers": _EXAMPLE}],
                                   json_schema_extra={
                                       "required": ["answers"],
                                       "properties": {"answers": {"type": "object"}}}),
) -> dict[str, Any]:
    if not isinstance(payload, dict) or "answers" not in payload:
        raise QuizAnswerError(
            "Verplicht veld ontbreekt: answers.",
            hint='Bijvoorbeeld {"answers": {"trust_parliament": 2, …}}.',
        )
    return quiz_result(payload["answers"])


def _render(request: Request, **context):
    templates = request.app.state.templates
    model = _model()
    return templates.TemplateResponse(
        request,
        "quiz.html",
        {
            "page": "quiz",
            "questions": quiz_items(model),  # not "items": base.html sets that name (nav)
            "cards": {p["id"]: p for p in model.profiles},
            "order": model.profile_ids,
            "minimum": MIN_QUIZ_ANSWERS,
            **context,
        },
        status_code=422 if context.get("error") else 200,
    )


@page_router.get("/quiz")
def quiz_page(request: Request):
    return _render(request, result=None, answers={}, error=None, printable=False)


@page_router.get("/quiz/afdrukken")
def quiz_print(request: Request):
    return _render(request, result=None, answers={}, error=None, printable=True)


@page_router.post("/quiz")
async def quiz_submit(request: Request):
    form = await request.form()
    answers = {k: v for k, v in form.items() if isinstance(v, str) and v != ""}
    try:
        result = quiz_result(answers)
    except BetrokkenError as exc:
        return _render(request, result=None, answers=answers, error=exc, printable=False)
    ranked = sorted(result["probabilities"].items(), key=lambda kv: -kv[1])
    return _render(
        request, result=result, ranked=ranked, answers=answers, error=None, printable=False
    )


@page_router.get("/quiz/sjabloon.csv")
def quiz_template() -> Response:
    return Response(
        quiz_template_csv(_model()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="profielquiz-sjabloon.csv"'},
    )


@page_router.get("/quiz/profielquiz.pdf")
async def quiz_print_pdf() -> Response:
    from fastapi.concurrency import run_in_threadpool

    return Response(
        await run_in_threadpool(quiz_pdf, _model()),
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="profielquiz.pdf"'},
    )


router = APIRouter()
router.include_router(api_router)
router.include_router(page_router)
