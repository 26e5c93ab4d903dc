"""The lifecycle's own rules: where each kind of intake resumes, one limit for a reason, nothing written on refusal."""

from __future__ import annotations

import pytest

from intake import conditions, text
from intake.errors import InvalidRecordError
from intake.lifecycle import Actor, ClientSignatures, LifecycleError
from intake.lifecycle.auth import AuthenticationError
from intake.text import TextInputError
from tests.documents.personas import _satisfy, _text_value, baseline, fill, record, triggering
from tests.lifecycle.conftest import AJORDAN, CLIENT_TIME, DESK, fresh


def show(engine, question, answers) -> None:
    """Changes answers so that a follow-up question is shown (its parents' conditions first)."""
    if not question.show_if:
        return
    for parent in conditions.referenced_questions(question.show_if):
        show(engine, engine.questionnaire.by_id[parent], answers)
    _satisfy(engine, question.show_if, answers)


def rule(life, severity):
    return next(r for r in life.engine.rules.rules if r.severity == severity and r.severity_setting is None)


def signatures(life, intake):
    name = intake.answers["full_name"]
    photo = life.typed_signature(intake, "photo_consent", name, CLIENT_TIME) if life.photo_needed(intake) else None
    return ClientSignatures(life.typed_signature(intake, "consent", name, CLIENT_TIME), photo)


def test_a_draft_resumes_at_its_next_step_then_at_the_review(life):
    answers = baseline(life.engine)
    intake = life.begin(DESK)
    first, second = life.steps[0], life.steps[1]
    life.save_step(intake, first, answers, second.id, DESK)
    where = life.resume(intake.intake_id)
    assert (where.stage, where.step_index) == ("steps", 1)
    assert where.intake.answers == {k: v for k, v in answers.items() if k in {q.id for q in first.questions}}
    for index, step in enumerate(life.steps):
        life.save_step(intake, step, answers, life.steps[index + 1].id if index + 1 < len(life.steps) else None,
                       DESK)
    assert life.resume(intake.intake_id).stage == "review"


def test_a_submitted_intake_resumes_at_the_signatures_then_the_practitioner_then_is_done(life):
    intake = fresh(life, record(life.engine, triggering(life.engine, rule(life, "caution"))))
    assert life.resume(intake.intake_id).stage == "sign"
    life.sign(intake, signatures(life, intake), DESK)
    where = life.resume(intake.intake_id)
    assert where.stage == "practitioner" and where.intake.signatures.to_dict() == intake.signatures.to_dict()
    counter = life.countersignature(intake, AJORDAN, life.default_plan(intake))
    life.keep_documents(intake, life.render(intake, counter), DESK)
    assert life.resume(intake.intake_id).stage == "done"
    assert life.store.load_intake(intake.intake_id).signatures is None


def test_a_deferral_resumes_at_its_letter(life):
    intake = fresh(life, record(life.engine, triggering(life.engine, rule(life, "defer"))))
    assert intake.status == "deferred" and life.resume(intake.intake_id).stage == "letter"


def test_an_invalid_import_writes_nothing(life):
    rec = record(life.engine, baseline(life.engine))
    rec["answers"]["date_of_birth"] = "2026-02-30"
    before = len(life.store.audit_trail())
    with pytest.raises(InvalidRecordError) as caught:
        life.import_record(rec, DESK)
    assert [p.field for p in caught.value.problems] == ["date_of_birth"]
    assert len(life.store.audit_trail()) == before


def test_one_limit_for_a_reason_everywhere(life):
    from intake.documents import practitioner
    from intake.records import decisions

    assert practitioner.MAX_REASON is text.MAX_REASON and decisions.MAX_REASON is text.MAX_REASON
    intake = fresh(life, record(life.engine, triggering(life.engine, rule(life, "clearance"))))
    with pytest.raises(TextInputError, match="1,500 characters"):
        life.decide(intake, AJORDAN, "override", "x" * 1500)
    assert life.store.load_intake(intake.intake_id).decisions == []  # refused before the store
    life.decide(intake, AJORDAN, "override", "y" * text.MAX_REASON)  # the longest accepted
    counter = life.countersignature(intake, AJORDAN, life.default_plan(intake))
    life.sign(intake, signatures(life, intake), DESK)
    packet = life.render(intake, counter)  # ... and the documents print it
    assert packet.documents[0].kind == "consent"


def test_clearance_must_be_decided_before_the_countersignature(life):
    intake = fresh(life, record(life.engine, triggering(life.engine, rule(life, "clearance"))))
    with pytest.raises(LifecycleError, match="needs clearance"):
        life.countersignature(intake, AJORDAN)
    with pytest.raises(AuthenticationError, match="only nobody's own PIN"):
        life.countersignature(intake, AJORDAN, practitioner_id="nobody")


@pytest.mark.parametrize("typed", ["Someone Else", "", "   ", "Jo \ud800 Bloggs", "Jo\u202eBloggs", "J" * 500])
def test_a_typed_signature_is_the_clients_own_name_in_plain_text(life, typed):
    intake = fresh(life, record(life.engine, baseline(life.engine)))
    with pytest.raises((LifecycleError, TextInputError)):
        life.typed_signature(intake, "consent", typed)


def test_a_typed_signature_ignores_case_and_spacing(life):
    intake = fresh(life, record(life.engine, baseline(life.engine)))
    signature = life.typed_signature(intake, "consent", "  " + intake.answers["full_name"].upper() + " ")
    assert signature.name == intake.answers["full_name"].upper()


def test_signatures_must_match_the_photo_answer(life):
    answers = baseline(life.engine)
    intake = fresh(life, record(life.engine, answers))
    assert not life.photo_needed(intake)
    name = intake.answers["full_name"]
    consent = life.typed_signature(intake, "consent", name)
    photo = life.typed_signature(intake, "photo_consent", name)
    with pytest.raises(LifecycleError, match="did not agree to photos"):
        life.sign(intake, ClientSignatures(consent, photo), DESK)


@pytest.mark.parametrize("question_id", [q.id for q in __import__("intake.engine").engine.Engine.load()
                                         .questionnaire.questions() if q.type in ("text", "long_text")])
def test_a_lone_surrogate_in_any_text_answer_is_refused_by_name(life, life_dir, tmp_path, question_id):
    from intake.lifecycle import Lifecycle
    from tests.lifecycle.conftest import policy_engine

    shown_on = life.engine.questionnaire.by_id[question_id].show_if or {}
    wanted = [leaf["minors_policy"] for leaf in conditions.leaves(shown_on) if "minors_policy" in leaf]
    if wanted and life.engine.config.minors_policy not in wanted[0]:  # asked only under another minors policy
        life = Lifecycle(policy_engine(life_dir, tmp_path, wanted[0][0]), life.store)
    answers = baseline(life.engine)
    question = life.engine.questionnaire.by_id[question_id]
    show(life.engine, question, answers)
    answers = fill(life.engine, answers)
    valid = _text_value(question)
    assert not life.engine.validate(record(life.engine, {**answers, question_id: valid}))
    answers[question_id] = valid[:3] + "\ud83d" + valid[3:]
    problems = life.engine.validate(record(life.engine, answers))
    assert {p.field for p in problems} == {question_id}
    assert any("broken character" in p.message for p in problems)
    with pytest.raises(InvalidRecordError):
        life.import_record(record(life.engine, answers), Actor("reception", "test"))


def test_a_minor_under_the_clearance_policy_is_signed_for_by_the_guardian(life_dir, tmp_path):
    from intake.lifecycle import Lifecycle
    from intake.records import Store
    from tests.documents.test_minors import GUARDIAN, teen
    from tests.lifecycle.conftest import COUNTER_TIME, policy_engine, text_of

    engine = policy_engine(life_dir, tmp_path, "clearance")
    with Store.open(engine.config, engine=engine) as store:
        life = Lifecycle(engine, store, clock=lambda: COUNTER_TIME)
        intake = fresh(life, teen(engine, age=16))
        assert life.signer(intake) == (GUARDIAN["guardian_name"], "guardian", "mother")
        with pytest.raises(LifecycleError, match="parent or guardian signs"):
            life.typed_signature(intake, "consent", "Sara Khan", capacity="client")
        with pytest.raises(LifecycleError, match="not the parent or guardian named"):
            life.typed_signature(intake, "consent", "Someone Else")
        consent = life.typed_signature(intake, "consent", "amina khan", CLIENT_TIME)
        assert (consent.capacity, consent.relationship) == ("guardian", "mother")
        assert consent.intent_statement == life.statement("consent_on_behalf")
        life.sign(intake, ClientSignatures(consent), DESK)
        life.decide(intake, AJORDAN, "clearance_noted", "Mother present and consenting")
        packet = life.render(intake, life.countersignature(intake, AJORDAN, life.default_plan(intake)))
        printed = text_of(packet.documents[0].pdf)
        assert "amina khan, mother (parent or guardian), signing for Sara Khan" in printed
