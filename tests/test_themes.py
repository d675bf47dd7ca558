"""Theme sources, tables, dossiers, approach and reports on the real data."""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from betrokken.dutch_numbers import percent
from betrokken.errors import SourceError
from betrokken.reports.approach import approach
from betrokken.reports.area_report import write_report
from betrokken.reports.themes import theme_dossiers
from betrokken.sources import themes as src
from betrokken.store import area_answers
from betrokken.store.catalogue import load_catalogue
from betrokken.themes import THEMES


@pytest.fixture(scope="module")
def con(built_db):
    c = duckdb.connect(str(built_db), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def cat(con):
    return load_catalogue(con)


def test_crime_rates_match_source_file(con, data_dir):
    raw = pd.read_csv(data_dir / "themes" / src.CRIME_FILE)
    row = raw[(raw.gemeentecode == "GM0184") & (raw.crime_year == 2024)].iloc[0]
    stored = con.execute("SELECT value FROM theme_indicators WHERE area_code='GM0184' AND "
                         "indicator='crime_rate' AND year=2024").fetchone()[0]
    assert stored == pytest.approx(row.cr_totaal_misdrijven / row.aantal_inwoners * 1000)
    y24 = raw[raw.crime_year == 2024]
    nl = con.execute("SELECT value FROM theme_indicators WHERE area_code='NL' AND "
                     "indicator='crime_rate' AND year=2024").fetchone()[0]
    assert nl == pytest.approx(y24.cr_totaal_misdrijven.sum() / y24.aantal_inwoners.sum() * 1000)


def test_energy_and_turnout_match_source_files(con, data_dir):
    raw = pd.read_csv(data_dir / "themes" / src.ENERGY_FILE)
    gas = raw[(raw.gemeentecode == "GM0344")].set_index("kwb_year")["gem_aardgas_m3"]
    stored = dict(con.execute("SELECT year, value FROM theme_indicators WHERE "
                              "area_code='GM0344' AND indicator='gas_m3'").fetchall())
    assert stored == {int(y): float(v) for y, v in gas.items()}
    tk = pd.read_csv(data_dir / "validation" / "tk2021_gemeente.csv").set_index("gemeente_code")
    turnout = con.execute("SELECT value FROM theme_indicators WHERE area_code='GM0344' AND "
                          "indicator='turnout_tk2021'").fetchone()[0]
    expected = tk.loc["GM0344", "uitgebrachte_stemmen"] / tk.loc["GM0344", "kiesgerechtigden"]
    assert turnout == pytest.approx(expected * 100)


def test_every_gemeente_has_figures_in_each_theme(con, cat, data_dir):
    gemeenten = {c for c, r in cat.areas.items() if r["level"] == "gemeente"}
    in_energy_file = set(pd.read_csv(data_dir / "themes" / src.ENERGY_FILE).gemeentecode)
    for indicator, expected in (("crime_rate", gemeenten),
                                ("gas_m3", gemeenten & in_energy_file)):
        have = {r[0] for r in con.execute("SELECT DISTINCT area_code FROM theme_indicators "
                                          "WHERE indicator = ?", [indicator]).fetchall()}
        assert expected <= have, (indicator, sorted(expected - have)[:5])
    # gemeenten formed after 2022 (Voorne aan Zee, GM1992) have no energy row yet
    assert gemeenten - in_energy_file <= {"GM1992"}
    dossier = theme_dossiers(con, cat, area_answers.area_detail(cat, "GM0184"))
    assert [t["title"] for t in dossier["themes"]] == list(THEMES.values())
    for t in dossier["themes"]:
        assert any(i["gemeente"] is not None for i in t["indicators"]), t["theme"]
        assert t["unknown"]
    wijk = theme_dossiers(con, cat, area_answers.area_detail(cat, "WK034401"))
    energy = wijk["themes"][0]
    assert energy["parent_note"] and "Utrecht" in energy["parent_note"]
    assert all(i["value"] is None for i in energy["indicators"])  # parent's figure, labelled
    local = {i["indicator"]: i for i in wijk["themes"][1]["indicators"]}
    assert local["volunteering"]["value"] == cat.local["WK034401"]["volunteering"]


def test_profile_attitudes_are_weighted_survey_means(con):
    rows = con.execute("SELECT profile_id, value, lo, hi FROM theme_attitudes WHERE "
                       "item='trust_parliament'").fetchall()
    values = {p: (v, lo, hi) for p, v, lo, hi in rows}
    assert len(values) == 9 and all(lo <= v <= hi for v, lo, hi in values.values())
    # the low-trust profiles trust parliament far less than the trusting ones
    assert values["kritisch_op_afstand"][0] < 0.2 < 0.8 < values["betrokken_vertrouwers"][0]


def test_theme_reader_errors_are_dutch(tmp_path):
    (tmp_path / "themes").mkdir()
    with pytest.raises(SourceError, match="ontbreekt"):
        src.read_crime(tmp_path)
    (tmp_path / "themes" / src.ENERGY_FILE).write_text("kwb_year,gemeentecode\n2012,GM0003\n")
    with pytest.raises(SourceError, match="mist kolom"):
        src.read_energy(tmp_path)


def test_statline_parser_on_fixture_from_shared_file(data_dir):
    raw = pd.read_csv(data_dir / "themes" / src.CRIME_FILE)
    sub = raw[raw.crime_year == 2024].head(5)
    feed = pd.DataFrame({"ID": range(5), "WijkenEnBuurten": sub.gemeentecode + "  ",
                         "SoortMisdrijf": "0.0.0  ", "Perioden": "2024JJ00",
                         "GeregistreerdeMisdrijven_1": sub.cr_totaal_misdrijven.to_numpy()})
    parsed = src.parse_47018(feed)
    assert parsed["count"].tolist() == sub.cr_totaal_misdrijven.tolist()
    assert parsed["area_code"].tolist() == sub.gemeentecode.tolist()
    with pytest.raises(SourceError, match="47018NED"):
        src.parse_47018(feed.drop(columns="SoortMisdrijf"))
    lbm = src.read_leefbaarometer(data_dir / "themes" / src.LEEFBAAROMETER_FIXTURE)
    assert lbm["wijk_code"].str.startswith("WK0362").all()


def test_approach_differs_between_utrecht_and_urk(cat):
    utrecht = approach(area_answers.area_detail(cat, "GM0344"), cat)
    urk = approach(area_answers.area_detail(cat, "GM0184"), cat)

    def clear(plan):
        mix = next(s for s in plan["sections"] if s["id"] == "mix")
        return {(i["evidence"]["profile_id"], i["evidence"]["diff"] > 0) for i in mix["items"]}

    assert clear(utrecht) != clear(urk)
    # each clear difference is a stored area_contrasts row
    for plan, code in ((utrecht, "GM0344"), (urk, "GM0184")):
        for item in plan["sections"][0]["items"]:
            ev = item["evidence"]
            stored = cat.contrasts[code][("nederland", ev["profile_id"])]
            assert stored[3] and stored[0] == pytest.approx(ev["diff"])
    # the groups a standard approach misses are the area's own: each names a profile with
    # its share here, so Urk's list differs from Utrecht's
    missed = {}
    for plan, code in ((utrecht, "GM0344"), (urk, "GM0184")):
        shares = {p["name"]: p["share"] for p in area_answers.area_detail(cat, code)["mix"]}
        items = next(s for s in plan["sections"] if s["id"] == "missed")["items"]
        assert items
        for item in items:
            name = item["text"].split(" (")[0]
            assert item["text"].startswith(f"{name} ({percent(shares[name])})")
        missed[code] = [i["text"] for i in items]
    assert missed["GM0344"] != missed["GM0184"]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_area_report_pdf(built_db, tmp_path, cat):
    out = write_report(built_db, tmp_path / "u.pdf", area_code="GM0344")
    text = _pdf_text(out.read_bytes())
    assert "Utrecht" in text
    for title in THEMES.values():
        assert title in text
    for profile in cat.profiles:
        assert profile["name"] in text
    # issue 20: a label that names its unit does not get it a second time
    assert "per 1.000 inwoners" in text and "(per 1.000)" not in text
    # issue 20: the PDF cites the official table first, the copy the build read second
    assert "CBS StatLine 85984NED" in text
    flat = " ".join(text.split())
    start = flat.index("CBS StatLine 85984NED")
    assert "gelezen uit kopie via" in flat[start:start + 300]
    nat = write_report(built_db, tmp_path / "nl.pdf", national=True, compare_to=built_db)
    assert "Staat van Betrokkenheid" in _pdf_text(nat.read_bytes())


def test_api_themes_approach_report(built_db):
    from betrokken.web.app import create_app

    client = TestClient(create_app(built_db))
    themes = client.get("/api/areas/GM0184/themes")
    assert themes.status_code == 200 and len(themes.json()["themes"]) == 4
    assert client.get("/api/areas/GM9999/approach").status_code == 404
    bad = client.get("/api/areas/xx!/themes")
    assert bad.status_code in (400, 422) and "gebiedscode" in bad.text
    pdf = client.get("/api/areas/GM0184/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "Urk" in _pdf_text(pdf.content)
    posted = client.post("/api/compose/approach", json=["3511", "3512"])
    assert posted.status_code == 200 and posted.json()["sections"]
    spec = client.get("/openapi.json").json()["paths"]
    assert "404" in spec["/api/areas/{code}/report.pdf"]["get"]["responses"]


def test_suppressed_area_gets_no_figures(con, cat):
    hidden = [c for c, i in cat.indices.items() if i.get("suppressed")]
    assert hidden
    area = area_answers.area_detail(cat, hidden[0])
    dossier = theme_dossiers(con, cat, area)
    assert dossier["suppressed"] and dossier["themes"] == [] and "geen cijfers" in \
        dossier["message"]
    assert approach(area, cat)["sections"] == []


def test_label_names_its_unit_once():
    from betrokken.reports.themes import label_with_unit

    assert label_with_unit("vernielingen per 1.000 inwoners", "per 1.000") == \
        "vernielingen per 1.000 inwoners"
    assert label_with_unit("gasverbruik", "m³") == "gasverbruik (m³)"
    assert label_with_unit("Gini", "index") == "Gini"


def test_report_numbers_use_dutch_notation():
    """The PDF showed '1 170' beside 'Inwoners: 21.958': one Dutch notation, as on the pages."""
    from betrokken.reports.area_report import _fmt

    assert (_fmt(1170.4), _fmt(26610.0), _fmt(15.44), _fmt(987.2)) == ("1.170", "26.610", "15,4",
                                                                        "987")
