"""Step changes that cost little: what the wizard checks and shows on a step is what it was, with less work."""

from __future__ import annotations

import copy

from intake import conditions
from tests.conftest import load_example

#: Answers that are wrong for some question type (and right for others): one tried on each question, in turn.
WRONG = (12345, "zzz", [], True, "1990-02-30", "a\u202eb")


def _whole_record_problems(validator, step, answers: dict, day: str) -> list:
    """The problems of a step's shown questions found by validating the whole record (as before the narrowing)."""
    questionnaire = validator.questionnaire
    facts = conditions.facts_for(answers, day, validator.policy)
    visible = {q.id for q in questionnaire.visible_in(step, answers, facts)}
    record = {"consultation_date": day, "answers": questionnaire.prune(answers, facts)}
    return [p for p in validator.problems(record) if p.field in visible]


def _cases(engine):
    """(step, answers) for every step of every example: the steps so far as a client walks them, every answer of
    the step left out in turn, and made wrong in turn (a follow-up's answer given while it is hidden, among them)."""
    steps = engine.questionnaire.steps
    for example in ("suitable", "defer"):
        answers = load_example(example)["answers"]
        so_far: dict = {}
        for step in steps:
            own = [q.id for q in step.questions]
            so_far.update({k: v for k, v in answers.items() if k in own})
            yield step, dict(so_far)
            yield step, dict(answers)
            for number, question in enumerate(own):
                yield step, {k: v for k, v in so_far.items() if k != question}
                yield step, {**copy.deepcopy(so_far), question: WRONG[(number + len(so_far)) % len(WRONG)]}


def test_a_steps_check_finds_what_the_whole_record_check_finds(engine):
    """The wizard checks a step against the record schema narrowed to that step's questions: for each of ~330
    answer sets, the problems (field, label, message, order) are exactly those the whole record's check gives."""
    validator = engine.validator_in("de")  # (the messages a client reads in German: the same checks)
    checked = found = 0
    for step, answers in _cases(engine):
        narrowed = validator.step_problems(step.id, answers, "2026-11-20")
        assert narrowed == _whole_record_problems(validator, step, answers, "2026-11-20"), (step.id, answers)
        checked += 1
        found += bool(narrowed)
    assert checked > 300 and found > 150  # the cases do find problems: the comparison is not of empty lists
