"""Checks the command line makes before any work starts: the database, output paths and
option ranges.

A command that writes a file checks its path first (not a folder, the folder exists and
is writable), so a long build or report does not end in a traceback at the last step.
Every problem is a ``BetrokkenError`` with a Dutch message naming the path and what to
do; file system errors that still happen while writing are translated the same way
(``write_file``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from betrokken.config import db_path_from
from betrokken.errors import BetrokkenError
from betrokken.store.database import check_database_file, open_database, os_error_nl

__all__ = ["MAX_N_BOOT", "MAX_PORT", "MAX_WORKERS", "check_output_dir", "check_output_file",
           "checked_db", "refuse_to_overwrite_other_files", "write_file"]

MAX_N_BOOT = 100_000
"""Most bootstrap replicates an option accepts (the default is a few hundred)."""
MAX_PORT = 65_535
MAX_WORKERS = 256


def _check_folder_writable(folder: Path, path: Path) -> None:
    if not folder.exists():
        raise BetrokkenError(f"De map '{folder}' bestaat niet (voor '{path.name}').",
                             hint=f"Maak de map eerst aan: mkdir -p '{folder}'.")
    if not folder.is_dir():
        raise BetrokkenError(f"'{folder}' is geen map, dus '{path}' kan daar niet komen.",
                             hint="Kies een pad in een bestaande map.")
    try:  # really try: permissions, read-only mounts and special file systems alike
        handle, probe = tempfile.mkstemp(prefix=".betrokken-schrijftest-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise BetrokkenError(f"In de map '{folder}' kan niet geschreven worden "
                             f"({os_error_nl(exc)}).",
                             hint="Kies een map waarin u mag schrijven.") from None


def check_output_file(path: Path, *, suffixes: tuple[str, ...] = (),
                      option: str = "--out") -> Path:
    """``path`` as a file to (over)write, or a Dutch error: a folder, a missing or
    read-only folder, a read-only file, or a suffix other than ``suffixes``."""
    path = Path(path)
    if path.is_dir():
        example = path / f"uitvoer{suffixes[0] if suffixes else ''}"
        raise BetrokkenError(f"{option} '{path}' is een map; geef een bestandsnaam.",
                             hint=f"Bijvoorbeeld: {option} {example}")
    if suffixes and path.suffix.lower() not in suffixes:
        raise BetrokkenError(f"{option} '{path.name}': kies een bestand op "
                             f"{' of '.join(suffixes)}.")
    _check_folder_writable(path.parent if str(path.parent) else Path("."), path)
    if path.exists() and not os.access(path, os.W_OK):
        raise BetrokkenError(f"Het bestand '{path}' is alleen-lezen.",
                             hint="Kies een ander bestand of maak dit schrijfbaar.")
    return path


def check_output_dir(path: Path, *, option: str = "--out") -> Path:
    """``path`` as a folder to write into (made when missing, its parent must exist)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise BetrokkenError(f"{option} '{path}' is een bestand, geen map.",
                             hint="Geef een (nieuwe) map.")
    if path.is_dir():
        _check_folder_writable(path, path / "x")
    else:
        _check_folder_writable(path.parent, path)
    return path


def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``; a file system error becomes a Dutch message."""
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise BetrokkenError(f"'{path}' kon niet geschreven worden: {os_error_nl(exc)}.",
                             hint="Kies een ander pad met schrijfrechten.") from None
    return Path(path)


def checked_db(db: Path | None) -> Path:
    """The database path of a command that reads one, checked before any work: it must
    exist and be a betrokken database this version reads (``store.database.open_database``,
    no network); else a Dutch message on what is wrong and what to do."""
    path = db_path_from(db)
    open_database(path).close()
    return path


def refuse_to_overwrite_other_files(db_path: Path) -> None:
    """A build replaces the file at ``--db``: only a betrokken database (or an empty or
    damaged DuckDB file), never a text file, a SQLite file or another DuckDB database."""
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return
    try:
        check_database_file(db_path)
    except BetrokkenError:
        raise BetrokkenError(
            f"--db '{db_path}' bestaat al en is geen DuckDB-database: de bouw zou het "
            "overschrijven.", hint="Kies een ander pad, of verwijder het bestand eerst.") from None
    try:
        open_database(db_path).close()
    except BetrokkenError as exc:
        if "geen betrokken-database" in exc.message:
            raise BetrokkenError(
                f"--db '{db_path}' is een DuckDB-database van iets anders: de bouw zou haar "
                "overschrijven.", hint="Kies een ander pad.") from None
