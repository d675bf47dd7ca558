"""The membership model: sklearn contract, soft labels, CV against the base rate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from betrokken.model import segmentation as seg
from betrokken.model.artifact import load_model
from betrokken.model.membership import MembershipModel, cross_validate, pc4_urbanity
from betrokken.survey.targets import national_targets
from betrokken.survey.vu import load_vu
from betrokken.survey.weights import rake


@pytest.fixture(scope="module")
def training(data_dir):
    model = load_model()
    frame, _ = load_vu(data_dir)
    weights = rake(frame, national_targets(data_dir)).to_numpy()
    post = model.lca_posterior(seg.indicator_matrix(frame))
    if "gemeente_urbanity" in model.predictors:
        frame = frame.assign(gemeente_urbanity=frame["pc4"].map(pc4_urbanity(data_dir)))
    rows = frame[model.predictors].notna().all(axis=1).to_numpy()
    X = frame.loc[rows].reset_index(drop=True)
    if "gemeente_urbanity" in model.predictors:
        X["gemeente_urbanity"] = X["gemeente_urbanity"].astype(int)
    return model, X, post[rows], weights[rows]


def test_refit_reproduces_the_stored_coefficients(training):
    model, X, Y, w = training
    est = MembershipModel(model.predictors, model.interactions, model.meta["membership"]["C"])
    est.fit(X, Y, w)
    np.testing.assert_allclose(est.coef_, model.coef, atol=1e-4)
    np.testing.assert_allclose(est.predict_proba(X), model.predict_proba(X), atol=1e-5)


def test_sklearn_contract_and_soft_labels(training):
    model, X, Y, w = training
    est = MembershipModel(model.predictors)
    assert clone(est).get_params() == est.get_params()
    proba = est.fit(X, Y, w).predict_proba(X)
    assert proba.shape == (len(X), 8)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # one-hot soft labels and hard labels are the same fit
    hard = Y.argmax(axis=1)
    a = MembershipModel(model.predictors).fit(X, np.eye(8)[hard], w).coef_
    b = MembershipModel(model.predictors).fit(X, hard, w).coef_
    np.testing.assert_allclose(a, b, atol=1e-6)
    # weighted mean prediction ~ weighted class shares (logistic regression with intercept)
    shares = (Y * w[:, None]).sum(axis=0) / w.sum()
    np.testing.assert_allclose((proba * w[:, None]).sum(axis=0) / w.sum(), shares, atol=0.01)


def test_demographics_beat_the_base_rate_out_of_sample(training):
    model, X, Y, w = training
    cv = cross_validate(X, Y, w, predictors=model.predictors, interactions=model.interactions)
    assert cv["log_loss"] < cv["base_log_loss"]
    assert cv["accuracy"] > cv["base_accuracy"]
