"""The Gezondheidsmonitor adapter: real file, renumbered keys, and bad input in Dutch."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from betrokken.errors import SourceError
from betrokken.sources.gezondheidsmonitor import (
    LOCAL_FILE,
    parse_gezondheidsmonitor,
    read_gezondheidsmonitor,
)


@pytest.fixture(scope="module")
def gm(data_dir: Path) -> pd.DataFrame:
    return read_gezondheidsmonitor(data_dir)


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / LOCAL_FILE, dtype=str, keep_default_na=False)


def test_levels_and_counts_of_the_2020_file(gm):
    counts = gm["level"].value_counts().to_dict()
    assert counts == {"nl": 1, "gemeente": 355, "wijk": 3177, "buurt": 13808}
    assert (gm["year"] == 2020).all()


def test_values_are_the_file_percentages_as_shares(gm, data_dir):
    # Read the published numbers straight from the CSV, independently of the adapter.
    with open(data_dir / LOCAL_FILE, encoding="utf-8") as fh:
        rows = {r["Codering_3"].strip(): r for r in csv.DictReader(fh)}
    by_code = gm.set_index("area_code")
    for code in ("NL01", "GM0344", "WK034403"):
        assert by_code.loc[code, "volunteering"] == pytest.approx(
            float(rows[code]["Vrijwilligerswerk_33"]) / 100)
        assert by_code.loc[code, "socially_lonely"] == pytest.approx(
            float(rows[code]["SociaalEenzaam_31"]) / 100)
    assert by_code.loc["NL01", "volunteering"] == pytest.approx(0.246)
    assert by_code.loc["NL01", "informal_care"] == pytest.approx(0.136)


def test_suppressed_values_become_missing(gm, raw):
    dots = raw["Vrijwilligerswerk_33"].str.strip() == "."
    assert dots.sum() > 100
    codes = raw.loc[dots, "Codering_3"].str.strip()
    assert gm.set_index("area_code").loc[codes, "volunteering"].isna().all()


def test_renumbered_keys_are_found_by_base_name(raw):
    renamed = raw.rename(columns={"Vrijwilligerswerk_33": "Vrijwilligerswerk_41",
                                  "Codering_3": "Codering_7"})
    out = parse_gezondheidsmonitor(renamed, source_name="50120NED", year=2020)
    assert out.set_index("area_code").loc["NL01", "volunteering"] == pytest.approx(0.246)


def test_missing_column_is_named(raw):
    with pytest.raises(SourceError, match="Mantelzorger"):
        parse_gezondheidsmonitor(raw.drop(columns=["Mantelzorger_32"]), source_name="x.csv")


def test_wrong_year_is_named(raw):
    with pytest.raises(SourceError, match="hoort bij 2022.*Perioden"):
        parse_gezondheidsmonitor(raw, source_name="x.csv", year=2022)


def test_unknown_codes_are_named(raw):
    bad = raw.copy()
    bad.loc[5, "Codering_3"] = "XX1234"
    with pytest.raises(SourceError, match="XX1234"):
        parse_gezondheidsmonitor(bad, source_name="x.csv")


def test_percentages_out_of_range_are_refused(raw):
    bad = raw.copy()
    bad.loc[5, "Vrijwilligerswerk_33"] = "140.0"
    with pytest.raises(SourceError, match="buiten 0–100"):
        parse_gezondheidsmonitor(bad, source_name="x.csv")


def test_truncated_file_is_refused(data_dir, tmp_path):
    folder = tmp_path / "gezondheidsmonitor"
    folder.mkdir()
    text = (data_dir / LOCAL_FILE).read_text(encoding="utf-8")
    (folder / LOCAL_FILE.name).write_text(text[: len(text) // 40], encoding="utf-8")
    with pytest.raises(SourceError, match="afgebroken"):
        read_gezondheidsmonitor(tmp_path)


def test_missing_file_points_to_the_data_dir(tmp_path):
    with pytest.raises(SourceError, match="ontbreekt") as err:
        read_gezondheidsmonitor(tmp_path)
    assert "BETROKKEN_DATA" in str(err.value)


def test_statline_download_gives_the_same_figures_as_the_local_file(data_dir, tmp_path, gm,
                                                                    monkeypatch):
    """From the (fake) CBS bulk feed: 18+ and 65+ rows, numbers as JSON, padded keys; the
    2022 edition's table is not served, so the 2020 edition is used and said so."""
    from betrokken.sources.gezondheidsmonitor import download_gezondheidsmonitor
    from betrokken.sources.odata import ODATA_ENV
    from fixtures_http import FakeServices

    services = FakeServices(data_dir)
    try:
        monkeypatch.setenv(ODATA_ENV, f"{services.url}/ODataFeed/odata")
        monkeypatch.delenv("BETROKKEN_MIRROR_URL", raising=False)
        monkeypatch.setenv("BETROKKEN_HTTP_BACKOFF", "0")
        frame, edition = download_gezondheidsmonitor(tmp_path, year=2024)
    finally:
        services.close()
    assert edition == 2020
    assert len(frame) == len(gm)  # only the 18+ rows of the 34,682 served
    pd.testing.assert_frame_equal(
        frame.set_index("area_code").sort_index()[["volunteering", "socially_lonely"]],
        gm.set_index("area_code").sort_index()[["volunteering", "socially_lonely"]],
    )
    assert any(path.endswith("50090NED/TypedDataSet") for path in services.requests)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda raw: raw.drop(columns=["SociaalEenzaam_31"]), "SociaalEenzaam"),
        (lambda raw: raw.assign(Perioden="2016JJ00"), "Perioden"),
        (lambda raw: raw.assign(Codering_3=raw["Codering_3"].str.replace("GM0344", "GX0344")),
         "GX0344"),
    ],
    ids=["missing-column", "wrong-year", "unknown-code"],
)
def test_a_broken_monitor_file_stops_the_build_and_the_old_database_keeps_serving(
        data_dir, tmp_path, raw, change, expected):
    from betrokken.build import build_database

    broken = tmp_path / "data"
    broken.mkdir()
    for folder in data_dir.iterdir():
        if folder.is_dir() and folder.name != "gezondheidsmonitor":
            (broken / folder.name).symlink_to(folder.resolve())
    (broken / "gezondheidsmonitor").mkdir()
    change(raw).to_csv(broken / LOCAL_FILE, index=False)
    db = tmp_path / "betrokken.duckdb"
    db.write_bytes(b"the old database")
    with pytest.raises(SourceError, match=expected) as err:
        build_database(db, broken, quiet=True, n_boot=10, accept_changed_data=True)
    assert LOCAL_FILE.name in str(err.value)
    assert db.read_bytes() == b"the old database"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("betrokken.duckdb")] == [
        "betrokken.duckdb"]
