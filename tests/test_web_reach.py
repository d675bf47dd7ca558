"""Quiz and Bereikcheck over HTTP on the real database: contracts, bad input, download."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook


def test_quiz_contract(client):
    items = client.get("/api/quiz").json()["items"]
    assert 0 < len(items) <= 12
    answers = {it["id"]: it["options"][-1]["value"] for it in items}
    out = client.post("/api/quiz", json={"answers": answers}).json()
    assert out["profile"] in {p["id"] for p in client.get("/api/profiles").json()["profiles"]}
    assert sum(out["probabilities"].values()) == pytest.approx(1.0)
    assert client.post("/api/quiz", json={"answers": {"x": 1}}).status_code == 422
    assert client.post("/api/quiz", json={"answers": {items[0]["id"]: 9}}).status_code == 422
    enough = dict(list(answers.items())[:6])
    assert client.post("/api/quiz", json={"answers": enough}).status_code == 200
    few = client.post("/api/quiz", json={"answers": dict(list(answers.items())[:5])})
    assert few.status_code == 422 and "minstens 6 nodig" in few.json()["fout"]
    assert client.post("/api/quiz", json={"answers": {}}).status_code == 422
    page = client.post("/quiz", data={k: str(v) for k, v in enough.items()})
    assert page.status_code == 200 and "Kans per profiel" in page.text


def test_bereikcheck_contract(client):
    rows = [{"postcode": "3511", "age_band": "65plus", "sex": "vrouw"}] * 120
    out = client.post("/api/bereikcheck", json={"area": "GM0344", "participants": rows}).json()
    dims = {g["dimension"] for g in out["groups"]}
    assert dims == {"leeftijd", "geslacht", "gebied", "profiel"}
    verdicts = {g["group"]: g["verdict"] for g in out["groups"]}
    assert verdicts["65plus"] == "boven" and verdicts["25_44"] == "onder"
    assert (
        client.post("/api/bereikcheck", json={"area": "GM0344", "postcodes": ["3511"]}).status_code
        == 200
    )
    assert (
        client.post("/api/bereikcheck", json={"area": "GM9999", "postcodes": ["3511"]}).status_code
        == 404
    )
    spec = client.get("/openapi.json").json()["paths"]
    assert {"404", "422"} <= set(spec["/api/bereikcheck"]["post"]["responses"])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("leeg.csv", b"", "is leeg"),
        ("kapot.xlsx", b"PK\x03\x04kapot", "geen leesbaar Excel"),
        ("binair.dat", b"\x00\x01\x02\x03", "geen tekstbestand"),
        ("latin.csv", "postcode;geslacht\n3511;vrouw\n3512;männ\n".encode("latin-1"), "geslacht"),
    ],
)
def test_bad_uploads_get_a_dutch_message(client, name, data, message):
    r = client.post("/bereikcheck", data={"gebied": "GM0344"}, files={"bestand": (name, data)})
    assert r.status_code in (413, 422) and message in unescape(r.text)


def test_upload_to_download(client):
    text = "postcode;leeftijd;geslacht\n" + "3511;65plus;vrouw\n" * 50
    r = client.post(
        "/bereikcheck",
        data={"gebied": "GM0344"},
        files={"bestand": ("d.csv", text.encode("utf-16"))},
    )
    assert r.status_code == 200 and "duidelijk ondervertegenwoordigd" in r.text
    agg = unescape(re.search(r'name="deelnemers" value="([^"]*)"', r.text).group(1))
    assert "3511;65plus;vrouw;50" in agg
    x = client.post("/download/bereikcheck.xlsx", data={"gebied": "GM0344", "deelnemers": agg})
    wb = load_workbook(io.BytesIO(x.content))
    assert {"Groepen", "Advies", "Herweging"} <= set(wb.sheetnames)
    assert any(row[-1] == "boven" for row in wb["Groepen"].iter_rows(values_only=True))
