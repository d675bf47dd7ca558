"""The Dutch pages and downloads on a database built from the real data."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pandas as pd
import pytest
from markupsafe import escape

from betrokken.areas.postcodes import PostcodeListError, parse_postcode_text
from betrokken.web import limits
from betrokken.web.app import STATIC_DIR
from betrokken.web.palette import PROFILE_COLOURS

UTRECHT = "GM0344"


@pytest.fixture(scope="module")
def profile_ids(db) -> list[str]:
    n = db.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'profile_mix'"
    ).fetchone()[0]
    if not n:
        pytest.fail("De gebouwde database mist de profielmix: de build is kapot.")
    return [r[0] for r in db.execute("SELECT id FROM profiles ORDER BY position").fetchall()]


def assert_accessible_page(html: str) -> None:
    """The static half of the accessibility rules (axe runs in test_browser.py)."""
    assert '<html lang="nl">' in html
    assert 'class="skip-link" href="#inhoud"' in html and 'id="inhoud"' in html
    assert html.count("<h1") == 1
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, f"field {field_id} has no label"
    assert "cdn" not in html.lower() and "https://" not in html.split("<footer")[0]


PAGES = [
    "/",
    "/zoeken?q=Utrecht",
    f"/gebied/{UTRECHT}",
    f"/gebied/{UTRECHT}?niveau=pc4",
    "/gebied/3511",
    "/doelgroep",
    "/vergelijken",
    f"/vergelijken?codes={UTRECHT},GM0363",
    "/eigen-gebied",
    "/profielen",
    "/methode",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_in_dutch(client, profile_ids, url):
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert_accessible_page(response.text)


def test_gemeente_page_shows_map_table_and_comparison(client, db, profile_ids):
    html = client.get(f"/gebied/{UTRECHT}").text
    assert 'id="kaart"' in html and f"/api/areas/{UTRECHT}/geojson?level=wijk" in html
    assert "/static/vendor/maplibre-gl/maplibre-gl.js" in html
    wijken = db.execute(
        "SELECT count(*) FROM areas WHERE is_current AND level = 'wijk' AND gemeente_code = ?",
        [UTRECHT],
    ).fetchone()[0]
    table = html.split('id="gebieden-tabel"')[1].split("</table>")[0]
    assert table.count("<tr data-code=") == wijken
    mix_table = html.split('id="mix-tabel"')[1].split("</table>")[0]
    assert ">Nederland<" in mix_table and ">Utrecht<" in mix_table
    assert mix_table.count('<th scope="row">') == len(profile_ids)
    pc4 = client.get(f"/gebied/{UTRECHT}?niveau=pc4&kleur={profile_ids[1]}").text
    assert "geojson?level=pc4" in pc4 and 'data-mode="' + profile_ids[1] in pc4


def test_wijk_page_compares_with_gemeente_and_nl(client, db, profile_ids):
    wijk = db.execute(
        "SELECT i.area_code FROM area_indices i JOIN areas a USING (level, area_code, year) "
        "WHERE i.level = 'wijk' AND NOT i.suppressed AND a.gemeente_code = ? LIMIT 1",
        [UTRECHT],
    ).fetchone()[0]
    html = client.get(f"/gebied/{wijk}").text
    head = html.split('id="mix-tabel"')[1].split("</thead>")[0]
    assert [h for h in re.findall(r'<th scope="col">([^<]+)</th>', head)][1:][-2:] == [
        "Utrecht",
        "Nederland",
    ]
    assert 'id="groepen"' in html and html.count('class="card"') == 3


def test_suppressed_area_page_shows_notice_and_no_numbers(client, db, profile_ids):
    code = db.execute(
        "SELECT i.area_code FROM area_indices i JOIN areas a USING (level, area_code, year) "
        "WHERE i.level = 'pc4' AND i.suppressed AND a.is_current LIMIT 1"
    ).fetchone()[0]
    html = client.get(f"/gebied/{code}").text
    assert 'id="onderdrukt"' in html and "Geen schatting" in html
    assert 'id="mix-tabel"' not in html and 'id="groepen"' not in html


def test_unknown_area_page_is_dutch_404(client):
    response = client.get("/gebied/GM9999")
    assert response.status_code == 404
    assert "GM9999" in response.text and "bestaat niet" in response.text
    assert_accessible_page(response.text)
    assert client.get("/bestaat-niet").status_code == 404


def test_bad_level_on_page_is_4xx(client, profile_ids):
    response = client.get("/gebied/3511?niveau=wijk")
    assert response.status_code == 400 and "Niveau" in response.text


def test_search_page_redirects_exact_code_and_lists_names(client):
    response = client.get("/zoeken?q=gm0344", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/gebied/{UTRECHT}"
    html = client.get("/zoeken?q=Utrecht").text
    assert f'href="/gebied/{UTRECHT}"' in html
    assert "minstens" in client.get("/zoeken?q=a").text


def test_target_group_page(client, profile_ids):
    html = client.get(f"/doelgroep?profiel={profile_ids[2]}&gebied={UTRECHT}&niveau=pc4").text
    rows = html.split('id="top-tabel"')[1].split("</table>")[0].count("<tr>") - 1
    assert 0 < rows <= limits.TOP_AREAS
    assert f"/api/areas/{UTRECHT}/geojson?level=pc4" in html
    assert client.get("/doelgroep?profiel=bestaat_niet").status_code == 400
    # the count is of adults (18+) as computed; the page used to say "15 jaar en ouder"
    assert "18 jaar en ouder" in html and "15 jaar en ouder" not in html
    # issue 20: the difference legend's outer classes read as signed points, once each
    diff = client.get(f"/doelgroep?profiel={profile_ids[2]}&gebied={UTRECHT}&kleur=verschil")
    legend = re.search(r'<div class="legend" id="kaart-legenda">.*?</div>', diff.text,
                       re.S).group(0)
    assert "of meer minder" not in legend and "of meer meer" not in legend
    assert re.search(r"−[\d,]+ procentpunt of minder</li>", legend)
    assert re.search(r"\+[\d,]+ procentpunt of meer</li>", legend)


def test_compare_page_by_name_and_errors(client, profile_ids):
    html = client.get("/vergelijken?gebied=Utrecht&gebied=GM0363").text
    assert 'id="vergelijk-tabel"' in html and "Amsterdam" in html
    one = client.get(f"/vergelijken?gebied={UTRECHT}")
    assert one.status_code == 400
    assert "Vergelijk 2 tot 4" in one.text and 'role="alert"' in one.text
    unknown = client.get("/vergelijken?gebied=Utrecht&gebied=Nergenshuizen")
    assert unknown.status_code == 404 and "Nergenshuizen" in unknown.text


def test_custom_area_form(client, db, profile_ids):
    codes = [
        r[0]
        for r in db.execute(
            "SELECT i.area_code FROM area_indices i JOIN areas a USING (level, area_code, year) "
            "WHERE i.level = 'pc4' AND NOT i.suppressed AND a.gemeente_code = ? LIMIT 3",
            [UTRECHT],
        ).fetchall()
    ]
    response = client.post("/eigen-gebied", data={"postcodes": "; ".join(codes)})
    assert response.status_code == 200 and 'id="eigen-tabel"' in response.text
    assert "/api/compose/geojson?postcodes=" + ",".join(codes) in response.text
    upload = client.post(
        "/eigen-gebied",
        data={"postcodes": ""},
        files={"bestand": ("p.txt", "\n".join(codes).encode(), "text/plain")},
    )
    assert upload.status_code == 200 and 'id="eigen-tabel"' in upload.text
    bad = client.post("/eigen-gebied", data={"postcodes": "3511, hallo"})
    assert bad.status_code == 422 and "hallo" in bad.text and 'role="alert"' in bad.text
    csv = client.post("/download/compose.csv", data={"postcodes": ",".join(codes)})
    frame = pd.read_csv(io.BytesIO(csv.content))
    assert len(frame) == len(profile_ids) and frame["aandeel"].sum() == pytest.approx(1.0)


def test_method_page_lists_sources_from_database(client, db):
    html = client.get("/methode").text
    for name, licence in db.execute("SELECT name, licence FROM sources").fetchall():
        assert f">{name}<" in html
        assert str(escape(licence)) in html
    # issue 20: each row names the official table first, the copy the build read second
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td></tr>',
                      html)
    by_name = {name: (official, copy) for name, official, copy in rows}
    for name, origin in db.execute("SELECT name, origin FROM sources").fetchall():
        official, copy = (unescape(v) for v in by_name[name])
        if " (via " in origin:
            table, repo = origin.split(" (via ")
            assert table in official and repo.rstrip(")") in copy and "via" not in official
    ids = {"kwb_2024_85984NED": "85984NED", "gezondheidsmonitor_2020": "50090NED"}
    for name, ident in ids.items():
        if name in by_name:
            assert ident in by_name[name][0]
    assert "een model, geen hokje" in html.lower()
    for src in re.findall(r'src="(/methode/img/[^"]+)"', html):
        assert client.get(src).headers["content-type"].startswith("image/")
    assert client.get("/methode/img/..%2Fmethod.md").status_code == 404


# --- downloads ----------------------------------------------------------------------


def test_children_csv_and_xlsx_match_the_api(client, profile_ids):
    api = client.get(f"/api/areas/{UTRECHT}/children?level=wijk").json()
    csv = client.get(f"/download/areas/{UTRECHT}/children.csv?level=wijk")
    assert csv.headers["content-disposition"].endswith('.csv"')
    frame = pd.read_csv(io.BytesIO(csv.content), dtype={"gebiedscode": str})
    assert list(frame["gebiedscode"]) == [a["code"] for a in api["areas"]]
    first = next(a for a in api["areas"] if not a["suppressed"])
    row = frame.set_index("gebiedscode").loc[first["code"]]
    names = {p["id"]: p["name"] for p in client.get("/api/profiles").json()["profiles"]}
    for pid in profile_ids:  # issue 20: the column carries the profile's Dutch name
        assert row[f"aandeel {names[pid]}"] == pytest.approx(first["shares"][pid])
    if first.get("typical_profile"):
        assert row["meest_kenmerkend_profiel"] == names[first["typical_profile"]]
    xlsx = client.get(f"/download/areas/{UTRECHT}/children.xlsx?level=wijk")
    sheet = pd.read_excel(io.BytesIO(xlsx.content))
    assert len(sheet) == len(frame)


def test_area_csv_download_and_suppressed_refusal(client, db, profile_ids):
    frame = pd.read_csv(io.BytesIO(client.get(f"/download/areas/{UTRECHT}.csv").content))
    assert list(frame["profiel_id"]) == profile_ids
    code = db.execute(
        "SELECT area_code FROM area_indices WHERE suppressed AND level = 'pc4' LIMIT 1"
    ).fetchone()[0]
    response = client.get(f"/download/areas/{code}.csv")
    assert response.status_code == 400 and response.json()["fout"]
    assert client.get(f"/download/areas/{UTRECHT}.pdf").status_code == 422


def test_geopackage_of_gemeente_wijken(client, tmp_path, profile_ids):
    import geopandas as gpd

    response = client.get(f"/download/areas/{UTRECHT}/children.gpkg?level=wijk")
    assert response.status_code == 200, response.text[:300]
    path = tmp_path / "u.gpkg"
    path.write_bytes(response.content)
    frame = gpd.read_file(path)
    api = client.get(f"/api/areas/{UTRECHT}/children?level=wijk").json()
    assert len(frame) == api["count"]
    assert frame.crs.to_epsg() == 28992 and frame.geometry.notna().all()
    bad = client.get(f"/download/areas/{UTRECHT}/children.gpkg?level=land")
    assert bad.status_code == 422


# --- pieces -------------------------------------------------------------------------


def test_postcode_text_parsing():
    assert parse_postcode_text("postcode\n3511 AB\n3511ab; 3512,3513\t9999") == [
        "3511",
        "3512",
        "3513",
        "9999",
    ]
    with pytest.raises(PostcodeListError, match="0123"):
        parse_postcode_text("3511\n0123")
    with pytest.raises(PostcodeListError, match="leeg"):
        parse_postcode_text("\n \n")


def test_palette_has_eight_distinct_colours_with_dark_outlines():
    assert len(set(PROFILE_COLOURS)) == 8
    css = (STATIC_DIR / "css" / "app.css").read_text()
    assert re.search(r"\.swatch \{[^}]*border: 1px solid var\(--ink\)", css)


def test_vendored_assets_are_served(client):
    for path in ("/static/vendor/maplibre-gl/maplibre-gl.js", "/static/js/map.js"):
        response = client.get(path)
        assert response.status_code == 200 and len(response.content) > 1000
    licence = (STATIC_DIR / "vendor" / "maplibre-gl" / "LICENSE.txt").read_text()
    assert "BSD" in licence or "Redistribution" in licence


# --- issue #8: honest contrasts and local indicators on the area page ---------------------


def _contrast_sentences(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="contrast" data-reference="(\w+)">(.*?)</p>', html, re.S))


def test_area_page_says_how_it_differs_from_nl_and_its_gemeente(client, db):
    # a wijk whose low-trust share clearly differs from its gemeente
    code, diff = db.execute(
        "SELECT area_code, diff FROM area_contrasts WHERE level = 'wijk' AND reference = "
        "'gemeente' AND measure = 'low_trust_share' AND clear ORDER BY abs(diff) DESC LIMIT 1"
    ).fetchone()
    html = client.get(f"/gebied/{code}").text
    sentences = _contrast_sentences(html)
    assert set(sentences) == {"nederland", "gemeente"}
    points = round(abs(diff) * 100)
    word = "hoger" if diff > 0 else "lager"
    assert f"laag vertrouwen is {word} ({'+' if diff > 0 else '−'}{points} procentpunt)" \
        in sentences["gemeente"].lower()


def test_area_without_clear_differences_says_it_looks_like_the_country(client, db):
    code = db.execute(
        "SELECT area_code FROM area_contrasts WHERE reference = 'nederland' AND level = 'wijk' "
        "GROUP BY area_code HAVING NOT bool_or(clear) LIMIT 1"
    ).fetchone()
    assert code is not None, "every wijk differs clearly from NL: implausible"
    sentences = _contrast_sentences(client.get(f"/gebied/{code[0]}").text)
    assert "lijkt op het landelijk beeld" in sentences["nederland"]


def test_area_page_shows_local_indicators_against_gemeente_and_nl(client):
    html = client.get("/gebied/WK034403").text  # Overvecht, Utrecht
    section = html[html.index('id="lokaal"'):]
    section = section[: section.index("</section>")]
    assert "Gezondheidsmonitor" in section and "2020" in section
    row = re.search(r"Moeite met rondkomen</th><td>(\d+)%</td><td>(\d+)%</td><td>(\d+)%", section)
    assert row is not None
    assert row.groups() == ("27", "17", "14")  # Overvecht, Utrecht, NL (monitor 2020)


def test_typical_profile_only_where_a_difference_is_clear(client, db, profile_ids):
    data = client.get("/api/areas/NL/children", params={"level": "gemeente"}).json()
    clear = {
        (code, pid) for code, pid in db.execute(
            "SELECT area_code, measure FROM area_contrasts WHERE reference = 'nederland' "
            "AND clear AND diff > 0 AND level = 'gemeente'").fetchall()
    }
    seen_none = False
    for area in data["areas"]:
        if area["suppressed"]:
            continue
        typical = area["typical_profile"]
        if typical is None:
            seen_none = True
            assert not any((area["code"], pid) in clear for pid in profile_ids)
        else:
            assert (area["code"], typical) in clear
    assert seen_none


def test_map_can_colour_by_each_index(client):
    for mode in ("i_engagement_index", "i_political_engagement", "i_local_engagement",
                 "i_low_trust_share"):
        html = client.get(f"/gebied/{UTRECHT}", params={"kleur": mode}).text
        assert f'data-mode="{mode}"' in html
        breaks = re.search(r"data-breaks='([^']*)'", html).group(1)
        assert breaks != "[]"
    geo = client.get(f"/api/areas/{UTRECHT}/geojson", params={"level": "wijk"}).json()
    props = geo["features"][0]["properties"]
    assert {"i_low_trust_share", "i_local_engagement"} <= set(props)


def test_start_page_maps_every_gemeente_by_engagement_index(client, db, profile_ids):
    from betrokken.web.palette import quantile_breaks

    html = client.get("/").text
    assert_accessible_page(html)
    section = re.search(r'<section id="kaart-sectie".*?</section>', html, re.S).group(0)
    assert 'data-geojson="/api/areas/NL/geojson?level=gemeente"' in section
    assert 'data-mode="i_engagement_index"' in section
    assert '<script src="/static/js/map.js"></script>' in html and "<script>" not in html
    values = [v for (v,) in db.execute(
        "SELECT i.engagement_index FROM area_indices i JOIN areas a USING (level, area_code, year) "
        "WHERE a.is_current AND a.level = 'gemeente' AND NOT i.suppressed "
        "AND a.population >= 50 AND i.engagement_index IS NOT NULL").fetchall()]
    breaks = json.loads(re.search(r"data-breaks='([^']*)'", section).group(1))
    assert breaks == quantile_breaks(values) and len(breaks) == 5
    # every class in the legend reads differently (narrow classes get a decimal)
    classes = re.findall(r'aria-hidden="true"></span> ([^<]*\d%[^<]*)</li>', section)
    ranges = [c.split(" tot ") for c in classes if " tot " in c]
    assert len(classes) == 6 and len(ranges) == 5 and all(lo != hi for lo, hi in ranges)
    geo = client.get("/api/areas/NL/geojson", params={"level": "gemeente"}).json()
    n_gemeenten = db.execute(
        "SELECT count(*) FROM areas WHERE is_current AND level = 'gemeente'").fetchone()[0]
    assert len(geo["features"]) == n_gemeenten
    assert sum("i_engagement_index" in f["properties"] for f in geo["features"]) == len(values)
    # the search results page stays a list, without the map
    assert 'id="kaart"' not in client.get("/zoeken", params={"q": "Utrecht"}).text


def test_gemeente_page_lists_peers_of_the_same_urbanity_nearest_in_size(client, db):
    own_pop, own_class = db.execute(
        "SELECT population, urbanity FROM areas WHERE is_current AND area_code = ?", [UTRECHT]
    ).fetchone()
    expected = [c for (c,) in db.execute(
        "SELECT area_code FROM areas WHERE is_current AND level = 'gemeente' AND urbanity = ? "
        "AND area_code <> ? AND population > 0 "
        "ORDER BY abs(ln(population) - ln(?)), area_name, area_code LIMIT 5",
        [own_class, UTRECHT, own_pop]).fetchall()]
    assert len(expected) == 5
    html = client.get(f"/gebied/{UTRECHT}").text
    assert_accessible_page(html)
    section = re.search(r'<section id="vergelijkbaar".*?</section>', html, re.S).group(0)
    assert re.findall(r'<a href="/gebied/([^"]+)">', section) == expected
    assert re.findall(r'href="/vergelijken\?codes=([^"]+)"', section) == [
        f"{UTRECHT},{c}" for c in expected]
    assert html.index('id="vergelijkbaar"') < html.index('id="kerncijfers"')
    compare = client.get(f"/vergelijken?codes={UTRECHT},{expected[0]}")
    assert compare.status_code == 200
    # only gemeenten have peers
    assert 'id="vergelijkbaar"' not in client.get("/gebied/WK034403").text


def test_area_page_shows_reliability_label_beside_the_composition(client):
    for code, label in (("GM0096", "beperkt"), (UTRECHT, "goed"), ("WK034403", "redelijk")):
        html = client.get(f"/gebied/{code}").text
        api = client.get(f"/api/areas/{code}").json()["reliability"]
        assert api["label"] == label
        block = re.search(r'<div class="reliability" id="betrouwbaarheid">.*?</div>', html,
                          re.S).group(0)
        assert f"Betrouwbaarheid van deze schatting: {label}." in block
        assert all(str(escape(r)) in block for r in api["reasons"])
        assert html.index('id="samenstelling-kop"') < html.index('id="betrouwbaarheid"') \
            < html.index('id="mix-tabel"')
