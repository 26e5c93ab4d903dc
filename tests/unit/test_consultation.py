"""The consultation as the practitioner reads it (intake.consultation): every answer, by step, findings marked."""

from __future__ import annotations

import pytest

from intake.assessment import RANK
from intake.consultation import consultation, severities
from intake.questionnaire import localize
from tests.conftest import load_example

EXAMPLES = ("suitable", "caution", "clearance", "defer")


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_visible_question_appears_once_in_questionnaire_order(engine, name):
    record = load_example(name)
    answers = record["answers"]
    steps = consultation(engine.questionnaire, answers, engine.assess(record).findings, "en")
    shown = [line.question_id for step in steps for line in step.lines]
    assert shown == [q.id for q in engine.questionnaire.visible(answers)]
    titles = [localize(s.title, "en") for s in engine.questionnaire.steps]
    assert [s.title for s in steps] == [t for t in titles if t in {s.title for s in steps}]
    for step in steps:
        for line in step.lines:
            question = engine.questionnaire.by_id[line.question_id]
            assert line.answered == (line.question_id in answers)
            if line.answered and answers[line.question_id] != []:
                assert line.answer == engine.questionnaire.display(question, answers[line.question_id], "en")


@pytest.mark.parametrize("name", EXAMPLES)
def test_answers_behind_findings_carry_their_most_serious_severity(engine, name):
    record = load_example(name)
    findings = engine.assess(record).findings
    steps = consultation(engine.questionnaire, record["answers"], findings, "en")
    marked = {line.question_id: line.severity for step in steps for line in step.lines if line.severity}
    expected: dict[str, str] = {}
    for finding in findings:
        if finding.question_id and (finding.question_id not in expected
                                    or RANK[finding.severity] > RANK[expected[finding.question_id]]):
            expected[finding.question_id] = finding.severity
    assert marked == expected == severities(findings)
    assert sum(step.flagged for step in steps) == len(expected)
    if name != "suitable":
        assert marked


def test_free_text_is_kept_as_typed_and_unanswered_questions_can_be_left_out(engine):
    record = load_example("suitable")
    answers = {**record["answers"], "goals": "Less [b]redness[/b] & <i>shine</i>"}
    answers.pop("email")
    steps = consultation(engine.questionnaire, answers, (), "en")
    lines = {line.question_id: line for step in steps for line in step.lines}
    assert lines["goals"].answer == "Less [b]redness[/b] & <i>shine</i>" and lines["goals"].long
    assert not lines["email"].answered and lines["email"].answer == engine.questionnaire.word("not_answered", "en")
    kept = consultation(engine.questionnaire, answers, (), "en", unanswered=False)
    assert "email" not in {line.question_id for step in kept for line in step.lines}
