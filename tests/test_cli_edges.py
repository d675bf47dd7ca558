"""The command line explains instead of crashing (issue 21 item 4): every subcommand
against a table of bad databases, bad output paths and bad option values."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from betrokken.cli import app
from betrokken.errors import BetrokkenError
from betrokken.store.database import check_database_file, open_database

runner = CliRunner()
ENGLISH = ("Traceback", "Error:", "Input should", "is not", "No such file", "Errno",
           "Permission denied", "does not exist")


@pytest.fixture(scope="module")
def bad(tmp_path_factory, built_db) -> dict[str, Path]:
    """Files that are no usable database, folders that are no usable output."""
    root = tmp_path_factory.mktemp("bad")
    (root / "map").mkdir()
    (root / "leeg.duckdb").write_bytes(b"")
    with built_db.open("rb") as fh:
        (root / "afgebroken.duckdb").write_bytes(fh.read(20_000))
    (root / "tekst.duckdb").write_text("postcode\n3511\n", encoding="utf-8")
    import sqlite3

    with sqlite3.connect(root / "x.sqlite") as con:
        con.execute("CREATE TABLE t (a INTEGER)")
    with duckdb.connect(str(root / "ander.duckdb")) as con:
        con.execute("CREATE TABLE t (a INTEGER)")
    readonly = root / "alleen-lezen"
    readonly.mkdir()
    readonly.chmod(0o555)
    if os.access(readonly, os.W_OK):  # root writes anywhere: a file system nobody writes to
        readonly = Path("/sys")
    (root / "deelnemers.csv").write_text("postcode\n3511\n3512\n", encoding="utf-8")
    (root / "quiz.csv").write_text("postcode;trust_eu\n3511;1\n", encoding="utf-8")
    return {"root": root, "readonly": readonly}


BAD_DBS = ["map", "leeg.duckdb", "afgebroken.duckdb", "tekst.duckdb", "x.sqlite",
           "ander.duckdb", "bestaat-niet.duckdb"]


def commands_reading_a_db(root: Path) -> list[list[str]]:
    return [
        ["info"], ["info", "--json"], ["serve", "--port", "8999"],
        ["report", "--area", "GM0344", "--out", str(root / "r.pdf")],
        ["export", "--level", "gemeente", "--out", str(root / "e.csv")],
        ["bereikcheck", str(root / "deelnemers.csv"), "--gebied", "GM0344"],
        ["import", str(root / "quiz.csv"), "--gebied", "GM0344"],
    ]


def assert_explained(result, *words: str) -> None:
    """Exit code 2 (or Click's 2 for a bad option), a Dutch message, no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}\n{result.output}")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "Fout" in text or "Ongeldige waarde" in text, text
    for english in ENGLISH:
        assert english not in text, (english, text)
    for word in words:
        assert word in text, (word, text)


@pytest.mark.parametrize("db_name", BAD_DBS)
def test_every_command_explains_a_bad_database(bad, db_name):
    root = bad["root"]
    for args in commands_reading_a_db(root):
        result = runner.invoke(app, [*args, "--db", str(root / db_name)])
        assert_explained(result, db_name)


def test_the_database_checks_name_what_is_wrong(bad):
    root = bad["root"]
    expected = {"map": "is een map", "leeg.duckdb": "is leeg",
                "afgebroken.duckdb": "kan niet geopend worden", "tekst.duckdb": "geen DuckDB",
                "x.sqlite": "SQLite", "ander.duckdb": "geen betrokken-database",
                "bestaat-niet.duckdb": "bestaat nog niet"}
    for name, words in expected.items():
        with pytest.raises(BetrokkenError, match=words):
            open_database(root / name)


def test_a_sqlite_file_never_reaches_duckdb(bad, monkeypatch):
    """DuckDB would try to download its sqlite extension: the magic bytes stop it first."""
    def no_duckdb(*args, **kwargs):
        raise AssertionError("DuckDB opened a file that is not a DuckDB database")

    monkeypatch.setattr(duckdb, "connect", no_duckdb)
    for name in ("x.sqlite", "tekst.duckdb", "leeg.duckdb"):
        with pytest.raises(BetrokkenError):
            open_database(bad["root"] / name)


def test_a_good_database_opens(built_db):
    assert check_database_file(built_db) == built_db
    con = open_database(built_db)
    try:
        assert con.execute("SELECT count(*) FROM areas").fetchone()[0] > 0
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name LIKE 'auto%extensions'"
        ).fetchall())
        assert settings == {"autoinstall_known_extensions": "false",
                            "autoload_known_extensions": "false"}
    finally:
        con.close()


def output_commands(out: Path, built_db: Path, root: Path) -> list[tuple[list[str], str]]:
    """(arguments, suffix of the output they write) for every command with an output."""
    db = ["--db", str(built_db)]
    return [
        (["report", *db, "--area", "GM0344", "--out"], ".pdf"),
        (["export", *db, "--level", "gemeente", "--out"], ".csv"),
        (["bereikcheck", str(root / "deelnemers.csv"), "--gebied", "GM0344", *db, "--xlsx"],
         ".xlsx"),
        (["quiz", "--pdf"], ".pdf"),
        (["quiz", "--sjabloon"], ".csv"),
        (["import", str(root / "quiz.csv"), "--gebied", "GM0344", *db, "--out"], ".xlsx"),
        (["build", "--n-boot", "5", "--db"], ".duckdb"),
        (["manifest", "--data-dir", os.environ.get("BETROKKEN_DATA", "."), "--out"], ".csv"),
    ]


@pytest.mark.parametrize("kind", ["folder", "readonly", "missing-parent", "parent-is-file"])
def test_every_output_path_is_checked_before_the_work(bad, built_db, kind):
    root = bad["root"]
    for args, suffix in output_commands(root, built_db, root):
        target = {
            "folder": root / "map",
            "readonly": bad["readonly"] / f"uit{suffix}",
            "missing-parent": root / "nergens" / f"uit{suffix}",
            "parent-is-file": root / "leeg.duckdb" / f"uit{suffix}",
        }[kind]
        result = runner.invoke(app, [*args, str(target)])
        assert_explained(result)
        assert not target.is_file()


@pytest.mark.parametrize("args,words", [
    (["build", "--n-boot", "-5"], "minstens 1"),
    (["build", "--n-boot", "abc"], "geheel getal"),
    (["build", "--n-boot", "2.5"], "geheel getal"),
    (["fit", "--n-boot", "0"], "minstens 1"),
    (["serve", "--port", "99999"], "hoogstens 65535"),
    (["serve", "--port", "0"], "minstens 1"),
    (["serve", "--workers", "-1"], "minstens 0"),
])
def test_option_values_are_checked_in_dutch(args, words):
    assert_explained(runner.invoke(app, args), words)


def test_serve_says_when_the_port_is_taken(built_db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--db", str(built_db), "--port", str(port)])
    assert_explained(result, "al in gebruik", str(port))


@pytest.mark.parametrize("name", ["tekst.duckdb", "x.sqlite", "ander.duckdb"])
def test_build_never_overwrites_a_file_that_is_no_betrokken_database(bad, name):
    target = bad["root"] / name
    before = target.read_bytes()
    result = runner.invoke(app, ["build", "--n-boot", "5", "--db", str(target)])
    assert_explained(result, "overschrijven")
    assert target.read_bytes() == before


def test_ctrl_c_during_build_ends_with_one_dutch_line(tmp_path, built_db, data_dir):
    import hashlib
    import shutil
    import signal
    import subprocess
    import sys
    import time

    db = tmp_path / "live.duckdb"
    shutil.copy(built_db, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    proc = subprocess.Popen(
        [sys.executable, "-m", "betrokken.cli", "build", "--data-dir", str(data_dir),
         "--db", str(db), "--n-boot", "5", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    building = tmp_path / f"live.duckdb.building-{proc.pid}"
    deadline = time.monotonic() + 240
    try:
        while not building.exists():  # the build has started (past imports and checks)
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the build never started"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == ["Bouw afgebroken (Ctrl+C): de bestaande database is ongewijzigd."], err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not building.exists()
