"""The embedded DuckDB store: spatial extension from PyPI, atomic builds.

A build never writes into the live database. It writes ``<db>.building-<pid>`` and only
when everything (including the quality checks) succeeded, renames it over the live file
(``os.replace`` is atomic on one filesystem). A failed or interrupted build leaves the
previous database untouched and removes its half-written file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb

from betrokken.errors import BetrokkenError


@cache
def spatial_extension_file() -> str:
    """Path of the spatial extension shipped inside the duckdb-extension-spatial wheel."""
    import duckdb_extension_spatial

    base = Path(duckdb_extension_spatial.__path__[0]) / "extensions"
    matches = sorted(base.glob(f"v{duckdb.__version__}/spatial.duckdb_extension"))
    if not matches:
        raise BetrokkenError(
            f"De spatial-extensie voor DuckDB {duckdb.__version__} ontbreekt in "
            "duckdb-extension-spatial.",
            hint="Installeer duckdb en duckdb-extension-spatial met hetzelfde versienummer.",
        )
    return str(matches[0])


def load_spatial(con: duckdb.DuckDBPyConnection) -> None:
    """Install (offline, from the wheel) and load the spatial extension."""
    try:
        con.execute("LOAD spatial")
    except duckdb.Error:
        con.execute(f"INSTALL '{spatial_extension_file()}'")
        con.execute("LOAD spatial")


def connect(
    path: str | Path | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open a database (or in-memory when path is None) with spatial loaded."""
    if path is not None and read_only and not Path(path).exists():
        raise BetrokkenError(
            f"De database '{path}' bestaat nog niet.",
            hint="Bouw hem eerst met: betrokken build",
        )
    con = duckdb.connect(str(path) if path is not None else ":memory:", read_only=read_only)
    load_spatial(con)
    return con


@contextlib.contextmanager
def atomic_build(target: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh temporary database; swap it in on success.

    On any exception (including KeyboardInterrupt) the temporary file is removed and
    the database at ``target`` is left exactly as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.building-{os.getpid()}")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = connect(tmp)
    try:
        yield con
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(Exception):
            con.close()
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view of that name exists in the main schema."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()[0]
    )
