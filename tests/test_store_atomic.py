"""Atomic builds leave nothing behind: not when stopped by a signal, not after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from betrokken.store.database import atomic_build, connect

ROOT = Path(__file__).resolve().parents[1]

SLOW_BUILD = textwrap.dedent("""
    import sys, time
    from betrokken.store.database import atomic_build
    with atomic_build(sys.argv[1]) as con:
        con.execute("CREATE TABLE t AS SELECT range AS x FROM range(100000)")
        print("bezig", flush=True)
        time.sleep(60)
""")


def building_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".building-" in p.name)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_build_removes_its_files_and_keeps_the_database(tmp_path: Path, signum):
    db = tmp_path / "live.duckdb"
    with atomic_build(db) as con:
        con.execute("CREATE TABLE t AS SELECT 42 AS x")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        assert proc.stdout.readline().strip() == "bezig", proc.stderr.read()
        assert building_files(tmp_path)  # the half-written file exists now
        proc.send_signal(signum)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert building_files(tmp_path) == []
    con = connect(db, read_only=True)
    assert con.execute("SELECT x FROM t").fetchall() == [(42,)]
    con.close()


def test_leftovers_of_killed_builds_are_removed_at_start(tmp_path: Path):
    db = tmp_path / "live.duckdb"
    finished = subprocess.Popen(["true"])
    finished.wait()
    running = subprocess.Popen(["sleep", "30"])
    try:
        for pid in (finished.pid, running.pid):
            (tmp_path / f"live.duckdb.building-{pid}").write_bytes(b"x" * 1000)
            (tmp_path / f"live.duckdb.building-{pid}.wal").write_bytes(b"x" * 1000)
        with atomic_build(db) as con:
            con.execute("CREATE TABLE t AS SELECT 1 AS x")
        assert building_files(tmp_path) == [
            f"live.duckdb.building-{running.pid}",
            f"live.duckdb.building-{running.pid}.wal",
        ]
    finally:
        running.kill()
        running.wait()


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 1 MB tmpfs (needs root, as on the dev machines and in CI)."""
    folder = tmp_path / "vol"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("Een kleine tmpfs aankoppelen kan hier niet (geen root).")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_gives_a_dutch_message_and_no_leftovers(tiny_disk: Path):
    from betrokken.errors import BetrokkenError

    with pytest.raises(BetrokkenError) as err:
        with atomic_build(tiny_disk / "live.duckdb") as con:
            con.execute("CREATE TABLE t AS SELECT range AS x, md5(range::VARCHAR) AS y "
                        "FROM range(2000000)")
    assert "schijf is vol" in str(err.value)
    assert list(tiny_disk.iterdir()) == []
