"""Validation: election reconciliation, correlation intervals, and the report on real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from betrokken.reports.validation import (
    ANTI_ESTABLISHMENT_PARTIES,
    WADDEN_ISLANDS,
    correlation,
    load_elections,
    to_2024_borders,
)


def test_merged_gemeenten_are_summed_onto_2024_codes():
    frame = pd.DataFrame(
        {
            "gemeente_code": ["GM0856", "GM1685", "GM0501", "GM0530", "GM0788", "GM0014"],
            "electorate": [100, 50, 10, 20, 5, 1000],
            "votes": [80, 30, 5, 10, 4, 700],
        }
    )
    known = {"GM1991", "GM1992", "GM0014", "GM0614"}
    out, dropped = to_2024_borders(frame, "TK2021", known, ["electorate", "votes"])
    out = out.set_index("gemeente_code")
    assert out.loc["GM1991", "electorate"] == 150 and out.loc["GM1991", "votes"] == 110
    assert "GM1992" not in out.index  # Westvoorne (GM0614) missing: incomplete merger dropped
    assert any("GM1992" in d and "GM0614" in d for d in dropped)
    assert any("GM0788" in d for d in dropped)  # Haaren was split, cannot be mapped
    assert out.loc["GM0014", "votes"] == 700


def test_mergers_after_the_election_date_only():
    frame = pd.DataFrame({"gemeente_code": ["GM1979"], "electorate": [10], "votes": [5]})
    out, dropped = to_2024_borders(frame, "TK2021", {"GM1979"}, ["electorate", "votes"])
    assert out["gemeente_code"].tolist() == ["GM1979"] and dropped == []


def test_correlation_interval_contains_estimate_and_narrows_with_n():
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    y = 0.5 * x + rng.normal(size=400)
    big, small = correlation(x, y), correlation(x[:40], y[:40])
    for r in (big, small):
        for key in ("pearson", "spearman"):
            lo, hi = r[f"{key}_ci"]
            assert lo < r[key] < hi
    def width(r):
        return r["pearson_ci"][1] - r["pearson_ci"][0]

    assert width(big) < width(small)
    assert 0.3 < big["pearson"] < 0.6
    assert np.isnan(correlation(x[:3], y[:3])["pearson"])


@pytest.fixture(scope="module")
def current_gemeenten(data_dir):
    from betrokken.areas.harmonise import build_area_tables

    areas = build_area_tables(data_dir).areas
    return set(areas.loc[(areas["level"] == "gemeente") & areas["is_current"], "area_code"])


def test_real_elections_reconcile_to_database_codes(data_dir, current_gemeenten):
    elections = load_elections(data_dir / "validation", current_gemeenten)
    for key, election in elections.items():
        frame = election.frame
        assert set(frame["gemeente_code"]) <= current_gemeenten, key
        assert not set(frame["gemeente_code"]) & set(WADDEN_ISLANDS), key
        assert frame["turnout"].between(0.2, 1.0).all(), key
        assert len(frame) > 300, key
    tk = elections["TK2021"].frame.set_index("gemeente_code")
    # Land van Cuijk (2022) and Voorne aan Zee (2023) exist only as sums of 2021 gemeenten
    assert {"GM1982", "GM1992", "GM1980", "GM1991"} <= set(tk.index)
    assert tk["anti_share"].between(0.02, 0.6).all()
    assert len(ANTI_ESTABLISHMENT_PARTIES) == 5


def test_validate_writes_report_and_plots(built_db, data_dir, tmp_path):
    from betrokken.reports.validation import run_validation

    path = run_validation(built_db, data_dir, tmp_path)
    text = path.read_text(encoding="utf-8")
    for needle in ("TK2021 turnout", "GR2022 turnout", "PS2019 turnout", "baseline",
                   "anti-establishment", "within gemeente", "betrokken validate", "Spearman"):
        assert needle in text
    for name in ("turnout", "trust", "within"):
        png = tmp_path / "img" / f"validation_{name}.png"
        assert png.stat().st_size > 10_000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
