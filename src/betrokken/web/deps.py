"""Request dependencies and parameter types shared by the page families' routers.

Kept apart from ``app`` so the routers never import the module that includes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

import duckdb
from fastapi import Depends, Path, Request

from betrokken.store.catalogue import Catalogue
from betrokken.web import limits
from betrokken.web.openapi_schema import AREA_CODE_PATTERN

__all__ = ["AreaCode", "Cursor", "Level", "catalogue_of", "cursor_dependency"]


def cursor_dependency(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """FastAPI dependency: a fresh cursor for this request, closed afterwards."""
    cur = request.app.state.dashboard.cursor()
    try:
        yield cur
    finally:
        cur.close()


def catalogue_of(request: Request) -> Catalogue:
    """The dashboard's catalogue (``store.catalogue``), read once at start-up."""
    return request.app.state.dashboard.catalogue


Cursor = Annotated[duckdb.DuckDBPyConnection, Depends(cursor_dependency)]
Level = Literal["gemeente", "wijk", "buurt", "pc4"]
AreaCode = Annotated[
    str,
    Path(
        max_length=limits.MAX_AREA_CODE_CHARS,
        pattern=AREA_CODE_PATTERN,
        description="Gebiedscode: GM0344, WK034401, BU03440101, 3511 (PC4) of NL "
        "(hoofdletters of kleine letters).",
        examples=["GM0344"],
    ),
]
