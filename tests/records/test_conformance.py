"""The RecordStore contract, the same tests on every engine: the SQLite store, the in-memory one and PostgreSQL.

Drafts, submission, kept signatures, decisions and corrections' refusals, documents, staff accounts and their
wrong-PIN counts, the audit trail, search by name and date of birth, erasure and expiry: what the lifecycle and
the front ends rely on behaves alike whichever engine keeps the rows.
"""

from __future__ import annotations

import inspect

import pytest

from intake.errors import InvalidRecordError
from intake.records import RecordStore, Store
from intake.records.errors import RecordNotFoundError, StoreError, WorkflowError
from intake.records.memory import MemoryStore
from intake.records.postgres import PostgresStore
from intake.records.staff import PinRefused
from tests.records.conftest import (
    DEVICE,
    SECRET_BIRTH,
    SECRET_NAME,
    STAFF,
    Doc,
    fill_draft,
    record_named,
    signed_new,
    step_answers,
    submit_new,
)
from tests.records.pgserver import pg_database_fixture, pg_server_fixture  # noqa: F401 (fixtures)


@pytest.fixture(params=["sqlite", "memory", "postgresql"])
def any_store(request, clinic, engine, clock):
    """Each test runs on the SQLite store, the in-memory one, and PostgreSQL (a throwaway server's new database)."""
    if request.param == "sqlite":
        with Store.open(clinic, clock=clock, engine=engine) as opened:
            yield opened
    elif request.param == "postgresql":
        with PostgresStore.open(clinic, dsn=request.getfixturevalue("pg_database"), clock=clock,
                                engine=engine) as opened:
            yield opened
    else:
        with MemoryStore(clinic, clock=clock, engine=engine) as kept:
            yield kept


PROTOCOL = sorted(name for name in vars(RecordStore) if not name.startswith("_")) + ["config"]


def test_both_offer_every_member_of_the_protocol_with_its_parameters(any_store):
    assert {"start_intake", "save_step", "submit", "add_documents", "verify_audit", "staff"} <= set(PROTOCOL)
    for name in PROTOCOL:
        assert hasattr(any_store, name), name
        wanted = getattr(RecordStore, name, None)
        if callable(wanted):
            assert list(inspect.signature(getattr(any_store, name)).parameters) == \
                list(inspect.signature(wanted).parameters)[1:], name


def test_a_draft_is_saved_listed_and_resumed(any_store, engine):
    record = record_named()
    intake_id = fill_draft(any_store, engine, record, steps=2)
    [draft] = any_store.drafts()
    assert draft.intake_id == intake_id and draft.client_label.startswith("Z")
    view = any_store.load_intake(intake_id)
    steps = [s.id for s in engine.questionnaire.steps]
    assert view.status == "draft" and view.step_id == steps[1] and view.next_step == steps[2]
    assert view.answers == {**step_answers(engine, record, steps[0]), **step_answers(engine, record, steps[1])}
    assert any_store.resolve(intake_id[:6]) == intake_id
    with pytest.raises(RecordNotFoundError):
        any_store.load_intake("nosuchintake")


def test_a_bad_answer_is_refused_and_nothing_changes(any_store, engine):
    intake_id = fill_draft(any_store, engine, record_named(), steps=1)
    before = len(any_store.audit_trail())
    first = engine.questionnaire.steps[0].id
    with pytest.raises(InvalidRecordError):
        any_store.save_step(intake_id, step_id=first, answers={"date_of_birth": "not a date"}, next_step=None,
                            staff=STAFF, device=DEVICE)
    assert len(any_store.audit_trail()) == before
    assert any_store.load_intake(intake_id).answers["date_of_birth"] == SECRET_BIRTH


@pytest.mark.parametrize("example, status", [("suitable", "submitted"), ("defer", "deferred"),
                                             ("clearance", "submitted")])
def test_submission_gives_the_status_of_the_verdict(any_store, engine, example, status):
    intake_id = submit_new(any_store, engine, record_named(example=example))
    view = any_store.load_intake(intake_id)
    assert view.status == status and view.record is not None and view.assessment["verdict"] == (
        engine.assess(record_named(example=example)).verdict)
    with pytest.raises(WorkflowError):
        any_store.save_step(intake_id, step_id=engine.questionnaire.steps[0].id, answers={}, next_step=None,
                            staff=STAFF, device=DEVICE)


def test_signatures_are_kept_until_the_consent_is_sealed(any_store, engine):
    intake_id = submit_new(any_store, engine, record_named())
    any_store.keep_signatures(intake_id, {"consent": {"name": SECRET_NAME}}, staff=STAFF, device=DEVICE)
    assert any_store.load_intake(intake_id).signatures == {"consent": {"name": SECRET_NAME}}
    assert any_store.add_documents(intake_id, [Doc("consent")], staff=STAFF, device=DEVICE) == "signed"
    assert not any_store.load_intake(intake_id).signatures


def test_clearance_needs_a_decision_before_the_consent(any_store, engine):
    intake_id = submit_new(any_store, engine, record_named(example="clearance"))
    with pytest.raises(WorkflowError, match="must note the clearance"):
        any_store.add_documents(intake_id, [Doc("consent")], staff=STAFF, device=DEVICE)
    with pytest.raises(WorkflowError, match="needs a reason"):
        any_store.record_decision(intake_id, practitioner_id="ajordan", kind="override", reason=" ",
                                  staff="alex", device="office")
    decision_id = any_store.record_decision(intake_id, practitioner_id="ajordan", kind="override",
                                            reason="Prescriber confirmed", staff="alex", device="office")
    [decision] = any_store.load_intake(intake_id).decisions
    assert (decision.decision_id, decision.kind, decision.reason) == (decision_id, "override", "Prescriber confirmed")
    assert any_store.add_documents(intake_id, [Doc("consent")], staff=STAFF, device=DEVICE) == "signed"


def test_documents_reprint_byte_for_byte(any_store, engine):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 8
    intake_id = submit_new(any_store, engine, record_named())
    any_store.add_documents(intake_id, [Doc("consent", pdf=pdf), Doc("aftercare")], staff=STAFF, device=DEVICE)
    assert [d.kind for d in any_store.load_intake(intake_id).documents] == ["consent", "aftercare"]
    [(info, printed)] = any_store.reprint(intake_id, kind="consent", staff=STAFF, device=DEVICE)
    assert printed == pdf and info.kind == "consent"
    assert [e.event for e in any_store.audit_trail(intake_id)][-1] == "exported"


def test_staff_accounts_and_wrong_pins(any_store):
    staff = any_store.staff
    staff.add("ajordan", name="Alex Jordan", role="practitioner", practitioner_id="ajordan", pin="731904",
              by=STAFF, device="office")
    assert staff.authenticate("731904", device="kiosk-1").staff_id == "ajordan"
    with pytest.raises(PinRefused, match="2 tr"):
        staff.authenticate("000000", device="kiosk-1")
    assert [m.staff_id for m in staff.members()] == ["ajordan"]
    assert {"staff_added", "staff_unlocked"} <= {e.event for e in any_store.audit_trail()}


def test_search_finds_by_name_beginnings_and_date_of_birth(any_store, engine):
    mine = submit_new(any_store, engine, record_named())
    other = submit_new(any_store, engine, record_named("Another Person", birth="1990-01-01"))
    assert [r.intake_id for r in any_store.search("zeph quill").rows] == [mine]
    assert [r.intake_id for r in any_store.search("1990-01-01").rows] == [other]
    assert {r.intake_id for r in any_store.search().rows} == {mine, other}
    assert any_store.find_returning(SECRET_NAME, SECRET_BIRTH) is not None
    assert any_store.find_returning("Nobody Here", SECRET_BIRTH) is None


def test_a_draft_keeps_the_languages_the_client_chose(any_store, engine):
    """What the client chose is kept with the draft from its start, changed only while it is a draft, audited with
    who did it; a draft kept without it reads as none (the clinic's language); a bad choice stores nothing."""
    record = record_named()
    german = any_store.start_intake(staff=STAFF, device=DEVICE, consultation_date=record["consultation_date"],
                                    languages={"language": "de"})
    plain = fill_draft(any_store, engine, record_named("Plain Person"), steps=1)
    listed = {d.intake_id: d.languages for d in any_store.drafts()}
    assert listed == {german: {"language": "de"}, plain: {}}
    assert any_store.load_intake(german).languages == {"language": "de"}
    any_store.choose_languages(plain, {"language": "de"}, staff=STAFF, device=DEVICE)
    any_store.choose_languages(plain, {"documents_language": "en"}, staff=STAFF, device=DEVICE)  # one choice more
    assert any_store.load_intake(plain).languages == {"language": "de", "documents_language": "en"}
    for bad in ({"language": "Deutsch!"}, {"Language": "de"}, {"language": 7}):
        with pytest.raises(StoreError, match="the languages chosen must name each choice"):
            any_store.choose_languages(plain, bad, staff=STAFF, device=DEVICE)
    assert any_store.load_intake(plain).languages == {"language": "de", "documents_language": "en"}
    trail = any_store.audit_trail(plain)
    assert [(e.event, e.staff) for e in trail if e.event == "languages_chosen"] == [("languages_chosen", STAFF)] * 2
    submitted = submit_new(any_store, engine, record_named("Done Person"))
    with pytest.raises(WorkflowError):
        any_store.choose_languages(submitted, {"language": "de"}, staff=STAFF, device=DEVICE)
    assert any_store.verify_audit().ok


def test_erasure_and_expiry(any_store, engine, clock):
    signed = signed_new(any_store, engine, record_named())
    client_id = any_store.load_intake(signed).client_id
    draft = fill_draft(any_store, engine, record_named("Draft Person"), steps=1)
    report = any_store.erase_client(client_id, staff=STAFF, device=DEVICE)
    assert list(report.kept_intakes) == [signed] and not report.client_removed  # consent evidence is kept
    clock.advance(days=31)
    assert any_store.expire_drafts() == 1
    assert any_store.load_intake(draft).status == "expired"


def test_the_trail_verifies_and_every_change_is_audited_by_who_did_it(any_store, engine):
    intake_id = signed_new(any_store, engine, record_named(example="clearance"))
    trail = any_store.audit_trail(intake_id)
    assert [e.event for e in trail][:2] == ["started", "step_saved"]
    assert all(e.staff and e.device for e in trail)
    report = any_store.verify_audit()
    assert report.ok, report.problems
    assert any_store.audit_head().entry == len(any_store.audit_trail())


def test_a_visits_life_is_kept_in_order_on_both_engines(any_store, engine):
    signed = signed_new(any_store, engine, record_named())
    unsigned = submit_new(any_store, engine, record_named("Other Person"))
    day = any_store.load_intake(signed).consultation_date
    with pytest.raises(WorkflowError, match="not a countersigned consent"):
        any_store.visits.start(unsigned, visit_date=day, staff=STAFF, device=DEVICE)
    visit = any_store.visits.start(signed, visit_date=day, staff=STAFF, device=DEVICE)
    assert (visit.number, visit.status) == (1, "open")  # no treatment given yet: the next visit is session 1
    with pytest.raises(WorkflowError, match="already has visit"):
        any_store.visits.start(signed, visit_date=day, staff=STAFF, device=DEVICE)
    with pytest.raises(WorkflowError, match="not been re-screened"):
        any_store.visits.record_treatment(visit.visit_id, treatment={}, practitioner_id="ajordan", staff=STAFF,
                                          device=DEVICE)
    any_store.visits.rescreen(visit.visit_id, answers={"changes_since_last": "nothing_changed"},
                              assessment={"verdict": "suitable"}, outcome="ready", reasons=[], until=None,
                              staff=STAFF, device=DEVICE)
    any_store.visits.record_treatment(visit.visit_id, treatment={"areas": {"cheeks": 1.0}},
                                      practitioner_id="ajordan", staff="ajordan", device=DEVICE)
    done = any_store.visits.countersign(visit.visit_id, practitioner_id="ajordan", staff="ajordan", device=DEVICE)
    assert done.status == "signed" and done.treatment == {"areas": {"cheeks": 1.0}}
    assert any_store.visits.of_client(done.client_id) == [done]
    with pytest.raises(WorkflowError, match="can no longer be recorded"):  # the consultation day's, after a visit
        any_store.visits.record_first(signed, visit_date=day, assessment={}, treatment={}, practitioner_id="ajordan",
                                      staff=STAFF, device=DEVICE)
    assert any_store.visits.start(signed, visit_date=day, staff=STAFF, device=DEVICE).number == 2
    assert [e.data["act"] for e in any_store.audit_trail(signed) if e.event == "visit"] == \
        ["started", "rescreened", "treatment_recorded", "countersigned", "started"]
    assert any_store.verify_audit().ok


@pytest.mark.parametrize("was", ["open", "ready"])
def test_a_visit_ends_without_treatment_keeping_why_and_who_on_every_engine(any_store, engine, was):
    """Started (the client left mid-way) or re-screened ready (not treated after all): the visit ends with the
    reason, who ended it and when (sealed with its outcome), it counts as no session, and the next visit starts."""
    signed = signed_new(any_store, engine, record_named())
    day = any_store.load_intake(signed).consultation_date
    visit = any_store.visits.start(signed, visit_date=day, staff=STAFF, device=DEVICE)
    if was == "ready":
        any_store.visits.rescreen(visit.visit_id, answers={"changes_since_last": "nothing_changed"},
                                  assessment={"verdict": "suitable"}, outcome="ready", reasons=[], until=None,
                                  staff=STAFF, device=DEVICE)
    ended = any_store.visits.end_untreated(visit.visit_id, reason="the client had to leave", staff="ajordan",
                                           device=DEVICE)
    assert ended.status == "not_treated" and ended.treatment is None
    assert {k: v for k, v in ended.outcome["not_treated"].items() if k != "at"} == {
        "reason": "the client had to leave", "by": "ajordan", "was": was}
    assert any_store.visits.load(visit.visit_id) == ended
    for act in (lambda: any_store.visits.end_untreated(visit.visit_id, reason="again", staff=STAFF, device=DEVICE),
                lambda: any_store.visits.rescreen(visit.visit_id, answers={}, assessment={}, outcome="ready",
                                                  reasons=[], until=None, staff=STAFF, device=DEVICE),
                lambda: any_store.visits.record_treatment(visit.visit_id, treatment={"areas": {"cheeks": 1.0}},
                                                          practitioner_id="ajordan", staff=STAFF, device=DEVICE)):
        with pytest.raises(WorkflowError, match="ended"):
            act()
    again = any_store.visits.start(signed, visit_date=day, staff=STAFF, device=DEVICE)
    assert again.number == visit.number  # no session was given
    any_store.visits.rescreen(again.visit_id, answers={"changes_since_last": "nothing_changed"},
                              assessment={"verdict": "suitable"}, outcome="ready", reasons=[], until=None,
                              staff=STAFF, device=DEVICE)
    any_store.visits.record_treatment(again.visit_id, treatment={"areas": {"cheeks": 1.0}},
                                      practitioner_id="ajordan", staff="ajordan", device=DEVICE)
    with pytest.raises(WorkflowError, match="treatment record: the treatment was given"):
        any_store.visits.end_untreated(again.visit_id, reason="changed my mind", staff=STAFF, device=DEVICE)
    acts = [(e.data["act"], e.staff) for e in any_store.audit_trail(signed) if e.event == "visit"]
    assert ("ended_untreated", "ajordan") in acts
    assert not any("leave" in str(e.data) for e in any_store.audit_trail(signed))  # the reason stays sealed
    assert any_store.verify_audit().ok


def test_a_visits_documents_are_kept_reprinted_and_forgotten_with_the_course(any_store, engine, clock):
    signed = signed_new(any_store, engine, record_named())
    day = any_store.load_intake(signed).consultation_date
    visit = any_store.visits.start(signed, visit_date=day, staff=STAFF, device=DEVICE)
    any_store.visits.rescreen(visit.visit_id, answers={"changes_since_last": "nothing_changed"},
                              assessment={"verdict": "suitable"}, outcome="ready", reasons=[], until=None,
                              staff=STAFF, device=DEVICE)
    any_store.visits.record_treatment(visit.visit_id, treatment={"areas": {"cheeks": 1.0}},
                                      practitioner_id="ajordan", staff="ajordan", device=DEVICE)
    record_pdf = b"%PDF-1.7\n" + bytes(range(256)) * 4
    papers = [Doc("session_record", pdf=record_pdf), Doc("session_aftercare")]
    with pytest.raises(StoreError, match="not a visit's document"):
        any_store.visits.countersign(visit.visit_id, practitioner_id="ajordan", staff="ajordan", device=DEVICE,
                                     documents=[Doc("consent")])
    assert any_store.visits.load(visit.visit_id).status == "recorded"  # refused: nothing written
    any_store.visits.countersign(visit.visit_id, practitioner_id="ajordan", staff="ajordan", device=DEVICE,
                                 documents=papers)
    kept = any_store.visits.documents(visit.visit_id, staff=STAFF, device=DEVICE)
    assert [(info.kind, pdf) for info, pdf in kept] == [("session_record", record_pdf),
                                                        ("session_aftercare", papers[1].pdf)]
    [(info, _)] = any_store.visits.documents(visit.visit_id, kind="session_aftercare", staff=STAFF, device=DEVICE)
    assert info.kind == "session_aftercare"
    assert [d.kind for d in any_store.load_intake(signed).documents][-2:] == ["session_record", "session_aftercare"]
    with pytest.raises(WorkflowError, match="not deferred"):
        any_store.visits.add_documents(visit.visit_id, [Doc("visit_deferral")], staff=STAFF, device=DEVICE)
    rendered = [e for e in any_store.audit_trail(signed) if e.event == "rendered" and e.data.get("visit_id")]
    assert [e.data["kind"] for e in rendered] == ["session_record", "session_aftercare"]
    assert any_store.verify_audit().ok

    deferred = any_store.visits.start(signed, visit_date=day, staff=STAFF, device=DEVICE)
    any_store.visits.rescreen(deferred.visit_id, answers={"changes_since_last": "something_changed"},
                              assessment={"verdict": "defer"}, outcome="deferred", reasons=["not today"],
                              until=None, staff=STAFF, device=DEVICE)
    any_store.visits.add_documents(deferred.visit_id, [Doc("visit_deferral")], staff=STAFF, device=DEVICE)
    [(info, _)] = any_store.visits.documents(deferred.visit_id, staff=STAFF, device=DEVICE)
    assert info.kind == "visit_deferral"

    client_id = any_store.load_intake(signed).client_id
    any_store.erase_client(client_id, staff=STAFF, device=DEVICE)
    # kept with the consent evidence: the sealed record of the treatment given; the aftercare and letters go now
    [(info, pdf)] = any_store.visits.documents(visit.visit_id, staff=STAFF, device=DEVICE)
    assert (info.kind, pdf) == ("session_record", record_pdf)
    with pytest.raises(RecordNotFoundError):
        any_store.visits.documents(deferred.visit_id, staff=STAFF, device=DEVICE)
    clock.advance(days=366 * 30)  # past any retention period
    assert any_store.purge_retention() >= 1
    for gone in (visit.visit_id, deferred.visit_id):
        with pytest.raises(RecordNotFoundError):
            any_store.visits.documents(gone, staff=STAFF, device=DEVICE)
    assert any_store.verify_audit().ok
