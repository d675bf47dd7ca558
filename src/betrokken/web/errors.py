"""How an error looks: Dutch JSON under /api and /download, a Dutch HTML page elsewhere.

Every user mistake is a ``BetrokkenError`` with a status (``status_for``); FastAPI's own
validation and HTTP errors are translated here too, so no answer carries English or a
traceback.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from betrokken.areas.postcodes import PostcodeListError, TooManyPostcodesError
from betrokken.errors import BetrokkenError, UnknownAreaError, safe_text
from betrokken.web.headers import SECURITY_HEADERS

__all__ = [
    "ERROR_RESPONSES", "UPLOAD_RESPONSES", "ErrorBody", "error_response",
    "install_error_handlers", "status_for",
]


class ErrorBody(BaseModel):
    """Every error answer: a Dutch message and, often, a hint."""

    fout: str = Field(description="Wat er mis is, in het Nederlands.")
    tip: str | None = Field(None, description="Hoe het wel kan.")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("Ongeldige invoer (bv. een niveau dat niet onder dit gebied bestaat)."),
    404: _error("Gebied, profiel of postcode bestaat niet in deze database."),
    414: _error("Het adres (URL) is te lang."),
    422: _error("Een parameter of de inhoud van het verzoek heeft de verkeerde vorm."),
}
UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: _error("Verzoek of bestand te groot, of te veel postcodes."),
    503: _error("Deze database heeft (nog) geen profielmix."),
}


def status_for(exc: BetrokkenError) -> int:
    if isinstance(exc, UnknownAreaError):
        return 404
    if isinstance(exc, TooManyPostcodesError):
        return 413
    if isinstance(exc, PostcodeListError):
        return 422
    return getattr(exc, "status_code", 400)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path.startswith("/download") or path.endswith(".json")


def error_response(request: Request, status: int, message: str, hint: str | None = None):
    """The one shape of an error: JSON for the API, a Dutch HTML page for people.

    Message and hint may repeat the user's input: ``safe_text`` makes them writable
    (no lone surrogates) and short. The security headers are set here too, so an answer
    made outside the middleware stack (a 500 from Starlette's outermost layer) has them.
    """
    message = safe_text(message)
    hint = None if hint is None else safe_text(hint)
    if _wants_json(request):
        body = {"fout": message}
        if hint:
            body["tip"] = hint
        response = JSONResponse(body, status_code=status)
    else:
        templates: Jinja2Templates = request.app.state.templates
        response = templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "message": message, "hint": hint, "page": "fout"},
            status_code=status,
        )
    for name, value in SECURITY_HEADERS:
        response.headers[name.decode()] = value.decode()
    return response


INTERNAL_ERROR_NL = "Er ging iets mis in het dashboard zelf (geen fout in uw invoer)."
"""The one text of a 500: the server's own fault, said in Dutch."""


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BetrokkenError)
    async def _betrokken_error(request: Request, exc: BetrokkenError):
        return error_response(request, status_for(exc), exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        return error_response(request, 422, *_dutch_validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        message = _HTTP_MESSAGES_NL.get(exc.status_code) or "Ongeldig verzoek."
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
            response.headers[name] = value
        if exc.status_code == 405:  # every method of every route on this path, not the first
            response.headers["Allow"] = _allowed_methods(request) or response.headers.get(
                "Allow", "")
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # pragma: no cover - a bug
        try:
            return error_response(request, 500, INTERNAL_ERROR_NL)
        except Exception:  # the error page itself failed: the plain JSON shape

            return JSONResponse({"fout": INTERNAL_ERROR_NL}, status_code=500, headers={
                k.decode(): v.decode() for k, v in SECURITY_HEADERS})


def _allowed_methods(request: Request) -> str:
    from starlette.routing import Match

    methods: set[str] = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


_HTTP_MESSAGES_NL = {
    400: "Het verzoek kon niet gelezen worden (ongeldige of te diep geneste JSON, of een "
    "kapotte formulierinhoud).",
    404: "Deze pagina of dit adres bestaat niet.",
    405: "Deze methode is hier niet toegestaan.",
}
"""Starlette's own errors carry English details; people get these instead."""

_FIELD_NAMES_NL = {
    "q": "zoekterm (q)",
    "level": "niveau (level)",
    "body": "de inhoud van het verzoek",
    "code": "gebiedscode",
    "codes": "gebiedscodes (codes)",
    "profile": "profiel",
    "scope": "gebied (scope)",
}


def _dutch_validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "Ongeldige invoer.", None
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("query", "path")]
    field = _FIELD_NAMES_NL.get(loc[0], loc[0]) if loc else "de invoer"
    kind = first.get("type", "")
    if kind == "missing":
        return f"Verplicht veld ontbreekt: {field}.", None
    if kind in ("json_invalid", "model_attributes_type", "list_type"):
        return (
            f"Ongeldige invoer in {field}: verwacht een JSON-lijst.",
            'Bijvoorbeeld: ["3511", "3512"]',
        )
    if kind == "string_pattern_mismatch" and field == "gebiedscode":
        return (
            f"'{safe_text(first.get('input', ''), 40)}' is geen geldige gebiedscode.",
            "Gebruik een code als GM0344 (gemeente), WK034401 (wijk), BU03440101 (buurt), "
            "3511 (postcode) of NL.",
        )
    if kind in ("string_too_long", "string_too_short"):
        return f"De waarde van {field} is te lang of te kort.", None
    if kind == "literal_error" or kind == "enum":
        allowed = str(first.get("ctx", {}).get("expected", "")).replace(" or ", " of ")
        return f"Ongeldige waarde voor {field}.", f"Toegestaan: {allowed}." if allowed else None
    return f"Ongeldige invoer in {field}.", None
