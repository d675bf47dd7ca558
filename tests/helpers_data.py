"""Make a broken copy of the real data directory (symlinks, one file changed).

Every other file is a symlink to the real one, so a copy costs nothing and the real
data are never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path


@cache
def local_area_tables(data_dir: Path):
    """``build_area_tables(data_dir)`` once per test session (callers must not mutate it)."""
    from betrokken.areas.harmonise import build_area_tables

    return build_area_tables(Path(data_dir))


def broken_copy(data_dir: Path, target: Path, filename: str,
                change: Callable[[Path, Path], None] | None, *, declare: bool = True) -> Path:
    """A data dir in ``target`` where ``filename`` is changed by ``change(src, dst)``.

    ``change=None`` leaves the file out (a missing file). With ``declare`` the copy gets
    its own ``MANIFEST.csv`` describing the changed file (so the build gets past the
    manifest check to the check under test); without, the reference manifest applies.
    """
    source = Path(data_dir).resolve()  # a relative BETROKKEN_DATA must not dangle
    cbs = target / "cbs"
    cbs.mkdir(parents=True)
    for folder in source.iterdir():  # the other sources, untouched
        if folder.is_dir() and folder.name != "cbs":
            (target / folder.name).symlink_to(folder)
    for src in (source / "cbs").iterdir():
        if src.name == filename:
            continue
        (cbs / src.name).symlink_to(src)
    if change is not None:
        change(source / "cbs" / filename, cbs / filename)
    if declare:
        # the owner declares this version, so the checks behind the manifest are reached
        from betrokken.sources.manifest import write_manifest

        write_manifest(target)
    return target


def rename_column(old: str, new: str) -> Callable[[Path, Path], None]:
    def change(src: Path, dst: Path) -> None:
        lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
        header = lines[0].split(",")
        header = [new if h.strip().strip('"') == old else h for h in header]
        dst.write_text(",".join(header) + "".join(lines[1:]), encoding="utf-8")

    return change


def truncate(fraction: float) -> Callable[[Path, Path], None]:
    def change(src: Path, dst: Path) -> None:
        data = src.read_bytes()
        dst.write_bytes(data[: int(len(data) * fraction)])

    return change


def replace_text(old: str, new: str, count: int = 1) -> Callable[[Path, Path], None]:
    def change(src: Path, dst: Path) -> None:
        text = src.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {src.name}"
        dst.write_text(text.replace(old, new, count), encoding="utf-8")

    return change


def append_line(line: str) -> Callable[[Path, Path], None]:
    def change(src: Path, dst: Path) -> None:
        text = src.read_text(encoding="utf-8")
        dst.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")

    return change


def copy_of(other: str) -> Callable[[Path, Path], None]:
    """Put another source file in this file's place (e.g. the wrong year)."""

    def change(src: Path, dst: Path) -> None:
        dst.symlink_to(src.parent / other)

    return change


SMALL_GEMEENTEN = ("GM0344", "GM0363", "GM0096")
"""Utrecht, Amsterdam (wijk codes with letters) and Vlieland (small, suppressed parts)."""


def small_copy(db: Path, target: Path, gemeenten: tuple[str, ...] = SMALL_GEMEENTEN) -> Path:
    """A copy of a built database that keeps only ``gemeenten`` (their wijken and PC4s)
    and the national rows: every table as the build wrote it, a few hundred areas."""
    import shutil

    import duckdb

    shutil.copyfile(db, target)
    con = duckdb.connect(str(target))
    try:
        con.execute("CREATE TEMP TABLE keep AS SELECT DISTINCT area_code FROM areas "
                    "WHERE gemeente_code IN ? OR area_code IN ? UNION SELECT 'NL'",
                    [list(gemeenten), list(gemeenten)])
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = "
            "'area_code' AND table_schema = 'main'").fetchall()]
        for table in tables:
            con.execute(f'DELETE FROM "{table}" WHERE area_code NOT IN '
                        "(SELECT area_code FROM keep)")
        con.execute("DELETE FROM crosswalk_pc4 WHERE gemeente_code NOT IN ?", [list(gemeenten)])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return target
