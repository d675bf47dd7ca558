"""The dashboard: ``create_app(db_path)`` builds the FastAPI app the CLI serves.

One read-only DuckDB connection is opened at start-up; each request works on its own
cursor (DuckDB cursors are independent connections to the same database, safe across
threads). Facts that never change while serving (profiles, levels, sources) are read
once into a ``Catalogue``; GeoJSON answers are cached in memory per area and level.

Every user mistake surfaces as a ``BetrokkenError`` and becomes a 4xx answer with a
Dutch message: JSON ``{"fout": ..., "tip": ...}`` under ``/api``, an HTML page elsewhere.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from betrokken.areas.compose import PostcodeComposer
from betrokken.areas.postcodes import PostcodeListError, TooManyPostcodesError
from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.store.database import connect
from betrokken.web import limits, queries
from betrokken.web.formatting import FILTERS

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"


class Dashboard:
    """What the app holds while serving: the connection, the catalogue, the caches."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self.con = connect(self.db_path, read_only=True)
        # Requests run side by side; tiny queries gain nothing from intra-query threads.
        self.con.execute(f"SET threads = {limits.DUCKDB_THREADS}")
        self.catalogue = queries.load_catalogue(self.con)
        self._geojson: OrderedDict[tuple[str, str | None], tuple[bytes, bytes]] = OrderedDict()
        self._compositions: OrderedDict[tuple[str, ...], dict] = OrderedDict()
        self._lock = threading.Lock()
        self._composer: PostcodeComposer | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def composer(self) -> PostcodeComposer | None:
        """The PC4 arrays for compositions, loaded on first use and kept."""
        if not self.catalogue.has_mix:
            return None
        with self._lock:
            if self._composer is None:
                cur = self.cursor()
                try:
                    self._composer = PostcodeComposer.from_database(cur)
                finally:
                    cur.close()
            return self._composer

    def compose(self, codes: list[str]) -> dict:
        """Composition of a set of postcodes, remembered per set (order-free).

        The result page, its CSV and its map ask for the same set in a row.
        """
        from betrokken.web.composition import compose

        key = tuple(sorted(codes))
        with self._lock:
            if key in self._compositions:
                self._compositions.move_to_end(key)
                return self._compositions[key]
        result = compose(self.composer(), self.catalogue, list(key))
        with self._lock:
            self._compositions[key] = result
            while len(self._compositions) > limits.COMPOSE_CACHE_SIZE:
                self._compositions.popitem(last=False)
        return result

    def geojson(self, code: str, level: str | None) -> tuple[bytes, bytes]:
        """GeoJSON of an area's children (or the area itself), plain and gzipped, made once.

        National maps are megabytes of coordinates; compressing them once instead of on
        every request keeps both the transfer and the server's CPU small.
        """
        key = (code, level)
        with self._lock:
            if key in self._geojson:
                self._geojson.move_to_end(key)
                return self._geojson[key]
        cur = self.cursor()
        try:
            text = queries.children_geojson(cur, self.catalogue, code, level).encode()
        finally:
            cur.close()
        pair = (text, gzip.compress(text, compresslevel=6))
        with self._lock:
            self._geojson[key] = pair
            while len(self._geojson) > limits.GEOJSON_CACHE_SIZE:
                self._geojson.popitem(last=False)
        return pair


def create_app(db_path: str | Path) -> FastAPI:
    """The dashboard and JSON API on a built (read-only) database."""
    from betrokken.web import api, basemap, downloads, pages

    dashboard = Dashboard(Path(db_path))
    levels = ", ".join(
        {"gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt", "pc4": "postcode (PC4)"}[lvl]
        for lvl in dashboard.catalogue.levels
    )
    app = FastAPI(
        title="betrokken API",
        description=(
            f"Betrokkenheidsprofielen per {levels} (alleen de niveaus in deze database): "
            "profielmix met 90%-intervallen, indices en demografie. Alle gegevens van het "
            "dashboard zijn hier ook als JSON op te vragen."
        ),
        version="1",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.dashboard = dashboard
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    templates.env.filters.update(FILTERS)
    templates.env.globals["catalogue"] = dashboard.catalogue
    templates.env.globals["limits"] = limits
    app.state.templates = templates

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(api.router)
    app.include_router(basemap.router)
    app.include_router(downloads.router)
    app.include_router(pages.router)
    _install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=limits.GZIP_MIN_BYTES)
    app.add_middleware(BodySizeLimit, max_bytes=limits.MAX_REQUEST_BYTES)
    return app


def cursor_dependency(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """FastAPI dependency: a fresh cursor for this request, closed afterwards."""
    cur = request.app.state.dashboard.cursor()
    try:
        yield cur
    finally:
        cur.close()


# --- errors -------------------------------------------------------------------------


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
    """The one shape of an error: JSON for the API, a Dutch HTML page for people."""
    if _wants_json(request):
        body = {"fout": message}
        if hint:
            body["tip"] = hint
        return JSONResponse(body, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "hint": hint, "page": "fout"},
        status_code=status,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BetrokkenError)
    async def _betrokken_error(request: Request, exc: BetrokkenError):
        return error_response(request, status_for(exc), exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        return error_response(request, 422, *_dutch_validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        messages = {
            404: "Deze pagina of dit adres bestaat niet.",
            405: "Deze methode is hier niet toegestaan.",
        }
        message = messages.get(exc.status_code) or (
            exc.detail if isinstance(exc.detail, str) else "Ongeldig verzoek."
        )
        return error_response(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # pragma: no cover - a bug
        return error_response(
            request, 500, "Er ging iets mis in het dashboard zelf (geen fout in uw invoer)."
        )


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
    if kind in ("string_too_long", "string_too_short"):
        return f"De waarde van {field} is te lang of te kort.", None
    if kind == "literal_error" or kind == "enum":
        allowed = str(first.get("ctx", {}).get("expected", "")).replace(" or ", " of ")
        return f"Ongeldige waarde voor {field}.", f"Toegestaan: {allowed}." if allowed else None
    return f"Ongeldige invoer in {field}.", None


# --- request size -------------------------------------------------------------------


class BodySizeLimit:
    """ASGI middleware: refuse bodies above ``max_bytes`` with a Dutch 413.

    Checks the declared Content-Length first and counts the streamed bytes as well, so
    a chunked upload without a length cannot get around the limit.
    """

    def __init__(self, app: Callable, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        refused = False

        async def counting_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    def _message(self) -> str:
        return (
            f"Het verzoek is te groot: maximaal {self.max_bytes // 1024} kB. "
            f"Stuur een kortere lijst (hoogstens {limits.MAX_COMPOSE_POSTCODES} postcodes)."
        )

    async def _refuse(self, send) -> None:
        import json

        body = json.dumps({"fout": self._message()}, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


__all__ = ["create_app", "cursor_dependency", "error_response"]
