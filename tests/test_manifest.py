"""The data directory's manifest: a truncated or changed file stops build and fit."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from betrokken.build import build_database
from betrokken.cli import app
from betrokken.sources.manifest import (
    MANIFEST_NAME,
    REFERENCE_MANIFEST,
    ChangedDataError,
    check_manifest,
    read_manifest,
    write_manifest,
)
from helpers_data import broken_copy, truncate

WAVE0 = "survey/vu_election_panel_2021/wave0.csv"
PC4_AGE = "pc4_2021_population_by_age5_sex_certegis.csv"


def test_the_real_data_matches_the_reference_manifest(data_dir: Path):
    assert check_manifest(data_dir) >= 30


def survey_copy(data_dir: Path, target: Path, fraction: float) -> Path:
    """A data dir with the real cbs/ files and a wave0.csv cut to ``fraction``."""
    (target / "cbs").mkdir(parents=True)
    for src in (data_dir / "cbs").iterdir():
        (target / "cbs" / src.name).symlink_to(src)
    wave0 = target / WAVE0
    wave0.parent.mkdir(parents=True)
    truncate(fraction)(data_dir / WAVE0, wave0)
    return target


def test_build_refuses_a_pc4_file_cut_to_99_percent(data_dir: Path, tmp_path: Path):
    bad = broken_copy(data_dir, tmp_path / "data", PC4_AGE, truncate(0.99), declare=False)
    declared = read_manifest(REFERENCE_MANIFEST)
    with pytest.raises(ChangedDataError) as err:
        build_database(tmp_path / "db.duckdb", bad, quiet=True, n_boot=2)
    message = str(err.value)
    assert "gewijzigd of afgebroken" in message
    assert PC4_AGE in message
    rows = declared[f"cbs/{PC4_AGE}"].rows
    assert f"in plaats van {rows:,}".replace(",", ".") in message
    assert not (tmp_path / "db.duckdb").exists()


def test_fit_refuses_a_truncated_survey_in_dutch(data_dir: Path, tmp_path: Path):
    bad = survey_copy(data_dir, tmp_path / "data", 0.4)
    result = CliRunner().invoke(app, ["fit", "--data-dir", str(bad), "--quick",
                                      "--out", str(tmp_path / "model")])
    output = " ".join(result.output.split())  # rich wraps long lines
    assert result.exit_code == 2, output
    assert "gewijzigd of afgebroken" in output
    assert "wave0.csv" in output
    assert "respondenten in plaats van 2.171" in output
    assert "Traceback" not in output
    assert not (tmp_path / "model").exists()


def test_a_declared_new_version_passes(data_dir: Path, tmp_path: Path):
    bad = survey_copy(data_dir, tmp_path / "data", 0.4)
    with pytest.raises(ChangedDataError):
        check_manifest(bad, under="survey")
    result = CliRunner().invoke(app, ["manifest", "--data-dir", str(bad)])
    assert result.exit_code == 0, result.output
    assert (bad / MANIFEST_NAME).is_file()
    assert check_manifest(bad, under="survey") == 1
    # a change after the declaration is caught again
    with open(bad / WAVE0, "ab") as fh:
        fh.write(b"9999999,1\n")
    with pytest.raises(ChangedDataError, match="inhoud anders|respondenten"):
        check_manifest(bad)


def test_write_manifest_counts_rows_and_skips_notes(tmp_path: Path):
    (tmp_path / "a.csv").write_text("x,y\n1,2\n3,4\n", encoding="utf-8")
    (tmp_path / "SOURCES.md").write_text("notes\n", encoding="utf-8")
    entries = read_manifest(write_manifest(tmp_path))
    assert list(entries) == ["a.csv"]
    assert entries["a.csv"].rows == 2
