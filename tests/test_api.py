"""The JSON API on a database built from the real data: every endpoint, good and bad input."""

from __future__ import annotations

import io
import json
import re

import pytest

from betrokken.web import limits
from betrokken.web.openapi_schema import AREA_CODE_PATTERN

UTRECHT = "GM0344"


@pytest.fixture(scope="module")
def has_mix(db) -> bool:
    n = db.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'profile_mix'"
    ).fetchone()[0]
    if not n:
        pytest.fail("De gebouwde database mist de profielmix: de build is kapot.")
    return True


@pytest.fixture(scope="module")
def suppressed_pc4(db, has_mix) -> str:
    row = db.execute(
        "SELECT i.area_code FROM area_indices i JOIN areas a USING (level, area_code, year) "
        "WHERE i.level = 'pc4' AND i.suppressed AND a.is_current ORDER BY i.area_code LIMIT 1"
    ).fetchone()
    assert row, "real data has PC4 areas with fewer than 50 residents"
    return row[0]


def assert_dutch_error(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) <= {"fout", "tip"} and body["fout"], body
    for word in words:
        assert word.lower() in (body["fout"] + body.get("tip", "")).lower(), body
    return body


def assert_valid_mix(mix: list[dict], n_profiles: int) -> None:
    assert len(mix) == n_profiles
    for m in mix:
        assert 0 <= m["share_lo"] <= m["share"] <= m["share_hi"] <= 1, m
    assert sum(m["share"] for m in mix) == pytest.approx(1.0, abs=1e-6)


# --- /api/areas/{code} --------------------------------------------------------------


def test_area_answer_matches_database(client, db, has_mix):
    body = client.get(f"/api/areas/{UTRECHT}").json()
    population, name = db.execute(
        "SELECT population, area_name FROM areas WHERE is_current AND area_code = ?", [UTRECHT]
    ).fetchone()
    assert body["name"] == name == "Utrecht"
    assert body["level"] == "gemeente" and body["population"] == int(population)
    assert not body["suppressed"]
    n_profiles = db.execute("SELECT count(*) FROM profiles").fetchone()[0]
    assert_valid_mix(body["mix"], n_profiles)
    stored = dict(
        db.execute(
            "SELECT profile_id, share FROM profile_mix WHERE level = 'gemeente' "
            "AND area_code = ? AND year = ?",
            [UTRECHT, body["year"]],
        ).fetchall()
    )
    assert {m["profile_id"]: m["share"] for m in body["mix"]} == pytest.approx(stored)
    ind = body["indices"]
    assert ind["engagement_index_lo"] <= ind["engagement_index"] <= ind["engagement_index_hi"]
    assert 0 <= ind["low_trust_share"] <= 1
    assert 0 < body["demographics"]["share_age_65plus"] < 1
    assert body["child_levels"][:1] == ["wijk"]


def test_wijk_and_postcode_name_their_gemeente(client, db):
    wijk = db.execute(
        "SELECT area_code FROM areas WHERE is_current AND level = 'wijk' AND gemeente_code = ? "
        "ORDER BY population DESC LIMIT 1",
        [UTRECHT],
    ).fetchone()[0]
    body = client.get(f"/api/areas/{wijk}").json()
    assert body["gemeente"] == {"code": UTRECHT, "name": "Utrecht"}
    pc = client.get("/api/areas/3511").json()
    assert pc["level"] == "pc4" and pc["name"].startswith("3511")
    assert pc["gemeente"]["code"] == UTRECHT


def test_national_answer_is_the_aggregate_of_the_gemeenten(client, db, has_mix):
    """NL is the adult-weighted sum of the gemeenten, so every area is compared with
    numbers from the same pipeline (issue #8); it stays close to the survey's own shares."""
    body = client.get("/api/areas/nl").json()
    stored = dict(db.execute("SELECT measure, value FROM national_estimates").fetchall())
    got = {m["profile_id"]: m["share"] for m in body["mix"]}
    assert got == pytest.approx({pid: stored[pid] for pid in got})
    assert body["indices"]["low_trust_share"] == pytest.approx(stored["low_trust_share"])
    assert body["indices"]["engagement_index_lo"] < body["indices"]["engagement_index"]
    survey = dict(db.execute("SELECT id, share FROM profiles").fetchall())
    assert max(abs(got[p] - survey[p]) for p in got) < 0.02
    total = db.execute(
        "SELECT sum(population) FROM areas WHERE is_current AND level = 'gemeente'"
    ).fetchone()[0]
    assert body["population"] == int(total) > 17_000_000


def test_unknown_area_is_404_in_dutch(client):
    assert_dutch_error(client.get("/api/areas/GM9999"), 404, "GM9999", "bestaat niet")


@pytest.mark.parametrize("code", ["GM0344;drop", "3511%20AB%27", "x" * 21])
def test_malformed_area_code_is_4xx(client, code):
    response = client.get(f"/api/areas/{code}")
    assert 400 <= response.status_code < 500
    assert response.json()["fout"]


def test_suppressed_area_gets_no_shares_anywhere(client, db, suppressed_pc4):
    body = client.get(f"/api/areas/{suppressed_pc4}").json()
    assert body["suppressed"] and body["suppression_reason"]
    assert body["mix"] == [] and body["indices"] is None
    gemeente = db.execute(
        "SELECT gemeente_code FROM areas WHERE is_current AND area_code = ?", [suppressed_pc4]
    ).fetchone()[0]
    kids = client.get(f"/api/areas/{gemeente}/children?level=pc4").json()
    item = next(a for a in kids["areas"] if a["code"] == suppressed_pc4)
    assert item["suppressed"] and "shares" not in item and "indices" not in item
    geo = client.get(f"/api/areas/{gemeente}/geojson?level=pc4").json()
    props = next(
        f["properties"] for f in geo["features"] if f["properties"]["code"] == suppressed_pc4
    )
    assert props["suppressed"] is True
    assert not [k for k in props if k.startswith("s_")] and "dominant" not in props
    response = client.post("/api/compose", json=[suppressed_pc4])
    assert response.status_code == 200
    composed = response.json()
    assert composed["suppressed"] and composed["mix"] == [] and composed["indices"] is None


# --- children and geojson -----------------------------------------------------------


def test_children_are_the_gemeente_wijken(client, db, has_mix):
    body = client.get(f"/api/areas/{UTRECHT}/children", params={"level": "wijk"}).json()
    expected = {
        r[0]
        for r in db.execute(
            "SELECT area_code FROM areas WHERE is_current AND level = 'wijk' AND gemeente_code = ?",
            [UTRECHT],
        ).fetchall()
    }
    assert {a["code"] for a in body["areas"]} == expected and body["count"] == len(expected)
    shown = [a for a in body["areas"] if not a["suppressed"]]
    assert shown
    national = {m["profile_id"]: m["share"] for m in client.get("/api/areas/nl").json()["mix"]}
    clear = {(code, pid) for code, pid in db.execute(
        "SELECT area_code, measure FROM area_contrasts WHERE reference = 'nederland' AND clear "
        "AND diff > 0").fetchall()}
    for a in shown:
        assert sum(a["shares"].values()) == pytest.approx(1.0, abs=1e-6)
        assert a["dominant_profile"] == max(a["shares"], key=a["shares"].get)
        ratio = {pid: share / national[pid] for pid, share in a["shares"].items()
                 if (a["code"], pid) in clear}
        assert a["typical_profile"] == (max(ratio, key=ratio.get) if ratio else None)
        for pid, share in a["shares"].items():
            assert a["shares_lo"][pid] <= share <= a["shares_hi"][pid]


def test_children_of_nl_are_all_gemeenten(client, db):
    body = client.get("/api/areas/NL/children?level=gemeente").json()
    n = db.execute("SELECT count(*) FROM areas WHERE is_current AND level = 'gemeente'").fetchone()[
        0
    ]
    assert body["count"] == n > 300


def test_children_bad_level(client):
    assert_dutch_error(client.get(f"/api/areas/{UTRECHT}/children?level=provincie"), 422, "niveau")
    assert_dutch_error(client.get(f"/api/areas/{UTRECHT}/children?level=gemeente"), 400, "wijk")
    assert_dutch_error(client.get(f"/api/areas/{UTRECHT}/children"), 422, "niveau")
    assert_dutch_error(client.get("/api/areas/3511/children?level=wijk"), 400, "niveau")


def test_geojson_has_a_polygon_per_child_and_is_cached(client, built_db):
    response = client.get(f"/api/areas/{UTRECHT}/geojson?level=wijk")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    geo = response.json()
    kids = client.get(f"/api/areas/{UTRECHT}/children?level=wijk").json()
    assert {f["properties"]["code"] for f in geo["features"]} == {a["code"] for a in kids["areas"]}
    for f in geo["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        lon, lat = _first_point(f["geometry"]["coordinates"])
        assert 4.9 < lon < 5.3 and 51.9 < lat < 52.2  # WGS84 around Utrecht
    dashboard = client.app.state.dashboard
    assert dashboard.geojson(UTRECHT, "wijk") is dashboard.geojson(UTRECHT, "wijk")
    assert response.headers.get("content-encoding") == "gzip"  # the client asked for it
    plain = client.get(
        f"/api/areas/{UTRECHT}/geojson?level=wijk", headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers and plain.json() == geo
    own = client.get("/api/areas/3511/geojson").json()
    assert [f["properties"]["code"] for f in own["features"]] == ["3511"]


def test_geojson_bad_input(client):
    assert_dutch_error(client.get("/api/areas/NL/geojson"), 400, "niveau")
    assert_dutch_error(client.get("/api/areas/GM9999/geojson?level=wijk"), 404, "GM9999")


def _first_point(coords):
    while isinstance(coords[0], list):
        coords = coords[0]
    return coords


# --- profiles, search, sources ------------------------------------------------------


def test_profiles_are_the_cards_in_order(client, db, has_mix):
    body = client.get("/api/profiles").json()
    ids = [r[0] for r in db.execute("SELECT id FROM profiles ORDER BY position").fetchall()]
    assert [p["id"] for p in body["profiles"]] == ids and len(ids) == 8
    colours = {p["colour"] for p in body["profiles"]}
    assert len(colours) == 8
    for p in body["profiles"]:
        assert p["name"] and p["share_lo"] <= p["share"] <= p["share_hi"]


def test_search_finds_gemeente_first_and_postcodes(client):
    body = client.get("/api/search", params={"q": "utrecht"}).json()
    assert body["results"][0]["code"] == UTRECHT
    assert body["count"] <= limits.SEARCH_RESULT_LIMIT
    pc = client.get("/api/search", params={"q": "3511 AB"}).json()
    assert [r["code"] for r in pc["results"]] == ["3511"]
    by_code = client.get("/api/search", params={"q": "gm0344"}).json()
    assert by_code["results"][0]["code"] == UTRECHT


def test_search_bad_input(client):
    assert_dutch_error(client.get("/api/search?q=a"), 422, "zoekterm")
    assert_dutch_error(client.get("/api/search", params={"q": "x" * 101}), 422, "zoekterm")
    assert_dutch_error(client.get("/api/search"), 422, "zoekterm")
    odd = client.get("/api/search", params={"q": "%'; --"})
    assert odd.status_code == 200 and odd.json()["results"] == []


def test_sources_list_licences(client):
    body = client.get("/api/sources").json()
    assert body["sources"] and all(s["licence"] for s in body["sources"])
    assert body["levels"]["gemeente"] > 300


# --- compose ------------------------------------------------------------------------


def _utrecht_pc4(db, n: int) -> list[str]:
    rows = db.execute(
        "SELECT i.area_code FROM area_indices i JOIN areas a USING (level, area_code, year) "
        "WHERE i.level = 'pc4' AND NOT i.suppressed AND a.gemeente_code = ? "
        "ORDER BY i.area_code LIMIT ?",
        [UTRECHT, n],
    ).fetchall()
    return [r[0] for r in rows]


def test_compose_one_postcode_is_its_own_mix(client, db, has_mix):
    code = _utrecht_pc4(db, 1)[0]
    composed = client.post("/api/compose", json=[f"{code}AB"]).json()
    own = client.get(f"/api/areas/{code}").json()
    assert composed["postcodes"] == [code] and not composed["suppressed"]
    assert [m["share"] for m in composed["mix"]] == pytest.approx([m["share"] for m in own["mix"]])


def test_compose_lies_between_its_parts(client, db, has_mix):
    codes = _utrecht_pc4(db, 3)
    composed = client.post("/api/compose", json=codes).json()
    parts = [client.get(f"/api/areas/{c}").json()["mix"] for c in codes]
    assert_valid_mix(composed["mix"], len(parts[0]))
    for j, m in enumerate(composed["mix"]):
        values = [p[j]["share"] for p in parts]
        assert min(values) - 1e-9 <= m["share"] <= max(values) + 1e-9
    ind = composed["indices"]
    assert ind["engagement_index_lo"] <= ind["engagement_index"] <= ind["engagement_index_hi"]


@pytest.mark.parametrize(
    "body, status, word",
    [
        ([], 422, "leeg"),
        (["12"], 422, "geen postcodes"),
        (["3511", "hallo"], 422, "hallo"),
        ([True], 422, "geen postcodes"),
        ({"postcodes": ["3511"]}, 422, "lijst"),
        ("3511", 422, "lijst"),
    ],
)
def test_compose_malformed_lists(client, body, status, word):
    assert_dutch_error(client.post("/api/compose", json=body), status, word)


def test_compose_invalid_json(client):
    response = client.post(
        "/api/compose", content=b"[3511,", headers={"content-type": "application/json"}
    )
    assert_dutch_error(response, 422, "lijst")


def test_compose_unknown_postcode_is_named(client, db, has_mix):
    known = {r[0] for r in db.execute("SELECT area_code FROM areas WHERE level = 'pc4'").fetchall()}
    missing = next(str(c) for c in range(1000, 10000) if str(c) not in known)
    assert_dutch_error(client.post("/api/compose", json=["3511", missing]), 404, missing)


def test_compose_too_many_postcodes(client):
    codes = [str(c) for c in range(1000, 1000 + limits.MAX_COMPOSE_POSTCODES + 1)]
    assert_dutch_error(
        client.post("/api/compose", json=codes), 413, str(limits.MAX_COMPOSE_POSTCODES)
    )


def test_compose_upload(client, db, has_mix):
    codes = _utrecht_pc4(db, 2)
    text = "postcode\n" + "\n".join(f"{c} AB" for c in codes) + "\n"
    response = client.post(
        "/api/compose/upload", files={"bestand": ("lijst.csv", text.encode(), "text/csv")}
    )
    assert response.status_code == 200, response.text
    direct = client.post("/api/compose", json=codes).json()
    assert response.json()["mix"] == direct["mix"]


def test_compose_upload_xlsx(client, db, has_mix):
    from openpyxl import Workbook

    codes = _utrecht_pc4(db, 2)
    wb = Workbook()
    wb.active.append(["Postcode"])
    for c in codes:
        wb.active.append([int(c)])
    buf = io.BytesIO()
    wb.save(buf)
    response = client.post("/api/compose/upload", files={"bestand": ("p.xlsx", buf.getvalue())})
    assert response.status_code == 200, response.text
    assert response.json()["postcodes"] == codes


def test_compose_geojson(client, db, has_mix):
    codes = _utrecht_pc4(db, 3)
    response = client.get("/api/compose/geojson", params={"postcodes": ",".join(codes)})
    assert response.status_code == 200
    features = response.json()["features"]
    assert sorted(f["properties"]["code"] for f in features) == sorted(codes)
    assert_dutch_error(client.get("/api/compose/geojson?postcodes=35"), 422, "35")
    assert_dutch_error(client.get(f"/api/compose/geojson?postcodes={UTRECHT}"), 422, UTRECHT)


def test_upload_bad_files(client):
    big = ("3511\n" * (limits.MAX_UPLOAD_BYTES // 5 + 10)).encode()
    assert len(big) > limits.MAX_UPLOAD_BYTES
    assert_dutch_error(
        client.post("/api/compose/upload", files={"bestand": ("groot.txt", big)}), 413, "groot"
    )
    assert_dutch_error(
        client.post("/api/compose/upload", files={"bestand": ("x.bin", b"\x00\x01\x02")}),
        422,
        "tekstbestand",
    )
    assert_dutch_error(
        client.post("/api/compose/upload", files={"bestand": ("leeg.txt", b"  ")}), 422, "leeg"
    )
    assert_dutch_error(client.post("/api/compose/upload"), 422, "ontbreekt")


def test_request_body_limit(client):
    huge = json.dumps(["3511"] * (limits.MAX_REQUEST_BYTES // 6 + 10)).encode()
    assert len(huge) > limits.MAX_REQUEST_BYTES
    response = client.post(
        "/api/compose", content=huge, headers={"content-type": "application/json"}
    )
    assert_dutch_error(response, 413, "te groot")

    def chunks():  # no Content-Length: the streamed bytes are counted
        for _ in range(limits.MAX_REQUEST_BYTES // 4096 + 2):
            yield b" " * 4096

    response = client.post(
        "/api/compose", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_dutch_error(response, 413, "te groot")


# --- compare and target groups ------------------------------------------------------


def test_compare(client, has_mix):
    body = client.get("/api/compare", params={"codes": f"{UTRECHT}, GM0363"}).json()
    assert [a["code"] for a in body["areas"]] == [UTRECHT, "GM0363"]
    assert_dutch_error(client.get(f"/api/compare?codes={UTRECHT}"), 400, "2 tot 4")
    five = ",".join(["GM0344", "GM0363", "GM0599", "GM0518", "GM0014"])
    assert_dutch_error(client.get(f"/api/compare?codes={five}"), 400, "2 tot 4")
    assert_dutch_error(client.get(f"/api/compare?codes={UTRECHT},GM9999"), 404, "GM9999")


def test_target_group_ranks_areas_in_scope(client, db, has_mix):
    pid = db.execute("SELECT id FROM profiles ORDER BY position LIMIT 1").fetchone()[0]
    body = client.get(f"/api/target-groups/{pid}", params={"scope": UTRECHT, "level": "pc4"}).json()
    top = body["top_areas"]
    assert 0 < len(top) <= limits.TOP_AREAS
    shares = [a["share"] for a in top]
    assert shares == sorted(shares, reverse=True)
    in_gemeente = {
        r[0]
        for r in db.execute(
            "SELECT area_code FROM areas WHERE is_current AND level = 'pc4' AND gemeente_code = ?",
            [UTRECHT],
        ).fetchall()
    }
    assert {a["code"] for a in top} <= in_gemeente
    all_kids = client.get(f"/api/areas/{UTRECHT}/children?level=pc4").json()["areas"]
    best = max((a for a in all_kids if not a["suppressed"]), key=lambda a: a["shares"][pid])
    assert top[0]["code"] == best["code"]
    pop, a15, a25, a45, a65 = db.execute(
        "SELECT population, share_age_15_24, share_age_25_44, share_age_45_64, "
        "share_age_65plus FROM areas WHERE is_current AND area_code = ?",
        [top[0]["code"]],
    ).fetchone()
    # adults 18+: 7 of the 10 years of CBS's 15-24 band, as in the model's cells
    expected = pop * (0.7 * a15 + a25 + a45 + a65) * top[0]["share"]
    assert abs(top[0]["adults_in_profile"] - expected) <= 5
    assert top[0]["adults_in_profile_lo"] <= top[0]["adults_in_profile"]


def test_target_group_bad_input(client, has_mix):
    assert_dutch_error(client.get("/api/target-groups/geen_profiel"), 400, "profiel")
    pid = client.get("/api/profiles").json()["profiles"][0]["id"]
    assert_dutch_error(
        client.get(f"/api/target-groups/{pid}?scope=3511&level=buurt"), 400, "niveau"
    )


# --- OpenAPI ------------------------------------------------------------------------


def test_openapi_documents_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/areas/{code}",
        "/api/areas/{code}/children",
        "/api/areas/{code}/geojson",
        "/api/profiles",
        "/api/search",
        "/api/compose",
        "/api/compose/upload",
        "/api/compare",
        "/api/target-groups/{profile_id}",
        "/api/sources",
    ):
        assert path in paths, path
    assert client.get("/docs").status_code == 200


def test_area_reliability_label_follows_the_stated_rules(client, db, has_mix):
    """'beperkt' below 2,000 residents or with inputs copied from the gemeente below
    10,000; 'redelijk' with copied inputs or below 10,000; else 'goed' (never the width of
    the model's interval). A gemeente's 'derived' inputs are its own (earlier year)."""
    inputs = ("share_edu_laag", "share_migration_nl")
    rows = db.execute(
        "SELECT a.area_code, a.level, a.population, coalesce(a.derived_columns, '') "
        "FROM areas a JOIN area_indices i USING (level, area_code, year) "
        "WHERE a.is_current AND NOT i.suppressed AND a.population >= 50 "
        "ORDER BY a.level, a.population"
    ).fetchall()
    assert all(re.fullmatch(AREA_CODE_PATTERN, r[0]) for r in rows)  # every code is valid
    by_label: dict[str, list[str]] = {}
    sample = rows[:: max(1, len(rows) // 150)] + [r for r in rows if r[0] in ("GM0096", UTRECHT)]
    for code, level, population, derived_columns in sample:
        derived = level != "gemeente" and any(c in derived_columns.split(",") for c in inputs)
        expected = (
            "beperkt" if population < 2000 or (derived and population < 10000)
            else "redelijk" if derived or population < 10000 else "goed"
        )
        rel = client.get(f"/api/areas/{code}").json()["reliability"]
        assert set(rel) == {"label", "reasons"} and rel["reasons"], rel
        assert rel["label"] == expected, (code, level, population, derived_columns, rel)
        by_label.setdefault(expected, []).append(code)
    assert set(by_label) == {"goed", "redelijk", "beperkt"}
    vlieland = client.get("/api/areas/GM0096").json()["reliability"]
    assert vlieland["label"] == "beperkt" and "2.000 inwoners" in vlieland["reasons"][0]
    assert client.get(f"/api/areas/{UTRECHT}").json()["reliability"]["label"] == "goed"
    assert client.get(f"/api/areas/{suppressed_code(db)}").json()["reliability"] is None


def suppressed_code(db) -> str:
    return db.execute(
        "SELECT i.area_code FROM area_indices i JOIN areas a USING (level, area_code, year) "
        "WHERE a.is_current AND i.suppressed ORDER BY i.area_code LIMIT 1"
    ).fetchone()[0]


def test_wijk_codes_with_letters_are_valid_area_codes(client, db):
    """Amsterdam's wijk codes end in letters (WK0363EP): the API must accept them."""
    codes = [r[0] for r in db.execute(
        "SELECT area_code FROM areas WHERE is_current AND level = 'wijk' "
        "AND regexp_matches(area_code, '[A-Z]$') LIMIT 3").fetchall()]
    assert codes, "the real data has wijk codes with letters"
    for code in codes:
        assert client.get(f"/api/areas/{code}").status_code == 200
        assert client.get(f"/api/areas/{code.lower()}").status_code == 200
