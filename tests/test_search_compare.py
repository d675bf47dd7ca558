"""Search by everyday names and compare without silent guesses (issue 12, item 3 and 1)."""

from __future__ import annotations

import re

import pytest

from betrokken.store.search import normalise


@pytest.mark.parametrize(
    "q, first",
    [("den haag", "GM0518"), ("Den Haag", "GM0518"), ("den bosch", "GM0796"),
     ("utrecht", "GM0344"), ("'s-Gravenhage", "GM0518")],
)
def test_search_ranks_the_gemeente_of_a_common_name_first(client, q, first):
    body = client.get("/api/search", params={"q": q}).json()
    assert body["results"][0]["code"] == first
    assert body["results"][0]["level"] == "gemeente"


def test_search_lists_the_wijken_of_a_gemeente_with_their_gemeente(client):
    results = client.get("/api/search", params={"q": "utrecht"}).json()["results"]
    wijken = [r for r in results if r["level"] == "wijk"]
    assert any(r["code"] == "WK034403" for r in wijken), "Overvecht ontbreekt bij 'utrecht'"
    # every result below gemeente level says in which gemeente it lies
    assert all(r["gemeente_name"] for r in results if r["level"] != "gemeente")
    # wijken of Utrecht come before postcodes
    levels = [r["level"] for r in results]
    assert levels.index("wijk") < (levels.index("pc4") if "pc4" in levels else len(levels))


@pytest.mark.parametrize("q", ["Overvecht", "overvecht", "Wijk 03 Overvecht"])
def test_search_finds_wijk_with_or_without_its_number(client, q):
    first = client.get("/api/search", params={"q": q}).json()["results"][0]
    assert first["code"] == "WK034403" and first["gemeente_name"] == "Utrecht"


def test_normalise_drops_wijk_prefix_accents_and_apostrophes():
    assert normalise("Wijk 03 Overvecht") == "overvecht"
    assert normalise("'s-Gravenhage") == "s gravenhage"
    assert normalise("Súdwest-Fryslân") == "sudwest fryslan"


def test_compare_never_picks_another_gemeentes_binnenstad(client):
    html = client.get("/vergelijken?gebied=Overvecht&gebied=Binnenstad").text
    # no comparison is shown: the page asks which Binnenstad
    assert 'id="vergelijk-tabel"' not in html
    choice = re.search(r'<section class="notice" id="keuze-1".*?</section>', html, re.S).group(0)
    assert "Binnenstad" in choice and "Utrecht" in choice and "Hertogenbosch" in choice
    # Overvecht lies in Utrecht, so Utrecht's Binnenstad is offered first
    first = re.search(r'<li><a href="([^"]+)">', choice).group(1)
    assert "WK034406" in first and "Overvecht" in first.replace("%20", " ")
    followed = client.get(first.replace("&amp;", "&")).text
    assert 'id="vergelijk-tabel"' in followed and "Wijk 06 Binnenstad" in followed


def test_compare_by_codes_shows_derived_marks_and_nederland(client):
    html = client.get("/vergelijken?codes=WK034403,WK079601").text
    table = re.search(r'<table class="composition" id="vergelijk-tabel">.*?</table>', html, re.S)
    head = re.search(r"<thead>.*?</thead>", table.group(0), re.S).group(0)
    assert "Nederland" in head and "Binnenstad (&#39;s-Hertogenbosch)" in head
    assert "Nederland" in re.search(r'id="vergelijk-index".*?</thead>', html, re.S).group(0)
    kern = re.search(r'<table class="data" id="kern-tabel">.*?</table>', html, re.S).group(0)
    assert "Nederland" in kern
    row = re.search(r"<tr><th scope=\"row\">Eenpersoonshuishoudens</th>.*?</tr>", kern).group(0)
    # both wijken have their gemeente's household shares, named in their cells (issue 18)
    assert ">gemeente Utrecht</span>" in row and ">gemeente &#39;s-Hertogenbosch</span>" in row
    assert re.findall(r"<td>(\d+)%</td></tr>$", row)
    assert len(re.findall(r'class="notice-inline afgeleid-invoer"', html)) == 2


def test_compare_accepts_a_common_gemeente_name_and_says_so(client):
    html = client.get("/vergelijken?gebied=den haag&gebied=GM0344").text
    assert 'id="vergelijk-tabel"' in html
    assert "opgevat als &#39;s-Gravenhage (Gemeente)" in html


def test_start_page_does_not_preselect_a_gemeente(client):
    html = client.get("/").text
    select = re.search(r'<select id="kies-gemeente".*?</select>', html, re.S).group(0)
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert "selected" in first.group(0) and first.group(1).startswith("Kies")


def test_no_buurt_promise_without_buurt_level(client, built_db):
    from betrokken.store.database import connect

    con = connect(built_db, read_only=True)
    has_buurt = con.execute(
        "SELECT count(*) FROM areas WHERE level = 'buurt' AND is_current").fetchone()[0] > 0
    con.close()
    start = client.get("/").text
    label = re.search(r'<label for="zoek-q">([^<]*)</label>', start).group(1)
    description = client.get("/openapi.json").json()["info"]["description"]
    assert ("buurt" in label) == has_buurt
    assert ("buurt" in description) == has_buurt


def test_unknown_area_page_offers_a_search_box(client):
    response = client.get("/gebied/GM9999")
    assert response.status_code == 404
    assert 'action="/zoeken"' in response.text and 'id="zoek-q"' in response.text
    assert "/static/js/search.js" in response.text


def test_interval_footnote_matches_the_brackets_and_years_are_stated(client):
    html = client.get("/vergelijken?codes=GM0344,3511").text
    assert "Tussen haakjes" in html
    assert re.search(r'<span class="ci">\(\d+–\d+%\)</span>', html)
    years = re.search(r'id="jaren-verschillen">(.*?)</p>', html, re.S)
    assert years and "Utrecht 2024" in years.group(1)
