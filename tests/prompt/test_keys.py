"""Every question of the questionnaire at plain prompts, typed as a person does: only a shown key chooses.

Generated from the data: every question, of every type, and every option's key. The person reads the
key off the screen (`key_of`) rather than being told it, presses Enter alone and types keys that are
not there first, and the test checks what is recorded and what was said.
"""

from __future__ import annotations

import pytest

from intake.choicekeys import question_keys
from intake.datetyping import date_order, show_date
from intake.engine import Engine
from intake.prompt.walker import Walker
from intake.questionnaire import localize
from tests.documents.personas import CONSULTATION_TEXT, _date_value, _satisfy, _text_value, baseline, fill
from tests.prompt.conftest import asking_every_question
from tests.prompt.fake import KeyboardPrompter, key_of

ENGINE = Engine.load(asking_every_question(Engine.load().config))
QUESTIONS = tuple(ENGINE.questionnaire.questions())
BASE = baseline(ENGINE)


def by_type(*types: str) -> list[str]:
    return [q.id for q in QUESTIONS if q.type in types]


def shown_with(question) -> dict:
    """Answers (without this question's) under which the question is shown, so its own rules apply."""
    chain = [question]  # the question, the one that shows it, and so on up
    while chain[-1].show_if and "question" in chain[-1].show_if:
        chain.append(ENGINE.questionnaire.by_id[chain[-1].show_if["question"]])
    answers = dict(BASE)
    for shown in reversed(chain):
        if shown.show_if:
            _satisfy(ENGINE, shown.show_if, answers)
    answers = fill(ENGINE, answers)
    assert question in ENGINE.questionnaire.visible(answers, ENGINE.facts(answers, CONSULTATION_TEXT))
    return {k: v for k, v in answers.items() if k != question.id}


def ask(question_id: str, lines, previous=None, columns: int = 80):
    question = ENGINE.questionnaire.by_id[question_id]
    prompter = KeyboardPrompter(lines, columns=columns)
    answers = shown_with(question)
    value = Walker(ENGINE, prompter, CONSULTATION_TEXT).ask_question(question, answers, previous)
    assert not prompter.lines, "the question was answered before every line was typed"
    return value, prompter, "\n".join(prompter.written)


def labels(question) -> list[tuple[object, str]]:
    """Each option's value and label as the client reads it."""
    q = ENGINE.questionnaire
    if question.type in ("yes_no", "acknowledgement"):
        return [(True, q.word("yes", "en")), (False, q.word("no", "en"))]
    return [(o.id, localize(o.label, "en")) for o in question.options]


def test_every_question_type_is_covered():
    assert {q.type for q in QUESTIONS} == {"yes_no", "choice", "multi_choice", "acknowledgement", "date", "text",
                                          "long_text"}


@pytest.mark.parametrize("question_id", by_type("yes_no", "choice"))
def test_each_option_is_chosen_by_the_key_shown_on_it_and_enter_alone_chooses_nothing(question_id):
    question = ENGINE.questionnaire.by_id[question_id]
    keys = question_keys(ENGINE.questionnaire, question, "en")
    assert None not in keys
    for (value, label), key in zip(labels(question), keys, strict=True):
        for typed in (key_of(label), lambda written, key=key: key.upper()):
            chosen, prompter, screen = ask(question_id, ["", "   ", "zz", "yes please", typed])
            assert chosen == value
            assert f"{key}) {label}" in screen  # the key is shown on the option
            assert screen.count("Nothing is chosen yet.") == 2  # Enter alone (and spaces) asked again
            assert "“zz” is not one of the keys" in screen and "“yes please” is not one of the keys" in screen


@pytest.mark.parametrize("question_id", by_type("multi_choice"))
def test_each_option_of_a_list_is_ticked_by_its_key_and_an_empty_answer_is_refused(question_id):
    question = ENGINE.questionnaire.by_id[question_id]
    alone = [label for value, label in labels(question) if question.option(value).exclusive]
    for value, label in labels(question):
        chosen, prompter, screen = ask(question_id, ["", "xyz", key_of(label), ""])
        assert chosen == [value]
        assert "“xyz” is not one of the keys; nothing was ticked" in screen
        if question.required:
            refusal = screen.split("\n")[screen.split("\n").index("? Keys to tick (Enter when done): ") + 1]
            assert refusal, screen
            for label_alone in alone:  # the refusal names "None of these" and its key
                assert label_alone in refusal and f"Type {key_of(label_alone)(prompter.written)} for" in screen
        assert f"Ticked: {label}." in screen


@pytest.mark.parametrize("question_id", by_type("multi_choice"))
def test_ticking_again_unticks_and_none_of_these_stands_alone(question_id):
    question = ENGINE.questionnaire.by_id[question_id]
    (first, first_label), (second, second_label) = labels(question)[:2]
    chosen, _, _ = ask(question_id, [lambda w: f"{key_of(first_label)(w)} {key_of(second_label)(w)}",
                                     key_of(first_label), ""])
    assert chosen == [second]
    for value, label in labels(question):
        if question.option(value).exclusive:
            chosen, _, screen = ask(question_id, [key_of(first_label), key_of(label), ""])
            assert chosen == [value] and f"Ticked: {label}." in screen
            chosen, _, _ = ask(question_id, [key_of(label), key_of(first_label), ""])
            assert chosen == [first]


@pytest.mark.parametrize("question_id", by_type("acknowledgement"))
def test_a_statement_is_confirmed_only_by_its_key(question_id):
    chosen, _, screen = ask(question_id, ["", key_of("No"), key_of("Yes")])
    assert chosen is True
    assert "Nothing is chosen yet." in screen and "We need you to confirm this statement" in screen


@pytest.mark.parametrize("question_id", by_type("date"))
def test_a_date_is_typed_in_the_clinics_order_and_stored_as_iso(question_id):
    question = ENGINE.questionnaire.by_id[question_id]
    value = _date_value(question, ENGINE)
    typed = show_date(value, date_order(ENGINE.config))
    chosen, _, screen = ask(question_id, ["", "k", typed] if question.required else ["k", typed])
    assert chosen == value
    assert "DD/MM/YYYY" in screen and "“k” is not a date we can read" in screen  # no earlier answer: k is no key
    if question.required:
        assert "This question needs an answer." in screen


@pytest.mark.parametrize("question_id", by_type("text", "long_text"))
def test_text_is_what_was_typed_and_enter_alone_is_no_answer(question_id):
    question = ENGINE.questionnaire.by_id[question_id]
    value = _text_value(question)
    if question.required:
        chosen, _, screen = ask(question_id, ["", value])
        assert chosen == value and "This question needs an answer." in screen
    else:
        chosen, _, _ = ask(question_id, [""])
        assert chosen is None


def _earlier(question):
    """A right earlier answer to a question, as a returning client gave it last time."""
    if question.type in ("yes_no", "choice", "multi_choice", "acknowledgement"):
        value = labels(question)[-1][0] if question.type != "acknowledgement" else True
        return [value] if question.type == "multi_choice" else value
    return _date_value(question, ENGINE) if question.type == "date" else _text_value(question)


@pytest.mark.parametrize("question_id", [q.id for q in QUESTIONS])
def test_an_earlier_answer_is_kept_only_by_its_shown_key(question_id):
    question = ENGINE.questionnaire.by_id[question_id]
    earlier = _earlier(question)
    shown = Walker(ENGINE, KeyboardPrompter([]), CONSULTATION_TEXT).shown(question, earlier)
    if question.type == "date":
        assert shown == show_date(earlier, date_order(ENGINE.config))  # as the client typed it
    lines = ["k"] if question.type in ("text", "long_text", "date") and not question.required else ["", "k"]
    chosen, _, screen = ask(question_id, lines, previous=earlier)
    assert chosen == earlier
    assert f"k) keep: {shown}" in screen


def _findings_by_step():
    """For every rule, its triggering answers and the questions whose answers carry its findings, by step."""
    from tests.documents.personas import policy_settings, record, triggering

    policy = {"minors": ENGINE.config.minors_policy, "adult_age": ENGINE.config.adult_age,
              "legal_age": ENGINE.config.age_policy.legal_age}
    for rule in ENGINE.rules.rules:
        if any(policy.get(key) != value for key, value in policy_settings(rule).items()):
            continue  # fires only under another clinic policy (tests/lifecycle/test_minors_matrix.py walks those)
        answers = triggering(ENGINE, rule)
        flagged = {f.question_id for f in ENGINE.assess(record(ENGINE, answers)).findings if f.question_id}
        for step in ENGINE.questionnaire.steps:
            own = {q.id for q in step.questions} & flagged
            if own:
                yield pytest.param(rule.id, step.id, sorted(own), id=f"{rule.id}-{step.id}")


@pytest.mark.parametrize(("rule_id", "step_id", "flagged"), list(_findings_by_step()))
def test_an_answer_that_carries_a_finding_is_said_back_at_once_and_b_changes_it(rule_id, step_id, flagged):
    from intake.shown import shown
    from tests.documents.personas import triggering
    from tests.prompt.fake import Reader

    rule = next(r for r in ENGINE.rules.rules if r.id == rule_id)
    answers, step = triggering(ENGINE, rule), ENGINE.questionnaire.step(step_id)
    own = [q.id for q in step.questions]
    before = {k: v for k, v in answers.items() if k not in own}
    order = date_order(ENGINE.config)
    prompter = KeyboardPrompter([], person=Reader(ENGINE.questionnaire, answers, order, back_at=own))
    given = Walker(ENGINE, prompter, CONSULTATION_TEXT).ask_step(step, before, 1, 1)
    assert {k: v for k, v in given.items() if k in own} == {k: v for k, v in answers.items() if k in own}
    echoed = [q for q in own if prompter.typed_at(f"{q}:echo")]
    for question_id in flagged:  # said back as given, or as the answer after it that completes the finding
        assert any(own.index(q) >= own.index(question_id) for q in echoed), (question_id, echoed)
    for question_id in echoed:
        question = ENGINE.questionnaire.by_id[question_id]
        echo = f"You said: {shown(ENGINE.questionnaire, question, answers[question_id], 'en', order)}"
        assert echo in prompter.written  # in the client's words, a date as they typed it
        assert prompter.typed_at(f"{question_id}:echo") == ["b", ""]
        assert len(prompter.sessions(question_id)) == 2  # b asked it again
    assert "k) keep:" not in "\n".join(prompter.written)  # asked afresh, not offered back
