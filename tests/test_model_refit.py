"""A refit with the artifact's seed and settings reproduces the saved assignments.

The artifact holds no per-respondent data; it stores the LCA parameters (aggregates) and a
hash of the modal assignments. This test refits the K=8 product model exactly as
``betrokken fit`` did (same seed, same number of random starts) and compares (a) the hash
and (b) the refit's assignments with the saved model's assignments on the same data.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from betrokken.model import segmentation as seg
from betrokken.model.artifact import load_model
from betrokken.survey.targets import national_targets
from betrokken.survey.vu import load_vu
from betrokken.survey.weights import rake


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def data(data_dir):
    frame, sha = load_vu(data_dir)
    weights = rake(frame, national_targets(data_dir)).to_numpy()
    return frame, sha, weights


def test_artifact_was_fitted_on_this_file(model, data):
    _, sha, _ = data
    assert model.meta["data"]["sha256"] == sha, "training file changed: run `betrokken fit`"


def test_saved_parameters_reproduce_the_saved_assignments(model, data):
    frame, _, _ = data
    post = model.lca_posterior(seg.indicator_matrix(frame))
    assert post.shape == (len(frame), 8)
    assert seg.assignment_hash(post) == model.meta["segmentation"]["assignment_hash"]


def test_cards_regenerate_exactly_from_the_artifact(model, data):
    """``build_cards`` on the saved posteriors, weights and share-bootstrap seed gives the
    committed cards, every number and sentence (names are read from the artifact)."""
    from betrokken.model.cards import build_cards
    from betrokken.model.fit import SEED_OFFSET_SHARES, SHARE_BOOTSTRAP_DRAWS

    frame, _, weights = data
    post = model.lca_posterior(seg.indicator_matrix(frame))
    share_boot = seg.share_bootstrap(post, weights, n_boot=SHARE_BOOTSTRAP_DRAWS,
                                     seed=model.meta["seed"] + SEED_OFFSET_SHARES)
    cards = build_cards(frame, weights, post, seg.axis_scores(frame), ids=model.profile_ids,
                        names=[p["name"] for p in model.profiles], share_boot=share_boot,
                        thresholds=model.meta["segmentation"]["thresholds"])
    assert [c["id"] for c in cards] == model.profile_ids
    for card, saved in zip(cards, model.profiles, strict=True):
        assert card == saved, card["id"]


@pytest.mark.slow
def test_refit_with_fixed_seed_reproduces_assignments(model, data):
    frame, _, weights = data
    X = seg.indicator_matrix(frame)
    refit = seg.fit_segmentation(
        X,
        seg.axis_scores(frame),
        weights,
        n_init=model.meta["settings"]["final_n_init"],
        seed=model.meta["seed"],
    )
    assert refit.ids == model.profile_ids
    refit_labels = refit.posterior(X).argmax(axis=1)
    saved_labels = model.lca_posterior(X).argmax(axis=1)
    assert adjusted_rand_score(saved_labels, refit_labels) == pytest.approx(1.0)
    assert np.array_equal(refit_labels, saved_labels)
    assert seg.assignment_hash(refit.posterior(X)) == model.meta["segmentation"]["assignment_hash"]
