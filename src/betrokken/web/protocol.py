"""The HTTP protocol the dashboard is served with: uvicorn's httptools, URL read bounded.

uvicorn's httptools protocol keeps the whole request line in memory and then fails on a
URL above 64 kB (``httptools.parse_url`` counts in 16 bits) with a plain-text English
400 before the app sees the request; h11 drops the connection instead. Here the URL is
read up to ``limits.MAX_URL_READ_BYTES`` and the rest is discarded while the parser
runs on, so the request still reaches the app, whose ``UrlLengthLimit`` answers any URL
above ``limits.MAX_URL_BYTES`` with a Dutch 414 (JSON for the API, a page otherwise),
with the security headers like every other answer. Memory per request line is bounded
too, however long the line.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from betrokken.web import limits

__all__ = ["BoundedUrlHttpToolsProtocol"]


class BoundedUrlHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that keeps at most ``limits.MAX_URL_READ_BYTES`` of a URL."""

    def on_url(self, url: bytes) -> None:
        room = limits.MAX_URL_READ_BYTES - len(self.url)
        if room > 0:
            self.url += url[:room]
