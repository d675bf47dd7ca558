"""ASGI middleware of the dashboard: security headers, HEAD, URL length, request size.

Plain ASGI (no ``BaseHTTPMiddleware``) so each costs a few dictionary look-ups per
request and streaming answers stay streaming.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from betrokken.web import limits

__all__ = ["BodySizeLimit", "HeadAsGet", "SecurityHeaders", "UrlLengthLimit",
           "CONTENT_SECURITY_POLICY", "SECURITY_HEADERS"]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # style attributes (bars, swatches) and the styles MapLibre/Swagger/ReDoc inject
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    # MapLibre and ReDoc run web workers from blob: URLs
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
"""Everything comes from this server; nothing may frame the dashboard."""

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
    """Refuse a path plus query string above ``max_bytes`` with a Dutch 414."""

    def __init__(self, app: Callable, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            length = len(scope.get("raw_path") or scope["path"].encode()) + len(
                scope.get("query_string") or b""
            )
            if length > self.max_bytes:
                await send_json(send, 414, {
                    "fout": f"Het adres (URL) is te lang: maximaal {self.max_bytes // 1024} kB.",
                    "tip": "Stuur lange postcodelijsten met POST /api/compose.",
                })
                return
        await self.app(scope, receive, send)


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
