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

from betrokken.areas.changes import area_changes, previous_areas, summary
from betrokken.areas.harmonise import build_area_tables
from betrokken.areas.local import map_local_indicators
from betrokken.areas.mix import compute_profile_mix
from betrokken.areas.quality import run_quality_checks
from betrokken.model.area_models import load_area_models
from betrokken.model.artifact import load_model
from betrokken.sources import gezondheidsmonitor as gm
from betrokken.sources.gezondheidsmonitor import read_gezondheidsmonitor
from betrokken.sources.manifest import check_manifest, manifest_differences
from betrokken.sources.years import DEFAULT_YEAR
from betrokken.store.database import atomic_build
from betrokken.store.mix_tables import write_local_indicators, write_mix_tables
from betrokken.store.write import write_area_tables, write_build_info
from betrokken.themes.store import write_theme_tables


@dataclass
class BuildReport:
    """What a build did: counts per level, quality checks, timings."""

    db_path: Path
    level_counts: dict[str, int] = field(default_factory=dict)
    quality: list[dict] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    mix_rows: int = 0
    local: dict = field(default_factory=dict)
    model_version: str | None = None
    area_changes: list[str] = field(default_factory=list)
    """Areas added, merged, renamed since the previous database (``areas.changes``)."""
    manifest_files: int | None = None
    national_margins: list[str] = field(default_factory=list)
    """Cell variables the source lacks for every area, raked to the national margin."""


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
    year: int | None = None,
    accept_changed_data: bool = False,
) -> BuildReport:
    """Build the whole database into a new file and swap it in atomically.

    ``year`` picks the KWB year of a download build (``data_dir=None``). A local data
    directory is first checked against its manifest (see ``sources.manifest``) unless
    ``accept_changed_data``.
    """
    console = console or Console(stderr=True)
    report = BuildReport(db_path=db_path)
    if data_dir is not None and not accept_changed_data:
        report.manifest_files = check_manifest(data_dir)
    elif data_dir is not None:  # said, not silent; the content checks still run

        _, report.changed_files, report.manifest_files = manifest_differences(data_dir)
        for line in report.changed_files:
            console.print(f"[yellow]LET OP[/] afwijkend van het manifest (doorgegaan met "
                          f"--accept-changed-data): {line}", highlight=False)
    with make_progress(console, disable=quiet) as progress:
        t0 = time.perf_counter()
        monitor = _read_monitor(data_dir)  # a local file is checked before the long steps
        tables = build_area_tables(data_dir, progress=progress, year=year)
        report.timings["areas"] = time.perf_counter() - t0
        report.area_changes = area_change_report(db_path, tables)

        t0 = time.perf_counter()
        report.quality = run_quality_checks(tables)
        report.timings["quality"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        local = _local_indicators(data_dir, tables, monitor, year=year, progress=progress)
        report.local = local.report if local is not None else {}
        report.timings["local"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        mix, model = _profile_mix(tables, local, progress=progress, n_boot=n_boot)
        report.model_version = getattr(model, "version", None)
        if mix is not None:
            report.national_margins = list(mix.diagnostics.get("national_margins", []))
        report.timings["profile_mix"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        with atomic_build(db_path) as con:
            report.level_counts = write_area_tables(con, tables)
            if mix is not None:
                report.mix_rows = write_mix_tables(con, mix, model)
            if local is not None:
                hidden = mix.area_indices.loc[mix.area_indices["suppressed"].astype(bool),
                                              ["level", "area_code"]]
                write_local_indicators(con, local, hidden)
            write_theme_tables(con, data_dir, tables)  # display only, never a model input
            write_build_info(con, data_dir=data_dir, report=report)
        report.timings["store"] = time.perf_counter() - t0
    return report


def area_change_report(db_path: Path, tables) -> list[str]:
    """The build report's lines on areas added, merged, renamed since the database at
    ``db_path`` (empty when there is none); merged gemeente codes are reconciled with
    ``tables.code_changes`` (the rule in ``areas.codes``)."""
    before = previous_areas(db_path)
    if before is None:
        return []
    current = tables.areas[tables.areas["is_current"]]
    return summary(area_changes(before, current, tables.code_changes))


def _read_monitor(data_dir):
    """The local Gezondheidsmonitor file, read and checked (None in a download build)."""
    if data_dir is None:
        return None

    return read_gezondheidsmonitor(data_dir)


def _local_indicators(data_dir, tables, monitor=None, *, year=None, progress=None):
    """Gezondheidsmonitor indicators on the current areas (local file, mirror or StatLine);
    the edition is added to the build's sources."""
    import pandas as pd

    if data_dir is None:
        raw, edition = gm.download_gezondheidsmonitor(year=year or DEFAULT_YEAR,
                                                      progress=progress)
        origin = f"CBS StatLine {gm.EDITIONS[edition].table_id}" if edition in gm.EDITIONS \
            else "CBS StatLine"
    else:
        raw = monitor if monitor is not None else gm.read_gezondheidsmonitor(data_dir)
        edition = 2020
        origin = str(gm.LOCAL_FILE)
    local = map_local_indicators(raw, tables.areas, tables.crosswalk, edition_year=edition)
    row = {"name": f"gezondheidsmonitor_{edition}", "description": gm.SOURCE_NAME + " (18+)",
           "year": edition, "licence": gm.LICENCE, "origin": origin,
           "path_or_url": origin}
    sources = getattr(tables, "sources", None)
    if isinstance(sources, pd.DataFrame):
        tables.sources = pd.concat([sources, pd.DataFrame([row])[
            [c for c in sources.columns if c in row] or list(row)]], ignore_index=True)
    return local


def _profile_mix(tables, local, *, progress, n_boot):
    """Profile mix and indices per area from the committed artifact; returns (mix, model)."""
    model = load_model()
    area_models = load_area_models()
    mix = compute_profile_mix(tables, model, area_models=area_models,
                              local=local.frame if local is not None else None,
                              progress=progress, n_boot=n_boot)
    return mix, model
