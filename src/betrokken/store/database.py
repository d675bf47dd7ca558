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


OFFLINE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
"""DuckDB never fetches an extension over the network: the product promises local files
(spatial comes from its wheel, ``load_spatial``)."""

DB_FORMAT = 1
"""Layout version of a betrokken database (``build_info.db_format``); a database without
the key predates it and has layout 1. A newer one needs a newer betrokken."""

PRODUCT_TABLES = ("areas", "profiles", "build_info")
"""Tables every betrokken database has: a DuckDB file without them is someone else's."""

_DUCKDB_MAGIC = b"DUCK"
_DUCKDB_MAGIC_OFFSET = 8
_DUCKDB_HEADER_BYTES = 3 * 4096
"""A DuckDB file starts with a main header (``DUCK`` at byte 8) and two database headers
of 4 kB each; anything shorter is cut off."""

_BUILD_HINT = "Bouw de database met 'betrokken build' of geef met --db het juiste bestand."


def connect(
    path: str | Path | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open a database (or in-memory when path is None) with spatial loaded, offline.

    Read-only, the file is checked first (``check_database_file``: it exists and is a
    complete DuckDB file) and a file DuckDB cannot open gets a Dutch message;
    ``open_database`` also checks that it is a betrokken database of a readable layout.
    """
    if path is not None and read_only:
        path = check_database_file(path)
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            raise _unreadable(path) from None
    else:
        con = duckdb.connect(str(path) if path is not None else ":memory:")
    go_offline(con)
    load_spatial(con)
    return con


def go_offline(con: duckdb.DuckDBPyConnection) -> None:
    """``OFFLINE_CONFIG`` on an open connection. Set after connecting, not as connect
    options: DuckDB refuses a second connection to a file with other options."""
    for name, value in OFFLINE_CONFIG.items():
        con.execute(f"SET {name} = {str(value).lower()}")


def _unreadable(path: Path) -> BetrokkenError:
    return BetrokkenError(
        f"De database '{path}' kan niet geopend worden: het bestand is beschadigd, "
        "afgebroken, van een andere DuckDB-versie of in gebruik door een bouwproces.",
        hint=_BUILD_HINT)


def check_database_file(path: str | Path) -> Path:
    """The path of a betrokken database file, or a Dutch ``BetrokkenError`` on what is
    wrong with it: missing, a folder, empty, cut off, not a DuckDB file (SQLite, text…).

    Reads only the first bytes: DuckDB never sees a file that is not its own (it would
    try to download an extension for a SQLite file).
    """
    path = Path(path)
    if not path.exists():
        raise BetrokkenError(f"De database '{path}' bestaat nog niet.",
                             hint="Bouw hem eerst met: betrokken build")
    if path.is_dir():
        raise BetrokkenError(
            f"'{path}' is een map, geen databasebestand.",
            hint=f"Geef het bestand zelf, bv. --db {path / 'betrokken.duckdb'}.")
    if not path.is_file():
        raise BetrokkenError(f"'{path}' is geen gewoon bestand.", hint=_BUILD_HINT)
    try:
        with path.open("rb") as fh:
            head = fh.read(_DUCKDB_HEADER_BYTES)
    except OSError as exc:
        raise BetrokkenError(f"De database '{path}' kan niet gelezen worden "
                             f"({os_error_nl(exc)}).") from None
    if not head:
        raise BetrokkenError(f"De database '{path}' is leeg (0 bytes).", hint=_BUILD_HINT)
    magic = head[_DUCKDB_MAGIC_OFFSET:_DUCKDB_MAGIC_OFFSET + len(_DUCKDB_MAGIC)]
    if magic != _DUCKDB_MAGIC:
        kind = ("een SQLite-database" if head.startswith(b"SQLite format 3")
                else "geen DuckDB-database")
        raise BetrokkenError(f"'{path}' is {kind}, geen betrokken-database.", hint=_BUILD_HINT)
    if len(head) < _DUCKDB_HEADER_BYTES:
        raise BetrokkenError(
            f"De database '{path}' is afgebroken ({len(head)} bytes): het bestand is "
            "onvolledig gekopieerd of beschadigd.", hint=_BUILD_HINT)
    return path


def open_database(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open a built betrokken database read-only, offline, with spatial loaded.

    Checks, each with a Dutch message on what is wrong and what to do: the file exists,
    is a file and a complete DuckDB file (``check_database_file``, before DuckDB touches
    it), DuckDB can open it, it holds the tables of this product (``PRODUCT_TABLES``) and
    its layout (``build_info.db_format``) is not newer than ``DB_FORMAT``.
    """
    path = check_database_file(path)
    con = connect(path, read_only=True)
    try:
        missing = [t for t in PRODUCT_TABLES if not table_exists(con, t)]
        if missing:
            raise BetrokkenError(
                f"'{path}' is een DuckDB-database, maar geen betrokken-database (tabellen "
                f"ontbreken: {', '.join(missing)}).", hint=_BUILD_HINT)
        row = con.execute("SELECT value FROM build_info WHERE key = 'db_format'").fetchone()
        found = int(row[0]) if row and str(row[0]).isdigit() else 1
        if found > DB_FORMAT:
            raise BetrokkenError(
                f"De database '{path}' heeft indeling {found}; deze versie van betrokken "
                f"leest tot en met indeling {DB_FORMAT}.",
                hint="Werk betrokken bij, of bouw de database opnieuw met deze versie.")
    except duckdb.Error:
        con.close()
        raise _unreadable(path) from None
    except BaseException:
        con.close()
        raise
    return con


def os_error_nl(exc: OSError) -> str:
    """A file system error in Dutch words (``strerror`` is English)."""
    import errno

    words = {
        errno.EACCES: "geen toegang (rechten)", errno.EPERM: "niet toegestaan (rechten)",
        errno.EROFS: "het bestandssysteem is alleen-lezen", errno.ENOSPC: "de schijf is vol",
        errno.EISDIR: "het is een map", errno.ENOTDIR: "een deel van het pad is geen map",
        errno.ENOENT: "bestand of map bestaat niet", errno.EEXIST: "bestaat al",
        errno.ENAMETOOLONG: "de naam is te lang", errno.EDQUOT: "de schijfruimte is op",
    }
    return words.get(exc.errno, f"systeemfout {exc.errno}")


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
        con = None
        try:  # from the first byte of the new file: Ctrl+C while connecting leaves nothing
            con = connect(tmp)
            yield con
            con.execute(
                "CREATE TABLE IF NOT EXISTS build_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
            con.execute("INSERT OR REPLACE INTO build_info VALUES ('db_format', ?)",
                        [str(DB_FORMAT)])
            con.execute("CHECKPOINT")
            con.close()
            os.replace(tmp, target)
        except BaseException as exc:
            if con is not None:
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
