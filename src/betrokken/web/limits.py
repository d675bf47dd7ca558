"""Every size limit of the web app in one place (like datasette's settings).

The limits protect the server (memory, CPU) and keep answers readable; the messages
that enforce them quote these numbers, so changing a limit here changes it everywhere.
"""

from __future__ import annotations

from betrokken.limits import (  # the limits on uploaded tables, shared with the CLI
    MAX_PARTICIPANT_COUNT,
    MAX_PARTICIPANT_ROWS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_CELLS,
    MAX_UPLOAD_COLUMNS,
    MAX_UPLOAD_ROWS,
    MAX_UPLOAD_UNPACKED_BYTES,
)

__all__ = [
    "MAX_COMPOSE_POSTCODES",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_ROWS",
    "MAX_UPLOAD_UNPACKED_BYTES",
    "MAX_UPLOAD_COLUMNS",
    "MAX_UPLOAD_CELLS",
    "MAX_PARTICIPANT_COUNT",
    "MAX_PASTE_CHARS",
    "MAX_PARTICIPANT_ROWS",
    "MAX_REQUEST_BYTES",
    "MAX_URL_BYTES",
    "MAX_URL_READ_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_QUERY_POSTCODE_CHARS",
    "MIN_COMPARE_AREAS",
    "MAX_COMPARE_AREAS",
    "MIN_SEARCH_CHARS",
    "MAX_SEARCH_CHARS",
    "SEARCH_RESULT_LIMIT",
    "COMPARE_CHOICES",
    "TOP_AREAS",
    "MAX_AREA_CODE_CHARS",
    "GEOJSON_CACHE_SIZE",
    "AREA_CACHE_SIZE",
    "PAGE_CACHE_SIZE",
    "DUCKDB_THREADS",
    "COMPOSE_CACHE_SIZE",
    "MAX_COMPARE_QUERY_CHARS",
    "GZIP_MIN_BYTES",
    "GEOJSON_MAX_AGE_S",
]

MAX_COMPOSE_POSTCODES = 500
"""Most distinct postcodes in one custom area (pasted, uploaded, JSON or map request)."""

MAX_PASTE_CHARS = 100_000
"""Longest pasted postcode text in the custom-area form."""

MIN_COMPARE_AREAS = 2
MAX_COMPARE_AREAS = 4
"""Areas shown side by side on the compare page."""

MIN_SEARCH_CHARS = 2
MAX_SEARCH_CHARS = 100
SEARCH_RESULT_LIMIT = 25
COMPARE_CHOICES = 10
"""Candidates listed when a name typed in compare fits several areas."""

TOP_AREAS = 15
"""Rows in the 'where does this target group live' list."""

MAX_AREA_CODE_CHARS = 20
"""Longer path parameters are rejected before they reach the database."""

GEOJSON_CACHE_SIZE = 512
"""GeoJSON answers (per area + level) kept in memory; the database is read-only."""

AREA_CACHE_SIZE = 8192
"""Serialised /api/areas answers kept in memory (about 3 kB each, plus the gzipped copy)."""

PAGE_CACHE_SIZE = 1024
"""Rendered HTML pages kept in memory per path + query (tens of kB each, plus gzip)."""

MAX_REQUEST_BYTES = 1024 * 1024
"""Largest request body of any kind (form with pasted text plus a file, or JSON)."""

MAX_URL_BYTES = 16 * 1024
"""Longest path plus query string; longer lists of postcodes go in a POST body. A longer
URL gets a Dutch 414 (``web.middleware.UrlLengthLimit``)."""

MAX_URL_READ_BYTES = 32 * 1024
"""How much of a request's URL the server keeps (``web.protocol``); the rest of a longer
request line is read and dropped, so the app still sees a URL above ``MAX_URL_BYTES`` and
answers 414. Must stay below 64 kB, the most ``httptools.parse_url`` can parse."""

MAX_HEADER_BYTES = 16 * 1024
"""Most bytes of request headers (names and values; the URL is bounded on its own). More
gets a Dutch 431 from the server itself (``web.protocol``); browsers send about 1 kB."""

MAX_QUERY_POSTCODE_CHARS = 4096
"""Longest postcode list in a query string (500 codes as '3511AB,' fit). Well below
MAX_URL_BYTES, so a list slightly too long gets the field's own 422 message."""

DUCKDB_THREADS = 1
"""DuckDB threads per query: concurrency comes from parallel requests instead."""

COMPOSE_CACHE_SIZE = 256
"""Custom-area compositions kept in memory (keyed by the sorted set of postcodes)."""

MAX_COMPARE_QUERY_CHARS = 200
"""Longest ``codes`` query of the compare API (four area codes and separators fit)."""

GZIP_MIN_BYTES = 2048
"""Smaller responses are sent uncompressed (gzip would not pay for itself)."""

GEOJSON_MAX_AGE_S = 3600
"""How long browsers may cache a map layer (the database only changes on a rebuild)."""
