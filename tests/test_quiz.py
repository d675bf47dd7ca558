"""Profielquiz: the stored items are what the selection picks, and agreement is measured."""

from __future__ import annotations

import numpy as np
import pandas as pd
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
    # the minimum number of answers: from there agreement is at least 70 %, below it is not
    at = cv["agreement_by_items"]
    assert at[quiz.MIN_QUIZ_ANSWERS - 1] >= 0.70 > at[quiz.MIN_QUIZ_ANSWERS - 3]


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
    enough = {item: 1 for item in quiz.QUIZ_ITEMS[: quiz.MIN_QUIZ_ANSWERS]}
    assert quiz.check_answers(model, enough) == enough
    few = dict(list(enough.items())[:-1])
    minimum = f"minstens {quiz.MIN_QUIZ_ANSWERS} nodig"
    with pytest.raises(quiz.QuizAnswerError, match=minimum) as caught:
        quiz.check_answers(model, few)
    message = caught.value.message
    assert f"{len(few)} van de {len(quiz.QUIZ_ITEMS)} vragen beantwoord" in message
    with pytest.raises(quiz.QuizAnswerError, match="Te weinig antwoorden: 0 van de"):
        quiz.check_answers(model, {})


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


def test_file_rows_with_too_few_answers_are_not_placed_by_the_quiz(survey):
    """A quiz file row below the minimum gets no quiz posterior (the national mix instead,
    as a quiz file has no education); a file where nobody reaches it is refused in Dutch."""
    model, ind = survey
    items = list(quiz.QUIZ_ITEMS)
    full = ind[items].head(3).astype("Int64").astype(str).replace("<NA>", "")
    full["postcode"] = "3511"
    few = full.copy()
    few.loc[:, items[quiz.MIN_QUIZ_ANSWERS - 1:]] = ""
    text = pd.concat([full, few]).to_csv(index=False, sep=";")
    respondents = own.read_quiz_answers(text.encode(), "q.csv")
    assert list(own.enough_quiz_answers(respondents)) == [True] * 3 + [False] * 3
    probs = own.respondent_probabilities(respondents, model)
    assert probs[:3] == pytest.approx(own.profile_probabilities(respondents, model)[:3])
    national = own.demographic_probabilities(
        pd.DataFrame({"age": [None], "sex": [None], "education": [None]}), model)[0]
    for row in probs[3:]:
        assert row == pytest.approx(national)
    rows = [line.split(";") for line in few.to_csv(index=False, sep=";").splitlines()]
    with pytest.raises(own.ReachError, match=f"niemand minstens {quiz.MIN_QUIZ_ANSWERS} van"):
        own.quiz_participants(rows, "q.csv", model)


def test_composite_follows_precision():
    sharp = own.composite(0.3, 2000, 0.2, 0.15, 0.25)
    vague = own.composite(0.3, 15, 0.2, 0.19, 0.21)
    assert sharp["dominant"] == "eigen enquête" and vague["dominant"] == "model"
    assert 0.2 < vague["estimate"] < sharp["estimate"] < 0.3
