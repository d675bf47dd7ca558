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
import json
import threading
from collections import OrderedDict
from pathlib import Path

import duckdb
from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from betrokken.areas.compose import PostcodeComposer
from betrokken.store import area_answers, geojson
from betrokken.store.catalogue import load_catalogue
from betrokken.store.database import connect
from betrokken.store.pc4_estimates import load_composer
from betrokken.themes import THEMES
from betrokken.web import (
    api_docs,
    area,
    basemap,
    compare,
    downloads,
    limits,
    method,
    openapi_schema,
    own_area,
    profiles,
    quiz,
    reach,
    start,
    target_group,
    themes,
)
from betrokken.web.composition import compose
from betrokken.web.deps import cursor_dependency
from betrokken.web.errors import error_response, install_error_handlers
from betrokken.web.formatting import FILTERS
from betrokken.web.middleware import (
    BodySizeLimit,
    HeadAsGet,
    PageCache,
    SecurityHeaders,
    UrlLengthLimit,
)
from betrokken.web.palette import colour_profiles
from betrokken.web.provenance import public_catalogue

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
        self.catalogue = public_catalogue(colour_profiles(load_catalogue(self.con)))
        self._geojson: OrderedDict[tuple[str, str | None], tuple[bytes, bytes]] = OrderedDict()
        self._compositions: OrderedDict[tuple[str, ...], dict] = OrderedDict()
        self._areas: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
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
                    self._composer = load_composer(cur)
                finally:
                    cur.close()
            return self._composer

    def compose(self, codes: list[str]) -> dict:
        """Composition of a set of postcodes, remembered per set (order-free).

        The result page, its CSV and its map ask for the same set in a row.
        """
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

    def area_json(self, code: str) -> tuple[bytes, bytes]:
        """The ``/api/areas/{code}`` answer as JSON bytes, plain and gzipped, made once.

        The catalogue never changes while serving, so an area's answer is serialised
        and compressed on first request and then only copied to the socket.
        """
        with self._lock:
            if code in self._areas:
                self._areas.move_to_end(code)
                return self._areas[code]
        detail = area_answers.area_detail(self.catalogue, code)
        text = json.dumps(
            jsonable_encoder(detail), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode()
        pair = (text, gzip.compress(text, compresslevel=6))
        with self._lock:
            self._areas[code] = pair
            while len(self._areas) > limits.AREA_CACHE_SIZE:
                self._areas.popitem(last=False)
        return pair

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
            text = geojson.children_geojson(cur, self.catalogue, code, level).encode()
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
        docs_url=None,  # served from vendored assets by web.api_docs
        redoc_url=None,
    )
    app.state.dashboard = dashboard
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    templates.env.filters.update(FILTERS)
    templates.env.globals["catalogue"] = dashboard.catalogue
    templates.env.globals["limits"] = limits
    templates.env.globals["theme_titles"] = list(THEMES.items())
    app.state.templates = templates

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    # one module per page family, its JSON (``api_router``) and its pages (``page_router``);
    # the JSON routers first, in the order of the OpenAPI document
    families = (area, profiles, start, own_area, compare, target_group, method)
    for module in families:
        app.include_router(module.api_router)
    app.include_router(themes.api_router)
    app.include_router(themes.page_router)
    app.include_router(basemap.router)
    app.include_router(downloads.router)
    for module in families:
        app.include_router(module.page_router)
    app.include_router(api_docs.router)
    for module in (quiz, reach):  # their API and page routers, flat (one route per method)
        app.include_router(module.api_router)
        app.include_router(module.page_router)
    install_error_handlers(app)
    openapi_schema.install(app, dashboard.catalogue.levels, dashboard.catalogue.profile_ids)
    # the last added runs first: headers on every answer, HEAD, URL limit, the page
    # cache, then the body limit and gzip for whatever the cache does not hold
    app.add_middleware(GZipMiddleware, minimum_size=limits.GZIP_MIN_BYTES)
    app.add_middleware(BodySizeLimit, max_bytes=limits.MAX_REQUEST_BYTES)
    app.add_middleware(PageCache, max_pages=limits.PAGE_CACHE_SIZE)
    app.add_middleware(UrlLengthLimit, max_bytes=limits.MAX_URL_BYTES)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    return app


__all__ = ["create_app", "cursor_dependency", "error_response"]
