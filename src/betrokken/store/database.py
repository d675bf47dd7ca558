"""The embedded DuckDB store: spatial extension from PyPI, atomic builds.

A build never writes into the live database. It writes ``<db>.building-<pid>`` and only
when everything (including the quality checks) succeeded, renames it over the live file
(``os.replace`` is atomic on one filesystem). A failed or interrupted build leaves the
previous database untouched and removes its half-written file: also when it is stopped
by SIGTERM or SIGHUP (turned into ``BuildInterrupted``). A build killed outright
(SIGKILL, power loss) cannot clean up; the next build removes the files of builds whose
process is gone before it starts.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
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


class BuildInterrupted(KeyboardInterrupt):
    """The build process received SIGTERM or SIGHUP (handled like Ctrl+C)."""


_BUILDING_RE = re.compile(r"\.building-(\d+)(\.wal)?$")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_dead_build_files(target: str | Path) -> list[Path]:
    """Remove ``<db>.building-<pid>[.wal]`` files whose build process no longer runs.

    Files of a build that is still running (another process) are left alone.
    """
    target = Path(target)
    removed = []
    if not target.parent.is_dir():
        return removed
    for path in target.parent.glob(f"{target.name}.building-*"):
        m = _BUILDING_RE.search(path.name[len(target.name):])
        if not m:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or not _process_alive(pid):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@contextlib.contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into ``BuildInterrupted`` while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise BuildInterrupted(f"signaal {signal.Signals(signum).name}")

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, interrupt) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def atomic_build(target: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh temporary database; swap it in on success.

    On any exception (including KeyboardInterrupt, SIGTERM and SIGHUP) the temporary
    file is removed and the database at ``target`` is left exactly as it was. Leftovers
    of earlier builds that were killed are removed first.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_build_files(target)
    tmp = target.with_name(f"{target.name}.building-{os.getpid()}")
    with _stop_signals_interrupt():
        con = connect(tmp)
        try:
            yield con
            con.execute("CHECKPOINT")
            con.close()
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                con.close()
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)
            if isinstance(exc, duckdb.Error) and _disk_full(exc):
                raise BetrokkenError(
                    f"De schijf is vol: de nieuwe database kon niet worden geschreven in "
                    f"'{target.parent}'. De bestaande database is ongewijzigd.",
                    hint="Maak ruimte vrij (een volledige database is enkele honderden MB) "
                    "of kies met --db een andere map.",
                ) from exc
            raise


def _disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "no space left" in text or "disk is full" in text or "disk full" in text


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view of that name exists in the main schema."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()[0]
    )
