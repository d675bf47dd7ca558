"""Issue 18, item 7: political engagement says what it is, and an area page says in one plain
sentence when its political and local engagement point different ways (both intervals
clearly on opposite sides of the national value)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from betrokken.store.database import connect
from betrokken.web.app import create_app


def _diverging(db, national):
    """(code, political direction) of published areas whose two components' intervals lie
    on opposite sides of NL; and one area where they do not."""
    con = connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT area_code, level, political_engagement_lo AS plo, "
            "political_engagement_hi AS phi, local_engagement_lo AS llo, "
            "local_engagement_hi AS lhi FROM area_indices WHERE NOT suppressed "
            "AND level IN ('gemeente', 'wijk') AND local_engagement_lo IS NOT NULL").df()
    finally:
        con.close()
    pol, loc = national
    up = (rows["plo"] > pol) & (rows["lhi"] < loc)
    down = (rows["phi"] < pol) & (rows["llo"] > loc)
    same = ~((rows["plo"] > pol) | (rows["phi"] < pol)) | ~((rows["llo"] > loc)
                                                             | (rows["lhi"] < loc))
    return rows[up | down].assign(up=up[up | down]), rows[same]


@pytest.fixture(scope="module")
def client(built_db):
    return TestClient(create_app(built_db))


def test_sentence_only_where_the_components_diverge(built_db, client):
    con = connect(built_db, read_only=True)
    try:
        national = dict(con.execute("SELECT measure, value FROM national_estimates")
                        .fetchall())
        pol, loc = national["political_engagement"], national["local_engagement"]
    finally:
        con.close()
    diverging, same = _diverging(built_db, (pol, loc))
    assert len(diverging) > 0, "no area with diverging components to test on"
    row = diverging.iloc[0]
    html = client.get(f"/gebied/{row['area_code']}").text
    assert 'id="betrokkenheid-verschil"' in html
    sentence = html.split('id="betrokkenheid-verschil">')[1].split("</p>")[0]
    expected = "hoger dan landelijk, maar de lokale betrokkenheid" if row["up"] else \
        "lager dan landelijk, maar de lokale betrokkenheid"
    assert expected in sentence and "(stemmen, kennis, nieuws)" in sentence
    other = client.get(f"/gebied/{same.iloc[0]['area_code']}").text
    assert 'id="betrokkenheid-verschil"' not in other
    assert "Politieke betrokkenheid (stemmen, kennis, nieuws)" in other
