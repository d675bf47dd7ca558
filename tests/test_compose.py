"""Composing postcodes on a tiny hand-made database: every number is worked out by hand.

Two published postcodes with 1,000 and 3,000 adults (weights 1/4 and 3/4), one with too
few residents and one with unknown population and an unknown ``suppressed`` flag. Each
postcode's bootstrap draws are ``[x - d, x - d, x, x + d, x + d]`` (five draws), so the
composed draws are ``[X - D, X - D, X, X + D, X + D]`` with ``D`` the adult-weighted mean
of the ``d``'s, and the 90 % interval (numpy's linear percentiles of five draws: 5 %
falls between the two lowest draws, both ``X - D``, 95 % between the two highest) is
``X ± D``. test_mix.py and test_privacy_edges.py compose on real builds.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest

from betrokken.areas.compose import PostcodeComposer
from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.store.pc4_estimates import compose_postcodes, load_composer

SHARES = {"1011": [0.2, 0.3, 0.5], "1012": [0.6, 0.2, 0.2], "1013": [0.1, 0.1, 0.8]}
SPREAD = {"1011": 0.04, "1012": 0.08, "1013": 0.5}
INDICES = {  # engagement, low trust, political, local (1012 has no local estimate)
    "1011": [0.3, 0.2, 0.4, 0.5],
    "1012": [0.5, 0.1, 0.6, None],
    "1013": [0.9, 0.9, 0.9, 0.9],
}
INDEX_SPREAD = {"1011": 0.02, "1012": 0.04, "1013": 0.3}
MEASURES = ["engagement_index", "low_trust_share", "political_engagement", "local_engagement"]


def _five(x: float, d: float) -> list[float]:
    return [x - d, x - d, x, x + d, x + d]


def _database(with_index_draws: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE areas (level VARCHAR, area_code VARCHAR, year INT, area_name VARCHAR, "
        "share_age_15_24 DOUBLE, share_age_25_44 DOUBLE, share_age_45_64 DOUBLE, "
        "share_age_65plus DOUBLE)"
    )
    con.executemany(
        "INSERT INTO areas VALUES (?, ?, 2024, ?, ?, ?, ?, ?)",
        [
            # 1,250 residents x (0.7 x 0.2 + 0.3 + 0.2 + 0.16) = 1,000 adults (15+: 1,075)
            ("pc4", "1011", "Centrum", 0.2, 0.3, 0.2, 0.16),
            # 3,000 residents, all adults
            ("pc4", "1012", "Oost", 0.0, 0.4, 0.3, 0.3),
            ("pc4", "1013", "Haven", 0.1, 0.3, 0.3, 0.2),
            ("pc4", "1014", "Nieuw", None, None, None, None),
            ("wijk", "1011", "not a postcode", 0.0, 0.0, 0.0, 0.0),
        ],
    )
    con.execute(
        "CREATE TABLE area_indices (level VARCHAR, area_code VARCHAR, year INT, "
        "population DOUBLE, suppressed BOOLEAN, suppression_reason VARCHAR, "
        "engagement_index DOUBLE, low_trust_share DOUBLE, political_engagement DOUBLE, "
        "local_engagement DOUBLE)"
    )
    con.executemany(
        "INSERT INTO area_indices VALUES (?, ?, 2024, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("pc4", "1011", 1250, False, None, *INDICES["1011"]),
            ("pc4", "1012", 3000, False, None, *INDICES["1012"]),
            ("pc4", "1013", 40, True, "te weinig inwoners", *INDICES["1013"]),
            ("pc4", "1014", None, None, "onbekend", None, None, None, None),
            ("wijk", "WK000100", 9999, False, None, 0.5, 0.5, 0.5, 0.5),
        ],
    )
    con.execute("CREATE TABLE profiles (position INT, card_json VARCHAR)")
    cards = [
        {"id": "b", "name": "Bee", "p_high_engagement": 0.5, "p_low_trust": 0.3},
        {"id": "a", "name": "Aa", "p_high_engagement": 0.1, "p_low_trust": 0.6},
        {"id": "c", "name": "Cee", "p_high_engagement": 0.9, "p_low_trust": 0.1},
    ]
    order = [1, 0, 2]  # stored out of order: the position column decides
    con.executemany("INSERT INTO profiles VALUES (?, ?)",
                    [(order[i], json.dumps(c)) for i, c in enumerate(cards)])
    con.execute("CREATE TABLE profile_mix (level VARCHAR, area_code VARCHAR, "
                "profile_id VARCHAR, share DOUBLE)")
    con.execute("CREATE TABLE profile_mix_draws (level VARCHAR, area_code VARCHAR, "
                "profile_id VARCHAR, draws DOUBLE[])")
    for code, shares in SHARES.items():
        for pid, share in zip("abc", shares, strict=True):
            con.execute("INSERT INTO profile_mix VALUES ('pc4', ?, ?, ?)", [code, pid, share])
            con.execute("INSERT INTO profile_mix_draws VALUES ('pc4', ?, ?, ?)",
                        [code, pid, _five(share, SPREAD[code])])
    con.execute("INSERT INTO profile_mix VALUES ('pc4', '1014', 'a', NULL)")
    con.execute("INSERT INTO profile_mix VALUES ('pc4', '9999', 'a', 0.7)")  # not an area
    con.execute("INSERT INTO profile_mix_draws VALUES ('pc4', '9999', 'a', [1.0, 1, 1, 1, 1])")
    con.execute("INSERT INTO profile_mix VALUES ('wijk', '1011', 'a', 0.9)")
    con.execute("INSERT INTO profile_mix_draws VALUES ('wijk', '1011', 'a', [0.0, 0, 0, 0, 0])")
    if with_index_draws:
        con.execute("CREATE TABLE area_index_draws (level VARCHAR, area_code VARCHAR, "
                    "measure VARCHAR, draws DOUBLE[])")
        for code, values in INDICES.items():
            for measure, value in zip(MEASURES, values, strict=True):
                if value is not None:
                    con.execute("INSERT INTO area_index_draws VALUES ('pc4', ?, ?, ?)",
                                [code, measure, _five(value, INDEX_SPREAD[code])])
        con.execute("INSERT INTO area_index_draws VALUES ('pc4', '1011', 'other', [5, 5, 5, 5, 5])")
        con.execute("INSERT INTO area_index_draws VALUES ('pc4', '9999', 'engagement_index', "
                    "[5, 5, 5, 5, 5])")
        con.execute("INSERT INTO area_index_draws VALUES ('wijk', '1011', 'engagement_index', "
                    "[5, 5, 5, 5, 5])")
    return con


@pytest.fixture(scope="module")
def composer() -> PostcodeComposer:
    con = _database()
    try:
        return load_composer(con)
    finally:
        con.close()


def _by_id(result: dict) -> dict[str, dict]:
    return {row["profile_id"]: row for row in result["mix"]}


def test_loading_reads_postcodes_profiles_and_adults(composer):
    assert composer.codes == ["1011", "1012", "1013", "1014"]
    assert composer.names == ["Centrum", "Oost", "Haven", "Nieuw"]
    assert composer.profile_ids == ["a", "b", "c"]
    assert composer.profile_names == ["Aa", "Bee", "Cee"]
    np.testing.assert_allclose(composer.population, [1250, 3000, 40, 0])
    np.testing.assert_allclose(composer.weight, [1000, 3000, 40 * 0.87, 0])
    assert composer.suppressed.tolist() == [False, False, True, True]
    assert composer.reasons[2] == "te weinig inwoners"
    np.testing.assert_allclose(composer.p_engaged, [0.1, 0.5, 0.9])
    np.testing.assert_allclose(composer.p_low_trust, [0.6, 0.3, 0.1])
    np.testing.assert_allclose(composer.shares[1], [0.6, 0.2, 0.2])
    assert np.isnan(composer.shares[3]).all()
    assert composer.draws.shape == (4, 3, 5)
    np.testing.assert_allclose(composer.draws[0, 2], [0.46, 0.46, 0.5, 0.54, 0.54])
    assert np.isnan(composer.draws[3]).all()
    np.testing.assert_allclose(composer.index_points[1, :3], [0.5, 0.1, 0.6])
    assert np.isnan(composer.index_points[1, 3]) and np.isnan(composer.index_points[3]).all()
    np.testing.assert_allclose(composer.index_draws[0, 3], [0.48, 0.48, 0.5, 0.52, 0.52])
    assert np.isnan(composer.index_draws[1, 3]).all()


def test_two_postcodes_are_weighted_by_adults_draw_by_draw(composer):
    out = composer.compose(["1012", "1011 AB", "1011"])
    assert out["postcodes"] == ["1012", "1011"]
    assert out["used"] == ["1011", "1012"] and out["suppressed"] == []
    assert out["population"] == 4250.0 and out["population_all"] == 4250.0
    assert out["suppressed_all"] is False and out["n_boot"] == 5
    mix = _by_id(out)
    assert [r["profile_id"] for r in out["mix"]] == ["a", "b", "c"]
    assert [r["name"] for r in out["mix"]] == ["Aa", "Bee", "Cee"]
    # 1/4 x 1011 + 3/4 x 1012; D = 1/4 x 0.04 + 3/4 x 0.08 = 0.07
    for pid, share in zip("abc", [0.5, 0.225, 0.275], strict=True):
        assert mix[pid]["share"] == pytest.approx(share)
        assert mix[pid]["share_lo"] == pytest.approx(share - 0.07)
        assert mix[pid]["share_hi"] == pytest.approx(share + 0.07)
    # indices: D = 1/4 x 0.02 + 3/4 x 0.04 = 0.035
    for name, value in [("engagement_index", 0.45), ("low_trust_share", 0.125),
                        ("political_engagement", 0.55)]:
        assert out[name] == pytest.approx({"value": value, "lo": value - 0.035,
                                           "hi": value + 0.035})
    # 1012 has no local estimate: 1011 alone (weight 1), +- 0.02
    assert out["local_engagement"] == pytest.approx({"value": 0.5, "lo": 0.48, "hi": 0.52})


def test_suppressed_postcodes_are_named_and_left_out(composer):
    out = composer.compose(["1014", "1013", "1011"])
    assert out["used"] == ["1011"]
    assert out["suppressed"] == [{"area_code": "1013", "reason": "te weinig inwoners"},
                                 {"area_code": "1014", "reason": "onbekend"}]
    assert out["population"] == 1250.0 and out["population_all"] == 1290.0
    assert _by_id(out)["c"] == pytest.approx(
        {"profile_id": "c", "name": "Cee", "share": 0.5, "share_lo": 0.46, "share_hi": 0.54})
    assert out["engagement_index"] == pytest.approx({"value": 0.3, "lo": 0.28, "hi": 0.32})
    hidden = composer.compose(["1013", "1014"])
    assert hidden["suppressed_all"] is True and hidden["mix"] == [] and hidden["used"] == []
    assert hidden["population"] == 0.0 and hidden["population_all"] == 40.0
    assert "engagement_index" not in hidden and "n_boot" not in hidden


def test_only_unknown_local_values_leave_that_index_out(composer):
    out = composer.compose(["1012"])
    assert "local_engagement" not in out
    assert out["political_engagement"] == pytest.approx({"value": 0.6, "lo": 0.56,
                                                         "hi": 0.64})


def test_an_older_database_without_index_draws_uses_the_profile_rates():
    con = _database(with_index_draws=False)
    try:
        composer = load_composer(con)
        assert composer.index_points is None and composer.index_draws is None
        out = compose_postcodes(con, ["1011", "1012"])
    finally:
        con.close()
    # engagement = mix . (0.1, 0.5, 0.9) = 0.41, its draws spread 0.07 x 1.5 = 0.105
    assert out["engagement_index"] == pytest.approx({"value": 0.41, "lo": 0.305,
                                                     "hi": 0.515})
    # low trust = mix . (0.6, 0.3, 0.1) = 0.395, spread 0.07 x 1.0
    assert out["low_trust_share"] == pytest.approx({"value": 0.395, "lo": 0.325, "hi": 0.465})
    assert "political_engagement" not in out and "local_engagement" not in out


def test_unknown_and_malformed_postcodes_are_named(composer):
    with pytest.raises(UnknownAreaError) as info:
        composer.compose(["1011", "2000", "3000"])
    assert info.value.message == ("Onbekende postcode(s): 2000, 3000. "
                                  "Deze komen niet voor in de database.")
    assert info.value.hint == ("Controleer de postcode; alleen bewoonde postcodes hebben een "
                               "schatting.")
    with pytest.raises(BetrokkenError, match="'10a1'"):
        composer.compose(["10a1"])


def test_a_database_without_draws_composes_without_intervals_failing():
    con = _database()
    con.execute("DELETE FROM profile_mix_draws")
    con.execute("DELETE FROM area_index_draws")
    try:
        composer = load_composer(con)
    finally:
        con.close()
    assert composer.draws.shape == (4, 3, 0) and composer.index_draws.shape == (4, 4, 0)


def test_index_points_without_their_draws_fall_back_to_the_profile_rates(composer):
    import copy

    partial = copy.copy(composer)
    partial.index_draws = None
    out = partial.compose(["1011", "1012"])
    assert out["engagement_index"]["value"] == pytest.approx(0.41)
    assert "political_engagement" not in out
