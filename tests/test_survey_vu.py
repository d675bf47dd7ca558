"""The VU panel mapping on the real file: ranges, missing codes, CBS-coded demographics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from betrokken import schema
from betrokken.survey.frame import REGIONS
from betrokken.survey.vu import VU_ITEMS, analysis_sample, read_vu_panel, vu_path


@pytest.fixture(scope="module")
def raw(data_dir):
    return pd.read_csv(vu_path(data_dir), dtype={"postal_code": "string"}, low_memory=False)


@pytest.fixture(scope="module")
def frame(data_dir):
    return read_vu_panel(vu_path(data_dir))


def test_every_mapped_item_is_within_its_documented_range(frame):
    assert len(frame) == 2171
    for item in VU_ITEMS:
        values = frame[item.target].dropna()
        assert len(values) > 0, item.target
        if item.is_categorical:
            assert set(values) <= set(item.valid), item.target
        else:
            lo, hi = item.valid
            assert values.min() >= lo and values.max() <= hi, item.target


def test_demographics_use_the_cbs_cell_codes(frame):
    for column, codes in schema.CELL_VARIABLES.items():
        assert set(frame[column].dropna()) == set(codes), column
    assert set(frame["region"]) == set(REGIONS)


def test_missing_codes_become_missing_not_numbers(raw, frame):
    # education 999 "weet niet", ethnicity 999 "onbekend"
    assert (raw["education"] == 999).sum() > 0
    assert frame.loc[(raw["education"] == 999).to_numpy(), "education"].isna().all()
    assert frame.loc[(raw["ethnicity"] == 999).to_numpy(), "migration"].isna().all()
    # E1: 997 "weet ik niet meer" and 999 "mocht niet stemmen" -> NaN; 998 "niet gestemd" -> 0
    assert frame.loc[raw["E1"].isin([997, 999]).to_numpy(), "turnout_2017"].isna().all()
    assert (frame.loc[(raw["E1"] == 998).to_numpy(), "turnout_2017"] == 0).all()
    assert (frame.loc[raw["E1"].between(1, 14).to_numpy(), "turnout_2017"] == 1).all()
    # no 9xx code survives anywhere in the numeric items
    numeric = frame.select_dtypes("number")
    assert not (numeric >= 997).drop(columns=["pc4"]).any().any()


def test_education_follows_cbs_low_middle_high(raw, frame):
    pairs = pd.crosstab(raw["education"], frame["education"])
    assert set(pairs.loc[[1, 2, 3]].idxmax(axis=1)) == {"laag"}
    assert set(pairs.loc[[4, 5]].idxmax(axis=1)) == {"midden"}
    assert set(pairs.loc[[6, 7]].idxmax(axis=1)) == {"hoog"}


def test_age_bands_follow_the_respondents_age(frame):
    young = frame["age_years"] <= 24
    assert (frame.loc[young, "age"] == "15_24").all()
    assert (frame.loc[frame["age_years"] >= 65, "age"] == "65plus").all()


def test_pc4_is_parsed_from_pc6_and_junk_is_missing(raw, frame):
    text = raw["postal_code"].fillna("")
    full = text.str.fullmatch(r"\d{4}\s*[A-Za-z]{2}")
    assert full.sum() > 0
    assert (frame.loc[full.to_numpy(), "pc4"].astype(int) == text[full].str[:4].astype(int)).all()
    junk = ~text.str.match(r"^\d{4}")
    assert frame.loc[junk.to_numpy(), "pc4"].isna().all()


def test_analysis_sample_keeps_respondents_with_trust_answers(frame):
    sample = analysis_sample(frame)
    assert 1800 < len(sample) < len(frame)
    assert sample.filter(like="trust_").notna().any(axis=1).all()
    assert np.isfinite(sample["trust_government"].mean())
