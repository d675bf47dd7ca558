"""Profile mix: sums to 1, intervals contain the point, coherent aggregation, suppression.

The first half uses a small hand-made model and areas (edge cases); the second half the
real area tables and the committed model artifact.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from betrokken.areas.mix import (
    REASON_FEW_RESIDENTS,
    REASON_SECRET_MARGINS,
    compute_profile_mix,
    interval_around_point,
)
from betrokken.areas.poststratify import cell_frame
from betrokken.errors import BetrokkenError
from betrokken.schema import CELL_VARIABLES, MIN_RESIDENTS_PUBLISHED, URBANITY_CLASSES


class HandModel:
    """A multinomial-logit stand-in with the ProfileModel interface (8 profiles)."""

    def __init__(self, n_boot: int = 30, seed: int = 3):
        rng = np.random.default_rng(seed)
        self.profile_ids = [f"p{i}" for i in range(8)]
        self.predictors = [*CELL_VARIABLES, "gemeente_urbanity"]
        self.n_features = sum(len(c) for c in CELL_VARIABLES.values()) + len(URBANITY_CLASSES)
        self.coef = rng.normal(0, 1, (self.n_features, 8))
        self.boot_coef = self.coef + rng.normal(0, 0.15, (n_boot, self.n_features, 8))
        self.profiles = [
            {"id": pid, "p_high_engagement": e, "p_low_trust": t}
            for pid, e, t in zip(
                self.profile_ids, np.linspace(0.1, 0.8, 8), np.linspace(0.7, 0.05, 8), strict=True
            )
        ]
        cells = cell_frame()
        cells["weight"] = rng.gamma(2.0, size=len(cells))
        cells["weight"] /= cells["weight"].sum()
        self.national_cells = cells

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        parts = [
            (X[var].to_numpy()[:, None] == np.array(codes)[None]).astype(float)
            for var, codes in CELL_VARIABLES.items()
        ]
        urb = X["gemeente_urbanity"].to_numpy()[:, None] == np.array(URBANITY_CLASSES)[None]
        return np.hstack([*parts, urb.astype(float)])

    @staticmethod
    def _softmax(z: np.ndarray) -> np.ndarray:
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self._softmax(self._design(X) @ self.coef)

    def bootstrap_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self._softmax(np.einsum("nf,bfk->bnk", self._design(X), self.boot_coef))


def adults18(frame: pd.DataFrame) -> pd.Series:
    """Adults 18+, written out: 7 of the 10 years of CBS's 15-24 band count."""
    return frame["population"] * (0.7 * frame["share_age_15_24"] + frame["share_age_25_44"]
                                  + frame["share_age_45_64"] + frame["share_age_65plus"])


def _area(level, code, pop, *, gemeente, wijk=None, urbanity=None, young=0.15, edu=(0.3, 0.4, 0.3),
          age=(0.12, 0.30, 0.33, 0.25), secret=""):
    adults = 1 - young
    return {
        "year": 2024, "level": level, "area_code": code, "area_name": code.lower(),
        "gemeente_code": gemeente, "wijk_code": wijk, "population": pop,
        "share_age_0_14": young, **{f"share_age_{b}": a * adults for b, a in
                                     zip(CELL_VARIABLES["age"], age, strict=True)},
        "share_man": 0.49, "share_vrouw": 0.51,
        "share_edu_laag": edu[0], "share_edu_midden": edu[1], "share_edu_hoog": edu[2],
        "share_migration_nl": 0.75, "share_migration_west": 0.1, "share_migration_nietwest": 0.15,
        "urbanity": urbanity, "secret_columns": secret, "derived_columns": "", "is_current": True,
    }


@pytest.fixture(scope="module")
def hand_tables():
    rows = [
        _area("gemeente", "GM0001", 10_000, gemeente="GM0001", urbanity=1),
        _area("gemeente", "GM0002", 3_000, gemeente="GM0002", urbanity=4,
              age=(0.08, 0.2, 0.35, 0.37)),
        _area("wijk", "WK000100", 6_000, gemeente="GM0001", age=(0.3, 0.4, 0.2, 0.1)),
        _area("wijk", "WK000101", 3_990, gemeente="GM0001", age=(0.05, 0.2, 0.4, 0.35)),
        _area("wijk", "WK000102", 10, gemeente="GM0001"),
        _area("wijk", "WK000200", 3_000, gemeente="GM0002", age=(0.08, 0.2, 0.35, 0.37)),
        _area("pc4", "1011", 5_000, gemeente="GM0001"),
        _area("pc4", "1012", MIN_RESIDENTS_PUBLISHED - 1, gemeente="GM0001"),
        _area("pc4", "1013", 800, gemeente="GM0002", edu=(None, None, None),
              secret="share_edu_laag,share_edu_midden,share_edu_hoog"),
    ]
    return SimpleNamespace(areas=pd.DataFrame(rows))


@pytest.fixture(scope="module")
def hand_mix(hand_tables):
    return compute_profile_mix(hand_tables, HandModel())


def _wide(mix, column="share"):
    return mix.profile_mix.pivot(index="area_code", columns="profile_id", values=column)


def test_every_published_mix_sums_to_one(hand_mix):
    shares = _wide(hand_mix).dropna()
    assert len(shares) == 6
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-9)


def test_intervals_contain_point_estimates(hand_mix):
    pm = hand_mix.profile_mix.dropna(subset=["share"])
    assert (pm["share_lo"] <= pm["share"]).all() and (pm["share"] <= pm["share_hi"]).all()
    assert (pm["share_hi"] - pm["share_lo"] > 0).all()
    ai = hand_mix.area_indices.dropna(subset=["engagement_index"])
    for col in ("engagement_index", "low_trust_share"):
        assert (ai[f"{col}_lo"] <= ai[col]).all() and (ai[col] <= ai[f"{col}_hi"]).all()


def test_suppressed_areas_have_reason_and_no_shares(hand_mix):
    ai = hand_mix.area_indices.set_index("area_code")
    assert ai.loc["WK000102", "suppression_reason"] == REASON_FEW_RESIDENTS
    assert ai.loc["1012", "suppression_reason"] == REASON_FEW_RESIDENTS
    assert ai.loc["1013", "suppression_reason"] == REASON_SECRET_MARGINS
    assert ai["suppressed"].sum() == 3
    for code in ("WK000102", "1012", "1013"):
        assert ai.loc[code, ["engagement_index", "low_trust_share"]].isna().all()
    assert _wide(hand_mix).loc[["WK000102", "1012", "1013"]].isna().all().all()
    assert hand_mix.area_indices.loc[~hand_mix.area_indices["suppressed"],
                                     "suppression_reason"].isna().all()
    assert set(hand_mix.draws["area_code"]) == {"1011"}


def test_gemeente_is_adult_weighted_aggregate_of_its_wijken(hand_tables):
    # Without the tiny wijk every child is published, so the check uses published numbers.
    tables = SimpleNamespace(areas=hand_tables.areas[hand_tables.areas.area_code != "WK000102"])
    mix = compute_profile_mix(tables, HandModel())
    shares = _wide(mix)
    areas = tables.areas.set_index("area_code")
    adults = adults18(areas)
    wijken = ["WK000100", "WK000101"]
    expected = shares.loc[wijken].mul(adults[wijken], axis=0).sum() / adults[wijken].sum()
    np.testing.assert_allclose(shares.loc["GM0001"], expected, atol=1e-12)
    coherence = mix.diagnostics["coherence"]["wijk->gemeente"]
    assert coherence["parents_aggregated"] == 2
    # the own-marginals mix differs (the wijken are younger/older than the average)
    assert coherence["own_vs_aggregate_max_abs_diff"] > 1e-4
    method = mix.area_indices.set_index("area_code")["estimate_method"]
    assert method["GM0001"] == "aggregated_from_wijk" and method["1011"] == "ipf"


def test_a_suppressed_child_cannot_be_recovered_from_its_parent(hand_tables):
    # WK000102 has 10 residents (suppressed) but full margins: it must not enter GM0001.
    mix = compute_profile_mix(hand_tables, HandModel())
    shares = _wide(mix)
    areas = hand_tables.areas.set_index("area_code")
    adults = adults18(areas)
    published = ["WK000100", "WK000101"]
    expected = shares.loc[published].mul(adults[published], axis=0).sum() / adults[published].sum()
    np.testing.assert_allclose(shares.loc["GM0001"], expected, atol=1e-12)
    assert shares.loc["WK000102"].isna().all()


def test_a_build_without_postcodes_still_gets_a_mix(hand_tables):
    # The download path without a mirror has gemeente and wijk only.
    tables = SimpleNamespace(areas=hand_tables.areas[hand_tables.areas.level != "pc4"])
    mix = compute_profile_mix(tables, HandModel())
    assert set(mix.profile_mix["level"]) == {"gemeente", "wijk"}
    assert mix.draws.empty


def test_buurten_aggregate_to_wijk_and_on_to_gemeente(hand_tables):
    buurten = pd.DataFrame([
        _area("buurt", "BU00010000", 2_500, gemeente="GM0001", wijk="WK000100",
              age=(0.5, 0.3, 0.15, 0.05)),
        _area("buurt", "BU00010001", 3_500, gemeente="GM0001", wijk="WK000100",
              age=(0.1, 0.3, 0.3, 0.3), young=0.25),
    ])
    areas = hand_tables.areas[hand_tables.areas.area_code != "WK000102"]
    tables = SimpleNamespace(areas=pd.concat([areas, buurten], ignore_index=True))
    mix = compute_profile_mix(tables, HandModel())
    shares = _wide(mix)
    frame = tables.areas.set_index("area_code")
    adults = adults18(frame)

    def weighted(codes):
        return shares.loc[codes].mul(adults[codes], axis=0).sum() / adults[codes].sum()

    np.testing.assert_allclose(shares.loc["WK000100"], weighted(["BU00010000", "BU00010001"]))
    np.testing.assert_allclose(shares.loc["GM0001"], weighted(["WK000100", "WK000101"]))
    method = mix.area_indices.set_index("area_code")["estimate_method"]
    assert method["WK000100"] == "aggregated_from_buurt"
    assert method["WK000101"] == "ipf"
    assert set(mix.diagnostics["coherence"]) >= {"buurt->wijk", "wijk->gemeente"}


def test_membership_route_indices_are_mix_weighted_profile_rates(hand_mix):
    """Without area models (route 1) political engagement and low trust are the profile
    cards' rates weighted by the mix; without local data there is no engagement index."""
    model = HandModel()
    shares = _wide(hand_mix).dropna()[model.profile_ids]
    ai = hand_mix.area_indices.set_index("area_code")
    for column, key in (("political_engagement", "p_high_engagement"),
                        ("low_trust_share", "p_low_trust")):
        p = np.array([c[key] for c in model.profiles])
        np.testing.assert_allclose(ai.loc[shares.index, column], shares.to_numpy() @ p)
    assert ai.loc[shares.index, "engagement_index"].isna().all()
    assert hand_mix.diagnostics["route"] == "membership"


def test_interval_around_point_always_contains_point():
    rng = np.random.default_rng(0)
    draws = rng.normal(0.5, 0.05, (200, 10))
    point = np.linspace(0.3, 0.7, 10)  # most points far outside the bootstrap distribution
    lo, hi, outside = interval_around_point(point, draws)
    assert outside.sum() >= 6
    assert (lo <= point).all() and (point <= hi).all()
    np.testing.assert_allclose(hi - lo, np.quantile(draws, 0.95, 0) - np.quantile(draws, 0.05, 0),
                               atol=1e-12)


def test_interval_around_point_by_hand_and_clipped_to_zero_and_one():
    """Three draws: numpy's 5 % and 95 % percentiles lie 0.1 of the way from the lowest to
    the middle and 0.9 of the way from the middle to the highest draw (the 90 % level is
    pinned here, not imported)."""
    draws = np.array([[0.1, 0.0, 0.7, 0.1, 0.1, 0.0],
                      [0.2, 0.1, 0.9, 0.2, 0.2, 0.0],
                      [0.3, 0.3, 1.0, 0.3, 0.3, 0.0]])
    point = np.array([0.25, 0.03, 0.97, 0.5, 0.05, 0.0])  # the last: a profile absent here
    lo, hi, outside = interval_around_point(point, draws)
    # point - (middle - 5 %), point + (95 % - middle), clipped to [0, 1]
    np.testing.assert_allclose(lo, [0.16, 0.0, 0.79, 0.41, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(hi, [0.34, 0.21, 1.0, 0.59, 0.14, 0.0], atol=1e-12)
    assert outside.tolist() == [False, False, False, True, True, False]


def test_asking_more_bootstrap_draws_than_the_model_has_is_an_error(hand_tables):
    with pytest.raises(BetrokkenError, match="bootstrap"):
        compute_profile_mix(hand_tables, HandModel(n_boot=5), n_boot=10)


# --- database round trip and postcode composition (hand-made data) -----------------


@pytest.fixture(scope="module")
def hand_db(hand_tables, hand_mix):
    import duckdb

    from betrokken.store.mix_tables import write_mix_tables

    con = duckdb.connect()
    con.register("_areas", hand_tables.areas)
    con.execute("CREATE TABLE areas AS SELECT * FROM _areas")
    model = HandModel()
    for card in model.profiles:
        card.update(name=card["id"].upper(), share=0.125, trust=0.5, engagement=0.5)
    n = write_mix_tables(con, hand_mix, model)
    assert n == len(hand_mix.profile_mix)
    yield con
    con.close()


def test_database_keeps_suppressed_areas_null(hand_db):
    rows = hand_db.execute(
        "SELECT i.area_code, i.suppression_reason, count(m.share) AS n_shares, "
        "count(i.engagement_index) AS n_idx FROM area_indices i JOIN profile_mix m "
        "USING (level, area_code) WHERE i.suppressed GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in rows] == ["1012", "1013", "WK000102"]
    assert all(r[1] and r[2] == 0 and r[3] == 0 for r in rows)
    sums = hand_db.execute(
        "SELECT area_code, sum(share) FROM profile_mix WHERE share IS NOT NULL GROUP BY 1"
    ).fetchall()
    assert len(sums) == 6 and all(abs(s - 1) < 1e-9 for _, s in sums)
    assert hand_db.execute("SELECT count(*) FROM profiles").fetchone()[0] == 8


def test_compose_one_postcode_equals_its_own_mix(hand_db):
    from betrokken.store.pc4_estimates import compose_postcodes

    out = compose_postcodes(hand_db, ["1011"])
    own = dict(hand_db.execute(
        "SELECT profile_id, share FROM profile_mix WHERE area_code = '1011'").fetchall())
    for row in out["mix"]:
        assert row["share"] == pytest.approx(own[row["profile_id"]])
        assert row["share_lo"] <= row["share"] <= row["share_hi"]
    assert sum(r["share"] for r in out["mix"]) == pytest.approx(1.0)


def test_compose_skips_suppressed_and_names_them(hand_db):
    from betrokken.store.pc4_estimates import compose_postcodes

    out = compose_postcodes(hand_db, ["1011", "1012 AB", "1013"])
    assert out["used"] == ["1011"]
    assert [s["area_code"] for s in out["suppressed"]] == ["1012", "1013"]
    only_small = compose_postcodes(hand_db, ["1012"])
    assert only_small["suppressed_all"] and only_small["mix"] == []


def test_compose_unknown_and_malformed_postcodes(hand_db):
    from betrokken.errors import UnknownAreaError
    from betrokken.store.pc4_estimates import compose_postcodes

    with pytest.raises(UnknownAreaError, match="9999"):
        compose_postcodes(hand_db, ["1011", "9999"])
    with pytest.raises(BetrokkenError, match="'12a4'"):
        compose_postcodes(hand_db, ["12a4"])
    with pytest.raises(BetrokkenError, match="'0123'"):
        compose_postcodes(hand_db, ["0123"])
    with pytest.raises(BetrokkenError, match="leeg"):
        compose_postcodes(hand_db, [])


# --- real areas and the committed model ------------------------------------------------


@pytest.fixture(scope="module")
def real(data_dir):
    from betrokken.areas.harmonise import build_area_tables
    from betrokken.areas.local import map_local_indicators
    from betrokken.model.area_models import load_area_models
    from betrokken.model.artifact import load_model
    from betrokken.sources.gezondheidsmonitor import read_gezondheidsmonitor

    tables = build_area_tables(data_dir)
    model = load_model()
    local = map_local_indicators(read_gezondheidsmonitor(data_dir), tables.areas,
                                 tables.crosswalk, edition_year=2020)
    mix = compute_profile_mix(tables, model, area_models=load_area_models(), local=local.frame)
    assert mix.diagnostics["route"] == "via_indices"
    return tables, model, mix


def test_real_mix_covers_every_level_sums_to_one_and_contains_points(real):
    tables, model, mix = real
    current = tables.areas[tables.areas["is_current"].astype(bool)]
    ai = mix.area_indices
    assert ai.groupby("level").size().to_dict() == current.groupby("level").size().to_dict()
    assert mix.diagnostics["n_boot"] >= 100
    pm = mix.profile_mix.dropna(subset=["share"])
    sums = pm.groupby(["level", "area_code"])["share"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-9)
    assert (pm["share_lo"] <= pm["share"]).all() and (pm["share"] <= pm["share_hi"]).all()
    published = ai[~ai["suppressed"]]
    assert published["engagement_index"].notna().all()
    for col in ("engagement_index", "low_trust_share"):
        assert (published[f"{col}_lo"] <= published[col]).all()
        assert (published[col] <= published[f"{col}_hi"]).all()
    assert set(pm["profile_id"]) == set(model.profile_ids)
    for level in ("gemeente", "wijk", "pc4"):
        assert (published["level"] == level).sum() > 0.9 * (current["level"] == level).sum()


def test_real_suppression_follows_population_and_secret_margins(real):
    tables, _, mix = real
    ai = mix.area_indices
    small = ai["population"] < MIN_RESIDENTS_PUBLISHED
    assert ai.loc[small, "suppressed"].all()
    assert (ai.loc[small, "suppression_reason"] == REASON_FEW_RESIDENTS).all()
    assert ai.loc[ai["suppressed"], "suppression_reason"].notna().all()
    hidden = mix.profile_mix.merge(ai.loc[ai["suppressed"], ["level", "area_code"]])
    assert len(hidden) > 0 and hidden[["share", "share_lo", "share_hi"]].isna().all().all()


def test_real_gemeenten_are_coherent_with_their_wijken(real):
    tables, model, mix = real
    areas = tables.areas[tables.areas["is_current"].astype(bool) & (tables.areas.level == "wijk")]
    shares = mix.profile_mix[mix.profile_mix.level == "wijk"].pivot(
        index="area_code", columns="profile_id", values="share")[model.profile_ids]
    wijk = areas.set_index("area_code")
    adults = adults18(wijk)
    complete = shares.notna().all(axis=1).groupby(wijk["gemeente_code"]).all()
    complete = complete[complete].index
    assert len(complete) > 250
    gem = mix.profile_mix[mix.profile_mix.level == "gemeente"].pivot(
        index="area_code", columns="profile_id", values="share")[model.profile_ids]
    w = adults.loc[shares.index]
    expected = shares.mul(w, axis=0).groupby(wijk.loc[shares.index, "gemeente_code"]).sum()
    expected = expected.div(w.groupby(wijk.loc[shares.index, "gemeente_code"]).sum(), axis=0)
    np.testing.assert_allclose(gem.loc[complete], expected.loc[complete], atol=1e-9)
    coherence = mix.diagnostics["coherence"]["wijk->gemeente"]
    assert coherence["parents_aggregated"] == len(gem)
    assert coherence["own_vs_aggregate_max_abs_diff"] is not None
    # PC4s come from the same pipeline; split over gemeenten by addresses they land
    # within a percentage point of the published gemeente mixes on average.
    via_pc4 = mix.diagnostics["coherence"]["pc4->gemeente"]
    assert via_pc4["gemeenten_compared"] > 300
    assert via_pc4["mean_abs_diff"] < 0.01


# --- the built database ----------------------------------------------------------------


def test_built_database_publishes_nothing_for_suppressed_areas(built_db):
    from betrokken.store.database import connect

    con = connect(built_db, read_only=True)
    try:
        leaks = con.execute(
            "SELECT count(*) FROM profile_mix m JOIN area_indices i USING (year, level, area_code) "
            "WHERE i.suppressed AND (m.share IS NOT NULL OR m.share_lo IS NOT NULL "
            "OR m.share_hi IS NOT NULL OR i.engagement_index IS NOT NULL "
            "OR i.low_trust_share IS NOT NULL)"
        ).fetchone()[0]
        n_suppressed, no_reason = con.execute(
            "SELECT count(*) FILTER (WHERE suppressed), "
            "count(*) FILTER (WHERE suppressed AND suppression_reason IS NULL) FROM area_indices"
        ).fetchone()
        draws_of_suppressed = con.execute(
            "SELECT count(*) FROM profile_mix_draws d JOIN area_indices i "
            "USING (level, area_code) WHERE i.suppressed"
        ).fetchone()[0]
        levels = dict(con.execute("SELECT level, count(*) FROM area_indices GROUP BY 1").fetchall())
        n_profiles = con.execute("SELECT count(*) FROM profiles").fetchone()[0]
    finally:
        con.close()
    assert n_suppressed > 0 and leaks == 0 and no_reason == 0 and draws_of_suppressed == 0
    assert {"gemeente", "wijk", "pc4"} <= set(levels) and n_profiles == 8


def test_compose_real_postcodes(built_db):
    from betrokken.errors import UnknownAreaError
    from betrokken.store.database import connect
    from betrokken.store.pc4_estimates import compose_postcodes

    con = connect(built_db, read_only=True)
    try:
        codes = [r[0] for r in con.execute(
            "SELECT area_code FROM area_indices WHERE level = 'pc4' AND NOT suppressed "
            "AND area_code LIKE '35%' ORDER BY area_code LIMIT 6").fetchall()]
        out = compose_postcodes(con, codes)
        single = compose_postcodes(con, codes[:1])
        own = dict(con.execute("SELECT profile_id, share FROM profile_mix WHERE level = 'pc4' "
                               "AND area_code = ?", [codes[0]]).fetchall())
        known = {r[0] for r in con.execute(
            "SELECT area_code FROM area_indices WHERE level = 'pc4'").fetchall()}
        absent = next(str(c) for c in range(1000, 10000) if str(c) not in known)
        with pytest.raises(UnknownAreaError, match=absent):
            compose_postcodes(con, [codes[0], absent])
    finally:
        con.close()
    assert out["used"] == sorted(codes) and out["n_boot"] >= 100
    assert sum(r["share"] for r in out["mix"]) == pytest.approx(1.0)
    assert all(r["share_lo"] <= r["share"] <= r["share_hi"] for r in out["mix"])
    eng = out["engagement_index"]
    assert eng["lo"] <= eng["value"] <= eng["hi"]
    for row in single["mix"]:
        assert row["share"] == pytest.approx(own[row["profile_id"]])


# --- urbanity, an independent recomputation, the suppression edges (hand-made data) -------


@pytest.fixture(scope="module")
def urbanity_mix():
    """Two gemeenten: GM0005 with urbanity 4, GM0006 whose urbanity is unknown."""
    rows = [
        _area("gemeente", "GM0005", 9_000, gemeente="GM0005", urbanity=4),
        _area("gemeente", "GM0006", 7_000, gemeente="GM0006", urbanity=None),
        _area("pc4", "2001", 4_000, gemeente="GM0005", age=(0.3, 0.4, 0.2, 0.1)),
        _area("pc4", "2002", 3_000, gemeente="GM0006"),
        # exactly at the threshold: published; unknown population: suppressed
        _area("pc4", "2003", 50, gemeente="GM0005", edu=(0.2, 0.3, 0.5)),
        _area("pc4", "2004", None, gemeente="GM0005"),
        # its gemeente's urbanity is unknown, its own is not: its own is used
        _area("pc4", "2005", 2_000, gemeente="GM0006", urbanity=2, age=(0.1, 0.2, 0.3, 0.4)),
        # education missing but not secret; missing with only a non-margin column secret
        _area("pc4", "2007", 900, gemeente="GM0005", edu=(None, None, None)),
        _area("pc4", "2008", 900, gemeente="GM0005", edu=(None, None, None),
              secret="population_density"),
        # secret listed, yet the margins are there: published
        _area("pc4", "2009", 900, gemeente="GM0005", secret="share_edu_laag"),
    ]
    tables = SimpleNamespace(areas=pd.DataFrame(rows))
    return tables, compute_profile_mix(tables, HandModel())


def _expected_point(areas: pd.DataFrame, code: str, urbanity: int) -> np.ndarray:
    """Poststratified cells of one area times P(profile | cell, urbanity), from scratch."""
    from betrokken.areas.poststratify import area_margins, ipf, seed_array

    model = HandModel()
    one = areas[areas["area_code"] == code].reset_index(drop=True)
    fit = ipf(seed_array(model.national_cells), area_margins(one))
    cells = cell_frame().assign(gemeente_urbanity=urbanity)
    return fit.cells.reshape(-1) @ model.predict_proba(cells), fit.cells.reshape(-1) @ np.einsum(
        "bck->cbk", model.bootstrap_proba(cells)).reshape(len(cells), -1)


def test_unknown_gemeente_urbanity_is_suppressed_not_class_1(urbanity_mix):
    from betrokken.areas.mix import REASON_NO_URBANITY

    tables, mix = urbanity_mix
    ai = mix.area_indices.set_index("area_code")
    for code in ("GM0006", "2002"):
        assert ai.loc[code, "suppressed"], code
        assert ai.loc[code, "suppression_reason"] == REASON_NO_URBANITY
    assert _wide(mix).loc[["GM0006", "2002"]].isna().all().all()
    assert mix.diagnostics["suppression_reasons"][REASON_NO_URBANITY] == 2
    assert mix.diagnostics["n_published"]["pc4"] == 4
    point, _ = _expected_point(tables.areas, "2005", urbanity=2)
    np.testing.assert_allclose(_wide(mix).loc["2005", HandModel().profile_ids], point, atol=1e-12)


def test_mix_and_interval_recomputed_from_the_cells_and_the_gemeente_urbanity(urbanity_mix):
    tables, mix = urbanity_mix
    shares, lo, hi = (_wide(mix, c) for c in ("share", "share_lo", "share_hi"))
    for code in ("2001", "2003"):
        point, flat = _expected_point(tables.areas, code, urbanity=4)
        np.testing.assert_allclose(shares.loc[code, HandModel().profile_ids], point, atol=1e-12)
        draws = flat.reshape(-1, 8)  # (B, K)
        q05, q50, q95 = np.quantile(draws, [0.05, 0.5, 0.95], axis=0)
        np.testing.assert_allclose(lo.loc[code, HandModel().profile_ids],
                                   np.minimum(np.clip(point + q05 - q50, 0, 1), point), atol=1e-12)
        np.testing.assert_allclose(hi.loc[code, HandModel().profile_ids],
                                   np.maximum(np.clip(point + q95 - q50, 0, 1), point), atol=1e-12)
        # the class-1 probabilities give another mix: the urbanity is really used
        other, _ = _expected_point(tables.areas, code, urbanity=1)
        assert np.abs(other - point).max() > 0.01
    # stored draws of the composable level are the same bootstrap mixes, as float32
    stored = mix.draws[mix.draws["area_code"] == "2001"].set_index("profile_id")["draws"]
    _, flat = _expected_point(tables.areas, "2001", urbanity=4)
    np.testing.assert_allclose(np.stack(stored.loc[HandModel().profile_ids].to_list()),
                               flat.reshape(-1, 8).T, atol=1e-6)
    assert set(mix.draws["area_code"]) == {"2001", "2003", "2005", "2009"}
    assert mix.diagnostics["n_boot"] == 30


def test_fifty_residents_are_published_and_unknown_population_is_not(urbanity_mix):
    from betrokken.areas.mix import REASON_UNKNOWN_POPULATION

    _, mix = urbanity_mix
    ai = mix.area_indices.set_index("area_code")
    assert not ai.loc["2003", "suppressed"] and ai.loc["2003", "population"] == 50
    assert ai.loc["2004", "suppression_reason"] == REASON_UNKNOWN_POPULATION
    assert np.isnan(ai.loc["2004", "population"])
    assert ai.loc["2003", "estimate_method"] == "ipf"
    assert pd.isna(ai.loc["2004", "estimate_method"])
    assert ai.loc["GM0005", "estimate_method"] == "ipf"  # no wijken: its own margins
    from betrokken.areas.mix import REASON_MISSING_MARGINS

    assert ai.loc["2007", "suppression_reason"] == REASON_MISSING_MARGINS
    assert ai.loc["2008", "suppression_reason"] == REASON_MISSING_MARGINS
    assert not ai.loc["2009", "suppressed"]


def test_suppression_without_a_secret_columns_column(urbanity_mix):
    from betrokken.areas.mix import REASON_MISSING_MARGINS

    tables, _ = urbanity_mix
    areas = tables.areas.drop(columns="secret_columns").set_index(
        pd.RangeIndex(100, 100 + len(tables.areas)))
    ai = compute_profile_mix(SimpleNamespace(areas=areas), HandModel()).area_indices
    ai = ai.set_index("area_code")
    assert ai.loc["2007", "suppression_reason"] == REASON_MISSING_MARGINS
    assert not ai.loc["2009", "suppressed"] and not ai.loc["2001", "suppressed"]


def test_national_is_the_adult_weighted_mean_of_published_gemeenten(hand_mix, hand_tables):
    shares = _wide(hand_mix)
    areas = hand_tables.areas.set_index("area_code")
    adults = adults18(areas)
    gemeenten = ["GM0001", "GM0002"]
    expected = shares.loc[gemeenten].mul(adults[gemeenten], axis=0).sum() / adults[gemeenten].sum()
    national = hand_mix.national.set_index("measure")
    np.testing.assert_allclose(national.loc[HandModel().profile_ids, "value"], expected, atol=1e-12)
    known = national.dropna()  # no local data: local engagement and the index are NaN
    assert set(national.index) - set(known.index) == {"local_engagement", "engagement_index"}
    assert (known["lo"] <= known["value"]).all() and (known["value"] <= known["hi"]).all()
    assert (national.loc[HandModel().profile_ids, "hi"]
            - national.loc[HandModel().profile_ids, "lo"] > 1e-4).all()


def test_contrasts_are_paired_differences(hand_mix):
    c = hand_mix.contrasts
    national = hand_mix.national.set_index("measure")["value"]
    shares = _wide(hand_mix)
    nl = c[(c["reference"] == "nederland") & (c["measure"] == "p0")].set_index("area_code")
    np.testing.assert_allclose(nl["diff"], shares.loc[nl.index, "p0"] - national["p0"], atol=1e-12)
    assert set(nl.index) == {"GM0001", "GM0002", "WK000100", "WK000101", "WK000200", "1011"}
    gm = c[(c["reference"] == "gemeente") & (c["measure"] == "p0")].set_index("area_code")
    assert "GM0001" not in gm.index and "1013" not in gm.index
    np.testing.assert_allclose(gm.loc["WK000100", "diff"],
                               shares.loc["WK000100", "p0"] - shares.loc["GM0001", "p0"])
    assert ((c["diff_lo"] <= c["diff"]) & (c["diff"] <= c["diff_hi"])).all()
    assert (c["clear"] == ((c["diff_lo"] > 0) | (c["diff_hi"] < 0))).all()


def test_an_area_whose_gemeente_is_missing_does_not_break_the_mix():
    """It crashed ('assignment destination is read-only': under pandas 3 the mapped codes
    were a read-only view when a gemeente was missing)."""
    rows = [_area("gemeente", "GM0005", 9_000, gemeente="GM0005", urbanity=4),
            _area("pc4", "2006", 2_000, gemeente="GM0099", urbanity=2)]
    mix = compute_profile_mix(SimpleNamespace(areas=pd.DataFrame(rows)), HandModel())
    assert not mix.area_indices.set_index("area_code").loc["2006", "suppressed"]


# --- the helpers behind suppression and urbanity, on their own (hand-made frames) --------


def test_urbanity_index_comes_from_the_gemeente_then_the_area_itself():
    from betrokken.areas.mix import _urbanity_index

    areas = pd.DataFrame(
        {
            "level": ["gemeente", "gemeente", "wijk", "wijk", "pc4", "pc4", "gemeente", "pc4"],
            "area_code": ["GM1", "GM2", "WK1", "WK2", "1011", "1012", "GM3", "1013"],
            "gemeente_code": [None, "GM2", "GM1", "GM2", "GM1", "GM9", "GM3", "GM3"],
            # GM3's own urbanity is text ("onbekend"): unknown; 1012's gemeente is missing
            "urbanity": [1.0, 5.0, 3.0, None, None, 2.4, "onbekend", None],
        }
    )
    # URBANITY_CLASSES are 1..5: class u has index u - 1; unknown is -1
    index = _urbanity_index(areas)
    assert index.tolist() == [0, 4, 0, 4, 0, 1, -1, -1] and index.dtype.kind == "i"


def test_suppression_reasons_at_the_threshold_and_for_every_cause():
    from betrokken.areas.mix import _suppression_reasons

    areas = pd.DataFrame(
        {
            "population": [49, 50, 51, None, 10, 800, 800, "?"],
            "secret_columns": ["", "", "", "", "", "share_edu_laag,share_man", "urbanity",
                               None],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )
    ok = np.full((8, 2), 0.5)
    missing = ok.copy()
    missing[[5, 6, 14 - 10], 0] = np.nan
    reasons = _suppression_reasons(areas, {"sex": ok, "education": missing})
    assert reasons.index.tolist() == [10, 11, 12, 13, 14, 15, 16, 17]
    assert reasons.tolist() == [
        "minder dan 50 inwoners",  # 49
        None,  # 50 is published
        None,
        "aantal inwoners onbekend",
        "minder dan 50 inwoners",  # too small beats missing margins
        "marginalen geheim (CBS)",  # a margin column is secret
        "marginalen ontbreken",  # only a non-margin column is secret
        "aantal inwoners onbekend",
    ]
    no_column = _suppression_reasons(areas.drop(columns=["secret_columns"]),
                                     {"sex": ok, "education": missing})
    assert no_column.iloc[5] == "marginalen ontbreken"


def test_composable_draws_are_the_published_postcodes_long_by_profile():
    from betrokken.areas.mix import _composable_draws

    areas = pd.DataFrame({"level": ["pc4", "wijk", "pc4", "pc4"],
                          "area_code": ["1011", "WK01", "1012", "1013"]})
    publish = np.array([True, True, False, True])
    # (B = 3 draws, 4 areas, K = 2 profiles): value = draw + area/10 + profile/100
    draws = (np.arange(3)[:, None, None] + np.arange(4)[None, :, None] / 10
             + np.arange(2)[None, None, :] / 100)
    out = _composable_draws(areas, publish, draws, np.array(["p0", "p1"]))
    assert out.columns.tolist() == ["level", "area_code", "profile_id", "draws"]
    assert out["level"].tolist() == ["pc4"] * 4
    assert out["area_code"].tolist() == ["1011", "1011", "1013", "1013"]
    assert out["profile_id"].tolist() == ["p0", "p1", "p0", "p1"]
    assert all(d.dtype == np.float32 for d in out["draws"])
    np.testing.assert_allclose(np.stack(out["draws"]),
                               [[0.0, 1.0, 2.0], [0.01, 1.01, 2.01],
                                [0.3, 1.3, 2.3], [0.31, 1.31, 2.31]], rtol=1e-6)


# --- store/mix_tables.py: suppression re-applied on write, cards, diagnostics ------------


def _leaky_mix():
    """A mix whose suppressed area (wijk WK02) still carries estimates everywhere, as if a
    stage upstream forgot to blank them: the writer must blank or drop them."""
    index_values = {c: 0.5 for c in _index_columns()}
    indices = pd.DataFrame([
        {"year": 2024, "level": "wijk", "area_code": "WK01", "population": 900.0,
         "suppressed": False, "suppression_reason": None, **index_values,
         "estimate_method": "direct"},
        {"year": 2024, "level": "wijk", "area_code": "WK02", "population": 30.0,
         "suppressed": True, "suppression_reason": "minder dan 50 inwoners", **index_values,
         "estimate_method": "direct"},
        {"year": 2024, "level": "pc4", "area_code": "WK02", "population": 800.0,
         "suppressed": False, "suppression_reason": None, **index_values,
         "estimate_method": "direct"},
    ])
    keys = [("wijk", "WK01"), ("wijk", "WK02"), ("pc4", "WK02")]
    profile_mix = pd.DataFrame([
        {"year": 2024, "level": lv, "area_code": code, "profile_id": pid, "share": 0.5,
         "share_lo": 0.4, "share_hi": 0.6}
        for lv, code in keys for pid in ("p0", "p1")])
    draws = pd.DataFrame([{"level": lv, "area_code": code, "profile_id": "p0",
                           "draws": [0.25, 0.5]} for lv, code in keys])
    index_draws = pd.DataFrame([{"level": lv, "area_code": code, "measure": "engagement_index",
                                 "draws": np.array([0.125, 0.5])} for lv, code in keys])
    contrasts = pd.DataFrame([
        {"year": 2024, "level": lv, "area_code": code, "reference": "NL",
         "measure": "engagement_index", "diff": 0.1, "diff_lo": 0.0, "diff_hi": 0.2,
         "clear": False} for lv, code in keys])
    national = pd.DataFrame([{"measure": "engagement_index", "value": 0.5, "lo": 0.4,
                              "hi": 0.6}])
    diagnostics = {"coherence": {"wijk->gemeente": {"max": np.float64(0.25), "n": np.int64(3)}},
                   "levels": np.array([1, 2]), "note": "ok", "empty": {}}
    return SimpleNamespace(area_indices=indices, profile_mix=profile_mix, draws=draws,
                           index_draws=index_draws, contrasts=contrasts, national=national,
                           diagnostics=diagnostics)


def _index_columns() -> list[str]:
    return [f"{m}{s}" for m in ("engagement_index", "low_trust_share", "political_engagement",
                                "local_engagement") for s in ("", "_lo", "_hi")]


def _card_model():
    return SimpleNamespace(profiles=[
        {"id": "p0", "name": "Nul", "share": 0.6, "share_lo": 0.5, "share_hi": 0.7,
         "trust": 0.3, "engagement": 0.4, "weights": np.array([0.5, 0.25]),
         "n": np.int64(7), "when": pd.Timestamp("2024-01-02")},
        {"id": "p1", "name": "Eén"},
    ])


def test_mix_tables_blank_and_drop_a_suppressed_area_whatever_came_upstream():
    import duckdb

    from betrokken.store.mix_tables import write_mix_tables

    con = duckdb.connect()
    try:
        assert write_mix_tables(con, _leaky_mix(), _card_model()) == 6
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        assert q("SELECT level, area_code, count(share), count(share_lo), count(share_hi), "
                 "count(*) FROM profile_mix GROUP BY ALL ORDER BY 1, 2") == [
            ("pc4", "WK02", 2, 2, 2, 2), ("wijk", "WK01", 2, 2, 2, 2),
            ("wijk", "WK02", 0, 0, 0, 2)]
        rows = q("SELECT level, area_code, population, suppressed, suppression_reason, "
                 f"{', '.join(_index_columns())}, estimate_method FROM area_indices "
                 "ORDER BY 1, 2")
        assert rows[2][:5] == ("wijk", "WK02", 30.0, True, "minder dan 50 inwoners")
        assert rows[2][5:17] == (None,) * 12 and rows[2][17] == "direct"
        assert rows[1][5:17] == (0.5,) * 12 and rows[0][:4] == ("pc4", "WK02", 800.0, False)
        for table in ("profile_mix_draws", "area_index_draws", "area_contrasts"):
            assert q(f"SELECT level, area_code FROM {table} ORDER BY 1, 2") == [
                ("pc4", "WK02"), ("wijk", "WK01")], table
        assert q("SELECT draws FROM profile_mix_draws WHERE level = 'wijk'") == [([0.25, 0.5],)]
        assert q("SELECT measure, draws FROM area_index_draws WHERE level = 'wijk'") == [
            ("engagement_index", [0.125, 0.5])]
        assert q("SELECT typeof(draws) FROM area_index_draws LIMIT 1") == [("FLOAT[]",)]
        assert q("SELECT reference, measure, diff, diff_lo, diff_hi, clear FROM area_contrasts "
                 "WHERE level = 'wijk'") == [("NL", "engagement_index", 0.1, 0.0, 0.2, False)]
        assert q("SELECT * FROM national_estimates") == [("engagement_index", 0.5, 0.4, 0.6)]
        assert q("SELECT id, position, name, share, share_lo, share_hi, trust, engagement "
                 "FROM profiles ORDER BY position") == [
            ("p0", 1, "Nul", 0.6, 0.5, 0.7, 0.3, 0.4),
            ("p1", 2, "Eén", None, None, None, None, None)]
        cards = [json.loads(c) for (c,) in q("SELECT card_json FROM profiles ORDER BY position")]
        assert cards[0]["weights"] == [0.5, 0.25] and cards[0]["n"] == 7
        assert cards[0]["when"] == "2024-01-02 00:00:00" and cards[1] == {"id": "p1",
                                                                         "name": "Eén"}
        assert "Eén" in q("SELECT card_json FROM profiles WHERE id = 'p1'")[0][0]  # not \\u00c9
        assert q("SELECT key, value FROM mix_diagnostics ORDER BY key") == [
            ("coherence.wijk->gemeente.max", "0.25"), ("coherence.wijk->gemeente.n", "3"),
            ("levels", "[1, 2]"), ("note", '"ok"')]
    finally:
        con.close()


def test_mix_tables_without_optional_parts_and_a_suppressed_area_without_reason():
    import duckdb

    from betrokken.store.mix_tables import write_mix_tables

    mix = _leaky_mix()
    bare = SimpleNamespace(area_indices=mix.area_indices.drop(columns=["estimate_method"]),
                           profile_mix=mix.profile_mix, draws=mix.draws.iloc[:0])
    con = duckdb.connect()
    try:
        assert write_mix_tables(con, bare, _card_model()) == 6
        for table in ("profile_mix_draws", "area_index_draws", "area_contrasts",
                      "national_estimates", "mix_diagnostics"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert con.execute("SELECT count(estimate_method) FROM area_indices").fetchone() == (0,)
        for name in ("_rows", "_li"):  # the temporary registrations are gone again
            with pytest.raises(duckdb.CatalogException):
                con.execute(f"SELECT * FROM {name}")
        minimal = SimpleNamespace(area_indices=bare.area_indices, profile_mix=mix.profile_mix)
        assert write_mix_tables(con, minimal, _card_model()) == 6  # no draws, no diagnostics
        assert con.execute("SELECT count(*) FROM profile_mix_draws").fetchone() == (0,)
        many = pd.concat([mix.area_indices] * 3, ignore_index=True)
        many["suppressed"] = True
        many["suppression_reason"] = None
        many["area_code"] = [f"WK{i:02d}" for i in range(len(many))]
        with pytest.raises(BetrokkenError) as info:
            write_mix_tables(con, SimpleNamespace(area_indices=many,
                                                  profile_mix=mix.profile_mix), _card_model())
        assert info.value.message == ("Onderdrukte gebieden zonder reden: WK00, WK01, WK02, "
                                      "WK03, WK04.")  # the first five of nine
        no_reason = mix.area_indices.copy()
        no_reason["suppressed"] = True
        with pytest.raises(BetrokkenError) as info:
            write_mix_tables(con, SimpleNamespace(area_indices=no_reason,
                                                  profile_mix=mix.profile_mix), _card_model())
        assert info.value.message == "Onderdrukte gebieden zonder reden: WK01, WK02."
    finally:
        con.close()


def test_local_indicators_of_a_suppressed_area_are_blanked():
    import duckdb

    from betrokken.store.mix_tables import write_local_indicators

    frame = pd.DataFrame({"level": ["wijk", "wijk", "pc4"], "area_code": ["WK01", "WK02", "WK02"],
                          "year": [2024] * 3, "source_year": [2022] * 3,
                          "method": ["direct", "parent", "direct"],
                          "vrijwilligerswerk": [0.3, 0.4, 0.5], "vrijwilligerswerk_se": [0.01] * 3})
    suppressed = pd.DataFrame({"level": ["wijk"], "area_code": ["WK02"]})
    con = duckdb.connect()
    try:
        assert write_local_indicators(con, SimpleNamespace(frame=frame), suppressed) == 3
        with pytest.raises(duckdb.CatalogException):
            con.execute("SELECT * FROM _li")
        rows = con.execute("SELECT * FROM local_indicators ORDER BY level, area_code").fetchall()
        assert rows == [("pc4", "WK02", 2024, 2022, "direct", 0.5, 0.01),
                        ("wijk", "WK01", 2024, 2022, "direct", 0.3, 0.01),
                        ("wijk", "WK02", 2024, 2022, "parent", None, None)]
        assert frame["vrijwilligerswerk"].tolist() == [0.3, 0.4, 0.5]  # the input is not changed
        write_local_indicators(con, SimpleNamespace(frame=frame))
        count = "SELECT count(vrijwilligerswerk) FROM local_indicators"
        assert con.execute(count).fetchone() == (3,)
    finally:
        con.close()
