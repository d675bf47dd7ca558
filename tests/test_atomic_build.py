"""The atomic swap, after real builds: success replaces, a kill keeps, a stale file is harmless.

Every build here is the whole real build (areas, quality checks, the profile mix with a
few bootstrap draws, the store); nothing is mocked.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from betrokken.build import build_database
from betrokken.store.inspect import database_info

SRC = Path(__file__).resolve().parents[1] / "src"
KILL_DEADLINE_S = 240


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def old_database(path: Path) -> str:
    """A small but valid database standing in for yesterday's build."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE yesterday AS SELECT 42 AS answer")
    con.close()
    return digest(path)


def leftovers(folder: Path, live: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != live.name)


def assert_fresh_build(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        tables = {r[0] for r in rows}
    finally:
        con.close()
    assert "yesterday" not in tables
    assert {"areas", "area_indices", "profile_mix", "profile_mix_draws", "build_info"} <= tables
    assert database_info(db)["levels"]["gemeente"] == 342


def test_successful_build_replaces_the_database_and_leaves_nothing(tmp_path, data_dir):
    db = tmp_path / "live.duckdb"
    before = old_database(db)
    build_database(db, data_dir, quiet=True, n_boot=2)
    assert digest(db) != before
    assert_fresh_build(db)
    assert leftovers(tmp_path, db) == []


def test_stale_building_files_do_not_stop_a_build(tmp_path, data_dir):
    db = tmp_path / "live.duckdb"
    old_database(db)
    # leftovers of a killed build whose pid is ours now (pid reuse): garbage file and WAL
    own = tmp_path / f"live.duckdb.building-{os.getpid()}"
    own.write_bytes(b"half a database" * 1000)
    Path(f"{own}.wal").write_bytes(b"half a log" * 1000)
    build_database(db, data_dir, quiet=True, n_boot=2)
    assert_fresh_build(db)
    assert not own.exists() and not Path(f"{own}.wal").exists()


BUILD_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from betrokken.build import build_database
    build_database(Path(sys.argv[1]), Path(sys.argv[2]), quiet=True, n_boot=2)
    """
)


def test_build_killed_while_writing_keeps_the_old_database(tmp_path, data_dir):
    db = tmp_path / "live.duckdb"
    before = old_database(db)
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    proc = subprocess.Popen([sys.executable, "-c", BUILD_SCRIPT, str(db), str(data_dir)], env=env)
    building = tmp_path / f"live.duckdb.building-{proc.pid}"
    deadline = time.monotonic() + KILL_DEADLINE_S
    try:
        # wait until the new database is being written (the store stage), then kill -9
        while not (building.exists() and building.stat().st_size > 1_000_000):
            assert proc.poll() is None, "the build ended before it was killed"
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert digest(db) == before  # the live database is untouched
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT answer FROM yesterday").fetchone() == (42,)
    con.close()
    # the next build replaces it despite the dead build's files
    build_database(db, data_dir, quiet=True, n_boot=2)
    assert_fresh_build(db)
    assert not any(n.startswith(f"live.duckdb.building-{os.getpid()}")
                   for n in leftovers(tmp_path, db))
