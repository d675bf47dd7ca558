"""The ESS9 NL check table: computed from both files, on the 0-10 scale, never fitted."""

from __future__ import annotations

import numpy as np

from betrokken.survey.compare import PAIRS, read_ess_nl_trust_extract, trust_comparison
from betrokken.survey.vu import load_vu


def test_trust_comparison(data_dir):
    frame, _ = load_vu(data_dir)
    weights = np.ones(len(frame))
    table = trust_comparison(frame, weights, data_dir)
    assert len(table) == len(PAIRS)
    for column in ("vu_2021_mean", "ess9_nl_mean"):
        assert table[column].between(0, 10).all()
    ess = read_ess_nl_trust_extract(data_dir)
    assert len(ess) == 1673
    # unweighted VU mean reproduces a direct computation
    direct = frame["trust_parliament"].mean()
    assert table.loc[0, "vu_2021_mean"] == round(direct, 2)
    # the extract's don't-know recoding shows up as a heap at exactly 5
    assert (table["ess9_share_exact_5"] > 0.1).all()
