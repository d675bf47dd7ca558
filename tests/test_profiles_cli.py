"""`betrokken profiles` (text and --json) and the traceability of the cards."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from betrokken.cli import app
from betrokken.model.artifact import load_model
from betrokken.model.cards import (
    CHANNEL_RATIO,
    CONTRADICTION_CAVEAT,
    LEVEL_Z,
    NEUTRAL_CAVEAT,
    OVER_INDEX_RATIO,
    level,
)

runner = CliRunner()


def test_profiles_json():
    result = runner.invoke(app, ["profiles", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 8
    for card in data:
        assert {"id", "name", "share", "trust", "engagement"} <= set(card)
    assert sum(c["share"] for c in data) == pytest.approx(1.0, abs=1e-9)


def test_profiles_text_shows_every_card():
    result = runner.invoke(app, ["profiles"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for card in load_model().profiles:
        assert card["name"] in result.stdout
    assert "Totaal aandeel: 100 %" in result.stdout


def test_card_statements_follow_from_the_evidence():
    for card in load_model().profiles:
        ev = card["evidence"]
        assert card["share"] == ev["share"]
        assert card["trust_level"] == level(ev["trust_z"])
        assert card["engagement_level"] == level(ev["engagement_z"])
        style = card["participation_style"]
        z = ev["engagement_z"]
        assert style == (
            "meedenken" if z >= LEVEL_Z else "informeren" if z <= -LEVEL_Z else "meedoen"
        )
        days = ev["channel_days"]
        assert [c["id"] for c in card["channels"]] == sorted(days, key=lambda c: -days[c])[:3]
        for c in card["channels_relative"]:
            assert days[c["id"]] / ev["national_channel_days"][c["id"]] >= CHANNEL_RATIO - 1e-9
        for o in card["over_indexes"]:
            assert o["ratio"] >= OVER_INDEX_RATIO
            assert ev["over_index_ratios"][f"{o['variable']}={o['category']}"] == o["ratio"]
        assert f"{100 * ev['turnout_2017']:.0f} % stemde" in card["portrait"]
        flagged = (
            ev["f1_neutral_share"] >= NEUTRAL_CAVEAT
            or ev["contradictory_agree_share"] >= CONTRADICTION_CAVEAT
        )
        assert bool(card["caveat"]) == flagged
