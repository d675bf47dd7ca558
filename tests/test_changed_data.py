"""No silent builds on changed data (issue 21 item 5): ``--accept-changed-data`` names every
file that differs from the manifest and how, and the content checks still stop the build
on impossible values. Damaged copies of the real files, in tmp_path."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from betrokken.cli import app
from betrokken.sources.manifest import manifest_differences
from helpers_data import broken_copy, truncate

PC4_AGE = "pc4_2021_population_by_age5_sex_certegis.csv"
WIJK = "wijk_2024_kwb_basic_geoinzicht_attributes.csv"
runner = CliRunner()


def edit_columns(change_row):
    """A damage that rewrites the CSV row by row (``change_row(index, row dict)``)."""
    def change(src: Path, dst: Path) -> None:
        rows = list(csv.DictReader(io.StringIO(src.read_text(encoding="utf-8"))))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for i, row in enumerate(rows):
            change_row(i, row)
            writer.writerow(row)
        dst.write_text(out.getvalue(), encoding="utf-8")

    return change


def men_times_100(i: int, row: dict) -> None:
    if row["mannen"]:
        row["mannen"] = str(int(float(row["mannen"])) * 100)


def ages_blank_in_a_third(i: int, row: dict) -> None:
    if i % 3 == 0:
        for column in ("0_15", "15_25", "25_45", "45_65", "65plus"):
            row[column] = ""


def build(data: Path, db: Path):
    return runner.invoke(app, ["build", "--data-dir", str(data), "--db", str(db), "--quiet",
                               "--n-boot", "5", "--accept-changed-data"])


@pytest.mark.parametrize("filename,damage,words", [
    (PC4_AGE, truncate(0.99), ["Marges op niveau pc4", "leeftijd ontbreekt in", "9948"]),
    (WIJK, edit_columns(men_times_100), ["Aandeel mannen op niveau wijk", "meer mannen dan"]),
    (WIJK, edit_columns(ages_blank_in_a_third), ["Marges op niveau wijk", "leeftijd"]),
])
def test_accepted_changed_data_is_named_and_impossible_values_stop_the_build(
        data_dir: Path, built_db: Path, tmp_path: Path, filename, damage, words):
    bad = broken_copy(data_dir, tmp_path / "data", filename, damage, declare=False)
    db = tmp_path / "betrokken.duckdb"
    shutil.copy(built_db, db)  # the previous database
    before = db.read_bytes()
    result = build(bad, db)
    text = " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit), text
    assert result.exit_code == 2, text
    assert "afwijkend van het manifest (doorgegaan met --accept-changed-data): '" in text
    assert filename in text
    assert "Datakwaliteit" in text
    for word in words:
        assert word in text, (word, text)
    assert db.read_bytes() == before


def test_every_differing_file_is_listed_with_how(data_dir: Path, tmp_path: Path):
    bad = broken_copy(data_dir, tmp_path / "data", PC4_AGE, truncate(0.99), declare=False)
    wijk = bad / "cbs" / WIJK
    text = (data_dir / "cbs" / WIJK).read_text(encoding="utf-8")
    wijk.unlink()  # a link to the shared original: replace the link, never write through it
    wijk.write_text(text.replace("Groot water", "Groot meer", 1), encoding="utf-8")
    _, lines, checked = manifest_differences(bad)
    assert checked > 10
    assert len(lines) == 2
    by_file = {line.split("'")[1].split("/")[-1]: line for line in lines}
    assert "regels in plaats van" in by_file[PC4_AGE]  # rows differ: both counts
    assert "SHA-256" in by_file[WIJK] and "in plaats van" in by_file[WIJK]  # same rows
