"""`betrokken build` and `betrokken info --json` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from betrokken.cli import app

runner = CliRunner()


def test_info_json_counts_levels(built_db: Path):
    result = runner.invoke(app, ["info", "--db", str(built_db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["levels"]["gemeente"] >= 340 and data["levels"]["wijk"] >= 3000
    assert data["levels"]["pc4"] >= 4000
    assert data["years"]["gemeente"] == [2020, 2022, 2024]
    assert {"name", "year", "licence", "origin"} <= set(data["sources"][0])
    assert "built_at" in data["build"] and data["tables"]["areas"] > 7800


def test_info_text(built_db: Path):
    result = runner.invoke(app, ["info", "--db", str(built_db)])
    assert result.exit_code == 0
    assert "gemeente" in result.stdout and "CC BY" in result.stdout
    assert "ontbreekt" not in result.stdout  # buurten are in the offline build (issue 18)
    assert "buurt" in result.stdout


def test_build_then_info(data_dir: Path, tmp_path: Path):
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["build", "--data-dir", str(data_dir), "--db", str(db), "-q",
                                 "--n-boot", "2"])
    assert result.exit_code == 0, result.output
    assert "Database gebouwd" in result.stdout and "gemeente: 342" in result.stdout
    assert "PC4 (2021) tegen gemeente (2024)" in " ".join(result.stdout.split())
    info = json.loads(runner.invoke(app, ["info", "--db", str(db), "--json"]).stdout)
    assert info["levels"]["gemeente"] == 342


def test_build_with_bad_data_dir_is_a_dutch_message(tmp_path: Path):
    empty = tmp_path / "leeg"
    empty.mkdir()
    result = runner.invoke(app, ["build", "--data-dir", str(empty), "--db",
                                 str(tmp_path / "x.duckdb"), "-q"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "ontbreekt" in text and "Traceback" not in text
    assert not (tmp_path / "x.duckdb").exists()


def test_info_without_database(tmp_path: Path):
    result = runner.invoke(app, ["info", "--db", str(tmp_path / "nee.duckdb"), "--json"])
    assert result.exit_code == 2 and "bestaat nog niet" in " ".join(result.output.split())
