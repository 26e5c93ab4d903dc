"""Property tests: garbage never crashes validate or assess, and show-if logic agrees with the schema."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.assessment import VERDICTS
from intake.engine import Engine
from intake.errors import InputFileError
from intake.jsonfile import parse_json
from intake.validation import Problem
from tests.strategies import valid_value

ENGINE = Engine.load()
QUESTIONS = list(ENGINE.questionnaire.questions())
CONSULTATION = date(2026, 11, 20)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@st.composite
def consistent_records(draw):
    """Records whose answers follow the show-if conditions as the Python model evaluates them."""
    answers: dict = {}
    for question in QUESTIONS:
        if question not in ENGINE.questionnaire.visible(answers):
            continue
        if question.required or draw(st.booleans()):
            answers[question.id] = valid_value(question, CONSULTATION, draw)
    return ENGINE.new_record("2026-11-20", answers)


def check_problems(problems):
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.field and problem.label and problem.message
        assert "Traceback" not in problem.message


@FAST
@given(json_values)
def test_any_json_value_gives_problems_not_a_crash(value):
    check_problems(ENGINE.validate(value))


@FAST
@given(st.dictionaries(st.sampled_from([q.id for q in QUESTIONS] + ["zz", ""]), json_values, max_size=15),
       st.one_of(st.just("2026-11-20"), st.text(max_size=12), json_values))
def test_random_answers_give_problems_not_a_crash(answers, consultation_date):
    record = {"consultation_date": consultation_date, "answers": answers}
    problems = ENGINE.validate(record)
    check_problems(problems)
    if not problems:
        assert ENGINE.assess(record).verdict in VERDICTS


@FAST
@given(st.binary(max_size=200))
def test_random_bytes_are_rejected_cleanly(data):
    try:
        value = parse_json(data, "input")
    except InputFileError as exc:
        assert "input" in str(exc)
    else:
        check_problems(ENGINE.validate(value))


@FAST
@given(consistent_records())
def test_python_visibility_and_schema_conditions_agree(record):
    assert ENGINE.validate(record) == [], ENGINE.validate(record)
    assessment = ENGINE.assess(record)
    assert assessment.verdict in VERDICTS
    json.dumps(assessment.to_dict())


@FAST
@given(consistent_records(), st.sampled_from([q for q in QUESTIONS if q.show_if]), st.data())
def test_answer_to_a_hidden_question_is_always_caught(record, question, data):
    if question in ENGINE.questionnaire.visible(record["answers"]):
        return
    record["answers"][question.id] = valid_value(question, CONSULTATION, data.draw)
    fields = {p.field for p in ENGINE.validate(record)}
    assert question.id in fields
