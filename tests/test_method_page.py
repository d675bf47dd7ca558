"""The Methode page for advisers (issue 12, item 5): Dutch, plain, the validation in one
sentence per comparison with the report's own numbers, the English documents as downloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from betrokken.web.app import create_app

DOCS = Path(__file__).resolve().parents[1] / "docs"
JARGON = ("latente-klassenanalyse", "lidmaatschapsmodel", "iteratieve proportionele", "bootstrap",
          "pytest", "SHA-256")


@pytest.fixture(scope="module")
def html(built_db) -> str:
    client = TestClient(create_app(built_db))
    return client.get("/methode").text


def _headline_rows() -> list[tuple[str, str]]:
    """(comparison, Pearson r) of the model rows in docs/validation.md's Results table."""
    rows = []
    for line in (DOCS / "validation.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[1].startswith("model:"):
            rows.append((cells[0], cells[3].split()[0]))
    return rows


def test_one_dutch_sentence_per_validation_with_the_reports_numbers(html):
    rows = _headline_rows()
    assert len(rows) >= 4
    sentences = re.findall(r"<li>(.*?)</li>", re.search(
        r'<ul id="validatie-zinnen">(.*?)</ul>', html, re.S).group(1), re.S)
    assert len(sentences) == len(rows)
    for (comparison, r), sentence in zip(rows, sentences, strict=True):
        assert f"r = {r.replace('.', ',')}" in sentence, (comparison, sentence)
        assert "samen" in sentence and ("gemeenten" in sentence or "postcodes" in sentence)


def test_adviser_page_is_plain_dutch_and_short(html):
    main = html.split('id="technisch-kop"')[0]
    found = [w for w in JARGON if w.lower() in main.lower()]
    assert not found, f"jargon voor de technische sectie: {found}"
    assert '<div class="doc" lang="en">' not in html  # no English developer text inline
    text = re.sub(r"<[^>]+>", " ", html)
    assert len(text.split()) < 1800
    for heading in ("Wat is het?", "Zo leest u de cijfers", "Hoe goed is het?", "Grenzen"):
        assert heading in html


def test_technical_documents_are_downloads(html, client):
    for name in ("method.md", "validation.md"):
        assert f'href="/methode/{name}" download' in html
        response = client.get(f"/methode/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/markdown")
        assert response.text == (DOCS / name).read_text(encoding="utf-8")
    assert client.get("/methode/architecture.md").status_code == 404
