"""ASGI middleware of the dashboard: security headers, HEAD, URL length, request size.

Plain ASGI (no ``BaseHTTPMiddleware``) so each costs a few dictionary look-ups per
request and streaming answers stay streaming.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from betrokken.web import limits
from betrokken.web.errors import INTERNAL_ERROR_NL, error_response
from betrokken.web.headers import CONTENT_SECURITY_POLICY, SECURITY_HEADERS

__all__ = ["BodySizeLimit", "HeadAsGet", "PageCache", "SecurityHeaders", "UrlLengthLimit",
           "CONTENT_SECURITY_POLICY", "SECURITY_HEADERS"]

class SecurityHeaders:
    """Add ``SECURITY_HEADERS`` to every answer (pages, API, static files, errors).

    A redirect never sends people to the host the request named: Starlette builds the
    trailing-slash redirect from the ``Host`` header (``GET /gebied/`` with ``Host:
    evil.example`` would point to ``http://evil.example/gebied``), so a ``Location`` on
    this server is cut to its path and query, relative to the configured base.

    An exception that escapes the app before an answer started becomes the Dutch 500 of
    ``web.errors`` here, inside this layer, so it carries the headers too; the exception
    is logged with its traceback (for the operator, never in the answer).
    """

    def __init__(self, app: Callable):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, _relative(v) if k.lower() == b"location" else v)
                           for k, v in message.get("headers") or []]
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started:
                raise
            logging.getLogger("betrokken.web").exception(
                "Onverwachte fout bij %s %s", scope.get("method"), scope.get("path"))
            await send_json(send_with_headers, 500, {"fout": _internal_error_text()})


def _relative(location: bytes) -> bytes:
    """``http://any.host/gebied?x`` -> ``/gebied?x``: redirects stay on this server."""
    from urllib.parse import urlsplit

    parts = urlsplit(location.decode("latin-1"))
    if not parts.scheme and not parts.netloc:
        return location
    path = "/" + parts.path.lstrip("/")  # '//evil.example' would be a host again
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


def _internal_error_text() -> str:
    return INTERNAL_ERROR_NL


class HeadAsGet:
    """Answer ``HEAD`` on every GET route: the GET answer's status and headers, no body."""

    def __init__(self, app: Callable):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message):
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class UrlLengthLimit:
    """Refuse a path plus query string above ``max_bytes`` with a Dutch 414.

    The answer has the shape of every error (``web.errors.error_response``): JSON under
    ``/api``, a Dutch page for people. Served by uvicorn, URLs of any length get here
    (``web.protocol`` keeps the first ``limits.MAX_URL_READ_BYTES`` of them).
    """

    def __init__(self, app: Callable, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            length = len(scope.get("raw_path") or scope["path"].encode()) + len(
                scope.get("query_string") or b""
            )
            if length > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, scope, receive, send) -> None:
        from starlette.requests import Request

        request = Request(scope)
        message = f"Het adres (URL) is te lang: maximaal {self.max_bytes // 1024} kB."
        if scope["path"].startswith(("/api", "/download")):
            hint = "Stuur lange postcodelijsten met POST /api/compose."
        else:
            hint = "Plak een lange postcodelijst in het formulier op /eigen-gebied."
        response = error_response(request, 414, message, hint)
        await response(scope, receive, send)


async def send_json(send, status: int, body: dict) -> None:
    """Send a complete JSON answer from middleware (before the app has run)."""
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(data)).encode()),
        ],
    })
    await send({"type": "http.response.body", "body": data})


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
            await self._refuse(scope, receive, send)
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
                    await self._refuse(scope, receive, send)
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

    async def _refuse(self, scope, receive, send) -> None:
        """The Dutch 413 in the shape of every error: JSON for the API, a page for people."""
        from starlette.requests import Request


        response = error_response(Request(scope), 413, self._message())
        await response(scope, receive, send)


class PageCache:
    """Keep rendered HTML pages (GET, 200), area answers and area report PDFs in memory.

    The database is read-only while serving and the pages depend only on their path and
    query string, so a page is rendered once and then copied to the socket; an area page
    costs ~15 ms of CPU to render and well under 1 ms to copy. The inner app sees no
    ``Accept-Encoding`` (the cache compresses once itself); non-HTML answers stream
    through untouched.
    """

    NOT_PAGES = ("/api/", "/download/", "/static/", "/openapi.json", "/methode/img/")
    """Answers that are not pages: they have caches of their own or stream files."""
    ALSO_CACHED = re.compile(r"^/api/areas/[A-Za-z0-9]{1,20}$")
    """The one API answer asked for as often as a page (a few kB of JSON per area)."""
    REPORTS = re.compile(r"^/api/areas/[A-Za-z0-9]{1,20}/report\.pdf$")
    """Area reports (the national one takes 1-3 s to typeset): kept apart, a few at most."""

    def __init__(self, app: Callable, max_pages: int, min_gzip_bytes: int = 2048,
                 max_reports: int = 16):
        import threading
        from collections import OrderedDict

        self.app = app
        self.max_pages = max_pages
        self.max_reports = max_reports
        self.min_gzip_bytes = min_gzip_bytes
        self._pages: OrderedDict[tuple[str, bytes], tuple[list, bytes, bytes]] = OrderedDict()
        self._reports: OrderedDict[tuple[str, bytes], tuple[list, bytes, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        report = bool(self.REPORTS.match(scope["path"]))
        if not (report or self.ALSO_CACHED.match(scope["path"])
                or not scope["path"].startswith(self.NOT_PAGES)):
            await self.app(scope, receive, send)
            return
        store, limit = (self._reports, self.max_reports) if report else (self._pages,
                                                                          self.max_pages)
        kinds = (b"application/pdf",) if report else (b"text/html", b"application/json")
        headers = scope.get("headers") or []
        wants_gzip = any(k == b"accept-encoding" and b"gzip" in v for k, v in headers)
        key = (scope["path"], scope.get("query_string") or b"")
        with self._lock:
            hit = store.get(key)
            if hit is not None:
                store.move_to_end(key)
        if hit is not None:
            await self._send(send, *hit, wants_gzip)
            return

        inner_scope = {**scope, "headers": [(k, v) for k, v in headers
                                            if k != b"accept-encoding"]}
        start: dict | None = None
        chunks: list[bytes] = []
        caching = False

        async def capture(message):
            nonlocal start, caching
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers") or []).get(b"content-type", b"")
                caching = message["status"] == 200 and content_type.startswith(kinds)
                if not caching:
                    await send(message)
                start = message
                return
            if message["type"] == "http.response.body" and caching:
                chunks.append(message.get("body", b""))
                return
            await send(message)

        await self.app(inner_scope, receive, capture)
        if not caching or start is None:
            return
        import gzip

        body = b"".join(chunks)
        page_headers = [(k, v) for k, v in start.get("headers") or []
                        if k not in (b"content-length", b"content-encoding", b"vary")]
        # a PDF is compressed inside already: its 'packed' copy is itself, never sent gzipped
        entry = (page_headers, body, body if report else gzip.compress(body, compresslevel=6))
        with self._lock:
            store[key] = entry
            while len(store) > limit:
                store.popitem(last=False)
        await self._send(send, *entry, wants_gzip)

    async def _send(self, send, headers, plain, packed, wants_gzip) -> None:
        out = list(headers) + [(b"vary", b"Accept-Encoding")]
        body = plain
        if wants_gzip and len(plain) >= self.min_gzip_bytes and packed is not plain:
            body = packed
            out.append((b"content-encoding", b"gzip"))
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": body})
