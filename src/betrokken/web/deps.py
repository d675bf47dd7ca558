"""Request dependencies shared by the routers (api, pages, downloads).

Kept apart from ``app`` so the routers never import the module that includes them.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
from fastapi import Request

__all__ = ["cursor_dependency"]


def cursor_dependency(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """FastAPI dependency: a fresh cursor for this request, closed afterwards."""
    cur = request.app.state.dashboard.cursor()
    try:
        yield cur
    finally:
        cur.close()
