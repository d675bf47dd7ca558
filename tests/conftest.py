"""Shared fixtures: the real data directory and a database built from it once per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from betrokken.config import DATA_ENV


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real data directory (../shared/data), from BETROKKEN_DATA."""
    raw = os.environ.get(DATA_ENV)
    if not raw:
        pytest.fail(f"Set {DATA_ENV} to the shared data directory (see README).")
    path = Path(raw)
    assert path.is_dir(), f"{DATA_ENV}={raw} is not a directory"
    return path.resolve()


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A full database built from the real data, shared by every test that reads one."""
    from betrokken.build import build_database

    db = tmp_path_factory.mktemp("db") / "betrokken.duckdb"
    n_boot = int(os.environ.get("BETROKKEN_TEST_BOOT", "100"))
    build_database(db, data_dir, quiet=True, n_boot=n_boot)
    return db


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    """``built_db`` cut down to three gemeenten (``helpers_data.SMALL_GEMEENTEN``): for
    tests that send many requests (schemathesis) and need every table, not every area."""
    from helpers_data import small_copy

    return small_copy(built_db, tmp_path_factory.mktemp("small") / "small.duckdb")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say loudly when browser tests were skipped, and how to get Chromium."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in r.keywords]
    if not skipped:
        return
    terminalreporter.write_sep(
        "!", f"{len(skipped)} browsertests overgeslagen: Chromium ontbreekt", red=True, bold=True
    )
    terminalreporter.write_line(
        "Installeer Chromium om ze te draaien: sudo apt-get install chromium (Debian/Ubuntu), "
        "of zet BETROKKEN_CHROMIUM op het pad van een Chromium-browser."
    )
