"""Bereikcheck on the real database: skewed lists are flagged, proportional draws are not."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from betrokken.areas import reach
from betrokken.model.artifact import load_model
from betrokken.store.target_areas import TargetAreaReader

AREA = "GM0344"  # Utrecht: ten wijken


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def target(built_db, model):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        yield reach.load_target(TargetAreaReader(con), AREA, model.profile_ids)
    finally:
        con.close()


def _verdicts(result, dimension):
    return {g["group"]: g["verdict"] for g in result["groups"] if g["dimension"] == dimension}


def test_skewed_list_is_flagged(target, model):
    pcs = target.pc4_units.groupby("pc4")["fraction"].sum().index[:2].tolist()
    rows = [
        {"postcode": pcs[i % 2], "age_band": "65plus", "sex": "vrouw" if i % 3 else "man"}
        for i in range(150)
    ]
    result = reach.bereikcheck(target, reach.participants_frame(rows), model)
    age = _verdicts(result, "leeftijd")
    assert age["65plus"] == "boven"
    assert age["25_44"] == "onder" and age["45_64"] == "onder"
    assert "onder" in _verdicts(result, "gebied").values()
    assert any("25–44" in line for line in result["advice"])
    weights = [r["weight"] for r in result["reweighting"] if r["weight"] is not None]
    assert weights and all(w > 0 for w in weights)


def _proportional_draw(target, n, rng):
    cells = target.cells
    p = cells["adults"].to_numpy() / cells["adults"].sum()
    picks = rng.choice(len(cells), size=n, p=p)
    by_unit = {
        u: (g["pc4"].to_numpy(), (g["fraction"] / g["fraction"].sum()).to_numpy())
        for u, g in target.pc4_units.groupby("unit")
    }
    rows = []
    for unit, age, sex in cells.iloc[picks][["unit", "age_band", "sex"]].itertuples(index=False):
        pcs, w = by_unit[unit]
        rows.append({"postcode": rng.choice(pcs, p=w), "age_band": age, "sex": sex})
    return reach.participants_frame(rows)


def test_proportional_draws_are_in_line(target, model):
    rng = np.random.default_rng(10)
    in_line = 0
    for _ in range(200):
        result = reach.bereikcheck(target, _proportional_draw(target, 300, rng), model)
        in_line += all(g["verdict"] == "in lijn" for g in result["groups"])
    print(f"in lijn: {in_line} of 200")
    assert in_line >= 180, in_line


def test_population_shares_come_from_the_area(target, built_db, model):
    con = duckdb.connect(str(built_db), read_only=True)
    row = con.execute(
        "SELECT share_age_65plus, share_age_15_24, share_age_25_44, "
        "share_age_45_64 FROM areas WHERE is_current AND area_code = ?",
        [AREA],
    ).fetchone()
    con.close()
    adults = 0.7 * row[1] + row[2] + row[3] + row[0]
    rows = [{"postcode": target.pc4_units["pc4"].iloc[0], "age_band": "65plus"}] * 5
    result = reach.bereikcheck(target, reach.participants_frame(rows), model)
    share = next(g["population_share"] for g in result["groups"] if g["group"] == "65plus")
    assert share == pytest.approx(row[0] / adults, abs=0.01)


def test_bad_participant_values_are_named():
    with pytest.raises(reach.ReachError, match="regel 2: leeftijdsklasse"):
        reach.participants_frame([{"postcode": "3511"}, {"postcode": "3512", "age_band": "oud"}])
    with pytest.raises(reach.ReachError, match="postcode"):
        reach.participants_frame([{"postcode": "abc"}])
    with pytest.raises(reach.ReachError, match="geen deelnemers"):
        reach.participants_frame([])


def test_amsterdam_wijk_with_letters_is_a_target(built_db, model):
    """Regression: the wijk pattern was ^WK\\d{6}$, so Amsterdam's wijken (WK0363AA …)
    were refused as 'geen gemeentecode, wijkcode of postcode'."""
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        code, name = con.execute(
            "SELECT area_code, area_name FROM areas WHERE is_current AND level = 'wijk' "
            "AND gemeente_code = 'GM0363' AND regexp_matches(area_code, '[A-Z]{2}$') "
            "ORDER BY area_code LIMIT 1").fetchone()
        pc4 = {p for (p,) in con.execute(
            "SELECT DISTINCT pc4 FROM crosswalk_pc4 WHERE wijk_code = ?", [code]).fetchall()}
        target = reach.load_target(TargetAreaReader(con), code, model.profile_ids)
    finally:
        con.close()
    assert code.startswith("WK0363") and target.name == name
    assert target.unit_level == "pc4"  # one wijk: its postcodes are compared
    assert set(target.units["unit"]) <= {str(p) for p in pc4} and len(target.units) > 0
