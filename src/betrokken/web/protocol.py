"""The HTTP protocol the dashboard is served with: uvicorn's httptools, URL read bounded.

uvicorn's httptools protocol keeps the whole request line in memory and then fails on a
URL above 64 kB (``httptools.parse_url`` counts in 16 bits) with a plain-text English
400 before the app sees the request; h11 drops the connection instead. Here the URL is
read up to ``limits.MAX_URL_READ_BYTES`` and the rest is discarded while the parser
runs on, so the request still reaches the app, whose ``UrlLengthLimit`` answers any URL
above ``limits.MAX_URL_BYTES`` with a Dutch 414 (JSON for the API, a page otherwise),
with the security headers like every other answer. Memory per request line is bounded
too, however long the line.

The request headers are bounded as well (``limits.MAX_HEADER_BYTES``, Dutch 431), and
the answers the server gives itself, before any app runs (a request it cannot parse:
uvicorn's plain English 400), are Dutch and carry the security headers: JSON under
``/api`` and ``/download``, a small page otherwise.
"""

from __future__ import annotations

import html
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from betrokken.web import limits
from betrokken.web.headers import SECURITY_HEADERS

__all__ = ["BoundedUrlHttpToolsProtocol", "raw_error_response"]

BAD_REQUEST_NL = "Het verzoek kon niet gelezen worden: het is geen geldig HTTP-verzoek."
HEADERS_TOO_LARGE_NL = (
    f"De kopregels (headers) van het verzoek zijn te groot: maximaal "
    f"{limits.MAX_HEADER_BYTES // 1024} kB."
)
_REASONS = {400: b"Bad Request", 431: b"Request Header Fields Too Large"}


class _HeadersTooLarge(Exception):
    """Raised inside the parser's callback; turned into the Dutch 431."""


def raw_error_response(status: int, message: str, *, as_json: bool) -> bytes:
    """A complete HTTP/1.1 error answer (status line, headers, body) that closes the
    connection: the Dutch message as ``{"fout": ...}`` or as a minimal page."""
    if as_json:
        body = json.dumps({"fout": message}, ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        body = (
            '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
            f"<title>Fout {status}</title></head><body><h1>Fout {status}</h1>"
            f"<p>{html.escape(message)}</p></body></html>"
        ).encode()
        kind = b"text/html"
    lines = [b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, b"Error")),
             b"content-type: " + kind + b"; charset=utf-8",
             b"content-length: " + str(len(body)).encode(),
             b"connection: close"]
    lines += [name + b": " + value for name, value in SECURITY_HEADERS]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class BoundedUrlHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that keeps at most ``limits.MAX_URL_READ_BYTES`` of a URL,
    refuses headers above ``limits.MAX_HEADER_BYTES`` and answers its own errors in Dutch."""

    _header_bytes = 0  # complete headers of the current request
    _pending_bytes = 0  # chunks read while the request line or headers were unfinished
    _url_bytes = 0  # the whole URL, also the part not kept
    _in_headers = False
    _headers_too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = self._pending_bytes = self._url_bytes = 0
        self._in_headers = True

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        room = limits.MAX_URL_READ_BYTES - len(self.url)
        if room > 0:
            self.url += url[:room]

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > limits.MAX_HEADER_BYTES:
            self._headers_too_large = True
            raise _HeadersTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_headers = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        in_headers = self._in_headers
        super().data_received(data)
        # The parser buffers a header line until it ends: count whole chunks read while
        # the headers are unfinished, less the URL (bounded on its own), so one endless
        # header line is refused too.
        if in_headers and self._in_headers and not self.transport.is_closing():
            self._pending_bytes += len(data)
            if self._pending_bytes - self._url_bytes > limits.MAX_HEADER_BYTES + 1024:
                self._headers_too_large = True
                self.send_400_response("")

    def send_400_response(self, msg: str) -> None:
        as_json = self.url.startswith((b"/api", b"/download"))
        if self._headers_too_large:
            answer = raw_error_response(431, HEADERS_TOO_LARGE_NL, as_json=as_json)
        else:
            answer = raw_error_response(400, BAD_REQUEST_NL, as_json=as_json)
        self.transport.write(answer)
        self.transport.close()
