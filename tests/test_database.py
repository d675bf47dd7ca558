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
