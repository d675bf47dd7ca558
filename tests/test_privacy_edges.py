"""The privacy rule at its edge, end to end: 49, 50 and 51 residents, and an unknown count.

Real postcodes have counts rounded to fives, so the build here runs on the real data
with four PC4 counts changed in the population file: 1026 -> 49, 1027 -> 50,
1028 -> 51 residents and 1043 -> empty (unknown). Every other input is the real file.
The rule is pinned as a number here (50), not imported: fewer than 50 residents, or an
unknown count, means no published estimate anywhere (database, API, downloads,
exports, custom areas).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from betrokken.build import build_database
from betrokken.store.database import connect
from betrokken.store.export import export_frame
from betrokken.web.app import create_app
from helpers_data import broken_copy

POPULATION_FILE = "pc4_2021_population_places_certegis.csv"
EDGE_COUNTS = {"1026": "49", "1027": "50", "1028": "51", "1043": ""}
HIDDEN = ["1026", "1043"]  # 49 residents, unknown count
SHOWN = ["1027", "1028"]  # 50 and 51 residents
REASONS = {"1026": "minder dan 50 inwoners", "1043": "aantal inwoners onbekend"}
PARENT = "GM0363"  # Amsterdam, where these four postcodes lie


def _set_counts(src: Path, dst: Path) -> None:
    lines = []
    for line in src.read_text(encoding="utf-8").splitlines(keepends=True):
        fields = line.split(",")
        if fields[0] in EDGE_COUNTS:
            fields[1] = EDGE_COUNTS[fields[0]]
        lines.append(",".join(fields))
    dst.write_text("".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def edge_db(tmp_path_factory, data_dir) -> Path:
    root = tmp_path_factory.mktemp("edge")
    data = broken_copy(data_dir, root / "data", POPULATION_FILE, _set_counts)
    db = root / "edge.duckdb"
    build_database(db, data, quiet=True, n_boot=20)
    return db


@pytest.fixture(scope="module")
def con(edge_db):
    con = connect(edge_db, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def client(edge_db) -> TestClient:
    return TestClient(create_app(edge_db), raise_server_exceptions=False)


def test_database_publishes_from_50_residents_on(con):
    rows = con.execute(
        "SELECT i.area_code, i.population, i.suppressed, i.suppression_reason, "
        "count(m.share) AS shares, count(i.engagement_index) AS idx "
        "FROM area_indices i JOIN profile_mix m USING (level, area_code) "
        "WHERE i.level = 'pc4' AND list_contains(?, i.area_code) GROUP BY ALL ORDER BY 1",
        [list(EDGE_COUNTS)],
    ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    assert got["1026"] == (49, True, REASONS["1026"], 0, 0)
    assert got["1027"] == (50, False, None, 8, 8)
    assert got["1028"] == (51, False, None, 8, 8)
    assert got["1043"][0] is None and got["1043"][1:] == (True, REASONS["1043"], 0, 0)
    draws = dict(con.execute(
        "SELECT area_code, count(*) FROM profile_mix_draws WHERE list_contains(?, area_code) "
        "GROUP BY 1", [list(EDGE_COUNTS)]).fetchall())
    assert draws == {"1027": 8, "1028": 8}


def test_whole_database_never_publishes_below_50_or_unknown(con):
    leaks = con.execute(
        "SELECT count(*) FROM area_indices WHERE NOT suppressed "
        "AND (population IS NULL OR population < 50)"
    ).fetchone()[0]
    hidden_published = con.execute(
        "SELECT count(*) FROM area_indices WHERE suppressed AND population >= 50 "
        "AND suppression_reason LIKE 'minder dan%'"
    ).fetchone()[0]
    assert leaks == 0 and hidden_published == 0
    # 15 real postcodes have exactly 50 residents; all with their own margins are published
    n50 = con.execute(
        "SELECT count(*) FILTER (WHERE NOT suppressed), count(*) FROM area_indices "
        "WHERE level = 'pc4' AND population = 50"
    ).fetchone()
    assert n50 == (16, 16)  # 15 real ones + 1027


@pytest.mark.parametrize("code", [*HIDDEN, *SHOWN])
def test_api_area_answer_at_the_edge(client, code):
    body = client.get(f"/api/areas/{code}").json()
    if code in HIDDEN:
        assert body["suppressed"] and body["mix"] == [] and body["indices"] is None
        assert body["suppression_reason"]
    else:
        assert not body["suppressed"] and len(body["mix"]) == 8
        assert body["population"] == int(EDGE_COUNTS[code])


def test_api_children_and_downloads_at_the_edge(client):
    kids = client.get(f"/api/areas/{PARENT}/children", params={"level": "pc4"}).json()
    by_code = {a["code"]: a for a in kids["areas"]}
    for code in HIDDEN:
        assert by_code[code]["suppressed"] and not by_code[code].get("shares")
    for code in SHOWN:
        assert not by_code[code]["suppressed"] and len(by_code[code]["shares"]) == 8
    csv = client.get(f"/download/areas/{PARENT}/children.csv", params={"level": "pc4"})
    assert csv.status_code == 200
    table = pd.read_csv(io.BytesIO(csv.content), dtype={"gebiedscode": str}).set_index(
        "gebiedscode")
    share_cols = [c for c in table.columns if c.startswith("aandeel ")]
    assert len(share_cols) == 24
    assert table.loc[HIDDEN, share_cols].isna().all().all()
    assert table.loc[HIDDEN, "onderdrukt"].all()
    assert table.loc[SHOWN, share_cols].notna().all().all()
    for code in HIDDEN:
        refused = client.get(f"/download/areas/{code}.csv")
        assert refused.status_code >= 400 and "geen schatting" in refused.json()["fout"]
    assert client.get("/download/areas/1027.csv").status_code == 200


def test_export_at_the_edge(con):
    frame = export_frame(con, "pc4", PARENT).set_index("area_code")
    shares = [c for c in frame.columns if c.startswith("share_")]
    assert frame.loc[HIDDEN, "suppressed"].all()
    assert frame.loc[HIDDEN, [*shares, "engagement_index", "low_trust_share"]].isna().all().all()
    assert not frame.loc[SHOWN, "suppressed"].any()
    assert frame.loc[SHOWN, shares].notna().all().all()
    assert frame.loc["1027", "population"] == 50


def test_compose_at_the_edge(client):
    body = client.post("/api/compose", json=list(EDGE_COUNTS)).json()
    assert body["used"] == SHOWN
    assert [s["area_code"] for s in body["suppressed_postcodes"]] == HIDDEN
    assert body["population"] == 101  # 50 + 51: only what the mix covers
    only_hidden = client.post("/api/compose", json=HIDDEN).json()
    assert only_hidden["suppressed"] and only_hidden["mix"] == []


def _adults(row) -> float:
    """18+ residents, written out: 7 of the 10 years of the 15-24 band count."""
    return row["population"] * (0.7 * row["share_age_15_24"] + row["share_age_25_44"]
                                + row["share_age_45_64"] + row["share_age_65plus"])


def test_composed_mix_and_interval_use_every_postcode_and_adult_weights(client, con):
    codes = con.execute(
        "SELECT area_code FROM area_indices WHERE level = 'pc4' AND NOT suppressed "
        "AND area_code LIKE '35%' ORDER BY area_code LIMIT 5"
    ).df()["area_code"].tolist()
    areas = con.execute(
        "SELECT area_code, population, share_age_15_24, share_age_25_44, share_age_45_64, "
        "share_age_65plus FROM areas WHERE level = 'pc4' AND is_current "
        "AND list_contains(?, area_code)", [codes]).df().set_index("area_code").loc[codes]
    weight = areas.apply(_adults, axis=1).to_numpy()
    weight = weight / weight.sum()
    ids = [r[0] for r in con.execute("SELECT id FROM profiles ORDER BY position").fetchall()]
    mix = con.execute(
        "SELECT area_code, profile_id, share FROM profile_mix WHERE list_contains(?, area_code)",
        [codes]).df().pivot(index="area_code", columns="profile_id", values="share")
    draws = {(c, p): np.asarray(d) for c, p, d in con.execute(
        "SELECT area_code, profile_id, draws FROM profile_mix_draws "
        "WHERE list_contains(?, area_code)", [codes]).fetchall()}
    point = weight @ mix.loc[codes, ids].to_numpy()
    combined = np.stack([sum(w * draws[(c, p)] for w, c in zip(weight, codes, strict=True))
                         for p in ids], axis=1)  # (B, K), draw by draw
    q05, q50, q95 = np.quantile(combined, [0.05, 0.5, 0.95], axis=0)
    lo = np.minimum(np.clip(point + q05 - q50, 0, 1), point)
    hi = np.maximum(np.clip(point + q95 - q50, 0, 1), point)

    body = client.post("/api/compose", json=codes).json()
    got = {m["profile_id"]: m for m in body["mix"]}
    np.testing.assert_allclose([got[p]["share"] for p in ids], point, atol=1e-9)
    np.testing.assert_allclose([got[p]["share_lo"] for p in ids], lo, atol=1e-9)
    np.testing.assert_allclose([got[p]["share_hi"] for p in ids], hi, atol=1e-9)
