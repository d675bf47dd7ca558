"""The main job: sources -> harmonised areas -> quality checks -> profile mix -> DuckDB.

Each step lives in its own module; this file only wires them together and owns the
atomic swap (see ``store.database.atomic_build``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


@dataclass
class BuildReport:
    """What a build did: counts per level, quality checks, timings."""

    db_path: Path
    level_counts: dict[str, int] = field(default_factory=dict)
    quality: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    mix_rows: int = 0
    model_version: str | None = None
    manifest_files: int | None = None


def make_progress(console: Console | None = None, *, disable: bool = False) -> Progress:
    """The one progress-bar style used by every long step."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        disable=disable,
        transient=False,
    )


def build_database(
    db_path: Path,
    data_dir: Path | None,
    *,
    console: Console | None = None,
    quiet: bool = False,
    n_boot: int | None = None,
    accept_changed_data: bool = False,
) -> BuildReport:
    """Build the whole database into a new file and swap it in atomically.

    A local data directory is first checked against its manifest (see
    ``sources.manifest``) unless ``accept_changed_data``.
    """
    from betrokken.areas.harmonise import build_area_tables
    from betrokken.areas.quality import run_quality_checks
    from betrokken.store.database import atomic_build
    from betrokken.store.write import write_area_tables, write_build_info

    console = console or Console(stderr=True)
    report = BuildReport(db_path=db_path)
    if data_dir is not None and not accept_changed_data:
        from betrokken.sources.manifest import check_manifest

        report.manifest_files = check_manifest(data_dir)
    with make_progress(console, disable=quiet) as progress:
        t0 = time.perf_counter()
        tables = build_area_tables(data_dir, progress=progress)
        report.timings["areas"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        report.quality = run_quality_checks(tables)
        report.timings["quality"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        mix, model = _profile_mix(tables, progress=progress, n_boot=n_boot)
        report.model_version = getattr(model, "version", None)
        report.timings["profile_mix"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        with atomic_build(db_path) as con:
            report.level_counts = write_area_tables(con, tables)
            if mix is not None:
                from betrokken.store.mix_tables import write_mix_tables

                report.mix_rows = write_mix_tables(con, mix, model)
            write_build_info(con, data_dir=data_dir, report=report)
        report.timings["store"] = time.perf_counter() - t0
    return report


def _profile_mix(tables, *, progress, n_boot):
    """Profile mix per area from the committed model artifact; returns (mix, model)."""
    from betrokken.areas.mix import compute_profile_mix
    from betrokken.model.artifact import load_model

    model = load_model()
    return compute_profile_mix(tables, model, progress=progress, n_boot=n_boot), model
