"""Running the dashboard: one process, or several worker processes behind one port.

Every worker opens the database read-only on its own (DuckDB allows many read-only
processes on one file) and keeps its own caches; uvicorn's supervisor forks them,
restarts one that dies and shares the listening socket. ``httptools`` and ``uvloop``
(from ``uvicorn[standard]``) do the HTTP parsing and the event loop; ``web.protocol``
bounds how much of a URL is read.
"""

from __future__ import annotations

import os
from pathlib import Path

from betrokken.config import DB_ENV
from betrokken.web.app import create_app

__all__ = ["UVICORN_OPTIONS", "app_from_environment", "default_workers", "serve"]

UVICORN_OPTIONS: dict = {
    "server_header": False,  # no 'server: uvicorn' banner
    "proxy_headers": False,
    "log_level": "warning",
    "timeout_keep_alive": 5,
    # httptools, reading at most limits.MAX_URL_READ_BYTES of a URL: an overlong request
    # line reaches the app and gets its Dutch 414 instead of uvicorn's plain 400
    "http": "betrokken.web.protocol:BoundedUrlHttpToolsProtocol",
}
"""Settings every way of serving shares (the CLI, the tests, the load benchmark)."""


def default_workers() -> int:
    """One worker per core: requests are short and CPU-bound (JSON, HTML, arrays)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def app_from_environment():
    """App factory for worker processes: the database path comes from ``BETROKKEN_DB``."""
    return create_app(Path(os.environ[DB_ENV]))


def serve(db_path: Path, *, host: str, port: int, workers: int = 1) -> None:
    """Serve the dashboard on ``host:port`` with ``workers`` processes (1: in this one)."""
    import uvicorn

    if workers <= 1:
        uvicorn.run(create_app(db_path), host=host, port=port, **UVICORN_OPTIONS)
        return
    create_app(db_path)  # fail early, in Dutch, before forking (missing database etc.)
    os.environ[DB_ENV] = str(Path(db_path).resolve())
    uvicorn.run(
        "betrokken.web.serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **UVICORN_OPTIONS,
    )
