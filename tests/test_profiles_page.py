"""The eight profiles in one minute and the cards' Dutch (issue 12, item 6)."""

from __future__ import annotations

import re

from betrokken.web.profile_text import is_plural


def test_overview_has_names_sizes_one_sentence_and_a_labelled_chart(client):
    html = client.get("/profielen/in-een-minuut").text
    profiles = client.get("/api/profiles").json()["profiles"]
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", html, re.S)
    assert len(rows) == len(profiles) == 8
    for p, row in zip(profiles, rows, strict=True):
        assert p["name"] in row and re.search(r"<td>\d+%</td>", row)
        sentence = re.findall(r"<td>([^<]+)</td></tr>", row)[0]
        assert sentence.endswith(".") and 5 <= len(sentence.split()) <= 25
    labels = re.findall(r'<text class="plot-label"[^>]*>([^<]+)</text>', html)
    assert sorted(labels) == sorted(p["name"] for p in profiles)
    assert 'href="/profielen/in-een-minuut"' in client.get("/").text


def test_cards_use_correct_dutch(client):
    html = client.get("/profielen").text
    for name in re.findall(r"<h2>.*?\d\. ([^<]+)</h2>", html):
        if is_plural(name):
            assert not re.search(re.escape(name) + r" \([^)]*\) heeft", html), name
    assert "rapportcijfer" not in html
    assert not re.search(r"weinig betrokken: \d+ % stemde", html)
    assert "op een schaal van 0 tot 10" in html and "alle volwassenen:" in html
    assert "praktisch opgeleid" not in html  # the CBS tables say 'laag opgeleid'
    assert len(re.findall(r'<text class="plot-label"', html)) == 8


def test_profile_names_are_distinct_and_their_grammar_is_known():
    """Issue 12: three 'Kritisch...', two '...middengroep' and two '...vertrouwers' were
    confused by advisers. No two names may share a word, and each name is a plural noun
    phrase except the one collective ('middengroep'), so the verb agrees."""
    from betrokken.model.artifact import load_model

    names = [p["name"] for p in load_model().profiles]
    words = [w.lower() for name in names for w in name.split()]
    assert len(names) == 8 and len(words) == len(set(words)), names
    singular = [n for n in names if not is_plural(n)]
    assert singular == ["Stille middengroep"]


def test_one_line_descriptions_separate_the_profiles(client):
    """Issue 20: Teleurgestelde toeschouwers and Voorzichtige twijfelaars had one line.
    Each line now ends on the survey fact that sets its profile apart from its twins."""
    from betrokken.dutch_numbers import percent
    from betrokken.model.artifact import load_model
    from betrokken.web.profile_text import distinguishing_fact, profile_texts

    html = client.get("/profielen/in-een-minuut").text
    lines = re.findall(r"<td>([^<]+)</td></tr>", html)
    assert len(lines) == 8 and len(set(lines)) == 8, lines
    profiles = load_model().profiles
    texts = profile_texts(profiles)
    by_name = {p["name"]: p for p in profiles}
    for p in profiles:
        fact = distinguishing_fact(p, profiles)
        assert fact and fact in texts[p["id"]]["line"]
    twins = [by_name["Teleurgestelde toeschouwers"], by_name["Voorzichtige twijfelaars"]]
    for p in twins:  # the fact is their share agreeing politicians do not care, as computed
        share = percent(p["evidence"]["agree_politicians_dont_care"])
        assert f"{share} vindt dat politici hen negeren" in texts[p["id"]]["line"]


def test_typical_profile_carries_the_answer_style_caveat(client):
    """Issue 20: where a profile with an answer-style caveat is named 'meest kenmerkend'
    (the wijken table, the map legend), the caveat is right there."""
    profiles = {p["id"]: p for p in client.get("/api/profiles").json()["profiles"]}
    flagged = {pid for pid, p in profiles.items() if p.get("caveat")}
    assert flagged
    html = client.get("/gebied/GM0344?kleur=kenmerkend").text
    table = html.split('id="gebieden-tabel"')[1].split("</table>")[0]
    links = re.findall(r"<td data-value=\"([^\"~]+)\"><span class=\"swatch[^>]*></span> "
                       r"[^<]*<a class=\"small\" href=\"#let-op-([a-z_]+)\">", table)
    assert links  # Utrecht's wijken name a flagged profile as typical
    for name, pid in links:
        assert pid in flagged and profiles[pid]["name"] == name and f'id="let-op-{pid}"' in html
    legend = re.search(r'<div class="legend" id="kaart-legenda">.*?</div>', html, re.S).group(0)
    assert any(f"Let op bij {profiles[pid]['name']}" in legend for pid in flagged)
