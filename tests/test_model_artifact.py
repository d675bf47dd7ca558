"""The committed artifact: the load_model() contract of docs/architecture.md."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from betrokken import schema
from betrokken.errors import BetrokkenError
from betrokken.model.artifact import ARTIFACT_DIR, load_model, save_model
from betrokken.model.fit import _proba_digest


@pytest.fixture(scope="module")
def model():
    return load_model()


def all_cells() -> pd.DataFrame:
    grid = pd.MultiIndex.from_product(
        list(schema.CELL_VARIABLES.values()), names=list(schema.CELL_VARIABLES)
    )
    return grid.to_frame(index=False)


def test_profiles_and_ids(model):
    assert len(model.profile_ids) == 8 == len(set(model.profile_ids))
    assert all(re.fullmatch(r"[a-z0-9_]+", pid) for pid in model.profile_ids)
    assert [p["id"] for p in model.profiles] == model.profile_ids
    required = {
        "id",
        "name",
        "share",
        "share_lo",
        "share_hi",
        "trust",
        "engagement",
        "p_low_trust",
        "p_high_engagement",
        "participation_style",
        "channels",
        "tone",
        "portrait",
        "over_indexes",
    }
    for p in model.profiles:
        assert required <= set(p)
        assert p["share_lo"] <= p["share"] <= p["share_hi"]
        assert 0 <= p["trust"] <= 1 and 0 <= p["engagement"] <= 1
        assert p["participation_style"] in {"meedenken", "meedoen", "informeren"}
    assert sum(p["share"] for p in model.profiles) == pytest.approx(1.0, abs=1e-9)


def test_profiles_are_ordered_on_the_trust_axis(model):
    trust = [p["trust"] for p in model.profiles]
    low, mid, high = trust[:3], trust[3:6], trust[6:]
    assert max(low) <= min(mid) and max(mid) <= min(high)
    for group in (model.profiles[:3], model.profiles[3:6], model.profiles[6:]):
        eng = [p["engagement"] for p in group]
        assert eng == sorted(eng)


def test_predict_proba_and_bootstrap(model):
    cells = all_cells()
    if "gemeente_urbanity" in model.predictors:
        cells["gemeente_urbanity"] = 3
    proba = model.predict_proba(cells)
    assert proba.shape == (len(cells), 8)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    boot = model.bootstrap_proba(cells)
    assert boot.shape == (model.n_boot, len(cells), 8) and model.n_boot >= 100
    np.testing.assert_allclose(boot.sum(axis=2), 1.0, atol=1e-6)
    # bootstrap refits scatter around the point model
    assert np.abs(boot.mean(axis=0) - proba).max() < 0.1
    assert boot.std(axis=0).max() > 0


def test_predictors_are_cbs_variables(model):
    assert set(model.predictors) <= set(schema.CELL_VARIABLES) | {"gemeente_urbanity"}
    with pytest.raises(BetrokkenError, match="ontbreken"):
        model.predict_proba(all_cells().drop(columns=["sex"]))
    bad = all_cells()
    bad.loc[0, "education"] = "universiteit"
    with pytest.raises(BetrokkenError, match="universiteit"):
        model.predict_proba(bad)


def test_national_cells_seed(model):
    cells = model.national_cells
    assert list(cells.columns) == [*schema.CELL_VARIABLES, "weight"]
    assert len(cells) == 4 * 2 * 3 * 3
    assert cells["weight"].sum() == pytest.approx(1.0)
    assert (cells["weight"] > 0).all()


def test_roundtrip_gives_identical_probabilities(model, tmp_path):
    cells = all_cells()
    if "gemeente_urbanity" in model.predictors:
        cells["gemeente_urbanity"] = 2
    save_model(model, tmp_path)
    again = load_model(tmp_path)
    assert np.array_equal(again.predict_proba(cells), model.predict_proba(cells))
    assert np.array_equal(again.bootstrap_proba(cells), model.bootstrap_proba(cells))
    assert _proba_digest(model) == model.meta["check"]["cells_proba_sha256"]


def test_artifact_is_small_and_holds_no_microdata(model):
    size = sum(f.stat().st_size for f in ARTIFACT_DIR.iterdir() if f.is_file())
    assert size < 2_000_000
    payload = json.loads((ARTIFACT_DIR / "model.json").read_text(encoding="utf-8"))
    n = payload["data"]["n_respondents"]

    def longest_list(obj) -> int:
        if isinstance(obj, dict):
            return max([0, *(longest_list(v) for v in obj.values())])
        if isinstance(obj, list):
            return max([len(obj), *(longest_list(v) for v in obj)])
        return 0

    assert longest_list(payload) < n / 10  # nothing per respondent
    for key in ("version", "code_version", "created"):
        assert payload[key]
    assert re.fullmatch(r"[0-9a-f]{64}", payload["data"]["sha256"])


def test_missing_artifact_is_a_dutch_error(tmp_path):
    with pytest.raises(BetrokkenError, match="Geen profielmodel"):
        load_model(tmp_path)
