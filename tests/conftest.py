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


@pytest.fixture(scope="module")
def client(built_db: Path):
    """The dashboard on ``built_db``, answering as a server would: a failure is a response
    (500, in Dutch), not an exception in the test. One app per test module."""
    from fastapi.testclient import TestClient

    from betrokken.web.app import create_app

    return TestClient(create_app(built_db), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def db(built_db: Path):
    """A read-only connection to ``built_db``."""
    from betrokken.store.database import connect

    con = connect(built_db, read_only=True)
    yield con
    con.close()


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


# --------------------------------------------------------------------------- download builds


@pytest.fixture(scope="session")
def fake_services(data_dir: Path):
    """The faithful fake CBS/PDOK services (``tests/fixtures_http.py``), once per run."""
    from fixtures_http import FakeServices

    server = FakeServices(data_dir)
    yield server
    server.close()


@pytest.fixture(scope="session")
def pc4_zip_server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """CBS's PC4 ZIP (built from the shared PC4 files in CBS's layout) on 127.0.0.1."""
    from fixtures_http import FileServer, cbs_layout, write_zip

    folder = tmp_path_factory.mktemp("cbs_postcode")
    write_zip(cbs_layout(data_dir), folder)
    server = FileServer(folder)
    yield server
    server.close()


def _download_build(year: int, services, pc4_server, tmp_path_factory):
    """``build_area_tables(None, year=year)`` against the fakes: official services only
    (no mirror), PC4 from the ZIP; returns a namespace with the tables, the cache and
    the progress bars it drew."""
    import io
    from types import SimpleNamespace
    from urllib.parse import urlparse

    from rich.console import Console
    from rich.progress import Progress

    from betrokken.areas.harmonise import build_area_tables
    from betrokken.sources import mirror, odata, pc4_cbs, pdok, transfer

    cache = tmp_path_factory.mktemp(f"download_{year}")
    patch = pytest.MonkeyPatch()
    patch.setenv(odata.ODATA_ENV, services.url + urlparse(odata.DEFAULT_ODATA_URL).path)
    patch.setenv(pdok.PDOK_ENV, f"{services.url}/pdok/{{year}}")
    patch.setenv(pc4_cbs.PC4_URL_ENV, pc4_server.url)
    patch.delenv(mirror.MIRROR_ENV, raising=False)
    patch.setenv(transfer.BACKOFF_ENV, "0.01")
    patch.setenv("BETROKKEN_CACHE", str(cache))
    progress = Progress(console=Console(file=io.StringIO()))
    try:
        tables = build_area_tables(None, progress=progress, year=year)
    finally:
        patch.undo()
    return SimpleNamespace(tables=tables, cache=cache, progress=progress, year=year)


@pytest.fixture(scope="session")
def download_build_2024(fake_services, pc4_zip_server, tmp_path_factory):
    """A download build of KWB 2024 (the 2024 layout), once per run."""
    return _download_build(2024, fake_services, pc4_zip_server, tmp_path_factory)


@pytest.fixture(scope="session")
def download_build_2022(fake_services, pc4_zip_server, tmp_path_factory):
    """A download build of KWB 2022 (the 2022 layout, ``areas.kwb_year``), once per run."""
    return _download_build(2022, fake_services, pc4_zip_server, tmp_path_factory)
