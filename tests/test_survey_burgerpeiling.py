"""The Burgerpeiling reader: mapping checked against the VNG format file's own labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from betrokken.errors import SourceError
from betrokken.survey.burgerpeiling import (
    BURGERPEILING_ITEMS,
    burgerpeiling_metadata,
    read_burgerpeiling,
)

FORMAT = "survey/burgerpeiling_format/Burgerpeiling-dataformat-2022.sav"


@pytest.fixture(scope="module")
def metadata(data_dir):
    return burgerpeiling_metadata(data_dir / FORMAT).set_index("variable")


def test_every_mapped_variable_exists_with_matching_labels(metadata):
    assert len(metadata) == 178
    for item in BURGERPEILING_ITEMS:
        assert item.source in metadata.index, item.source
        labels = metadata.loc[item.source, "value_labels"]
        if item.recode is None or not labels:
            continue
        codes = {int(k) for k in labels}
        mapped = {int(k) for k in item.recode} | {int(m) for m in item.missing}
        assert mapped == codes, (item.source, mapped, codes)


def test_scale_directions_follow_the_labels(metadata):
    bo01 = metadata.loc["bo01", "value_labels"]
    assert bo01[1.0] == "heel veel" and bo01[5.0] == "(bijna) geen"
    item = next(i for i in BURGERPEILING_ITEMS if i.source == "bo01")
    assert item.recode[1] == 5 and item.recode[5] == 1  # higher = more trust
    assert metadata.loc["zw06_3", "value_labels"][1.0] == "vaak"
    assert metadata.loc["ch01", "value_labels"][2.0] == "vrouw"


def test_format_file_has_no_respondents(data_dir):
    with pytest.raises(SourceError, match="geen respondenten"):
        read_burgerpeiling(data_dir / FORMAT)


def test_a_small_municipal_file_maps_into_the_frame(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    names = {i.source for i in BURGERPEILING_ITEMS}
    rows = pd.DataFrame({n: [np.nan, np.nan, np.nan] for n in names})
    rows["wijknr"] = ["WK034401", "WK034402", ""]
    rows["respondent"] = [1.0, 2.0, 3.0]
    rows.loc[:, "gemnr"] = 344.0
    rows.loc[:, "ch01"] = [1, 2, 4]
    rows.loc[:, "ch02"] = [2, 1, 6]
    rows.loc[:, "ch03"] = [6, 2, 4]
    rows.loc[:, "bo01"] = [1, 5, 6]
    rows.loc[:, "zw06_3"] = [1, 3, 2]
    rows.loc[:, "weging"] = [1.2, 0.8, 1.0]
    path = tmp_path / "gemeente.sav"
    pyreadstat.write_sav(rows, str(path))
    frame = read_burgerpeiling(path)
    assert list(frame["sex"].fillna("-")) == ["man", "vrouw", "-"]
    assert list(frame["age"].fillna("-")) == ["25_44", "-", "65plus"]
    assert list(frame["education"]) == ["hoog", "laag", "midden"]
    assert frame["trust_municipality"].tolist()[:2] == [5, 1]
    assert np.isnan(frame["trust_municipality"].iloc[2])
    assert frame["volunteering"].tolist() == [2, 0, 1]
    assert frame["gemeente_code"].tolist() == ["GM0344"] * 3


def test_not_a_sav_file(tmp_path):
    bad = tmp_path / "peiling.sav"
    bad.write_text("geen spss")
    with pytest.raises(SourceError, match="geen leesbaar SPSS-bestand"):
        read_burgerpeiling(bad)
