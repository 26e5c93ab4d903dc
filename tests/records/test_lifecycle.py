"""The life of an intake in the store: draft, resume, submit, decide, sign, reprint, expire."""

from __future__ import annotations

import pytest

from intake.errors import InvalidRecordError
from intake.records.errors import RecordNotFoundError, StoreError, WorkflowError
from intake.records.workflow import fingerprint
from tests.records.conftest import (
    DEVICE,
    SECRET_NAME,
    STAFF,
    Doc,
    fill_draft,
    record_named,
    signed_new,
    step_answers,
    submit_new,
)


def events(store, intake_id):
    return [e.event for e in store.audit_trail(intake_id)]


def test_a_draft_is_saved_step_by_step_and_can_be_resumed(store, engine):
    record = record_named()
    intake_id = fill_draft(store, engine, record, steps=3)
    [draft] = store.drafts()
    assert draft.intake_id == intake_id
    assert draft.client_label == "Zephyrine Q. (1988)"
    assert (draft.step_id, draft.next_step, draft.device) == ("skin_today", "health", DEVICE)
    view = store.load_intake(intake_id)
    expected = {}
    for step in engine.questionnaire.steps[:3]:
        expected.update(step_answers(engine, record, step.id))
    assert view.answers == expected
    assert view.status == "draft" and view.record is None
    assert events(store, intake_id) == ["started", "step_saved", "step_saved", "step_saved"]


def test_saving_part_of_a_step_keeps_the_rest_and_hidden_answers_are_dropped(store, engine):
    intake_id = store.start_intake(staff=STAFF, device=DEVICE, consultation_date="2026-11-20")
    save = lambda answers: store.save_step(intake_id, step_id="about_you", answers=answers,  # noqa: E731
                                           next_step="about_you", staff=STAFF, device=DEVICE)
    save({"full_name": SECRET_NAME})
    save({"full_name": SECRET_NAME, "has_gp": True, "gp_name": "Dr Rowe"})
    assert store.load_intake(intake_id).answers == {"full_name": SECRET_NAME, "has_gp": True, "gp_name": "Dr Rowe"}
    save({"full_name": SECRET_NAME, "has_gp": False, "gp_name": "Dr Rowe"})
    assert store.load_intake(intake_id).answers == {"full_name": SECRET_NAME, "has_gp": False}
    assert store.drafts()[0].client_label == "Zephyrine Q."


def test_a_bad_answer_is_refused_with_its_question_and_nothing_changes(store, engine):
    intake_id = fill_draft(store, engine, record_named(), steps=1)
    before, trail = store.load_intake(intake_id).answers, len(store.audit_trail())
    with pytest.raises(InvalidRecordError) as caught:
        store.save_step(intake_id, step_id="about_you", next_step="your_skin", staff=STAFF, device=DEVICE,
                        answers={"full_name": SECRET_NAME, "date_of_birth": "1988-02-30"})
    assert [p.field for p in caught.value.problems] == ["date_of_birth"]
    assert "not a real date" in caught.value.problems[0].message
    assert store.load_intake(intake_id).answers == before
    assert len(store.audit_trail()) == trail


def test_answers_must_belong_to_the_step_and_steps_must_exist(store):
    intake_id = store.start_intake(staff=STAFF, device=DEVICE, consultation_date="2026-11-20")
    with pytest.raises(InvalidRecordError, match="1 problem") as caught:
        store.save_step(intake_id, step_id="about_you", answers={"skin_type": "II"}, next_step=None,
                        staff=STAFF, device=DEVICE)
    assert "not a question of step 'about_you'" in caught.value.problems[0].message
    with pytest.raises(StoreError, match="'nowhere' is not a step"):
        store.save_step(intake_id, step_id="nowhere", answers={}, next_step=None, staff=STAFF, device=DEVICE)
    with pytest.raises(RecordNotFoundError, match="no intake 'nope'"):
        store.save_step("nope", step_id="about_you", answers={}, next_step=None, staff=STAFF, device=DEVICE)
    with pytest.raises(StoreError, match="YYYY-MM-DD"):
        store.start_intake(staff=STAFF, device=DEVICE, consultation_date="20/11/2026")
    with pytest.raises(StoreError, match="staff name"):
        store.start_intake(staff="", device=DEVICE, consultation_date="2026-11-20")


@pytest.mark.parametrize(("example", "status"), [("suitable", "submitted"), ("caution", "submitted"),
                                                  ("clearance", "submitted"), ("defer", "deferred")])
def test_submitting_stores_record_and_assessment(store, engine, example, status):
    record = record_named(example=example)
    intake_id = submit_new(store, engine, record)
    view = store.load_intake(intake_id)
    assert view.status == status
    assert view.record["record_id"] == intake_id
    assert view.assessment == engine.assess(record).to_dict()
    assert view.verdict == example
    assert events(store, intake_id)[-2:] == ["submitted", "assessed"]
    assert store.drafts() == []
    with pytest.raises(WorkflowError, match="not a draft"):
        store.save_step(intake_id, step_id="about_you", answers={}, next_step=None, staff=STAFF, device=DEVICE)


def test_submit_refuses_invalid_records_and_mismatching_assessments(store, engine):
    record = record_named()
    intake_id = fill_draft(store, engine, record)
    broken = record_named()
    del broken["answers"]["ack_aftercare"]
    with pytest.raises(InvalidRecordError):
        store.submit(intake_id, record=broken, assessment={"verdict": "suitable"}, staff=STAFF, device=DEVICE)
    with pytest.raises(WorkflowError, match="says 'defer' but these answers give 'suitable'"):
        store.submit(intake_id, record=record, assessment={"verdict": "defer"}, staff=STAFF, device=DEVICE)
    with pytest.raises(WorkflowError, match="is not intake"):
        store.submit(intake_id, record=dict(record, record_id="other"), assessment={"verdict": "suitable"},
                     staff=STAFF, device=DEVICE)
    assert store.load_intake(intake_id).status == "draft"


def test_clearance_decisions(store, engine):
    intake_id = submit_new(store, engine, record_named(example="clearance"))
    decide = lambda **kw: store.record_decision(intake_id, staff="alex", device="office", **kw)  # noqa: E731
    with pytest.raises(WorkflowError, match="needs a reason"):
        decide(practitioner_id="ajordan", kind="override", reason="  ")
    with pytest.raises(StoreError, match="not a practitioner of this clinic"):
        decide(practitioner_id="mallory", kind="clearance_noted", reason="")
    with pytest.raises(StoreError, match="not a decision"):
        decide(practitioner_id="ajordan", kind="approve", reason="x")
    with pytest.raises(WorkflowError, match="must note the clearance"):
        store.add_documents(intake_id, [Doc("consent")], staff=STAFF, device=DEVICE)
    decide(practitioner_id="ajordan", kind="override", reason="Prescriber confirmed by phone")
    [decision] = store.load_intake(intake_id).decisions
    assert (decision.kind, decision.reason, decision.practitioner_id) == (
        "override", "Prescriber confirmed by phone", "ajordan")
    assert store.add_documents(intake_id, [Doc("consent")], staff=STAFF, device=DEVICE) == "signed"
    with pytest.raises(WorkflowError, match="already signed"):
        decide(practitioner_id="ajordan", kind="clearance_noted", reason="")


def test_a_deferral_cannot_be_overridden_or_consented(store, engine):
    intake_id = submit_new(store, engine, record_named(example="defer"))
    for kind in ("override", "clearance_noted"):
        with pytest.raises(WorkflowError, match="deferral cannot be overridden"):
            store.record_decision(intake_id, practitioner_id="ajordan", kind=kind, reason="Client insists",
                                  staff="alex", device="office")
    with pytest.raises(WorkflowError, match="consent form cannot be signed"):
        store.add_documents(intake_id, [Doc("consent")], staff=STAFF, device=DEVICE)
    assert store.add_documents(intake_id, [Doc("deferral_letter")], staff=STAFF, device=DEVICE) == "deferred"
    assert [d.kind for d in store.load_intake(intake_id).documents] == ["deferral_letter"]


def test_suitable_needs_no_decision(store, engine):
    intake_id = submit_new(store, engine, record_named())
    with pytest.raises(WorkflowError, match="no clearance decision is needed"):
        store.record_decision(intake_id, practitioner_id="ajordan", kind="clearance_noted", reason="",
                              staff="alex", device="office")


def test_documents_are_checked_before_they_are_stored(store, engine):
    intake_id = submit_new(store, engine, record_named())
    bad_hash = Doc("consent")
    bad_hash.__class__ = type("Forged", (Doc,), {"sha256": property(lambda self: "0" * 64)})
    with pytest.raises(StoreError, match="SHA-256 does not match"):
        store.add_documents(intake_id, [bad_hash], staff=STAFF, device=DEVICE)
    with pytest.raises(StoreError, match="not a PDF"):
        store.add_documents(intake_id, [Doc("consent", pdf=b"<html>")], staff=STAFF, device=DEVICE)
    with pytest.raises(StoreError, match="without slashes"):
        store.add_documents(intake_id, [Doc("consent", filename="../../etc/passwd")], staff=STAFF, device=DEVICE)
    assert store.load_intake(intake_id).documents == []
    draft = fill_draft(store, engine, record_named(), steps=1)
    with pytest.raises(WorkflowError, match="still a draft"):
        store.add_documents(draft, [Doc("consent")], staff=STAFF, device=DEVICE)


def test_signing_records_hashes_and_template_versions_and_reprints_byte_for_byte(store, engine):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    intake_id = submit_new(store, engine, record_named())
    status = store.add_documents(intake_id, [Doc("consent", pdf=pdf, filename=f"consent-{SECRET_NAME}.pdf"),
                                             Doc("aftercare", template_versions={"aftercare": "3"})],
                                 staff=STAFF, device=DEVICE)
    assert status == "signed"
    view = store.load_intake(intake_id)
    assert view.signed_at is not None
    assert [(d.kind, d.size) for d in view.documents] == [("consent", len(pdf)), ("aftercare", 25)]
    [(info, printed)] = store.reprint(intake_id, kind="consent", staff=STAFF, device=DEVICE)
    assert printed == pdf and info.filename == f"consent-{SECRET_NAME}.pdf"
    trail = store.audit_trail(intake_id)
    rendered = [e.data for e in trail if e.event == "rendered"]
    assert rendered[0]["pdf_hmac"] == fingerprint(store, "pdf", Doc("consent", pdf=pdf).sha256)  # keyed: see issue 12
    assert rendered[1]["template_versions"] == {"aftercare": "3"}
    assert [e.event for e in trail][-2:] == ["signed", "exported"]
    with pytest.raises(RecordNotFoundError, match="no stored letter documents"):
        store.reprint(intake_id, kind="letter", staff=STAFF, device=DEVICE)


def test_abandoned_drafts_expire_by_the_configured_rule(store, engine, clock):
    old = fill_draft(store, engine, record_named(), steps=2)
    clock.advance(days=29)
    recent = fill_draft(store, engine, record_named("Another Person"), steps=1)
    done = submit_new(store, engine, record_named("Third Person"))
    assert store.expire_drafts() == 0
    clock.advance(days=2)
    assert store.expire_drafts() == 1
    expired = store.load_intake(old)
    assert expired.status == "expired" and expired.answers == {} and expired.client_id is None
    assert [d.intake_id for d in store.drafts()] == [recent]
    assert store.load_intake(done).status == "submitted"
    erased = store.audit_trail(old)[-1]
    assert erased.event == "erased" and erased.data["reason"] == "draft expired"
    assert store.search("zephyrine").rows == []  # the client existed only through the expired draft
    assert store.verify_audit().ok


def test_times_are_utc_and_come_from_the_clock(store, engine, clock):
    intake_id = fill_draft(store, engine, record_named(), steps=1)
    view = store.load_intake(intake_id)
    assert view.started_at.startswith("2026-11-20T09:00:00.") and view.started_at.endswith("Z")
    assert view.updated_at > view.started_at


def test_signed_new_helper_reaches_signed(store, engine):
    assert store.load_intake(signed_new(store, engine, record_named(example="clearance"))).status == "signed"
