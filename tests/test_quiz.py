"""Profielquiz: the stored items are what the selection picks, and agreement is measured."""

from __future__ import annotations

import numpy as np
import pytest

from betrokken.model import quiz
from betrokken.model.artifact import load_model
from betrokken.model.segmentation import indicator_matrix
from betrokken.survey import own
from betrokken.survey.vu import load_vu


@pytest.fixture(scope="module")
def survey(data_dir):
    frame, _ = load_vu(data_dir)
    return load_model(), indicator_matrix(frame)


def test_stored_items_are_the_selection(survey):
    model, ind = survey
    assert quiz.selected_items(model, ind) == quiz.QUIZ_ITEMS
    assert len(quiz.QUIZ_ITEMS) <= quiz.MAX_QUIZ_ITEMS


def test_cross_validated_agreement(survey):
    model, ind = survey
    cv = quiz.quiz_agreement(model, ind)
    assert cv["agreement"] >= 0.80
    assert cv["agreement_by_items"][-1] > cv["agreement_by_items"][0] + 0.2
    assert all(r > 0.5 for r in cv["recall"].values())


def test_missing_answers_widen_and_full_answers_match_the_model(survey):
    model, ind = survey
    full = model.lca_posterior(
        ind.assign(**{c: np.nan for c in ind.columns if c not in quiz.QUIZ_ITEMS})
    )
    row = ind.iloc[0]
    answers = {k: int(row[k]) for k in quiz.QUIZ_ITEMS if not np.isnan(row[k])}
    assert quiz.quiz_posterior(model, answers) == pytest.approx(full[0])
    two = model.lca_posterior(
        ind.assign(**{c: np.nan for c in ind.columns if c not in quiz.QUIZ_ITEMS[:2]})
    )
    assert two.max(axis=1).mean() < full.max(axis=1).mean() - 0.1


def test_bad_answers_are_refused():
    model = load_model()
    with pytest.raises(quiz.QuizAnswerError, match="Onbekende vraag"):
        quiz.check_answers(model, {"geen_vraag": 1})
    with pytest.raises(quiz.QuizAnswerError, match="Ongeldig antwoord"):
        quiz.check_answers(model, {"trust_eu": 5})


def test_generated_quiz_file_gives_probabilities(survey):
    """Generated data: real survey answers written as a municipality's quiz CSV."""
    model, ind = survey
    sub = ind[list(quiz.QUIZ_ITEMS)].head(40)
    csv = sub.astype("Int64").astype(str).replace("<NA>", "")
    csv["leeftijd"] = "65plus"
    csv["geslacht"] = "vrouw"
    csv["postcode"] = "3511"
    respondents = own.read_quiz_answers(csv.to_csv(index=False, sep=";").encode("utf-16"), "q.csv")
    probs = own.profile_probabilities(respondents, model)
    expected = model.lca_posterior(
        ind.head(40).assign(**{c: np.nan for c in ind.columns if c not in quiz.QUIZ_ITEMS})
    )
    assert probs == pytest.approx(expected)
    bad = csv.copy()
    bad.iloc[3, 0] = "7"
    with pytest.raises(own.ReachError, match="regel 5"):
        own.read_quiz_answers(bad.to_csv(index=False).encode("latin-1"), "q.csv")


def test_composite_follows_precision():
    sharp = own.composite(0.3, 2000, 0.2, 0.15, 0.25)
    vague = own.composite(0.3, 15, 0.2, 0.19, 0.21)
    assert sharp["dominant"] == "eigen enquête" and vague["dominant"] == "model"
    assert 0.2 < vague["estimate"] < sharp["estimate"] < 0.3
