"""Bereikcheck with quiz answers: the reached profile mix instead of the expected one.

Participants are GENERATED: respondents simulated from a known profile mix per wijk
(tests/helpers_own_survey.py), given to the page, the API and the CLI.
"""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from betrokken.cli import app
from helpers_own_survey import QUIZ_ITEMS, quiz_csv, simulate, utrecht_target


@pytest.fixture(scope="module")
def generated(built_db):
    model, target = utrecht_target(built_db)
    units = list(target.unit_mix.dropna().index)
    respondents, truth = simulate(target, model, {u: 40 for u in units}, seed=21)
    return model, respondents, truth


def _profile_rows(groups):
    return {g["group"]: g for g in groups if g["dimension"] == "profiel"}


def test_api_answers_give_the_reached_mix(client, generated):
    model, respondents, _ = generated
    rows = [
        {"postcode": r["postcode"], "age_band": r["leeftijd"], "sex": r["geslacht"],
         "answers": {i: int(r[i]) for i in QUIZ_ITEMS}}
        for r in respondents.to_dict("records")
    ]
    reached = client.post("/api/bereikcheck", json={"area": "GM0344", "participants": rows})
    assert reached.status_code == 200
    body = reached.json()
    assert body["profile_basis"] == "bereikt"
    plain = [{k: v for k, v in r.items() if k != "answers"} for r in rows]
    expected = client.post("/api/bereikcheck", json={"area": "GM0344", "participants": plain})
    assert expected.json()["profile_basis"] == "verwacht"
    first = model.profile_ids[0]  # the simulation raises the first profile above the model
    assert (_profile_rows(body["groups"])[first]["participants_share"]
            > _profile_rows(expected.json()["groups"])[first]["participants_share"] + 0.03)
    assert _profile_rows(body["groups"])[first]["verdict"] == "boven"
    bad = [{**rows[0], "answers": {"trust_eu": 9}}]
    assert client.post("/api/bereikcheck",
                       json={"area": "GM0344", "participants": bad}).status_code == 422
    few = [rows[0], {**rows[1], "answers": {"trust_eu": 1}}]
    refused = client.post("/api/bereikcheck", json={"area": "GM0344", "participants": few})
    assert refused.status_code == 422
    assert refused.json()["fout"].startswith("Deelnemer 2: Te weinig antwoorden")


def test_page_upload_of_quiz_file_and_its_download(client, generated):
    model, respondents, _ = generated
    r = client.post("/bereikcheck", data={"gebied": "GM0344"},
                    files={"bestand": ("quiz.csv", quiz_csv(respondents))})
    assert r.status_code == 200, r.text[:500]
    assert "bereikt, niet verwacht" in r.text and "Profiel (bereikt, uit de quiz)" in r.text
    counts = unescape(re.search(r'name="profielen" value="([^"]*)"', r.text).group(1))
    agg = unescape(re.search(r'name="deelnemers" value="([^"]*)"', r.text).group(1))
    x = client.post("/download/bereikcheck.xlsx",
                    data={"gebied": "GM0344", "deelnemers": agg, "profielen": counts})
    rows = list(load_workbook(io.BytesIO(x.content))["Groepen"].iter_rows(values_only=True))
    names = {p["id"]: p["name"] for p in model.profiles}
    profile = {row[1]: row for row in rows if row[0] == "profiel"}
    assert profile[model.profile_ids[0]][2] == names[model.profile_ids[0]]
    assert profile[model.profile_ids[0]][-1] == "boven"
    broken = client.post("/download/bereikcheck.xlsx",
                         data={"gebied": "GM0344", "deelnemers": agg, "profielen": "1;x"})
    assert broken.status_code == 422


def test_quiz_file_without_postcode_is_refused_in_dutch(client):
    text = f"{QUIZ_ITEMS[0]};leeftijd\n1;65plus\n"
    r = client.post("/bereikcheck", data={"gebied": "GM0344"},
                    files={"bestand": ("q.csv", text.encode("latin-1"))})
    assert r.status_code == 422 and "postcode ontbreekt" in unescape(r.text)


def test_cli_with_quiz_file(built_db, generated, tmp_path):
    _, respondents, _ = generated
    path = tmp_path / "deelnemers.csv"
    path.write_bytes(quiz_csv(respondents))
    result = CliRunner().invoke(app, ["bereikcheck", str(path), "--gebied", "GM0344", "--db",
                                      str(built_db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Profiel: bereikt" in result.output


def test_quiz_page_shows_every_question_with_its_options(client):
    items = client.get("/api/quiz").json()["items"]
    page = unescape(client.get("/quiz").text)
    for item in items:
        assert item["text"] in page
        for opt in item["options"]:
            assert f'id="{item["id"]}-{opt["value"]}"' in page
    assert "Beantwoord er minstens 6" in page
    done = unescape(client.post("/quiz", data={it["id"]: "1" for it in items[:7]}).text)
    assert f"7 van de {len(items)} vragen" in done and "Kans per profiel" in done
    # the quiz with no or too few answers gives no profile, but a Dutch 422 on the form
    for data in ({}, {items[0]["id"]: "1"}):
        refused = client.post("/quiz", data=data)
        text = unescape(refused.text)
        assert refused.status_code == 422 and "Meest waarschijnlijk" not in text
        assert f"{len(data)} van de {len(items)} vragen beantwoord" in text
        assert "minstens 6 nodig" in text


def test_printable_quiz_pdf_and_csv_template_from_page_and_cli(client, tmp_path):
    import pypdf

    items = client.get("/api/quiz").json()["items"]
    assert 'href="/quiz/profielquiz.pdf"' in client.get("/quiz").text
    r = client.get("/quiz/profielquiz.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    for item in items:
        assert item["text"].split(":")[0][:30] in text.replace("\n", " ")
    result = CliRunner().invoke(app, ["quiz", "--pdf", str(tmp_path / "q.pdf"), "--sjabloon",
                                      str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "q.pdf").read_bytes().startswith(b"%PDF")
    template = (tmp_path / "s.csv").read_bytes()
    assert template == client.get("/quiz/sjabloon.csv").content
    last = template.decode("utf-8-sig").strip().splitlines()[-1].split(";")
    assert last[:4] == ["respondent", "leeftijd", "geslacht", "postcode"]
    assert last[4:] == [i["id"] for i in items]


def test_openapi_documents_the_4xx_answers(client):
    spec = client.get("/openapi.json").json()["paths"]
    for path, method in (("/api/quiz", "post"), ("/api/bereikcheck", "post")):
        responses = spec[path][method]["responses"]
        assert {"404", "413", "422"} <= set(responses), (path, sorted(responses))
        assert "Onbekende" in responses["422"]["description"] or \
            "Onbruikbare" in responses["422"]["description"]
    assert "answers" in spec["/api/bereikcheck"]["post"]["description"]


def test_cli_short_list_speaks_dutch_and_warns(built_db, tmp_path):
    """Six 65+ participants from two postcodes: the terminal shows percentages as the page
    does ('83,3%', not '83.3%') and says that so few participants cannot show much."""
    path = tmp_path / "deelnemers.csv"
    path.write_text("postcode;leeftijd;geslacht\n3511;65plus;vrouw\n3511;65plus;man\n"
                    "3512;65plus;vrouw\n3512;65plus;vrouw\n3512;45_64;man\n3511;65plus;man\n")
    result = CliRunner().invoke(app, ["bereikcheck", str(path), "--gebied", "GM0344", "--db",
                                      str(built_db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "83,3%" in result.output and "83.3%" not in result.output
    assert "Met 6 deelnemers zijn de intervallen erg breed" in " ".join(result.output.split())
