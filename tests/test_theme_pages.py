"""The theme and Aanpak HTML pages show the source files' numbers, label parent figures,
carry each approach sentence's evidence, and answer bad input in Dutch."""

from __future__ import annotations

import html
import io
import re

import pandas as pd
import pytest

from betrokken.dutch_numbers import number, points
from betrokken.dutch_numbers import percent as pct
from betrokken.reports.approach import MIN_SHARE
from betrokken.reports.trend_chart import LABEL_GAP, trend_svg
from betrokken.sources import themes as src
from betrokken.themes import THEMES


def _text(page: str) -> str:
    body = page.split("<main", 1)[1]
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _row(page: str, label: str) -> list[str]:
    """The cells of the first table row whose header starts with ``label``."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S):
        cells = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", c))).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        if cells and cells[0].startswith(label):
            return cells
    raise AssertionError(f"geen rij '{label}'")


def test_wijk_energy_page_shows_gemeente_figures_labelled(client, data_dir):
    raw = pd.read_csv(data_dir / "themes" / src.ENERGY_FILE)
    utrecht = raw[raw.gemeentecode == "GM0344"].set_index("kwb_year")
    latest = int(utrecht.index.max())
    page = client.get("/gebied/WK034401/thema/energie")
    assert page.status_code == 200
    text = _text(page.text)
    assert "getoond zijn die van de gemeente Utrecht" in text
    cells = _row(page.text, "gemiddeld aardgasverbruik per woning")
    # indicator, year, wijk (none of its own), Utrecht, NL, source
    assert cells[1] == str(latest) and cells[2] == "alleen gemeente"
    assert cells[3] == number(utrecht.loc[latest, "gem_aardgas_m3"])
    # the trend table under the chart has every year of the source file
    for year, gas in utrecht["gem_aardgas_m3"].items():
        assert re.search(rf"<th scope=\"row\">{year}</th><td>{re.escape(number(gas))}", page.text)
    assert page.text.count('<svg class="trend"') == 2  # gas and electricity, several years


def test_safety_page_matches_crime_file_for_gemeente_and_nl(client, data_dir):
    raw = pd.read_csv(data_dir / "themes" / src.CRIME_FILE)
    year = int(raw.crime_year.max())
    y = raw[raw.crime_year == year]
    urk = y[y.gemeentecode == "GM0184"].iloc[0]
    page = client.get("/gebied/GM0184/thema/veiligheid")
    cells = _row(page.text, "woninginbraken per 1.000 inwoners")
    assert cells[1] == str(year)
    assert cells[2] == number(urk.cr_inbraak_woning / urk.aantal_inwoners * 1000, 1)
    assert cells[3] == number(y.cr_inbraak_woning.sum() / y.aantal_inwoners.sum() * 1000, 1)


def test_democracy_page_shows_turnout_and_national_trust(client, data_dir):
    tk = pd.read_csv(data_dir / "validation" / "tk2021_gemeente.csv").set_index("gemeente_code")
    page = client.get("/gebied/GM0344/thema/democratie")
    cells = _row(page.text, "opkomst Tweede Kamer 2021")
    expected = tk.loc["GM0344", "uitgebrachte_stemmen"] / tk.loc["GM0344", "kiesgerechtigden"]
    assert cells[2] == number(expected * 100, 1) + "%"
    trust = pd.read_csv(data_dir / "themes" / src.TRUST_FILE, sep=";")
    total = trust[trust.Migratieachtergrond == "Totaal"].set_index("Periode")
    cells = _row(page.text, "vertrouwt de Tweede Kamer")
    assert cells[1] == str(total.index.max()) and cells[2] == "alleen landelijk"
    assert cells[3] == number(total.loc[total.index.max(), "TweedeKamer"], 1) + "%"


def test_attitudes_per_profile_with_intervals(client, built_db):
    import duckdb

    con = duckdb.connect(str(built_db), read_only=True)
    rows = con.execute("SELECT p.name, a.value, a.lo, a.hi FROM theme_attitudes a JOIN "
                       "profiles p ON p.id = a.profile_id WHERE a.item = 'trust_justice'"
                       ).fetchall()
    con.close()
    page = client.get("/gebied/GM0184/thema/veiligheid").text
    table = page.split('id="houding-trust_justice"', 1)[1].split("</table>", 1)[0]
    for name, value, lo, hi in rows:
        cells = _row(table, name)
        assert cells[1] == f"{pct(value)} ({pct(lo).rstrip('%')}–{pct(hi)})"
    assert "Wat niet bekend is" in _text(page)


def test_approach_page_shows_each_claim_with_its_stored_number(client):
    app_cat = client.app.state.dashboard.catalogue
    page = client.get("/gebied/GM0184/aanpak").text
    mix = page.split('id="mix"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", mix, flags=re.S)
    clear = {m: v for (ref, m), v in app_cat.contrasts["GM0184"].items()
             if ref == "nederland" and v[3] and m in app_cat.profile_ids}
    assert clear and len(items) == len(clear)
    for item in items:
        text = _text("<main>" + item)
        pid = re.search(r"profiel \(id\) (\S+)", text).group(1)
        diff = clear[pid][0]
        assert f"verschil met Nederland {points(diff)}" in text


def test_custom_area_and_nl_pages(client):
    page = client.get("/eigen-gebied/aanpak?postcodes=3511,3512")
    assert page.status_code == 200 and "Eigen gebied (3511, 3512)" in _text(page.text)
    nl = client.get("/gebied/NL/thema/leefomgeving")
    assert nl.status_code == 200 and "doet vrijwilligerswerk" in _text(nl.text)
    links = client.get("/gebied/GM0344").text
    for slug in THEMES:
        assert f'href="/gebied/GM0344/thema/{slug}"' in links
    assert 'href="/gebied/GM0344/aanpak"' in links


def test_custom_area_links_its_report_pdf(client):
    """Issue 9: the report for a custom postcode list is one click away (it was API-only)."""
    from pypdf import PdfReader

    page = client.post("/eigen-gebied", data={"postcodes": "3511\n3512\n3513"})
    href = re.search(r'href="(/eigen-gebied/rapport\.pdf\?postcodes=[^"]+)"', page.text)
    assert href, "no report link on the custom area page"
    pdf = client.get(href.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "3511" in text and "Energie" in text
    empty = client.get("/eigen-gebied/rapport.pdf?postcodes=")
    assert empty.status_code == 422 and "postcode" in empty.text.lower()


def test_bad_input_gets_dutch_4xx_and_suppressed_area_no_figures(client):
    unknown = client.get("/gebied/GM0344/thema/klimaat")
    assert unknown.status_code == 404 and "bestaat niet" in unknown.text
    assert client.get("/gebied/GM9999/aanpak").status_code == 404
    empty = client.get("/eigen-gebied/aanpak?postcodes=")
    assert empty.status_code == 422 and "postcode" in _text(empty.text).lower()
    cat = client.app.state.dashboard.catalogue
    hidden = next(c for c, i in cat.indices.items() if i.get("suppressed"))
    page = client.get(f"/gebied/{hidden}/thema/veiligheid")
    assert page.status_code == 200 and "Cijfers achtergehouden" in page.text
    assert "cijfers-tabel" not in page.text and "houding-" not in page.text


def test_trend_chart_is_readable_without_colour():
    rows = [{"year": y, "value": v} for y, v in ((2012, 10.0), (2018, 8.0), (2024, 7.9))]
    nl = [{"year": y, "value": v + 0.05} for y, v in ((2012, 9.0), (2018, 8.0), (2024, 7.9))]
    svg = str(trend_svg([("Urk", rows), ("Nederland", nl)], "misdrijven", "t"))
    assert 'stroke-dasharray="none"' in svg and 'stroke-dasharray="5 3"' in svg
    assert "<circle" in svg and "<rect" in svg and "<title" in svg
    ys = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)">(?:Urk|Nederland)', svg)]
    assert len(ys) == 2 and abs(ys[0] - ys[1]) >= LABEL_GAP - 0.1  # names never overlap
    assert trend_svg([("Urk", rows[:1])], "één jaar", "t") is None


def test_wadden_island_turnout_is_shown_marked_not_comparable(client, data_dir):
    """The validation leaves the islands out (tourists vote there); the democracy theme
    shows the official figure with a star and the reason, so every gemeente has one."""
    from betrokken.reports.themes import NOT_COMPARABLE

    tk = pd.read_csv(data_dir / "validation" / "tk2021_gemeente.csv").set_index("gemeente_code")
    page = client.get("/gebied/GM0060/thema/democratie").text
    cells = _row(page, "opkomst Tweede Kamer 2021")
    share = tk.loc["GM0060", "uitgebrachte_stemmen"] / tk.loc["GM0060", "kiesgerechtigden"]
    assert cells[2] == number(share * 100, 1) + "% *"
    assert NOT_COMPARABLE["turnout"] in _text(page)
    utrecht = client.get("/gebied/GM0344/thema/democratie").text
    assert NOT_COMPARABLE["turnout"] not in _text(utrecht)


def test_every_gemeente_has_own_figures_in_all_four_themes(client, data_dir):
    """Done when: all four themes show real numbers for every gemeente (energy: every
    gemeente in the source file; Voorne aan Zee was formed after its last year)."""
    cat = client.app.state.dashboard.catalogue
    gemeenten = {c for c, r in cat.areas.items() if r["level"] == "gemeente"}
    con = client.app.state.dashboard.cursor()
    per_theme = {theme: {c for (c,) in con.execute(
        "SELECT DISTINCT area_code FROM theme_indicators WHERE theme = ?", [theme]).fetchall()}
        for theme in ("energie", "veiligheid", "democratie")}
    con.close()
    per_theme["leefomgeving"] = {c for c in gemeenten
                                 if (cat.local.get(c) or {}).get("volunteering") is not None}
    energy_file = set(pd.read_csv(data_dir / "themes" / src.ENERGY_FILE).gemeentecode)
    for theme, have in per_theme.items():
        expected = gemeenten & energy_file if theme == "energie" else gemeenten
        assert expected <= have, (theme, sorted(expected - have)[:5])



def test_approach_per_theme_names_clear_differences_from_stored_attitudes(client, built_db):
    import duckdb

    con = duckdb.connect(str(built_db), read_only=True)
    stored = con.execute("SELECT theme, item, profile_id, value, lo, hi FROM theme_attitudes "
                         "WHERE profile_id <> 'nl'").df()
    con.close()
    shares = {m["profile_id"]: m["share"] for m in
              client.get("/api/areas/GM0184").json()["mix"]}
    present = stored[stored.profile_id.map(shares) >= MIN_SHARE]
    n_claims = n_skipped = 0  # in Urk every item differs clearly; the pair test below skips
    for theme in THEMES:
        plan = client.get(f"/api/areas/GM0184/approach?thema={theme}").json()
        section = next(s for s in plan["sections"] if s["id"] == "thema")
        claims = {i["evidence"]["item"]: i["evidence"] for i in section["items"]
                  if i["evidence"].get("item")}
        for item, rows in present[present.theme == theme].groupby("item"):
            top, low = rows.loc[rows.value.idxmax()], rows.loc[rows.value.idxmin()]
            if top.lo > low.hi:  # a clear difference: claimed, with the stored numbers
                ev = claims[item]
                assert (ev["top"], ev["low"]) == (top.profile_id, low.profile_id)
                assert ev["top_value"] == pytest.approx(top.value)
                n_claims += 1
            else:  # overlapping intervals: no claim
                assert item not in claims
                n_skipped += 1
    assert n_claims + n_skipped == present.groupby(["theme", "item"]).ngroups
    assert "thema" not in {s["id"] for s in client.get("/api/areas/GM0184/approach").json()[
        "sections"]}
    bad = client.get("/api/areas/GM0184/approach?thema=klimaat")
    assert bad.status_code == 422 and "thema" in bad.json()["fout"]
    assert all(slug in bad.json()["tip"] for slug in THEMES)
    page = client.get("/gebied/GM0184/aanpak?thema=democratie").text
    assert "Bij het thema Politiek en democratie" in page


def test_theme_claim_needs_non_overlapping_intervals(built_db):
    """Two profiles from the stored attitudes whose intervals overlap give no claim; two
    that do not overlap give one (a mix of just those two profiles, half each)."""
    import duckdb

    from betrokken.reports.approach import theme_items

    con = duckdb.connect(str(built_db), read_only=True)
    rows = con.execute("SELECT item, label, profile_id, value, lo, hi FROM theme_attitudes "
                       "WHERE profile_id <> 'nl' ORDER BY item, value").df()
    con.close()

    def attitudes(a, b):
        return [{"item": a.item, "label": a.label, "profiles": [
            {"profile_id": r.profile_id, "name": r.profile_id, "value": r.value, "lo": r.lo,
             "hi": r.hi} for r in (a, b)]}]

    overlapping = clear = None
    for _, group in rows.groupby("item"):
        recs = list(group.itertuples())
        for a, b in zip(recs, recs[1:], strict=False):
            if overlapping is None and b.lo <= a.hi:
                overlapping = (a, b)
        if clear is None and recs[-1].lo > recs[0].hi:
            clear = (recs[0], recs[-1])
    for pair, expected in ((overlapping, 0), (clear, 1)):
        mix = {r.profile_id: {"share": 0.5} for r in pair}
        items = theme_items("Thema", attitudes(*pair), mix)
        assert sum(1 for i in items if i["evidence"].get("item")) == expected
