"""Answers shown back to the client: dates in the clinic's order as typed, everything else as displayed."""

from __future__ import annotations

import pytest

from intake.datetyping import ORDERS, read_date, show_date
from intake.shown import said_back, shown
from tests.conftest import load_example


@pytest.mark.parametrize("order", ORDERS)
def test_every_date_question_is_shown_in_the_clinics_order_and_reads_back_the_same(engine, order):
    questionnaire = engine.questionnaire
    dates = [q for q in questionnaire.questions() if q.type == "date"]
    assert dates
    for question in dates:
        text = shown(questionnaire, question, "1992-05-14", "en", order)
        assert text == show_date("1992-05-14", order) and read_date(text, order).iso == "1992-05-14"


def test_other_answers_are_shown_as_the_questionnaire_words_them(engine):
    questionnaire = engine.questionnaire
    answers = load_example("suitable")["answers"]
    for question in questionnaire.questions():
        if question.type != "date" and question.id in answers:
            assert shown(questionnaire, question, answers[question.id], "en", "DMY") == questionnaire.display(
                question, answers[question.id], "en")


def test_a_minors_date_of_birth_is_said_back_as_typed(engine):
    answers = {**load_example("suitable")["answers"], "date_of_birth": "2012-05-14"}
    assert said_back(engine, "date_of_birth", answers, "2026-11-20", "en", "DMY") == "You said: 14/05/2012"
    assert said_back(engine, "date_of_birth", answers, "2026-11-20", "en", "MDY") == "You said: 05/14/2012"
    adult = load_example("suitable")["answers"]
    assert said_back(engine, "date_of_birth", adult, "2026-11-20", "en", "DMY") is None  # no finding: nothing
    assert said_back(engine, "sensitive_skin", {**adult, "sensitive_skin": True}, "2026-11-20", "en",
                     "DMY") == "You said: Yes"
