"""Every size limit of the web app in one place (like datasette's settings).

The limits protect the server (memory, CPU) and keep answers readable; the messages
that enforce them quote these numbers, so changing a limit here changes it everywhere.
"""

from __future__ import annotations

__all__ = [
    "MAX_COMPOSE_POSTCODES",
    "MAX_UPLOAD_BYTES",
    "MAX_PASTE_CHARS",
    "MAX_REQUEST_BYTES",
    "MIN_COMPARE_AREAS",
    "MAX_COMPARE_AREAS",
    "MIN_SEARCH_CHARS",
    "MAX_SEARCH_CHARS",
    "SEARCH_RESULT_LIMIT",
    "COMPARE_CHOICES",
    "TOP_AREAS",
    "MAX_AREA_CODE_CHARS",
    "GEOJSON_CACHE_SIZE",
    "DUCKDB_THREADS",
    "COMPOSE_CACHE_SIZE",
    "MAX_COMPARE_QUERY_CHARS",
    "GZIP_MIN_BYTES",
    "GEOJSON_MAX_AGE_S",
]

MAX_COMPOSE_POSTCODES = 500
"""Most distinct postcodes in one custom area (pasted, uploaded, JSON or map request)."""

MAX_UPLOAD_BYTES = 256 * 1024
"""Largest uploaded postcode file (a PC6 address list of a few thousand lines fits)."""

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

MAX_REQUEST_BYTES = 1024 * 1024
"""Largest request body of any kind (form with pasted text plus a file, or JSON)."""

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
