"""Input files that are broken in ordinary ways get a Dutch message, never a traceback.

Duplicate rows in a KWB table, a file saved as UTF-16 or Latin-1, a survey export cut
short: each is named with the file and what is wrong with it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from betrokken.areas.harmonise import build_area_tables
from betrokken.errors import SourceError
from betrokken.sources.kwb_gemeente import GEMEENTE_2024
from betrokken.survey.ess import read_ess
from betrokken.survey.vu import read_vu_panel
from helpers_data import broken_copy, truncate

ESS = "survey/ess_fixtures/ess9_BE_saverymax_ESS1-9e01_1.csv"
WAVE0 = "survey/vu_election_panel_2021/wave0.csv"


def duplicate_row(n: int):
    def change(src: Path, dst: Path) -> None:
        lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
        dst.write_text("".join(lines + [lines[n]]), encoding="utf-8")

    return change


def reencode(encoding: str):
    def change(src: Path, dst: Path) -> None:
        dst.write_bytes(src.read_text(encoding="utf-8").encode(encoding))

    return change


def test_a_duplicated_gemeente_row_is_named(data_dir: Path, tmp_path: Path):
    bad = broken_copy(data_dir, tmp_path / "d", GEMEENTE_2024.filename, duplicate_row(5))
    with pytest.raises(SourceError) as err:
        build_area_tables(bad)
    message = str(err.value)
    assert GEMEENTE_2024.filename in message
    assert "meer dan eens" in message
    assert "regel 344" in message  # 342 rows + header + the copy


def test_a_latin1_source_file_is_called_differently_encoded(data_dir: Path, tmp_path: Path):
    src = data_dir / "cbs" / GEMEENTE_2024.filename
    assert any(ord(ch) > 127 for ch in src.read_text(encoding="utf-8"))  # e.g. 'Súdwest'
    bad = broken_copy(data_dir, tmp_path / "d", GEMEENTE_2024.filename, reencode("latin-1"))
    with pytest.raises(SourceError) as err:
        GEMEENTE_2024.read_local(bad)
    assert "niet in UTF-8" in str(err.value)
    assert "beschadigd of afgebroken" not in str(err.value)


def copy_survey(data_dir: Path, tmp_path: Path, rel: str, change) -> Path:
    dst = tmp_path / Path(rel).name
    change(data_dir / rel, dst)
    return dst


def test_an_ess_file_in_utf16_reads_like_the_original(data_dir: Path, tmp_path: Path):
    path = copy_survey(data_dir, tmp_path, ESS, reencode("utf-16"))
    pd.testing.assert_frame_equal(read_ess(path), read_ess(data_dir / ESS))


def test_an_ess_file_in_a_legacy_encoding_gets_a_dutch_message(data_dir: Path, tmp_path: Path):
    path = tmp_path / "ess.csv"
    text = (data_dir / ESS).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    path.write_bytes(("".join(lines[:3]) + "é" + "".join(lines[3:])).encode("latin-1"))
    with pytest.raises(SourceError, match="niet in UTF-8"):
        read_ess(path)


@pytest.mark.parametrize("rel,reader", [(ESS, read_ess), (WAVE0, read_vu_panel)])
def test_a_survey_file_cut_short_is_refused(data_dir: Path, tmp_path: Path, rel, reader):
    path = copy_survey(data_dir, tmp_path, rel, truncate(1 / 3))
    with pytest.raises(SourceError, match="afgebroken"):
        reader(path)
