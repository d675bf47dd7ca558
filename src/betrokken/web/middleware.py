"""ASGI middleware of the dashboard: request size and response headers."""

from __future__ import annotations

from collections.abc import Callable

from betrokken.web import limits

__all__ = ["BodySizeLimit"]


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
