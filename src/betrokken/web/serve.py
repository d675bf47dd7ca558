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
from betrokken.errors import BetrokkenError
from betrokken.web.app import create_app

__all__ = ["UVICORN_OPTIONS", "app_from_environment", "check_port", "default_workers", "serve"]

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


def check_port(host: str, port: int) -> None:
    """Refuse, in Dutch, a port that cannot be served on ``host``: outside 1–65535, taken
    by another program, reserved for the administrator, or an address not on this machine
    (uvicorn would print English or hang)."""
    import errno
    import socket


    if not 1 <= port <= 65535:
        raise BetrokkenError(f"Poort {port} bestaat niet: kies een poort van 1 tot en met 65535.",
                             hint="Bijvoorbeeld --port 8000.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise BetrokkenError(f"Het adres '{host}' is onbekend.",
                             hint="Gebruik 127.0.0.1 (alleen deze computer) of 0.0.0.0.") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BetrokkenError(
                    f"Poort {port} op {host} is al in gebruik door een ander programma "
                    "(misschien draait het dashboard al).",
                    hint=f"Kies een andere poort, bv. --port {port + 1 if port < 65535 else 8000}."
                ) from None
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise BetrokkenError(
                    f"Poort {port} mag alleen door de beheerder worden gebruikt.",
                    hint="Kies een poort boven 1023, bv. --port 8000.") from None
            raise BetrokkenError(f"Op adres {host}, poort {port} kan het dashboard niet "
                                 "luisteren (het adres hoort niet bij deze computer?).",
                                 hint="Gebruik 127.0.0.1 of 0.0.0.0.") from None


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
