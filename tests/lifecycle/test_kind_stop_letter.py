"""A kind stop ends as a kept deferral letter: generated over every rule that defers, alone.

The client answers the steps in order and stops at the first answer that defers (answering, on that
step, only what the rule asks); the practitioner submits the answers given, countersigns, and the
letter is rendered, sealed, stored and read back as text: it gives the rule's words to the client and
no other rule's, and every finding behind it rests on an answer the client gave.
"""

from __future__ import annotations

import json

import pytest

from intake import kindstop
from intake.errors import InvalidRecordError
from intake.lifecycle import Actor
from intake.questionnaire import localize
from tests.documents import personas
from tests.lifecycle.conftest import AJORDAN, DESK, fold, text_of

PRACTITIONER = Actor("ajordan", "test-tablet")


def defer_rules(engine):
    """The rules that defer on this clinic's policy, each with answers that trigger it alone."""
    found = []
    for rule in (r for r in engine.rules.rules if personas.fires_here(engine, r)):
        answers = personas.triggering(engine, rule)
        assessment = engine.assessor.assess(personas.record(engine, answers))
        if any(f.rule_id == rule.id and f.severity == "defer" for f in assessment.findings):
            found.append((rule, answers))
    return found


def one_rule_per_stopping_step(engine) -> list[str]:
    """A defer rule for each step a kind stop can happen on, and each lasting/temporary kind (for the front ends)."""
    chosen: dict = {}
    for rule, answers in defer_rules(engine):
        where = given_up_to_the_stop(engine, rule, answers)[-1][0].id
        chosen.setdefault((where, rule.lasting), rule.id)
    return sorted(chosen.values())


def given_up_to_the_stop(engine, rule, answers) -> list[tuple[object, dict]]:
    """(step, answers given on it) in order up to the step where the client's answers first defer."""
    questionnaire = engine.questionnaire
    asked = personas.rule_questions(engine, rule)
    given: dict = {}
    steps = []
    for step in questionnaire.steps:
        own = {q.id: answers[q.id] for q in step.questions if q.id in answers}
        if kindstop.deferrals(engine, {**given, **own}, personas.CONSULTATION_TEXT):
            # On the step that stops, only what the rule reads (and the follow-ups those answers show).
            reads = {k: v for k, v in own.items() if k in asked}
            facts = engine.facts({**given, **own}, personas.CONSULTATION_TEXT)
            shown = {q.id for q in questionnaire.visible_in(step, {**given, **reads}, facts)}
            reads.update({k: v for k, v in own.items() if k in shown and k not in given and
                          k not in {q.id for q in questionnaire.visible_in(step, given, facts)}})
            if not kindstop.deferrals(engine, {**given, **reads}, personas.CONSULTATION_TEXT):
                reads = own  # the rule needs more of the step: the client answered it all
            if step.id == questionnaire.by_id[kindstop.CONTACT_QUESTION].step_id:
                reads = own  # the contact step is always completed
            steps.append((step, reads))
            return steps
        steps.append((step, own))
        given.update(own)
    raise AssertionError(f"rule {rule.id}: the answers never defer")


def _begin_and_answer(life, engine, steps):
    intake = life.begin(DESK)
    assert intake.consultation_date == personas.CONSULTATION_TEXT
    for step, answers in steps:
        life.save_step(intake, step, answers, None, DESK, partial=True)
    return intake


def pytest_generate_tests(metafunc):
    if "defer_case" in metafunc.fixturenames:
        from intake.engine import Engine

        cases = defer_rules(Engine.load())
        metafunc.parametrize("defer_case", [rule.id for rule, _ in cases])


def test_every_defer_rule_alone_gives_a_kind_stop_and_a_kept_letter(life, life_engine, defer_case):
    engine = life_engine
    rule, answers = next((r, a) for r, a in defer_rules(engine) if r.id == defer_case)
    steps = given_up_to_the_stop(engine, rule, answers)
    intake = _begin_and_answer(life, engine, steps)
    given = {k for _, a in steps for k, v in a.items() if v not in (None, "", [])}
    stop = kindstop.stop_for(engine, intake.answers, intake.consultation_date)
    assert stop is not None and not stop.still_needed and rule.id in {f.rule_id for f in stop.findings}

    assessment = life.submit_stopped(intake, PRACTITIONER)
    assert intake.status == "deferred" and intake.kind_stop and assessment.verdict == "defer"
    assert all(f.question_id in given for f in assessment.findings)  # nothing rests on an unasked question
    counter = life.countersignature(intake, AJORDAN)
    packet = life.render(intake, counter)
    assert [d.kind for d in packet.documents] == ["deferral"]
    paths = life.keep_documents(intake, packet, PRACTITIONER)
    assert len(paths) == 1 and (paths[0].stat().st_mode & 0o777) == 0o600

    text = text_of(paths[0].read_bytes())
    by_id = {f.rule_id: f for f in assessment.findings}
    for finding in assessment.findings:
        assert fold(finding.client_message) in text
    for other in engine.rules.rules:  # no other rule's words: nothing the client did not tell us
        if other.id not in by_id:
            words = fold(localize(other.client_message, "en")).split("{")[0][:60]
            assert len(words) < 20 or words not in text, other.id
    unasked = [q for q in engine.questionnaire.questions() if q.id not in given]
    assert unasked  # the client stopped early, and no question they were not asked is in the letter
    for question in unasked:
        label = fold(localize(question.label, "en"))
        assert len(label) < 20 or label not in text, question.id

    view = life.store.load_intake(intake.intake_id)
    assert view.status == "deferred" and [d.kind for d in view.documents] == ["deferral"]
    trail = life.store.audit_trail(intake.intake_id)
    events = [e.event for e in trail]
    assert events.index("submitted") < events.index("rendered")  # audited: submitted as a kind stop, then the letter
    submitted = next(e for e in trail if e.event == "submitted")
    assert json.loads(submitted.details).get("kind_stop") is True and submitted.staff == "ajordan"
    again, _ = life.load(intake.intake_id)  # the kept record reads back (it holds fewer answers than a full one)
    assert again.kind_stop and again.verdict == "defer"
    assert life.resume(intake.intake_id).stage == "done"


def test_without_a_deferral_or_with_contact_details_missing_nothing_is_submitted(life, life_engine, suitable):
    engine = life_engine
    answers = suitable["answers"]
    steps = [(step, {q.id: answers[q.id] for q in step.questions if q.id in answers})
             for step in engine.questionnaire.steps[:3]]
    intake = _begin_and_answer(life, engine, steps)
    with pytest.raises(InvalidRecordError) as refused:
        life.submit_stopped(intake, PRACTITIONER)
    assert "no treatment today" in refused.value.problems[0].message
    contact, *rest = steps
    unfinished = {k: v for k, v in contact[1].items() if k != "phone"}
    health = engine.questionnaire.step(engine.questionnaire.by_id["pregnant_or_breastfeeding"].step_id)
    stopped = _begin_and_answer(life, engine, [(contact[0], unfinished), *rest,
                                               (health, {"pregnant_or_breastfeeding": True})])
    with pytest.raises(InvalidRecordError) as refused:
        life.submit_stopped(stopped, PRACTITIONER)
    assert [p.field for p in refused.value.problems] == ["phone"]
    for draft in (intake, stopped):
        assert life.store.load_intake(draft.intake_id).status == "draft"
