"""``atomic_build`` on a tiny database: the swap itself, fast enough for mutation testing.

test_atomic_build.py does the same with whole real builds and a real kill.
"""

from __future__ import annotations

import os

import duckdb
import pytest

from betrokken.errors import BetrokkenError
from betrokken.store.database import atomic_build, connect, table_exists


def _answer(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT answer FROM t").fetchone()[0]
    finally:
        con.close()


def _build(path, answer: int) -> None:
    with atomic_build(path) as con:
        con.execute(f"CREATE TABLE t AS SELECT {answer} AS answer")


def test_success_swaps_in_and_leaves_only_the_database(tmp_path):
    db = tmp_path / "sub" / "live.duckdb"
    _build(db, 1)
    assert _answer(db) == 1
    _build(db, 2)
    assert _answer(db) == 2
    assert [p.name for p in db.parent.iterdir()] == ["live.duckdb"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failure_keeps_the_old_database_and_removes_the_new_one(tmp_path, error):
    db = tmp_path / "live.duckdb"
    _build(db, 1)
    with pytest.raises(error), atomic_build(db) as con:
        con.execute("CREATE TABLE t AS SELECT 2 AS answer")
        raise error
    assert _answer(db) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["live.duckdb"]


def test_the_new_database_is_written_beside_the_live_one(tmp_path):
    db = tmp_path / "live.duckdb"
    with atomic_build(db) as con:
        building = tmp_path / f"live.duckdb.building-{os.getpid()}"
        assert building.exists() and not db.exists()
        con.execute("CREATE TABLE t AS SELECT 3 AS answer")
    assert not building.exists() and _answer(db) == 3


def test_stale_files_of_the_same_name_are_replaced(tmp_path):
    db = tmp_path / "live.duckdb"
    stale = tmp_path / f"live.duckdb.building-{os.getpid()}"
    stale.write_bytes(b"not a database")
    (tmp_path / f"{stale.name}.wal").write_bytes(b"not a log")
    _build(db, 4)
    assert _answer(db) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["live.duckdb"]


def test_connect_read_only_needs_an_existing_file_and_loads_spatial(tmp_path):
    with pytest.raises(BetrokkenError, match="bestaat nog niet"):
        connect(tmp_path / "nee.duckdb", read_only=True)
    con = connect()
    try:
        assert con.execute("SELECT ST_AsText(ST_Point(1, 2))").fetchone()[0] == "POINT (1 2)"
        con.execute("CREATE TABLE areas (x INT)")
        assert table_exists(con, "areas") and not table_exists(con, "elders")
    finally:
        con.close()


# --- leftovers of killed builds, signals, a full disk -----------------------------------


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _running_process():
    """A live process that a stray signal 1 (SIGHUP) would end: liveness is checked with
    signal 0, which sends nothing."""
    import subprocess
    import sys

    code = ("import signal, sys, time; signal.signal(signal.SIGHUP, signal.SIG_DFL); "
            "print('ready', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_only_files_of_dead_builds_of_this_database_are_removed(tmp_path):
    import subprocess

    from betrokken.store.database import remove_dead_build_files

    db = tmp_path / "live.duckdb"
    dead = _dead_pid()
    running = _running_process()
    names = [
        f"live.duckdb.building-{dead}",  # killed build: removed
        f"live.duckdb.building-{dead}.wal",  # and its log
        f"live.duckdb.building-{running.pid}",  # a running build (another process): kept
        "live.duckdb.building-abc",  # not a build file: kept
        f"live.duckdb.building-{dead}.old",  # not a build file: kept
        f"other.duckdb.building-{dead}",  # another database's build: kept
        "live.duckdb",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    try:
        removed = remove_dead_build_files(db)
        with pytest.raises(subprocess.TimeoutExpired):  # checked, not signalled
            running.wait(timeout=0.5)
    finally:
        running.kill()
        running.wait()
    assert sorted(p.name for p in removed) == sorted(names[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
    assert remove_dead_build_files(tmp_path / "no" / "such" / "dir.duckdb") == []


def test_a_process_is_alive_unless_it_is_gone(monkeypatch):
    from betrokken.store import database

    assert database._process_alive(os.getpid()) is True
    assert database._process_alive(_dead_pid()) is False

    def not_yours(pid, sig):
        raise PermissionError(pid)

    monkeypatch.setattr(database.os, "kill", not_yours)  # another user's process
    assert database._process_alive(12345) is True


def test_sigterm_during_a_build_keeps_the_old_database_and_restores_the_handler(tmp_path):
    import signal

    from betrokken.store.database import BuildInterrupted

    db = tmp_path / "live.duckdb"
    _build(db, 1)
    before = signal.getsignal(signal.SIGTERM)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with pytest.raises(BuildInterrupted, match=f"signaal {sig.name}"), atomic_build(db) as con:
            con.execute("CREATE TABLE t AS SELECT 2 AS answer")
            os.kill(os.getpid(), sig)
        assert _answer(db) == 1
        assert [p.name for p in tmp_path.iterdir()] == ["live.duckdb"]
    assert signal.getsignal(signal.SIGTERM) is before
    assert issubclass(BuildInterrupted, KeyboardInterrupt)


def test_a_build_in_a_worker_thread_swaps_in_without_signal_handlers(tmp_path):
    import threading

    db = tmp_path / "live.duckdb"
    errors = []

    def work():
        try:
            _build(db, 5)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == [] and _answer(db) == 5


@pytest.mark.parametrize("text", ["IO Error: No space left on device", "disk is full",
                                  "Disk full while writing"])
def test_a_full_disk_is_a_dutch_error_and_keeps_the_old_database(tmp_path, text):
    db = tmp_path / "live.duckdb"
    _build(db, 1)
    with pytest.raises(BetrokkenError, match="De schijf is vol") as info, atomic_build(db):
        raise duckdb.IOException(text)
    assert str(tmp_path) in str(info.value) and "ongewijzigd" in str(info.value)
    assert _answer(db) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["live.duckdb"]


def test_other_errors_are_not_taken_for_a_full_disk(tmp_path):
    db = tmp_path / "live.duckdb"
    with pytest.raises(duckdb.IOException, match="permission"), atomic_build(db):
        raise duckdb.IOException("permission denied")
    with pytest.raises(OSError, match="No space left"), atomic_build(db):
        raise OSError("No space left on device")  # not from DuckDB: re-raised as is
    assert list(tmp_path.iterdir()) == []


def test_spatial_is_installed_from_the_wheel_when_duckdb_lacks_it(tmp_path):
    from betrokken.store.database import load_spatial, spatial_extension_file

    path = spatial_extension_file()
    assert path.endswith(f"v{duckdb.__version__}/spatial.duckdb_extension") and os.path.isfile(path)
    con = duckdb.connect(config={"extension_directory": str(tmp_path / "ext")})
    try:
        load_spatial(con)  # LOAD fails in an empty extension directory: INSTALL, then LOAD
        assert con.execute("SELECT ST_AsText(ST_Point(3, 4))").fetchone()[0] == "POINT (3 4)"
    finally:
        con.close()
    assert list((tmp_path / "ext").rglob("spatial.duckdb_extension"))


def test_table_exists_is_a_bool():
    con = duckdb.connect()
    try:
        con.execute("CREATE VIEW v AS SELECT 1 AS x")
        assert table_exists(con, "v") is True and table_exists(con, "w") is False
    finally:
        con.close()


def test_connect_without_a_path_is_in_memory_and_read_only_means_read_only(tmp_path,
                                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    con = connect()
    try:
        assert con.execute("SELECT current_database()").fetchone()[0] == "memory"
    finally:
        con.close()
    assert list(tmp_path.iterdir()) == []  # no file named "None" or ":MEMORY:"
    _build(tmp_path / "live.duckdb", 6)
    con = connect(tmp_path / "live.duckdb", read_only=True)
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("CREATE TABLE u (x INT)")
    finally:
        con.close()
    with pytest.raises(BetrokkenError) as info:
        connect(tmp_path / "nee.duckdb", read_only=True)
    assert info.value.hint == "Bouw hem eerst met: betrokken build"
