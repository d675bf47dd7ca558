"""A malformed survey file gives a clear Dutch error, never a traceback or silent numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from betrokken.errors import SourceError
from betrokken.survey.vu import read_vu_panel, vu_path


@pytest.fixture(scope="module")
def sample(data_dir) -> pd.DataFrame:
    return pd.read_csv(vu_path(data_dir), dtype={"postal_code": "string"}, nrows=40)


def _write(tmp_path, frame: pd.DataFrame):
    path = tmp_path / "wave0.csv"
    frame.to_csv(path, index=False)
    return path


def test_missing_column_is_named(tmp_path, sample):
    path = _write(tmp_path, sample.drop(columns=["F2_3"]))
    with pytest.raises(SourceError, match=r"mist kolom\(men\): F2_3"):
        read_vu_panel(path)


def test_unknown_code_is_named(tmp_path, sample):
    bad = sample.copy()
    bad.loc[3, "education"] = 8
    with pytest.raises(SourceError, match=r"Onbekende code\(s\) 8 in kolom 'education'"):
        read_vu_panel(_write(tmp_path, bad))


def test_value_out_of_range_is_named(tmp_path, sample):
    bad = sample.copy()
    bad.loc[5, "F2_1"] = 99
    with pytest.raises(SourceError, match=r"'F2_1'.*buiten het bereik 0–10"):
        read_vu_panel(_write(tmp_path, bad))


def test_text_in_a_numeric_item(tmp_path, sample):
    bad = sample.copy().astype({"D": object})
    bad.loc[2, "D"] = "weet niet"
    with pytest.raises(SourceError, match=r"'D'.*geen getallen"):
        read_vu_panel(_write(tmp_path, bad))


def test_empty_file_and_header_only(tmp_path, sample):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SourceError, match="is leeg"):
        read_vu_panel(empty)
    with pytest.raises(SourceError, match="geen respondenten"):
        read_vu_panel(_write(tmp_path, sample.iloc[0:0]))


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match="bestaat niet"):
        read_vu_panel(tmp_path / "nergens.csv")
