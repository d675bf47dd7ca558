"""The data directory's manifest: every file with its row count and SHA-256.

A file cut short or changed by accident still parses (a wave0.csv cut at 40 % fits on
774 respondents; a PC4 file cut to 99 % loses 43 postcodes that look like a CBS gap),
so ``build`` and ``fit`` first compare the files with their declared row count and
hash, and stop with a Dutch message naming the file when they differ.

The declaration is ``MANIFEST.csv`` (``path, rows, sha256``) in the data directory,
written by ``betrokken manifest``. A data directory without one is checked against the
reference manifest shipped with the package (the open data set described in
``docs/data.md``) for the files that carry the same path. ``rows`` counts data lines
of CSV files (lines minus the header) and is empty for other files.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from betrokken.errors import SourceError

__all__ = [
    "MANIFEST_NAME",
    "REFERENCE_MANIFEST",
    "ChangedDataError",
    "FileEntry",
    "check_manifest",
    "describe_file",
    "manifest_differences",
    "read_manifest",
    "write_manifest",
]

MANIFEST_NAME = "MANIFEST.csv"
REFERENCE_MANIFEST = Path(__file__).with_name("reference_manifest.csv")
_COUNTED_SUFFIXES = {".csv", ".txt"}
_DOCUMENTATION = {".md"}  # notes about the data change without the data changing
_DOCUMENTATION_NAMES = {"LICENSE"}


class ChangedDataError(SourceError):
    """A data file differs from its declaration in the manifest."""


@dataclass(frozen=True)
class FileEntry:
    path: str
    rows: int | None
    sha256: str


def describe_file(path: Path, relative: str) -> FileEntry:
    """Row count (for CSV/text) and SHA-256 of one file, in one pass."""
    digest = hashlib.sha256()
    newlines = 0
    last = b""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            newlines += block.count(b"\n")
            last = block
    rows = None
    if Path(relative).suffix.lower() in _COUNTED_SUFFIXES:
        lines = newlines + (1 if last and not last.endswith(b"\n") else 0)
        rows = max(lines - 1, 0)
    return FileEntry(relative, rows, digest.hexdigest())


def _data_files(data_dir: Path) -> list[str]:
    return sorted(
        p.relative_to(data_dir).as_posix()
        for p in data_dir.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME and not p.name.startswith(".")
        and p.suffix.lower() not in _DOCUMENTATION and p.name not in _DOCUMENTATION_NAMES
    )


def write_manifest(data_dir: Path, out: Path | None = None) -> Path:
    """Declare the current files of ``data_dir`` in ``MANIFEST.csv`` (or ``out``)."""
    data_dir = Path(data_dir)
    out = Path(out) if out is not None else data_dir / MANIFEST_NAME
    entries = [describe_file(data_dir / rel, rel) for rel in _data_files(data_dir)]
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["path", "rows", "sha256"])
        for e in entries:
            writer.writerow([e.path, "" if e.rows is None else e.rows, e.sha256])
    return out


def read_manifest(path: Path) -> dict[str, FileEntry]:
    """The entries of a manifest file, keyed by relative path."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"Het manifest '{path}' is niet leesbaar: {exc}") from None
    if rows and not {"path", "rows", "sha256"} <= set(rows[0]):
        raise SourceError(
            f"Het manifest '{path}' mist kolommen: verwacht path, rows, sha256.",
            hint="Maak het opnieuw met: betrokken manifest --data-dir <map>",
        )
    out = {}
    for row in rows:
        raw_rows = (row.get("rows") or "").strip()
        out[row["path"]] = FileEntry(
            row["path"], int(raw_rows) if raw_rows.isdigit() else None, row["sha256"].strip()
        )
    return out


def manifest_for(data_dir: Path) -> tuple[Path, dict[str, FileEntry]]:
    """The data directory's own manifest, or else the reference manifest."""
    own = Path(data_dir) / MANIFEST_NAME
    path = own if own.is_file() else REFERENCE_MANIFEST
    return path, read_manifest(path)


def manifest_differences(data_dir: Path, *, under: str | None = None
                         ) -> tuple[Path, list[str], int]:
    """``(manifest path, one Dutch line per differing file, files checked)``: every
    declared file (optionally only under ``under/``) whose row count or SHA-256 differs,
    with how (rows found and declared; else the first hash digits of both)."""
    data_dir = Path(data_dir)
    manifest_path, entries = manifest_for(data_dir)
    problems = []
    checked = 0
    for rel, declared in sorted(entries.items()):
        if under is not None and not rel.startswith(under.rstrip("/") + "/"):
            continue
        path = data_dir / rel
        if not path.is_file():
            continue
        checked += 1
        found = describe_file(path, rel)
        if found.sha256 == declared.sha256:
            continue
        if declared.rows is not None and found.rows != declared.rows:
            what = "respondenten" if rel.startswith("survey/") else "regels"
            problems.append(
                f"'{rel}': {found.rows:,} {what} in plaats van {declared.rows:,}".replace(",", ".")
            )
        else:
            rows = "" if found.rows is None else f", {found.rows:,} regels".replace(",", ".")
            problems.append(f"'{rel}': inhoud anders (SHA-256 {found.sha256[:12]}… in "
                            f"plaats van {declared.sha256[:12]}…{rows} zoals vastgelegd)")
    return manifest_path, problems, checked


def check_manifest(data_dir: Path, *, under: str | None = None) -> int:
    """Compare the declared files (optionally only those under ``under/``) with the disk.

    Files declared but absent are left to the source readers (they name what is
    missing). Returns the number of files checked; raises ``ChangedDataError`` naming
    every file whose row count or hash differs.
    """
    data_dir = Path(data_dir)
    manifest_path, problems, checked = manifest_differences(data_dir, under=under)
    if problems:
        own = manifest_path.name == MANIFEST_NAME and manifest_path.parent == data_dir
        source = f"'{manifest_path}'" if own else "het referentiemanifest van betrokken"
        raise ChangedDataError(
            "Bestand gewijzigd of afgebroken (klopt niet met " + source + "): "
            + "; ".join(problems) + ".",
            hint="Zet het originele bestand terug. Is de nieuwe versie bewust? Leg hem dan "
            "vast met 'betrokken manifest --data-dir <map>', of geef --accept-changed-data.",
        )
    return checked
