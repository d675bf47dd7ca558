"""ASGI middleware of the dashboard: security headers, HEAD, URL length, request size.

Plain ASGI (no ``BaseHTTPMiddleware``) so each costs a few dictionary look-ups per
request and streaming answers stay streaming.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from betrokken.web import limits
from betrokken.web.errors import error_response

__all__ = ["BodySizeLimit", "HeadAsGet", "PageCache", "SecurityHeaders", "UrlLengthLimit",
           "CONTENT_SECURITY_POLICY", "SECURITY_HEADERS"]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # style attributes (bars, swatches) and the styles MapLibre/Swagger/ReDoc inject
    "style-src 'self' 'unsafe-inline'",
    # the PDOK background map (BRT-Achtergrondkaart) when reachable; own outlines otherwise
    "img-src 'self' data: blob: https://service.pdok.nl",
    "font-src 'self' data:",
    "connect-src 'self' https://service.pdok.nl",
    # MapLibre and ReDoc run web workers from blob: URLs
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
"""Everything comes from this server (plus PDOK's background tiles); nothing may frame the
dashboard."""

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


class SecurityHeaders:
    """Add ``SECURITY_HEADERS`` to every answer (pages, API, static files, errors)."""

    def __init__(self, app: Callable):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
        await send_json(send, 413, {"fout": self._message()})


class PageCache:
    """Keep rendered HTML pages (GET, 200) and area answers in memory, plain and gzipped.

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

    def __init__(self, app: Callable, max_pages: int, min_gzip_bytes: int = 2048):
        import threading
        from collections import OrderedDict

        self.app = app
        self.max_pages = max_pages
        self.min_gzip_bytes = min_gzip_bytes
        self._pages: OrderedDict[tuple[str, bytes], tuple[list, bytes, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or not (
            self.ALSO_CACHED.match(scope["path"]) or not scope["path"].startswith(self.NOT_PAGES)
        ):
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        wants_gzip = any(k == b"accept-encoding" and b"gzip" in v for k, v in headers)
        key = (scope["path"], scope.get("query_string") or b"")
        with self._lock:
            hit = self._pages.get(key)
            if hit is not None:
                self._pages.move_to_end(key)
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
                caching = message["status"] == 200 and content_type.startswith(
                    (b"text/html", b"application/json")
                )
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
        entry = (page_headers, body, gzip.compress(body, compresslevel=6))
        with self._lock:
            self._pages[key] = entry
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)
        await self._send(send, *entry, wants_gzip)

    async def _send(self, send, headers, plain, packed, wants_gzip) -> None:
        out = list(headers) + [(b"vary", b"Accept-Encoding")]
        body = plain
        if wants_gzip and len(plain) >= self.min_gzip_bytes:
            body = packed
            out.append((b"content-encoding", b"gzip"))
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": body})
