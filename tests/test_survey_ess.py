"""The ESS reader on the BE/CH format fixtures (never fitted as if Dutch)."""

from __future__ import annotations

import pandas as pd
import pytest

from betrokken import schema
from betrokken.errors import SourceError
from betrokken.survey.ess import ESS_ITEMS, read_ess

FIXTURES = {
    "CH": "survey/ess_fixtures/ess10_CH_meijuny_ESS10-subset.csv",
    "BE": "survey/ess_fixtures/ess9_BE_saverymax_ESS1-9e01_1.csv",
}


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def case(request, data_dir):
    path = data_dir / FIXTURES[request.param]
    return request.param, pd.read_csv(path, low_memory=False), read_ess(path)


def test_items_within_documented_range(case):
    country, raw, frame = case
    assert len(frame) == len(raw)
    assert (frame["country"] == country).all()
    for item in ESS_ITEMS:
        values = frame[item.target].dropna()
        if item.source not in raw.columns:
            assert values.empty
            continue
        if item.kind == "text":
            continue
        if item.is_categorical:
            assert set(values) <= set(item.valid), item.target
        else:
            lo, hi = item.valid
            assert values.between(lo, hi).all(), item.target
    for column in ("age", "sex", "education"):
        assert set(frame[column].dropna()) <= set(schema.CELL_VARIABLES[column])


def test_missing_codes_become_missing(case):
    _, raw, frame = case
    dk = raw["trstprl"].isin([77, 88, 99])
    assert dk.any()
    assert frame.loc[dk, "trust_parliament"].isna().all()
    not_eligible = raw["vote"] == 3
    assert frame.loc[not_eligible, "turnout_last"].isna().all()
    assert (frame.loc[raw["vote"] == 2, "turnout_last"] == 0).all()
    # polintr reversed: 1 "very interested" -> 3
    assert (frame.loc[raw["polintr"] == 1, "interest"] == 3).all()
    assert frame["news_minutes"].max() <= 1440


def test_missing_core_column_is_a_clear_error(tmp_path, data_dir):
    raw = pd.read_csv(data_dir / FIXTURES["CH"], nrows=30, low_memory=False)
    path = tmp_path / "ess.csv"
    raw.drop(columns=["trstplt"]).to_csv(path, index=False)
    with pytest.raises(SourceError, match="trstplt"):
        read_ess(path)
