"""Profile mix: sums to 1, intervals contain the point, coherent aggregation, suppression.

The first half uses a small hand-made model and areas (edge cases); the second half the
real area tables and the committed model artifact.
"""

from __future__ import annotations

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
    adults = areas["population"] * (1 - areas["share_age_0_14"])
    wijken = ["WK000100", "WK000101"]
    expected = shares.loc[wijken].mul(adults[wijken], axis=0).sum() / adults[wijken].sum()
    np.testing.assert_allclose(shares.loc["GM0001"], expected, atol=1e-12)
    coherence = mix.diagnostics["coherence"]["wijk->gemeente"]
    assert coherence["parents_aggregated"] == 2
    # the own-marginals mix differs (the wijken are younger/older than the average)
    assert coherence["own_vs_aggregate_max_abs_diff"] > 1e-4
    method = mix.area_indices.set_index("area_code")["estimate_method"]
    assert method["GM0001"] == "aggregated_from_wijk" and method["1011"] == "ipf"


def test_engagement_index_is_mix_weighted_profile_engagement(hand_mix):
    model = HandModel()
    p = np.array([c["p_high_engagement"] for c in model.profiles])
    shares = _wide(hand_mix).dropna()[model.profile_ids]
    ai = hand_mix.area_indices.set_index("area_code")
    np.testing.assert_allclose(ai.loc[shares.index, "engagement_index"], shares.to_numpy() @ p)


def test_interval_around_point_always_contains_point():
    rng = np.random.default_rng(0)
    draws = rng.normal(0.5, 0.05, (200, 10))
    point = np.linspace(0.3, 0.7, 10)  # most points far outside the bootstrap distribution
    lo, hi, outside = interval_around_point(point, draws)
    assert outside.sum() >= 6
    assert (lo <= point).all() and (point <= hi).all()
    np.testing.assert_allclose(hi - lo, np.quantile(draws, 0.95, 0) - np.quantile(draws, 0.05, 0),
                               atol=1e-12)


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
    from betrokken.areas.compose import compose_postcodes

    out = compose_postcodes(hand_db, ["1011"])
    own = dict(hand_db.execute(
        "SELECT profile_id, share FROM profile_mix WHERE area_code = '1011'").fetchall())
    for row in out["mix"]:
        assert row["share"] == pytest.approx(own[row["profile_id"]])
        assert row["share_lo"] <= row["share"] <= row["share_hi"]
    assert sum(r["share"] for r in out["mix"]) == pytest.approx(1.0)


def test_compose_skips_suppressed_and_names_them(hand_db):
    from betrokken.areas.compose import compose_postcodes

    out = compose_postcodes(hand_db, ["1011", "1012 AB", "1013"])
    assert out["used"] == ["1011"]
    assert [s["area_code"] for s in out["suppressed"]] == ["1012", "1013"]
    only_small = compose_postcodes(hand_db, ["1012"])
    assert only_small["suppressed_all"] and only_small["mix"] == []


def test_compose_unknown_and_malformed_postcodes(hand_db):
    from betrokken.areas.compose import compose_postcodes
    from betrokken.errors import UnknownAreaError

    with pytest.raises(UnknownAreaError, match="9999"):
        compose_postcodes(hand_db, ["1011", "9999"])
    with pytest.raises(BetrokkenError, match="'12a4'"):
        compose_postcodes(hand_db, ["12a4"])
    with pytest.raises(BetrokkenError, match="'0123'"):
        compose_postcodes(hand_db, ["0123"])
    with pytest.raises(BetrokkenError, match="ten minste"):
        compose_postcodes(hand_db, [])
