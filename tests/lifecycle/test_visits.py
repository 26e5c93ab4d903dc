"""Further sessions of a course through the lifecycle, on the real store, checked against the sealed consent.

- A whole course: the treatment given when the consultation was countersigned (session 1, its re-screen the
  consultation), then sessions 2 and 3 with nothing changed, each re-screened, recorded by the practitioner and
  countersigned, numbered in order, every act audited with who did it. Session 1's record is refused before the
  countersignature, for a deferred consultation, a second time, and once a later visit began; nothing written.
- Numbered by the treatments given: a consultation day without treatment makes the next visit session 1, with no
  interval to wait; a renewed consent starts a new course that names the one it follows and still shows its
  sessions, marked as earlier.
- Every reason of schemas/course.json that a consent no longer covers a visit, each from a situation that
  brings it about (generated from the data: a reason added without a case fails).
- The re-screen's outcome: deferred with the day to come back, too soon with the earliest date.
- The treatment record is refused above the consented depths, for an area not consented, with an expired or
  blank cartridge or a part left out; a front-desk credential cannot record it. Nothing is written when refused.
- A visit for an unsigned intake, a second open visit, a date before the last session, an erased client:
  refused, nothing written.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from intake.course.course import Course, TreatmentRecordError, VisitFacts, consent_reasons, load_course_rules
from intake.errors import IntakeError
from intake.lifecycle.auth import Authenticated, AuthenticationError
from intake.lifecycle.visits import CourseError, Visits
from intake.paths import SCHEMAS_DIR
from tests.course.test_rescreen import visit as rescreen_answers
from tests.documents.personas import baseline, record
from tests.lifecycle.conftest import AJORDAN, DESK, fresh
from tests.lifecycle.test_lifecycle import signatures

FRONT_DESK = Authenticated("reception", "Robin Reception", "front_desk", None, "test-tablet")
RULES = load_course_rules(SCHEMAS_DIR)
_CLIENTS = itertools.count(1)


def countersigned(life, born: str | None = None, **top: Any) -> Any:
    """A new client's consultation (or, given `born`, that client's again), signed and countersigned with the
    default plan: the course."""
    born = born or (date(1985, 1, 1) + timedelta(days=next(_CLIENTS))).isoformat()  # a client of its own
    intake = fresh(life, record(life.engine, baseline(life.engine, date_of_birth=born), **top))
    life.sign(intake, signatures(life, intake), DESK)
    counter = life.countersignature(intake, AJORDAN, life.default_plan(intake))
    life.keep_documents(intake, life.render(intake, counter), AJORDAN.actor)
    return intake


def day0(intake) -> date:
    """The consultation's day: session 1 of the course."""
    return date.fromisoformat(intake.consultation_date)


def treatment(state, **changes: Any) -> dict[str, Any]:
    """A practitioner's record within the plan: every area at its shallowest consented depth."""
    given = {"areas": {area: low for area, (low, _) in state.course.areas.items()}, "device": "Dr. Pen A6",
             "needles": 12, "cartridge_lot": "LOT-2611-A", "cartridge_expiry": "2028-06-30", "numbing": "none",
             "serum": "hyaluronic acid", "skin_response": "even redness, settled in the room",
             "adverse_events": "none", "advice": "the aftercare sheet, SPF 50 for two weeks"}
    given.update(changes)
    return {k: v for k, v in given.items() if v is not None}


def first_session(visits: Visits, intake: Any, **changes: Any) -> Any:
    """The treatment given when the consultation was countersigned: session 1, recorded and countersigned."""
    recorded = visits.record_first(intake.intake_id, AJORDAN, treatment(visits.state(intake.intake_id), **changes))
    return visits.countersign(recorded.visit_id, AJORDAN).visit


def asked(visits: Visits, visit: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers a client gives at `visit`: those its re-screen asks (how the skin healed only when the client
    has had a treatment before it)."""
    state = visits.state(visit.course_id)
    shown = visits.life.engine.rescreen.asked(treated_before=state.treated_before(visit)).by_id
    return {k: v for k, v in answers.items() if k in shown}


def session(visits: Visits, ref: str, day: date, answers: dict[str, Any] | None = None) -> Any:
    """One further session from start to countersignature; returns the countersigned visit."""
    started = visits.begin(ref, DESK, day)
    ready = visits.rescreen(started.visit_id, asked(visits, started, answers or rescreen_answers(False)), DESK)
    assert ready.status == "ready", ready.outcome
    state = visits.state(started.course_id)
    visits.record(ready.visit_id, AJORDAN, treatment(state))
    return visits.countersign(ready.visit_id, AJORDAN).visit


@pytest.fixture
def visits(life) -> Visits:
    return Visits(life)


def test_a_course_of_three_sessions_is_numbered_recorded_countersigned_and_audited(life, visits):
    intake = countersigned(life)
    first = day0(intake)
    one = first_session(visits, intake)
    assert (one.number, one.visit_date, one.answers) == (1, first.isoformat(), None)  # its re-screen: the consultation
    second = session(visits, intake.intake_id, first + timedelta(weeks=4))
    third = session(visits, second.client_id, first + timedelta(weeks=9))  # found by the client's id too
    assert (second.number, third.number) == (2, 3)
    assert (one.status, second.status, third.status) == ("signed", "signed", "signed")
    assert third.treatment["cartridge_lot"] == "LOT-2611-A" and third.practitioner_id == "ajordan"
    listed = life.store.visits.of_client(second.client_id)
    assert [v.visit_id for v in listed] == [one.visit_id, second.visit_id, third.visit_id]
    acts = [(e.data["act"], e.staff, e.device) for e in life.store.audit_trail(intake.intake_id)
            if e.event == "visit"]
    treated = [("treatment_recorded", "ajordan", "test-tablet"), ("countersigned", "ajordan", "test-tablet")]
    assert acts == [("started", "ajordan", "test-tablet"), *treated] + [
        ("started", "reception", "test-tablet"), ("rescreened", "reception", "test-tablet"), *treated] * 2
    assert visits.state(intake.intake_id).sessions_given == 3
    assert life.store.verify_audit().ok


def test_the_first_sessions_record_is_refused_where_no_such_treatment_was_given(life, visits):
    """Before the countersignature, for a deferred consultation, a second time, and once a later visit began: each
    refused, nothing written."""
    from intake.records.errors import WorkflowError

    unsigned = fresh(life, record(life.engine, baseline(life.engine, date_of_birth="1971-03-09")))
    deferred = fresh(life, record(life.engine, baseline(life.engine, date_of_birth="1972-04-10",
                                                        pregnant_or_breastfeeding=True)))
    assert deferred.status == "deferred"
    intake = countersigned(life)
    state = visits.state(intake.intake_id)
    head = life.store.audit_head()
    for ref, refused in ((unsigned.intake_id, "not countersigned"), (deferred.intake_id, "was deferred")):
        with pytest.raises(CourseError, match=refused):
            visits.record_first(ref, AJORDAN, treatment(state))
    with pytest.raises(TreatmentRecordError, match="deeper than the consented"):
        visits.record_first(intake.intake_id, AJORDAN, treatment(state, **REFUSED["deeper than the consented"](state)))
    with pytest.raises(AuthenticationError, match="front-desk"):
        visits.record_first(intake.intake_id, FRONT_DESK, treatment(state))
    assert life.store.audit_head() == head and life.store.visits.of_client(state.client_id) == []
    recorded = visits.record_first(state.client_id, AJORDAN, treatment(state))  # the client's id finds the course
    head = life.store.audit_head()
    with pytest.raises(WorkflowError, match="already has visit"):  # not countersigned yet: still open
        visits.record_first(intake.intake_id, AJORDAN, treatment(state))
    visits.store.visits.countersign(recorded.visit_id, practitioner_id="ajordan", staff="ajordan", device="t")
    head = life.store.audit_head()
    with pytest.raises(WorkflowError, match="recorded already"):
        visits.record_first(intake.intake_id, AJORDAN, treatment(state))
    assert life.store.audit_head() == head


def test_too_soon_waits_until_the_plans_interval_has_passed(life, visits):
    """Counted from the last treatment given: without one on the consultation's day, the next visit is session 1
    and waits for nothing (no skin was treated); the consultation day's treatment can then no longer be recorded."""
    from intake.records.errors import WorkflowError

    intake = countersigned(life)
    untreated = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=1))
    untreated = visits.rescreen(untreated.visit_id, asked(visits, untreated, rescreen_answers(False)), DESK)
    assert (untreated.number, untreated.status) == (1, "ready")
    visits.record(untreated.visit_id, AJORDAN, treatment(visits.state(intake.intake_id)))
    visits.store.visits.countersign(untreated.visit_id, practitioner_id="ajordan", staff="ajordan", device="t")
    head = life.store.audit_head()
    with pytest.raises(WorkflowError, match="can no longer be recorded"):
        visits.record_first(intake.intake_id, AJORDAN, treatment(visits.state(intake.intake_id)))
    assert life.store.audit_head() == head
    early = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=3))
    waiting = visits.rescreen(early.visit_id, asked(visits, early, rescreen_answers(False)), DESK)
    earliest = (day0(intake) + timedelta(weeks=1 + visits.state(intake.intake_id).course.interval_weeks))
    assert (waiting.number, waiting.status) == (2, "waiting") and waiting.outcome["until"] == earliest.isoformat()
    assert earliest.isoformat() in waiting.outcome["reasons"][0]
    with pytest.raises(IntakeError, match="too soon"):
        visits.record(early.visit_id, AJORDAN, treatment(visits.state(intake.intake_id)))


def test_how_the_skin_healed_is_asked_only_after_a_treatment_was_given(life, visits):
    """The first treatment after a consultation day without one: there is no last session whose healing the client
    could describe, so those answers are refused as not asked; once a treatment was given, every later visit
    needs them, and the re-screen of the untreated visit in between does not count as one."""
    from intake.errors import InvalidRecordError

    healing = {q.id for step in life.engine.rescreen.questionnaire.steps
               if step.id in life.engine.rescreen.after_a_treatment for q in step.questions}
    intake = countersigned(life)
    first = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=1))
    assert not visits.state(intake.intake_id).treated_before(first)
    head = life.store.audit_head()
    with pytest.raises(InvalidRecordError) as caught:
        visits.rescreen(first.visit_id, rescreen_answers(False), DESK)
    assert healing <= {p.field for p in caught.value.problems} and life.store.audit_head() == head
    first = visits.rescreen(first.visit_id, asked(visits, first, rescreen_answers(False)), DESK)
    assert first.status == "ready" and healing.isdisjoint(first.answers or {})
    visits.record(first.visit_id, AJORDAN, treatment(visits.state(intake.intake_id)))
    visits.countersign(first.visit_id, AJORDAN)
    later_day = day0(intake) + timedelta(weeks=1 + visits.state(intake.intake_id).course.interval_weeks)
    second = visits.begin(intake.intake_id, DESK, later_day)
    assert visits.state(intake.intake_id).treated_before(second)
    with pytest.raises(InvalidRecordError) as caught:
        visits.rescreen(second.visit_id, asked(visits, first, rescreen_answers(False)), DESK)
    assert healing <= {p.field for p in caught.value.problems}
    assert visits.rescreen(second.visit_id, rescreen_answers(False), DESK).status == "ready"


def test_a_pregnancy_since_the_last_session_defers_with_no_treatment(life, visits):
    intake = countersigned(life)
    started = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=5))
    deferred = visits.rescreen(started.visit_id, asked(visits, started, rescreen_answers(True, {**baseline(life.engine),
                                                                         "pregnant_or_breastfeeding": True})), DESK)
    assert deferred.status == "deferred" and deferred.outcome["reasons"]
    with pytest.raises(IntakeError, match="deferred"):
        visits.record(started.visit_id, AJORDAN, treatment(visits.state(intake.intake_id)))
    # the client may come back for a later visit: the deferred one is no session of the course, and no treatment
    # was given yet, so the next is session 1
    later = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=60))
    assert later.number == 1


def _course(**changes: Any) -> Course:
    course = Course("i-test", date(2026, 1, 10), date(2026, 1, 10), {"cheeks": (1.0, 2.0)}, 4, 4,
                    date(2009, 3, 1), 16, {"consent.html": "aaaa"}, frozenset())
    return replace(course, **changes)


def _facts(**changes: Any) -> VisitFacts:
    facts = VisitFacts(date(2026, 2, 20), 2, 12, 16, {"consent.html": "aaaa"}, {}, {})
    return replace(facts, **changes)


#: For each check of course.json, a course and visit that bring it about (and nothing else).
SITUATIONS = {
    "months_since_consent": (_course(), _facts(visit_date=date(2027, 1, 11))),
    "sessions_used": (_course(), _facts(sessions_given=4)),
    "consent_template_changed": (_course(), _facts(templates_now={"consent.html": "bbbb"})),
    "reached_legal_age": (_course(age_at_consent=15, date_of_birth=date(2010, 2, 1)), _facts()),
    "finding_changes_plan": (_course(), _facts(plan_limits={"max_depth_mm": 0.5},
                                               new_findings={"retinoids": "retinoids in use"})),
}


@pytest.mark.parametrize("reason_id, check", [(r[0], r[1]) for r in RULES.reasons])
def test_every_reason_a_consent_no_longer_covers_a_visit(reason_id, check):
    course, facts = SITUATIONS[check]
    found = consent_reasons(RULES, course, facts)
    assert [r.reason_id for r in found] == [reason_id]
    assert "{" not in found[0].message
    assert consent_reasons(RULES, *_SITUATION_COVERED) == []


_SITUATION_COVERED = (_course(age_at_consent=30, date_of_birth=date(1996, 2, 1)), _facts())


def test_an_expired_consent_asks_for_a_new_one_at_the_visit(life, visits):
    intake = countersigned(life)
    started = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(days=366 + 31))
    needs = visits.rescreen(started.visit_id, asked(visits, started, rescreen_answers(False)), DESK)
    assert needs.status == "needs_consent"
    assert any("12 months" in reason for reason in needs.outcome["reasons"])


REFUSED = {
    "deeper than the consented": lambda s: {"areas": {a: high + 0.25 for a, (_, high) in s.course.areas.items()}},
    "not an area of the consented plan": lambda s: {"areas": {"scalp": 0.5}},
    "cartridge expired": lambda s: {"cartridge_expiry": "2026-12-01"},
    "lot \\(batch\\) number is blank": lambda s: {"cartridge_lot": "  "},
    "does not look like one": lambda s: {"cartridge_lot": "<b>x</b>"},
    "adverse events \\(or 'none'\\) is missing": lambda s: {"adverse_events": None},
    "needle count": lambda s: {"needles": 7},
    "next session cannot be before": lambda s: {"next_session_from": "2027-01-01"},
}


@pytest.mark.parametrize("message", REFUSED)
def test_a_treatment_record_outside_the_consented_plan_is_refused_and_nothing_written(life, visits, message):
    intake = countersigned(life)
    started = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=5))
    ready = visits.rescreen(started.visit_id, asked(visits, started, rescreen_answers(False)), DESK)
    state = visits.state(intake.intake_id)
    head = life.store.audit_head()
    with pytest.raises(TreatmentRecordError, match=message):
        visits.record(ready.visit_id, AJORDAN, treatment(state, **REFUSED[message](state)))
    assert life.store.audit_head() == head and life.store.visits.load(ready.visit_id).status == "ready"
    with pytest.raises(AuthenticationError, match="front-desk"):
        visits.record(ready.visit_id, FRONT_DESK, treatment(state))


def test_visits_that_cannot_be_started_are_refused_and_nothing_is_written(life, visits):
    unsigned = fresh(life, record(life.engine, baseline(life.engine, date_of_birth="1970-06-15")))
    head = life.store.audit_head()
    with pytest.raises(CourseError, match="no countersigned consent"):
        visits.begin(unsigned.intake_id, DESK)
    intake = countersigned(life)
    first = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=5))
    head = life.store.audit_head()
    with pytest.raises(IntakeError, match="already has visit"):
        visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=6))
    assert life.store.audit_head() == head
    visits.rescreen(first.visit_id, asked(visits, first, rescreen_answers(True, {**baseline(life.engine),
                                                            "pregnant_or_breastfeeding": True})), DESK)
    with pytest.raises(IntakeError, match="before the course's last session"):
        visits.begin(intake.intake_id, DESK, day0(intake) - timedelta(days=1))
    with pytest.raises(IntakeError, match="not a visit id"):
        life.store.visits.load("../" + "x" * 100)
    with pytest.raises(IntakeError, match="re-screened already"):
        visits.rescreen(first.visit_id, asked(visits, first, rescreen_answers(False)), DESK)


def test_an_erased_client_has_no_further_sessions(life, visits):
    intake = countersigned(life)
    view = life.store.load_intake(intake.intake_id)
    life.store.erase_client(view.client_id, staff="manager", device="office-pc")
    with pytest.raises(IntakeError, match="erased"):
        visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=5))


def test_incomplete_rescreen_answers_are_refused_listing_each_problem(life, visits):
    from intake.errors import InvalidRecordError

    intake = countersigned(life)
    started = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=5))
    answers = asked(visits, started, copy.deepcopy(rescreen_answers(True, baseline(life.engine))))
    answers.pop(next(k for k in answers if k != "changes_since_last"))
    with pytest.raises(InvalidRecordError):
        visits.rescreen(started.visit_id, answers, DESK)
    assert life.store.visits.load(started.visit_id).status == "open"


def test_a_malformed_course_file_is_refused_naming_the_file_the_path_and_the_fix(tmp_path):
    import json
    import shutil

    from intake.errors import DataFileError

    for name in ("course.json", "course.schema.json"):
        shutil.copy(SCHEMAS_DIR / name, tmp_path / name)
    data = json.loads((tmp_path / "course.json").read_text(encoding="utf-8"))
    data["consent_reasons"].append({**data["consent_reasons"][0], "id": "again"})
    (tmp_path / "course.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataFileError) as refused:
        load_course_rules(tmp_path)
    text = str(refused.value)
    assert "course.json" in text and f"$.consent_reasons[{len(data['consent_reasons']) - 1}].check" in text
    assert "keep one reason for each check" in text
    data["consent_reasons"].pop()
    data["treatment"]["lot_pattern"] = "(["
    (tmp_path / "course.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"\$\.treatment\.lot_pattern"):
        load_course_rules(tmp_path)


def _defined(questionnaire: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(items):
        for item in items:
            found[item["linkId"]] = item
            walk(item.get("item", []))
    walk(questionnaire["item"])
    return found


def test_a_session_exported_as_fhir_is_read_by_two_independent_libraries(life, visits):
    import json

    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.procedure import Procedure
    from fhirclient.models.bundle import Bundle as ClientBundle

    from intake.fhirquestionnaire import fhir_questionnaire

    intake = countersigned(life)
    done = session(visits, intake.intake_id, day0(intake) + timedelta(weeks=4))
    bundle = json.loads(life.store.visits.export(done.visit_id, "fhir", staff="manager", device="office-pc"))
    Bundle.model_validate(bundle)
    ClientBundle(copy.deepcopy(bundle), strict=True)
    procedure, response = (entry["resource"] for entry in bundle["entry"])
    Procedure.model_validate(procedure)
    assert procedure["status"] == "completed" and procedure["performedDateTime"] == done.visit_date
    assert procedure["partOf"][0]["identifier"]["value"] == intake.intake_id
    assert procedure["performer"][0]["actor"]["display"] == "Alex Jordan"
    assert {site["coding"][0]["code"] for site in procedure["bodySite"]} == set(done.treatment["areas"])
    assert "lot LOT-2611-A" in procedure["focalDevice"][0]["manipulated"]["display"]
    assert "complication" not in procedure  # the practitioner wrote "none"
    rescreen = life.engine.rescreen.questionnaire
    defined = _defined(fhir_questionnaire(rescreen, "en"))
    assert response["questionnaire"].startswith(f"{fhir_questionnaire(rescreen, 'en')['url']}|")
    answered = [item for group in response["item"] for item in group["item"]]
    assert {item["linkId"] for item in answered} == set(done.answers)
    assert all(item["linkId"] in defined for item in answered)
    assert [e.data.get("format") for e in life.store.audit_trail(intake.intake_id) if e.event == "exported"] == \
        ["fhir"]


def test_a_session_not_given_exports_as_not_done_with_its_reasons_and_as_json_and_csv(life, visits):
    import csv
    import io
    import json

    from fhir.resources.R4B.procedure import Procedure

    intake = countersigned(life)
    visits.record_first(intake.intake_id, AJORDAN, treatment(visits.state(intake.intake_id)))  # session 1, that day
    visits.store.visits.countersign(visits.state(intake.intake_id).visits[0].visit_id, practitioner_id="ajordan",
                                    staff="ajordan", device="t")  # (its documents are another test's)
    early = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=1))
    waiting = visits.rescreen(early.visit_id, asked(visits, early, rescreen_answers(False)), DESK)
    bundle = json.loads(life.store.visits.export(waiting.visit_id, "fhir", staff="manager", device="office-pc"))
    procedure = bundle["entry"][0]["resource"]
    Procedure.model_validate(procedure)
    assert procedure["status"] == "not-done" and "earliest date" in procedure["statusReason"]["text"]
    kept = json.loads(life.store.visits.export(waiting.visit_id, "json", staff="manager", device="office-pc"))
    assert kept["visit_id"] == waiting.visit_id and kept["status"] == "waiting"
    rows = list(csv.reader(io.StringIO(life.store.visits.export(waiting.visit_id, "csv", staff="m", device="o"))))
    assert ["status", "waiting"] in rows and ["answer.changes_since_last", "nothing_changed"] in rows
    with pytest.raises(IntakeError, match="not a visit export format"):
        life.store.visits.export(waiting.visit_id, "xml", staff="m", device="o")


def test_nothing_changed_since_a_session_keeps_what_the_client_reported_at_it(life, visits):
    """'Nothing has changed since <session 2>' carries session 2's answers over, not the consultation's: a medicine
    reported at session 2 is still assessed at session 3 (it was dropped before)."""
    intake = countersigned(life)
    asked_again = set(life.engine.rescreen.asked_again)
    doxycycline = {k: v for k, v in {**baseline(life.engine), "photosensitising_medicine": True,
                                     "photosensitising_medicine_name": "doxycycline"}.items() if k in asked_again}
    second = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=4))
    second = visits.rescreen(second.visit_id, asked(visits, second, rescreen_answers(True, doxycycline)), DESK)
    assert second.status == "ready" and second.assessment["verdict"] == "clearance"
    visits.record(second.visit_id, AJORDAN, treatment(visits.state(intake.intake_id),
                                                      clearance_note="pharmacist confirmed; SPF 50 daily"))
    visits.countersign(second.visit_id, AJORDAN)
    third = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=8))
    third = visits.rescreen(third.visit_id, asked(visits, third, rescreen_answers(False)), DESK)
    assert "photosensitising_medicine" in {f["rule"] for f in third.assessment["findings"]}
    assert third.assessment["verdict"] == "clearance"
    assert ("photosensitising_medicine", False, True) in visits.changes(third)  # changed since the consultation
