"""Issue 20 item 7: names everywhere. `report`, `bereikcheck` and the Bereikcheck page and
API take a gemeente/wijk/buurt name as well as a code; an ambiguous name gets a Dutch
question with the candidates, an unknown one a Dutch message; search finds a wijk with
its gemeente's name ("amsterdam zuid", "Den Haag centrum")."""

from __future__ import annotations

from html import unescape

import pytest
from typer.testing import CliRunner

from betrokken.cli import app
from betrokken.errors import UnknownAreaError
from betrokken.store.catalogue import load_catalogue
from betrokken.store.database import connect
from betrokken.store.search import AmbiguousAreaError, area_code_for, search_catalogue


@pytest.fixture(scope="module")
def cat(built_db):
    con = connect(built_db, read_only=True)
    try:
        yield load_catalogue(con)
    finally:
        con.close()


def _code_of(cat, level: str, name_part: str, gemeente: str) -> str:
    return next(c for c, r in cat.areas.items() if r["level"] == level
                and r.get("gemeente_code") == gemeente and name_part in r["area_name"])


def test_names_resolve_case_insensitively_and_with_common_spellings(cat):
    assert area_code_for(cat, "UTRECHT") == area_code_for(cat, "utrecht") == "GM0344"
    assert area_code_for(cat, "Den Haag") == area_code_for(cat, "'s-Gravenhage") == "GM0518"
    overvecht = _code_of(cat, "wijk", "Overvecht", "GM0344")
    assert area_code_for(cat, "overvecht") == overvecht
    assert area_code_for(cat, "Utrecht Overvecht") == overvecht
    assert area_code_for(cat, "GM0344") == "GM0344"


def test_ambiguous_name_asks_which_one_and_unknown_name_says_so(cat):
    binnenstad = [c for c, r in cat.areas.items()
                  if r["level"] == "wijk" and r["area_name"].endswith("Binnenstad")]
    assert len(binnenstad) > 1
    with pytest.raises(AmbiguousAreaError) as caught:
        area_code_for(cat, "binnenstad", option="--area")
    message = caught.value.message
    assert message.startswith("Welk gebied bedoelt u met 'binnenstad'?")
    assert sum(code in message for code in binnenstad) >= 5  # candidates with their codes
    assert "--area" in caught.value.hint
    with pytest.raises(UnknownAreaError, match="Geen gemeente, wijk of buurt gevonden"):
        area_code_for(cat, "Xyzzyquux")


def test_search_finds_wijken_by_gemeente_and_part_of_their_name(cat):
    amsterdam = [h for h in search_catalogue(cat, "amsterdam zuid", 20)]
    assert amsterdam and all(h["gemeente_code"] == "GM0363" for h in amsterdam)
    assert all("zuid" in h["name"].lower() for h in amsterdam)
    assert search_catalogue(cat, "Amsterdam-Zuid", 20) == amsterdam
    centrum = search_catalogue(cat, "Den Haag centrum", 5)
    assert centrum[0]["gemeente_code"] == "GM0518" and "Centrum" in centrum[0]["name"]


def test_cli_report_and_bereikcheck_take_names(built_db, tmp_path):
    runner = CliRunner()
    db = ["--db", str(built_db)]
    out = tmp_path / "urk.pdf"
    done = runner.invoke(app, ["report", *db, "--area", "URK", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_bytes().startswith(b"%PDF")
    asked = runner.invoke(app, ["report", *db, "--area", "Binnenstad", "--out", str(out)],
                          env={"COLUMNS": "200"})
    assert asked.exit_code != 0 and "Welk gebied bedoelt u" in asked.output
    unknown = runner.invoke(app, ["report", *db, "--area", "Xyzzyquux", "--out", str(out)])
    assert unknown.exit_code != 0 and "Geen gemeente, wijk of buurt" in unknown.output
    participants = tmp_path / "deelnemers.csv"
    participants.write_text("postcode\n" + "3511\n3584\n" * 30, encoding="utf-8")
    by_name = runner.invoke(app, ["bereikcheck", str(participants), "--gebied", "utrecht", *db],
                            env={"COLUMNS": "200"})
    assert by_name.exit_code == 0, by_name.output
    assert "Bereikcheck Utrecht" in by_name.output


def test_bereikcheck_api_and_page_take_names(client):
    rows = [{"postcode": "3511"}, {"postcode": "3584"}] * 30
    by_code = client.post("/api/bereikcheck", json={"area": "GM0344", "participants": rows})
    by_name = client.post("/api/bereikcheck", json={"area": "Utrecht", "participants": rows})
    assert by_name.status_code == 200 and by_name.json() == by_code.json()
    asked = client.post("/api/bereikcheck", json={"area": "binnenstad", "participants": rows})
    assert asked.status_code == 400 and "Welk gebied bedoelt u" in asked.json()["fout"]
    unknown = client.post("/api/bereikcheck", json={"area": "Xyzzyquux", "participants": rows})
    assert unknown.status_code == 404 and "Geen gemeente of wijk" in unknown.json()["fout"]
    page = client.post("/bereikcheck", data={"gebied": "binnenstad",
                                             "deelnemers": "3511\n3584\n" * 30})
    assert page.status_code == 400 and "Welk gebied bedoelt u" in unescape(page.text)
