"""The per-area indices, the NL aggregate and the contrasts of a real build (issue #8)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def con(built_db):
    connection = duckdb.connect(str(built_db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def indices(con) -> pd.DataFrame:
    return con.execute(
        "SELECT i.*, a.gemeente_code, a.population AS pop, a.share_age_15_24, a.share_age_25_44,"
        " a.share_age_45_64, a.share_age_65plus FROM area_indices i "
        "JOIN areas a USING (year, level, area_code)"
    ).df()


def adults(frame: pd.DataFrame) -> np.ndarray:
    """18+ written out here: 7 of the 10 years of the 15-24 band count as adult."""
    return frame["pop"].to_numpy(float) * (
        0.7 * frame["share_age_15_24"] + frame["share_age_25_44"] + frame["share_age_45_64"]
        + frame["share_age_65plus"]
    ).to_numpy(float)


def test_engagement_index_is_half_political_half_local(indices):
    pub = indices[~indices["suppressed"]]
    assert len(pub) > 7000
    np.testing.assert_allclose(
        pub["engagement_index"], 0.5 * pub["political_engagement"] + 0.5 * pub["local_engagement"],
        atol=1e-12,
    )


def test_local_engagement_is_the_mean_of_the_monitor_components(con, indices):
    local = con.execute("SELECT level, area_code, volunteering, informal_care, socially_lonely "
                        "FROM local_indicators").df()
    joined = indices[~indices["suppressed"]].merge(local, on=["level", "area_code"])
    expected = (joined["volunteering"] + joined["informal_care"]
                + 1 - joined["socially_lonely"]) / 3
    np.testing.assert_allclose(joined["local_engagement"], expected, atol=1e-12)


def test_gemeente_political_engagement_is_the_adult_weighted_mean_of_its_wijken(indices):
    wijk = indices[(indices["level"] == "wijk") & ~indices["suppressed"]].copy()
    wijk["w"] = adults(wijk)
    for code in ("GM0344", "GM0096", "GM0363"):
        part = wijk[wijk["gemeente_code"] == code]
        expected = np.average(part["political_engagement"], weights=part["w"])
        got = indices.set_index("area_code").loc[code, "political_engagement"]
        assert got == pytest.approx(expected, rel=1e-9)


def test_interval_is_the_centred_percentile_interval_of_its_own_draws(con, indices):
    draws = con.execute(
        "SELECT area_code, measure, draws FROM area_index_draws WHERE level = 'gemeente' "
        "AND area_code IN ('GM0344', 'GM0184', 'GM0599')"
    ).df()
    by_code = indices.set_index("area_code")
    widths = {}
    for row in draws.itertuples():
        d = np.asarray(row.draws, float)
        q05, q50, q95 = np.quantile(d, [0.05, 0.5, 0.95])
        point = by_code.loc[row.area_code, row.measure]
        assert by_code.loc[row.area_code, f"{row.measure}_lo"] == pytest.approx(
            max(0.0, min(point, point + q05 - q50)), abs=2e-6)
        assert by_code.loc[row.area_code, f"{row.measure}_hi"] == pytest.approx(
            min(1.0, max(point, point + q95 - q50)), abs=2e-6)
        widths[(row.area_code, row.measure)] = q95 - q05
    # each index has its own uncertainty (not one index's draws reused for another)
    assert widths[("GM0344", "engagement_index")] != pytest.approx(
        widths[("GM0344", "low_trust_share")], rel=0.05)


def test_national_estimates_are_the_adult_weighted_gemeenten(con, indices):
    national = dict(con.execute("SELECT measure, value FROM national_estimates").fetchall())
    gem = indices[(indices["level"] == "gemeente") & ~indices["suppressed"]]
    for measure in ("low_trust_share", "political_engagement"):
        assert national[measure] == pytest.approx(
            np.average(gem[measure], weights=adults(gem)), rel=1e-9)
    # local engagement of NL is the monitor's own national figure
    assert national["local_engagement"] == pytest.approx((0.246 + 0.136 + 0.700) / 3, abs=1e-9)
    mix = con.execute("SELECT sum(value) FROM national_estimates WHERE measure NOT IN "
                      "('low_trust_share','political_engagement','local_engagement',"
                      "'engagement_index')").fetchone()[0]
    assert mix == pytest.approx(1.0, abs=1e-9)


def test_contrasts_are_differences_with_their_reference(con, indices):
    contrasts = con.execute("SELECT * FROM area_contrasts WHERE measure = 'low_trust_share'").df()
    national = con.execute(
        "SELECT value FROM national_estimates WHERE measure = 'low_trust_share'").fetchone()[0]
    by_code = indices.set_index("area_code")["low_trust_share"]
    nl = contrasts[contrasts["reference"] == "nederland"]
    np.testing.assert_allclose(nl["diff"], nl["area_code"].map(by_code) - national, atol=1e-12)
    gem = contrasts[contrasts["reference"] == "gemeente"].merge(
        indices[["area_code", "gemeente_code"]], on="area_code")
    np.testing.assert_allclose(
        gem["diff"], gem["area_code"].map(by_code) - gem["gemeente_code"].map(by_code),
        atol=1e-12)
    assert (contrasts["clear"] == ((contrasts["diff_lo"] > 0) | (contrasts["diff_hi"] < 0))).all()
    assert ((contrasts["diff_lo"] <= contrasts["diff"])
            & (contrasts["diff"] <= contrasts["diff_hi"])).mean() > 0.99
    # some areas differ clearly, many do not
    share_clear = nl.groupby("level")["clear"].mean()
    assert 0.05 < share_clear["wijk"] < 0.95


def test_no_estimate_of_a_suppressed_area_leaves_the_build(con, indices):
    hidden = indices.loc[indices["suppressed"], "area_code"].tolist()
    assert hidden
    for table in ("area_contrasts", "area_index_draws"):
        n = con.execute(f"SELECT count(*) FROM {table} WHERE list_contains(?, area_code)",
                        [hidden]).fetchone()[0]
        assert n == 0, table
    values = con.execute(
        "SELECT count(*) FROM local_indicators WHERE list_contains(?, area_code) "
        "AND volunteering IS NOT NULL", [hidden]).fetchone()[0]
    assert values == 0


def test_gemeenten_spread_in_local_engagement(indices):
    gem = indices[(indices["level"] == "gemeente") & ~indices["suppressed"]]
    # measured, not modelled: the monitor's gemeenten differ by about 2.5 points (SD)
    assert gem["local_engagement"].std() == pytest.approx(0.0247, abs=0.001)
    assert gem["engagement_index"].std() > 0.012
