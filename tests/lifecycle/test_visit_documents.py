"""A further session's documents: rendered and sealed by the consultation's renderer, kept, verified, read back.

- A countersigned session gives its sealed session record and aftercare sheet: written 0600, kept in the store
  with the course (reprinted byte-identical, audited with the visit), verified by `verify_pdf` (which says what
  they are), and the record shows every field the practitioner entered and who treated and countersigned, by
  name and id; the aftercare shows the next session's window and the sessions left.
- What the client reported as changed is shown as changed; "Nothing has changed since <day>" as they said it.
- The treatment given when the consultation was countersigned is session 1, with the same sealed record (which
  says its screening was the consultation) and aftercare; a renewed consent's course names the one it follows
  and shows that course's sessions, marked as earlier.
- Generated from the data: for every rule that defers at a visit (the re-screen's own, and each rule of
  rules.json the re-screen can trigger), a visit whose answers trigger it yields a deferral letter that verifies
  and reads the rule's client message.
- A flipped byte, or bytes added, fail verification; a letter for a visit that was not deferred is refused and
  nothing is written.
"""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from intake import conditions
from intake.datetyping import show_date
from intake.documents import verify_pdf
from intake.documents.payload import embedded_data
from intake.errors import IntakeError
from intake.lifecycle import Lifecycle
from intake.lifecycle.visits import Visits
from tests.course.test_rescreen import ASKED_AGAIN, OWN_RULES
from tests.course.test_rescreen import visit as rescreen_answers
from tests.documents.personas import baseline
from tests.documents.reading import pdftotext, squash
from tests.lifecycle.conftest import AJORDAN, DESK, fresh
from tests.lifecycle.test_visits import asked, countersigned, day0, first_session, treatment

DEFERRING = [(rule.id, rule, record) for rule, record in ASKED_AGAIN if rule.severity == "defer"] + \
    [(rule.id, rule, None) for rule in OWN_RULES if rule.severity == "defer"]


@pytest.fixture
def later(life_engine, life_renderer) -> Lifecycle:
    """The lifecycle with its clock on a visit's day (a session's documents are issued when countersigned)."""
    from intake.records import Store

    when = datetime(2027, 1, 15, 10, 30, tzinfo=UTC)
    store = Store.open(life_engine.config, engine=life_engine, clock=lambda: when)
    yield Lifecycle(life_engine, store, life_renderer, clock=lambda: when)
    store.close()


def first_day(visit) -> date:
    return date.fromisoformat(visit.visit_date)


def text_of(path: Path) -> str:
    return squash(pdftotext(path.read_bytes()))


def test_a_countersigned_session_gives_its_sealed_record_and_aftercare(later, tmp_path):
    visits = Visits(later)
    intake = countersigned(later)
    visit_day = day0(intake) + timedelta(weeks=5)
    started = visits.begin(intake.intake_id, DESK, visit_day)
    visits.rescreen(started.visit_id, asked(visits, started, rescreen_answers(False)), DESK)
    state = visits.state(started.course_id)
    given = treatment(state, numbing="lidocaine 5% cream, 30 minutes", skin_response="even pink, no bleeding spots",
                      advice="SPF 50 daily; no retinol for 7 days", cartridge_lot="LOT-7731-Q")
    visits.record(started.visit_id, AJORDAN, given)
    done = visits.countersign(started.visit_id, AJORDAN, out_dir=tmp_path)
    assert done.visit.status == "signed"
    record, aftercare = done.paths
    assert "session_record" in record.name and "session_aftercare" in aftercare.name
    for path in done.paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        report = verify_pdf(path.read_bytes(), later.engine.config)
        assert report.ok, report.reason
        assert report.record_id == started.visit_id and report.client == state.course.answers["full_name"]
        assert f"session 1 of {state.course.sessions}" in report.about and intake.intake_id in report.about
    assert verify_pdf(record.read_bytes(), later.engine.config).kind == "session_record"

    data = embedded_data(record.read_bytes())
    assert data["visit"]["visit_id"] == started.visit_id and data["visit"]["course_id"] == intake.intake_id
    assert data["visit"]["session"] == 1 and data["treatment"]["cartridge_lot"] == "LOT-7731-Q"  # none given before
    assert data["record"]["answers"] == asked(visits, started, rescreen_answers(False))  # by id, language-neutral
    assert len(data["course"]["consent_sha256"]) == 64

    text = text_of(record)
    for shown in ("Dr. Pen A6", "12 needles", "LOT-7731-Q", "lidocaine 5% cream, 30 minutes", "hyaluronic acid",
                  "even pink, no bleeding spots", "SPF 50 daily; no retinol for 7 days", "Alex Jordan (ajordan)",
                  f"Session 1 of {state.course.sessions}", "test-tablet", started.visit_id, intake.intake_id):
        assert shown in text, shown
    assert "Adverse events none" in text
    for depth in given["areas"].values():
        assert f"{depth:g} mm" in text
    assert "Nothing has changed since" in text
    # the first treatment (none on the consultation day): the record says healing was not asked, never that it was
    assert "No treatment was given before this one, so nothing was asked about how the skin healed" in text
    assert "healing after the last session was asked again" not in text

    text = text_of(aftercare)
    earliest = visit_day + timedelta(weeks=state.course.interval_weeks)
    assert f"Your next session: between {earliest:%A}" in text and str(earliest.day) in text
    left = state.course.sessions - 1
    assert (f"{left} more sessions" if left > 1 else "One more session") in text
    assert "When to call us" in text and "The first 24 hours" in text  # the consultation's aftercare, reused

    kept = later.store.visits.documents(started.visit_id, staff="ajordan", device="test-tablet")
    assert [info.kind for info, _ in kept] == ["session_record", "session_aftercare"]
    assert [pdf for _, pdf in kept] == [p.read_bytes() for p in done.paths]
    rendered = [e for e in later.store.audit_trail(intake.intake_id) if e.event == "rendered"
                and e.data.get("visit_id") == started.visit_id]
    assert [(e.data["kind"], e.staff, e.device) for e in rendered] == [
        ("session_record", "ajordan", "test-tablet"), ("session_aftercare", "ajordan", "test-tablet")]
    assert later.store.verify_audit().ok


def test_what_the_client_changed_is_shown_as_changed(later, tmp_path):
    visits = Visits(later)
    intake = countersigned(later)
    visit_day = day0(intake) + timedelta(weeks=6)
    started = visits.begin(intake.intake_id, DESK, visit_day)
    waxed = (visit_day - timedelta(days=60)).isoformat()  # long enough ago to need no wait today
    answers = rescreen_answers(True, {**baseline(later.engine), "waxing_recent": True, "waxing_date": waxed})
    ready = visits.rescreen(started.visit_id, asked(visits, started, answers), DESK)
    assert ready.status == "ready", ready.outcome
    assert [q for q, _, _ in visits.changes(ready)] == ["waxing_recent", "waxing_date"]
    visits.record(started.visit_id, AJORDAN, treatment(visits.state(started.course_id)))
    text = text_of(visits.countersign(started.visit_id, AJORDAN, out_dir=tmp_path).paths[0])
    assert "Nothing has changed since" not in text and "What has changed since the consultation" in text
    assert "No → Yes" in text and "Changed" in text  # what changed, from the consultation's answer to today's


def test_the_last_session_of_the_course_says_so_and_gives_no_next_window(later, tmp_path):
    visits = Visits(later)
    intake = countersigned(later)
    course = visits.state(intake.intake_id).course
    first = visits.record_first(intake.intake_id, AJORDAN, treatment(visits.state(intake.intake_id)))
    later.store.visits.countersign(first.visit_id, practitioner_id="ajordan", staff="ajordan", device="t")
    done = None
    for number in range(2, course.sessions + 1):
        started = visits.begin(intake.intake_id, DESK, first_day(first) + timedelta(weeks=5 * (number - 1)))
        visits.rescreen(started.visit_id, asked(visits, started, rescreen_answers(False)), DESK)
        visits.record(started.visit_id, AJORDAN, treatment(visits.state(started.course_id)))
        done = visits.countersign(started.visit_id, AJORDAN, out_dir=tmp_path)
    assert done is not None and done.visit.number == course.sessions
    aftercare = done.paths[1]
    assert embedded_data(aftercare.read_bytes())["next_session"] is None
    text = text_of(aftercare)
    assert "This was the last session of your course" in text and "Your next session" not in text
    said = text_of(done.paths[0])
    assert f"Session {course.sessions} of {course.sessions}" in said
    assert "the skin's healing after the last session was asked again" in said  # a treatment came before
    assert "nothing was asked about how the skin healed" not in said


def _answers_for(rule, record, engine):
    if record is not None:
        return rescreen_answers(True, record["answers"])
    given = rescreen_answers(False)
    for leaf in conditions.leaves(rule.when):
        given[leaf["question"]] = leaf["equals"]
    return given


def test_every_rule_that_defers_has_at_least_one_case():
    assert DEFERRING, "no rule defers at a visit: the letter is never tested"


@pytest.fixture(scope="module")
def course_for_letters(life):
    """A course whose first treatment was given on the consultation's day: every re-screen question is asked at
    the visits after it, how the skin healed included."""
    intake = countersigned(life)
    first_session(Visits(life), intake)
    return intake


@pytest.mark.parametrize(("rule_id", "rule", "record"), DEFERRING, ids=[i for i, _, _ in DEFERRING])
def test_a_deferring_rescreen_yields_a_letter_that_verifies_and_reads_the_client_message(
        life, course_for_letters, tmp_path, rule_id, rule, record):
    visits = Visits(life)
    intake = course_for_letters
    started = visits.begin(intake.intake_id, DESK, day0(intake))  # the consultation's day: its dates still hold
    deferred = visits.rescreen(started.visit_id, asked(visits, started, _answers_for(rule, record, life.engine)), DESK)
    assert deferred.status == "deferred", deferred.outcome
    done = visits.letter(started.visit_id, AJORDAN, out_dir=tmp_path)
    (letter,) = done.paths
    assert stat.S_IMODE(letter.stat().st_mode) == 0o600
    report = verify_pdf(letter.read_bytes(), life.engine.config)
    assert report.ok and report.kind == "visit_deferral" and report.record_id == started.visit_id, report.reason
    finding = next(f for f in visits.assess(deferred, deferred.answers or {}).findings if f.rule_id == rule_id)
    text = text_of(letter)
    assert squash(finding.client_message) in text
    assert "Alex Jordan" in text and "not a judgement of you" in text
    kept = life.store.visits.documents(started.visit_id, staff="ajordan", device="test-tablet")
    assert [pdf for _, pdf in kept] == [letter.read_bytes()]


def test_a_letter_for_a_visit_not_deferred_is_refused_and_nothing_is_written(life, tmp_path):
    visits = Visits(life)
    intake = countersigned(life)
    started = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=5))
    visits.rescreen(started.visit_id, asked(visits, started, rescreen_answers(False)), DESK)
    with pytest.raises(IntakeError, match="not deferred"):
        visits.letter(started.visit_id, AJORDAN, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())
    with pytest.raises(IntakeError, match="no stored documents"):
        life.store.visits.documents(started.visit_id, staff="ajordan", device="test-tablet")


def test_a_tampered_session_record_fails_verification(later, tmp_path):
    visits = Visits(later)
    intake = countersigned(later)
    started = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=5))
    visits.rescreen(started.visit_id, asked(visits, started, rescreen_answers(False)), DESK)
    visits.record(started.visit_id, AJORDAN, treatment(visits.state(started.course_id)))
    pdf = visits.countersign(started.visit_id, AJORDAN, out_dir=tmp_path).paths[0].read_bytes()
    at = pdf.index(b"LOT-2611-A") if b"LOT-2611-A" in pdf else len(pdf) // 2
    for position in (at, len(pdf) // 3, len(pdf) - 10):
        tampered = bytearray(pdf)
        tampered[position] ^= 0x01
        report = verify_pdf(bytes(tampered), later.engine.config)
        assert not report.ok and report.reason
    assert not verify_pdf(pdf + b"\n% added\n", later.engine.config).ok




@pytest.mark.parametrize(("rule_id", "rule", "record"), DEFERRING[:1] + DEFERRING[-1:], ids=["asked again", "own"])
def test_a_visit_assessed_for_the_clients_documents_is_worded_in_their_language(
        life, course_for_letters, rule_id, rule, record):
    """Staff read a visit's findings in the clinic's language; the letter and session record a client takes home
    are worded in the course's language (Visits passes it when the documents are made)."""
    visits = Visits(life)
    started = visits.begin(course_for_letters.intake_id, DESK, day0(course_for_letters))
    deferred = visits.rescreen(started.visit_id, asked(visits, started, _answers_for(rule, record, life.engine)), DESK)
    english, german = (next(f for f in visits.assess(deferred, deferred.answers or {}, language).findings
                            if f.rule_id == rule_id) for language in ("en", "de"))
    assert english.client_message != german.client_message
    assert german.client_message.startswith(rule.client_message["de"].split("{")[0].strip()[:20])
    assert deferred.assessment and english.client_message in str(deferred.assessment)  # kept for staff in English


def test_the_first_session_is_recorded_and_sealed_and_a_renewed_course_keeps_it_as_earlier(life, later, tmp_path):
    """Session 1 on the day the consultation was countersigned (its re-screen the consultation); months later a
    new consent (a new course, following the first) whose practitioner still sees that session, marked."""
    from intake.lifecycle import ClientSignatures
    from intake.lifecycle.treatment_form import context

    born = "1979-09-17"
    first = countersigned(life, born)
    visits = Visits(life)
    recorded = visits.record_first(first.intake_id, AJORDAN, treatment(visits.state(first.intake_id),
                                                                      skin_response="pink, settled in an hour"))
    done = visits.countersign(recorded.visit_id, AJORDAN, out_dir=tmp_path)
    sessions = visits.state(first.intake_id).course.sessions
    record, aftercare = done.paths
    report = verify_pdf(record.read_bytes(), life.engine.config)
    assert report.ok and f"session 1 of {sessions}" in report.about
    text = text_of(record)
    assert "The first session of the course, given when the consultation of" in text
    assert "Nothing has changed since" not in text and "LOT-2611-A" in text and "Alex Jordan (ajordan)" in text
    assert embedded_data(record.read_bytes())["visit"]["outcome"]["rescreen"] == "consultation"
    assert "Your next session: between" in text_of(aftercare)

    renewed = fresh(later, record_of(later, born))
    name = renewed.answers["full_name"]
    later.sign(renewed, ClientSignatures(later.typed_signature(renewed, "consent", name), None), DESK)
    later.keep_documents(renewed, later.render(renewed, later.countersignature(
        renewed, AJORDAN, later.default_plan(renewed))), AJORDAN.actor)
    again = Visits(later)
    state = again.state(again.course_id(first.intake_id))
    assert state.course.course_id == renewed.intake_id and state.follows == first.intake_id
    assert [v.visit_id for v in state.earlier] == [recorded.visit_id] and state.sessions_given == 0
    assert again.courses(state.client_id) == [first.intake_id, renewed.intake_id]
    one = again.record_first(renewed.intake_id, AJORDAN, treatment(state))
    assert (one.number, one.visit_date, one.course_id) == (1, "2027-01-15", renewed.intake_id)
    shown = context(again, one, name)
    assert shown.earlier[0].startswith(f"Earlier course · Session 1 · {show_date(recorded.visit_date, 'DMY')}")
    assert "pink, settled in an hour" in shown.earlier[0] and "following the earlier course" in shown.earlier[1]
    with pytest.raises(IntakeError, match="followed by a new consent"):
        again.record_first(first.intake_id, AJORDAN, treatment(state))


def record_of(life: Lifecycle, born: str) -> dict:
    from tests.documents.personas import record

    return record(life.engine, baseline(life.engine, date_of_birth=born), consultation_date="2027-01-15")
