"""Source adapters: every file reads and validates; bad files give clear Dutch errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from betrokken.errors import SourceError
from betrokken.sources import LOCAL_SOURCES
from betrokken.sources.base import Source, secret_fields, to_numeric_with_secrecy
from betrokken.sources.crosswalk import PC4_WIJK_CROSSWALK
from betrokken.sources.kwb_gemeente import GEMEENTE_2020, GEMEENTE_2024, GEMEENTE_2024_POLYGONS
from betrokken.sources.kwb_wijk import WIJK_2024
from betrokken.sources.pc4 import PC4_AGE_SEX_2021, PC4_BOUNDARIES_2020
from helpers_data import broken_copy, copy_of, rename_column, replace_text, truncate


@pytest.mark.parametrize("source", LOCAL_SOURCES, ids=lambda s: s.name)
def test_every_source_reads_with_its_columns(source: Source, data_dir: Path):
    frame = source.read_local(data_dir)
    assert len(frame) >= source.min_rows
    assert set(source.required_columns) <= set(frame.columns)
    for column in source.numeric_columns:
        assert pd.api.types.is_float_dtype(frame[column]), column
    assert source.licence and source.origin and source.year >= 2019


def test_secrecy_codes_become_null_and_flagged(tmp_path: Path):
    csv = tmp_path / "t.csv"
    csv.write_text(
        "code,a,b\nGM0001,10,-99999999\nGM0002,.,5\nGM0003,,-99997\nGM0004,7,-99995\n"
    )
    source = Source(name="t", description="t", year=2024, licence="x", origin="x",
                    filename="t.csv", required_columns=("code", "a", "b"), min_rows=1,
                    code_column="code", code_prefix=r"^GM\d{4}$", numeric_columns=("a", "b"))
    frame = source.read_path(csv)
    assert frame["a"].tolist()[0] == 10 and frame["a"].isna().tolist() == [False, True, True,
                                                                            False]
    assert frame["b"].isna().tolist() == [True, False, True, True]
    assert secret_fields(frame, "b").tolist() == [True, False, True, True]
    assert frame["secret_fields"].tolist() == ["b", "a", "a,b", "b"]
    # never a number: no negative secrecy code survives anywhere
    assert not (frame[["a", "b"]] < 0).any().any()


def test_numeric_garbage_is_an_error_not_a_null():
    with pytest.raises(SourceError, match="kolom 'x'.*'abc'"):
        to_numeric_with_secrecy(pd.Series(["1", "abc"]), column="x")


def test_missing_file(tmp_path: Path, data_dir: Path):
    broken = broken_copy(data_dir, tmp_path / "d", GEMEENTE_2024.filename, None)
    with pytest.raises(SourceError, match=f"'{GEMEENTE_2024.filename}'.*ontbreekt"):
        GEMEENTE_2024.read_local(broken)


def test_renamed_column(tmp_path: Path, data_dir: Path):
    broken = broken_copy(data_dir, tmp_path / "d", WIJK_2024.filename,
                         rename_column("aantal_inwoners", "inwoners"))
    with pytest.raises(SourceError) as err:
        WIJK_2024.read_local(broken)
    assert WIJK_2024.filename in err.value.message
    assert "kolom 'aantal_inwoners'" in err.value.message


def test_truncated_csv(tmp_path: Path, data_dir: Path):
    broken = broken_copy(data_dir, tmp_path / "d", PC4_AGE_SEX_2021.filename, truncate(0.5))
    with pytest.raises(SourceError, match="afgebroken"):
        PC4_AGE_SEX_2021.read_local(broken)


def test_truncated_geopackage(tmp_path: Path, data_dir: Path):
    broken = broken_copy(data_dir, tmp_path / "d", PC4_BOUNDARIES_2020.filename, truncate(0.3))
    with pytest.raises(SourceError, match=PC4_BOUNDARIES_2020.filename):
        PC4_BOUNDARIES_2020.read_local(broken)


def test_wrong_year_geojson(tmp_path: Path, data_dir: Path):
    broken = broken_copy(data_dir, tmp_path / "d", GEMEENTE_2024_POLYGONS.filename,
                         copy_of("gemeente_2022_kwb_geoinzicht.geojson"))
    with pytest.raises(SourceError, match="jaar 2022.*verwacht 2024"):
        GEMEENTE_2024_POLYGONS.read_local(broken)


def test_wrong_year_column(tmp_path: Path, data_dir: Path):
    broken = broken_copy(data_dir, tmp_path / "d", GEMEENTE_2020.filename,
                         replace_text(",2020,", ",2019,"))
    with pytest.raises(SourceError, match="kolom 'JAAR' bevat jaar 2019"):
        GEMEENTE_2020.read_local(broken)


def test_malformed_area_code(tmp_path: Path, data_dir: Path):
    broken = broken_copy(data_dir, tmp_path / "d", PC4_WIJK_CROSSWALK.filename,
                         replace_text("WK001400", "WKX01400"))
    with pytest.raises(SourceError, match="onbekende gebiedscode 'WKX01400'"):
        PC4_WIJK_CROSSWALK.read_local(broken)
