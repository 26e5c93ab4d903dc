"""Provides the sessions of a course: the first session's record, then each further visit's begin, re-screen,
the practitioner's record, countersignature.

Every front end and the command line call this; the rules are the core's: the course is what the sealed consent
states (intake.course.course.Course, read back from the stored consent), the re-screen is schemas/rescreen.json
assessed with every rule dated to the visit, the consent's coverage and the minimum interval come from
schemas/course.json with the clinic's [policy] consent_valid_months, and the treatment record is refused above
the consented depths or with an expired or unreadable cartridge. The store keeps each step, audited, naming who
did it on which device (intake.records.visits).

How sessions are numbered: a session is a treatment actually given, and its number is the count of treatments
given in the course up to and including it. When the client is treated on the day the consultation is
countersigned, the practitioner records that treatment as session 1 (`record_first`: its re-screen is the
consultation, so no second questionnaire; the same checks and documents as any session's record). When the
consultation day had no treatment ("Not treated today"), nothing is recorded for that day and the client's next
visit is session 1: it is re-screened like any visit, and no interval is waited for, since no skin was treated.
The consultation day's treatment can be recorded only while the course has no visit (once a later visit began,
each treatment is recorded at its own visit). Visits kept before session 1 could be recorded started at 2
(the consultation counted as session 1); their numbers stay, and the next one follows the highest.

A renewed consent (the consent expired, or another reason of course.json) is a new consultation, countersigned:
a new course, which follows the client's previous one (`CourseState.follows`); its first treatment is recorded
as above, and the earlier course's sessions are still shown to the practitioner, marked as such
(`CourseState.earlier`).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.course.course import (
    ConsentReason,
    Course,
    CourseError,
    CourseRules,
    TreatmentRecordError,
    VisitFacts,
    check_treatment,
    consent_reasons,
    earliest_next,
    load_course_rules,
    too_soon,
)
from intake.course.rescreen import NOTHING_CHANGED
from intake.documents.source import DocumentSource
from intake.documents.visitdocs import VisitPapers, deferral_documents, session_documents
from intake.documents.witness import AuditWitness
from intake.errors import InvalidRecordError
from intake.i18n import N_
from intake.records.errors import WorkflowError
from intake.records.model import Visit
from intake.records.visits import OPEN, TREATED, RescreenOutcome, not_ready

if TYPE_CHECKING:
    from intake.assessment import Assessment
    from intake.documents.model import Packet
    from intake.lifecycle.auth import Authenticated
    from intake.lifecycle.core import Lifecycle
    from intake.lifecycle.model import Actor

__all__ = ["UNFINISHED_WORDS", "CourseError", "CourseState", "DocumentsToMake", "SessionDocuments",
           "TreatmentRecordError", "Visits", "first_session"]


@dataclass(frozen=True)
class CourseState:
    """A course and its sessions so far.

    Attributes:
        course: what the signed consent states.
        client_id: whose course.
        visits: every visit of the client's course, oldest first.
        last_session: the day the client's answers were last given or confirmed before a session: the
            consultation's, or a treated visit's ("Nothing has changed since" this day).
        sessions_given: treatments given so far in the course (the highest session number treated).
        last_treated: the day of the last treatment given in the course (None: none yet, so no interval to wait).
        follows: the course (signed consultation) this one follows, when the client had one before; None for a
            client's first course.
        earlier: the sessions treated in the client's earlier courses, oldest first (shown, marked as such).
    """

    course: Course
    client_id: str
    visits: tuple[Visit, ...]
    last_session: date
    sessions_given: int
    last_treated: date | None = None
    follows: str | None = None
    earlier: tuple[Visit, ...] = ()

    def treated_before(self, visit: Visit) -> bool:
        """Whether the client had a treatment before `visit`, in this course or an earlier one. Only then does the
        re-screen ask how the skin healed after the last session. A visit's number counts the treatments given up
        to it, its own included once given: a number above 1 means an earlier one was given."""
        return visit.number > 1 or bool(self.earlier)

    def next_from(self) -> date | None:
        """The earliest day of the next session: the plan's interval after the last treatment (None: any day)."""
        return earliest_next(self.course, self.last_treated) if self.last_treated else None


#: What keeps a further session from starting, by the status of the client's unfinished visit (`Visits.unfinished`),
#: in staff's words; formatted with the visit's number, id and date (as the front end shows dates).
UNFINISHED_WORDS = {
    "ready": "Session {number} (visit {visit_id}, {date}) was re-screened and is ready for its treatment record. No "
             "further session can start until it is recorded and countersigned.",
    "recorded": "Session {number} (visit {visit_id}, {date}) has its treatment record and waits for the "
                "practitioner's countersignature. No further session can start until it is countersigned.",
}

#: What ending a visit without treatment means, said to staff before they give the reason (`Visits.end_untreated`).
ENDING_UNTREATED = ("No treatment is recorded for it and it counts as no session. The visit keeps the reason, with who "
                    "ended it and when, and the client's next visit can start.")

#: What the client is told once their answers are kept, by the re-screen's outcome (staff see the reasons).
CLIENT_WORDS = {
    "ready": N_("Thank you: your answers are saved. Your practitioner will see you for today's session."),
    "deferred": N_("Thank you for telling us. From your answers, we should not treat you today; your practitioner "
                   "will talk with you about it and about when to come back."),
    "waiting": N_("Thank you: your answers are saved. Your practitioner will talk with you first about when your "
                  "next session can be."),
    "needs_consent": N_("Thank you: your answers are saved. Before today's session your practitioner will go "
                        "through your treatment plan with you again."),
}
HAND_BACK = N_("Please let a member of staff know you have finished.")


class Visits:
    """A clinic's further sessions, on one Lifecycle (its engine, store and clock)."""

    def __init__(self, life: Lifecycle):
        self.life = life
        self.store = life.store
        self.config = life.engine.config
        #: each course as its consent states it: a signed consent is never changed, so it is read once (a course
        #: whose intake is no longer signed, erased for instance, is read again, and refused)
        self._courses: dict[str, Course] = {}
        self._renderer: Any = None  # made only when the lifecycle's renderer cannot make a visit's documents

    @cached_property
    def rules(self) -> CourseRules:
        """schemas/course.json."""
        return load_course_rules(self.config.schemas_dir)

    # -- the course --------------------------------------------------------------------------------------

    def course_id(self, ref: str) -> str:
        """The signed consultation a client's course stands on: `ref` is its intake id, another intake of the
        client, or the client's id (c-...); the latest signed one of the client is taken.

        Raises:
            RecordNotFoundError: no such intake or client.
            CourseError: the client has no countersigned consent.
        """
        text = ref.strip()
        client_id = text if text.startswith("c-") else self.store.load_intake(self.store.resolve(text)).client_id
        if client_id is None:
            raise CourseError(f"intake {text} no longer belongs to a client (erased): it starts no course.")
        signed = self.courses(client_id)
        if not signed:
            raise CourseError(f"client {client_id} has no countersigned consent: a further session needs one first "
                              "(a new consultation).")
        return signed[-1]

    def courses(self, client_id: str) -> list[str]:
        """Every course of a client (the intake id of each countersigned consultation), oldest first."""
        signed = [view for _, intake_id in self.store.intake_page(client_id=client_id, limit=1000)
                  if (view := self.store.load_intake(intake_id)).status == "signed"]
        return [view.intake_id for view in sorted(signed, key=lambda view: (view.signed_at or "", view.intake_id))]

    def language(self, course_id: str) -> str:
        """The language a client of this course used last: their signed consultation's, while the clinic offers it
        (else the clinic's). A returning client's next session starts in it."""
        record = self.store.load_intake(course_id).record or {}
        language = str(record.get("language") or "")
        return language if language in self.config.languages else self.config.language

    def state(self, course_id: str) -> CourseState:
        """The course and its sessions so far.

        Raises:
            CourseError: the consent cannot be read as a course.
        """
        view = self.store.load_intake(course_id)
        course = self._courses.get(course_id) if view.status == "signed" else None
        if course is None:
            course = self._courses[course_id] = self._read_course(course_id)
        client_id = view.client_id or ""
        every = self.store.visits.of_client(client_id)
        visits = tuple(v for v in every if v.course_id == course_id)
        treated = [date.fromisoformat(v.visit_date) for v in visits if v.status in TREATED]
        given = max((v.number for v in visits if v.status in TREATED), default=0)
        courses = self.courses(client_id) if client_id else []
        before = courses[:courses.index(course_id)] if course_id in courses else []
        earlier = tuple(v for v in every if v.course_id in before and v.status in TREATED)
        return CourseState(course, client_id, visits, max([course.consultation_date, *treated]), given,
                           max(treated, default=None), before[-1] if before else None, earlier)

    def _read_course(self, course_id: str) -> Course:
        """The course its sealed consent states, read from the stored consent (checked against its SHA-256)."""
        from intake.documents.payload import embedded_data

        try:
            payload = embedded_data(self.store.visits.course_consent(course_id))
        except ValueError as exc:
            raise CourseError(f"the consent of intake {course_id} cannot be read ({exc}).") from None
        return Course.from_consent(course_id, payload)

    # -- the visit's life ----------------------------------------------------------------------------------

    def begin(self, ref: str, actor: Actor, visit_date: date | None = None) -> Visit:
        """Starts a further session of the client's course, today unless `visit_date` is given.

        Raises:
            CourseError, RecordNotFoundError, WorkflowError: no signed consent, an erased client, another visit
                open, a date before the last session; nothing is written.
        """
        course_id = self.course_id(ref)
        self.state(course_id)  # the consent must state a course before a visit of it is started
        day = (visit_date or date.fromisoformat(self.life.today())).isoformat()
        return self.store.visits.start(course_id, visit_date=day, staff=actor.staff, device=actor.device)

    def open_visit(self, ref: str) -> Visit | None:
        """The client's visit started but not yet re-screened (an interrupted one, to carry on), or None."""
        unfinished = self.unfinished(ref)
        return unfinished if unfinished is not None and unfinished.status == "open" else None

    def unfinished(self, ref: str) -> Visit | None:
        """The client's visit that keeps a further one from starting, or None: started and not yet re-screened
        ("open"), re-screened ready and waiting for its treatment record ("ready"), or recorded and waiting for its
        countersignature ("recorded")."""
        course_id = self.course_id(ref)
        client_id = self.store.load_intake(course_id).client_id or ""
        return next((v for v in self.store.visits.of_client(client_id) if v.status in OPEN), None)

    def changes(self, visit: Visit) -> list[tuple[str, Any, Any]]:
        """What the client reported as changed at a visit: (question id, the consultation's answer, the visit's),
        for each question asked again whose answer differs (nothing when they said nothing has changed)."""
        if not visit.answers:
            return []
        state = self.state(visit.course_id)
        course = state.course
        rescreen = self.life.engine.rescreen
        now = rescreen.visit_answers(self.answers_before(state, visit), visit.answers)
        return [(qid, course.answers.get(qid), now.get(qid)) for qid in rescreen.asked_again
                if course.answers.get(qid) != now.get(qid)]

    def answers_before(self, state: CourseState, visit: Visit) -> dict[str, Any]:
        """The answers the course stood on when `visit` began: the consultation's, updated by the re-screen of each
        session given before it, in order. "Nothing has changed since <the last session>" carries these over, so a
        medicine reported at session 4 is still there at session 5."""
        answers = dict(state.course.answers)
        rescreen = self.life.engine.rescreen
        for earlier in state.visits:
            if earlier.visit_id == visit.visit_id:
                break
            if earlier.status in TREATED and earlier.answers:
                answers = rescreen.visit_answers(answers, earlier.answers)
        return answers

    def assess(self, visit: Visit, answers: Mapping[str, Any], language: str | None = None) -> Assessment:
        """The visit's answers assessed with every rule, dated to the visit, worded in `language` (the clinic's
        when None; raises InvalidRecordError)."""
        state = self.state(visit.course_id)
        return self.life.engine.rescreen.assess(self.config, self.answers_before(state, visit), answers,
                                                visit.visit_date, language,
                                                treated_before=state.treated_before(visit))

    def rescreen(self, visit_id: str, answers: Mapping[str, Any], actor: Actor) -> Visit:
        """Keeps the client's re-screen with what came of it: deferred (with the day they may return), waiting
        (too soon after the last session), a new consent needed (each reason), or ready for treatment.

        Raises:
            InvalidRecordError: the answers are incomplete or wrong (every problem listed); nothing is written.
            WorkflowError: the visit was re-screened already.
        """
        visit = self.store.visits.load(visit_id)
        state = self.state(visit.course_id)
        assessment = self.life.engine.rescreen.assess(self.config, self.answers_before(state, visit), answers,
                                                      visit.visit_date, treated_before=state.treated_before(visit))
        outcome, reasons, until = self.outcome(state, visit, assessment)
        return self.store.visits.rescreen(visit_id, answers=answers, assessment=assessment.to_dict(),
                                          outcome=outcome, reasons=[r.message for r in reasons], until=until,
                                          staff=actor.staff, device=actor.device)

    def outcome(self, state: CourseState, visit: Visit,
                assessment: Assessment) -> tuple[RescreenOutcome, list[ConsentReason], str | None]:
        """What a re-screen comes to, the reasons, and the day the client may come back (when deferred or waiting)."""
        day = date.fromisoformat(visit.visit_date)
        if assessment.verdict == "defer":
            reasons = [ConsentReason(f.rule_id, f.client_message) for f in assessment.findings
                       if f.severity == "defer"]
            until = assessment.return_date.isoformat() if assessment.return_date else None
            return "deferred", reasons, until
        early = too_soon(self.rules, state.course, state.last_treated, day, self.config.language) \
            if state.last_treated else None
        if early and state.last_treated:
            return "waiting", [ConsentReason("too_soon", early)], \
                earliest_next(state.course, state.last_treated).isoformat()
        new = {f.rule_id: f.practitioner_message for f in assessment.findings
               if f.rule_id not in state.course.findings}
        exact, wording = self._templates_now(state.course)
        facts = VisitFacts(day, state.sessions_given, self.config.consent_valid_months, self.config.legal_age,
                           exact, assessment.plan_limits, new, self.config.language, wording)
        reasons = consent_reasons(self.rules, state.course, facts)
        return ("needs_consent", reasons, None) if reasons else ("ready", [], None)

    def _templates_now(self, course: Course) -> tuple[dict[str, str], dict[str, str]]:
        """Each file the consent was made from as it is now: its exact version, and its wording version."""
        from intake.documents.templates import content_version
        from intake.documents.wording import wording_version

        exact, wording = {}, {}
        for name in course.consent_templates:
            path = self.config.templates_dir / name
            if path.is_file():
                data = path.read_bytes()
                exact[name] = content_version(data)
                if (words := wording_version(name, data)) is not None:
                    wording[name] = words
        return exact, wording

    def end_untreated(self, visit_id: str, who: Authenticated, reason: str) -> Visit:
        """Ends a visit started, or re-screened ready, without treatment (the client left, or the practitioner
        decided not to treat today), by the member of staff who proved who they are, with the reason; it gave no
        session, and the client's next visit can start.

        Raises:
            TextInputError: no reason (at least a few words), too long or not plain text.
            WorkflowError: the visit's treatment was recorded, or it ended otherwise; nothing is written.
        """
        said = self.check_untreated_reason(reason)
        return self.store.visits.end_untreated(visit_id, reason=said, staff=who.staff_id, device=who.device)

    def show_day(self, day: date) -> str:
        """A day as staff read it, in the clinic's date order (e.g. 31/12/2026)."""
        from intake.datetyping import date_order, show_date

        return show_date(day.isoformat(), date_order(self.config))

    @staticmethod
    def check_untreated_reason(reason: Any) -> str:
        """The reason a visit ends without treatment, trimmed (for a front end to check it as it is typed).

        Raises:
            TextInputError: no reason (at least a few words), too long or not plain text.
        """
        from intake.text import TextInputError, check_reason

        if len(said := check_reason(reason, required=False)) < 3:
            raise TextInputError("say why the visit ends without treatment (for example: the client had to leave, "
                                 "or the practitioner decided not to treat today).")
        return said

    def record(self, visit_id: str, who: Authenticated, treatment: Mapping[str, Any], *,
               practitioner_id: str | None = None, show: Callable[[date], str] | None = None) -> Visit:
        """Keeps the practitioner's record of the session, checked against the consented plan and the visit's
        findings (a clearance finding needs the practitioner's note of it). `show` writes the days in a refusal
        (by default `show_day`, the clinic's order, as the screens show dates; the command line gives
        `date.isoformat`, as its file is written).

        Raises:
            AuthenticationError: not a practitioner, or not as `practitioner_id`.
            TreatmentRecordError: every problem of the record; nothing is written.
            WorkflowError: the visit is not ready for treatment.
        """
        by = who.acting_practitioner("treat", practitioner_id)
        visit = self.store.visits.load(visit_id)
        state = self.state(visit.course_id)
        limits = (visit.assessment or {}).get("plan_limits", {})
        kept = check_treatment(self.rules, state.course, treatment, visit_date=date.fromisoformat(visit.visit_date),
                               show=show or self.show_day,
                               plan_limits=limits)
        if (visit.assessment or {}).get("verdict") == "clearance":
            note = treatment.get("clearance_note")
            if not isinstance(note, str) or len(note.strip()) < 3:
                raise TreatmentRecordError(["today's answers need a clearance (see the findings): write what was "
                                            "obtained in the clearance note"])
            kept["clearance_note"] = note.strip()
        return self.store.visits.record_treatment(visit_id, treatment=kept, practitioner_id=by,
                                                  staff=who.staff_id, device=who.device)

    def record_first(self, ref: str, who: Authenticated, treatment: Mapping[str, Any], *,
                     practitioner_id: str | None = None, show: Callable[[date], str] | None = None) -> Visit:
        """Keeps the treatment given on the day the consultation was countersigned as session 1 of its course
        (`ref`: the consultation's intake id, or the client's id for their latest course), checked as any
        session's record against the consented plan and the consultation's findings, dated the day of the
        countersignature; the consultation is its re-screen. It is countersigned like any session's record.
        `show`: as for `record`.

        Raises:
            AuthenticationError: not a practitioner, or not as `practitioner_id`.
            CourseError: the consultation is not countersigned (deferred, or not yet), or a later consent
                replaced its course; nothing is written.
            TreatmentRecordError: every problem of the record; nothing is written.
            WorkflowError: session 1 is recorded already, a later visit of the course began, or another visit of
                the client is open; nothing is written.
        """
        by = who.acting_practitioner("treat", practitioner_id)
        course_id = self._first_course(ref)
        course = self.state(course_id).course
        assessment = self.store.load_intake(course_id).assessment or {}
        kept = check_treatment(self.rules, course, treatment, visit_date=course.consented_on,
                               show=show or self.show_day,
                               plan_limits=assessment.get("plan_limits") or {})
        return self.store.visits.record_first(course_id, visit_date=course.consented_on.isoformat(),
                                              assessment=assessment, treatment=kept, practitioner_id=by,
                                              staff=who.staff_id, device=who.device)

    def _first_course(self, ref: str) -> str:
        """The course whose first session is recorded: `ref`'s own consultation when it is an intake's id."""
        text = ref.strip()
        if text.startswith("c-"):
            return self.course_id(text)
        view = self.store.load_intake(self.store.resolve(text))
        if view.status == "deferred":
            raise CourseError(f"intake {view.intake_id} was deferred at the consultation: no treatment was given, "
                              "so there is no session to record (the client comes back for a new consultation).")
        if view.status != "signed":
            raise CourseError(f"intake {view.intake_id} is {view.status}, not countersigned: the first session's "
                              "treatment is recorded after the practitioner countersigns the consultation.")
        latest = self.course_id(view.intake_id)
        if latest != view.intake_id:
            raise CourseError(f"the course of intake {view.intake_id} was followed by a new consent (intake "
                              f"{latest}): record the treatment in that course.")
        return latest

    def countersign(self, visit_id: str, who: Authenticated, *, practitioner_id: str | None = None,
                    out_dir: Path | None = None, signed_at: datetime | None = None) -> SessionDocuments:
        """The practitioner countersigns the recorded session: its record and aftercare sheet are rendered and sealed
        first (through the consultation's renderer and seal), then kept with the countersignature in one write, and
        written (0600) into `out_dir` (default the documents folder), one folder per course. `signed_at`: when
        they countersigned, when not now (not in the future, not before the treatment record was kept).

        Raises:
            AuthenticationError: not a practitioner, or not as `practitioner_id`.
            WorkflowError: the visit has no treatment record, is countersigned already, or `signed_at` is in the
                future or before the record (nothing is written).
            SealKeyError, TemplateProblemError: the documents cannot be made (nothing is written).
        """
        job = self.countersigning(visit_id, who, practitioner_id=practitioner_id, signed_at=signed_at)
        return job.keep(job.make(), out_dir)

    def countersigning(self, visit_id: str, who: Authenticated, *, practitioner_id: str | None = None,
                       signed_at: datetime | None = None) -> DocumentsToMake:
        """`countersign` in two halves, for a front end that makes the documents in a worker thread: this checks
        the countersignature and says what to make (nothing is written); the job's `make` renders and seals (any
        thread, no store), its `keep` keeps them with the countersignature (the store's thread).

        Raises:
            AuthenticationError, WorkflowError: as `countersign` (nothing is written).
        """
        by = who.acting_practitioner("countersign", practitioner_id)
        visit = self.store.visits.load(visit_id)
        if visit.status != "recorded":  # refused before anything is rendered (the store checks again when keeping)
            raise WorkflowError(not_ready(visit_id, visit.status, "a countersignature"))
        now = self._signed_at(visit, signed_at)
        given = now.isoformat() if signed_at is not None else None
        signed = replace(visit, status="signed", countersigned_by=by, signed_at=now.isoformat())

        def keep(packet: Packet, out_dir: Path | None) -> SessionDocuments:
            kept = self.store.visits.countersign(visit_id, practitioner_id=by, staff=who.staff_id, device=who.device,
                                                 documents=packet.documents, signed_at=given)
            return SessionDocuments(kept, self._write(packet, kept, out_dir))

        return self._job(session_documents(self.life.engine, self._papers(signed, now, by)), keep)

    def _signed_at(self, visit: Visit, signed_at: datetime | None) -> datetime:
        """The countersignature's moment: now, or `signed_at` when it is neither in the future nor before the
        treatment record was kept (WorkflowError)."""
        now = self._now()
        if signed_at is None:
            return now
        when = signed_at.astimezone(UTC).replace(microsecond=0)
        if when > now:
            raise WorkflowError(f"the countersignature time {when.isoformat()} is in the future (now "
                                f"{now.isoformat()}): give the time it was made.")
        recorded = datetime.fromisoformat(visit.recorded_at) if visit.recorded_at else None
        if recorded is not None and when < recorded.astimezone(UTC).replace(microsecond=0):
            raise WorkflowError(f"the countersignature time {when.isoformat()} is before the treatment record was "
                                f"kept ({recorded.astimezone(UTC).replace(microsecond=0).isoformat()}): a session is "
                                "countersigned after its record.")
        return when

    def letter(self, visit_id: str, who: Authenticated, *, out_dir: Path | None = None) -> SessionDocuments:
        """The deferral letter of a visit the re-screen deferred, issued now and kept like the consultation's:
        signed by the practitioner when a practitioner issues it, else from the clinic's team.

        Raises:
            WorkflowError: the visit was not deferred (nothing is written).
            SealKeyError, TemplateProblemError: the letter cannot be made.
        """
        job = self.lettering(visit_id, who)
        return job.keep(job.make(), out_dir)

    def lettering(self, visit_id: str, who: Authenticated) -> DocumentsToMake:
        """`letter` in two halves, as `countersigning`.

        Raises:
            WorkflowError: the visit was not deferred (nothing is written).
        """
        visit = self.store.visits.load(visit_id)
        if visit.status != "deferred":
            raise WorkflowError(f"visit {visit_id} is {visit.status}, not deferred: a deferral letter is given only "
                                "when the re-screen says 'not today'.")
        now = self._now()
        issuer = who.practitioner_id if who.role == "practitioner" else None

        def keep(packet: Packet, out_dir: Path | None) -> SessionDocuments:
            self.store.visits.add_documents(visit_id, packet.documents, staff=who.staff_id, device=who.device)
            return SessionDocuments(visit, self._write(packet, visit, out_dir))

        return self._job(deferral_documents(self.life.engine, self._papers(visit, now, issuer)), keep)

    def rescreen_stopped(self, visit_id: str, answers: Mapping[str, Any], actor: Actor) -> Visit:
        """Keeps a re-screen stopped kindly at a deferral (intake.kindstop): the answers given up to the stop, each
        checked as in any re-screen, kept as deferred with the reasons; the questions after the stop were not asked.

        Raises:
            InvalidRecordError: an answer given is wrong, or the answers given defer nothing (then the client
                answers every question); nothing is written.
            WorkflowError: the visit was re-screened already.
        """
        from intake.recordschema import RECORD_FORMAT
        from intake.validation import Problem

        visit = self.store.visits.load(visit_id)
        state = self.state(visit.course_id)
        rescreen = self.life.engine.rescreen
        given = {k: v for k, v in answers.items() if v not in (None, "", [])}
        record = {"format": RECORD_FORMAT, "questionnaire_version": rescreen.questionnaire.version,
                  "consultation_date": visit.visit_date, "language": self.language(visit.course_id), "answers": given}
        asking = rescreen.validator(self.config, treated_before=state.treated_before(visit))
        problems = [p for p in asking.problems(record) if p.field in given]
        if problems:
            raise InvalidRecordError(problems)
        assessment = self._assess_given(state, visit, given)
        if not any(f.severity == "defer" and f.question_id in given for f in assessment.findings):
            raise InvalidRecordError([Problem("answers", "Answers", "none of the answers given means no treatment "
                                              "today, so the re-screen does not stop: the client answers every "
                                              "question.")])
        _, reasons, until = self.outcome(state, visit, assessment)
        return self.store.visits.rescreen(visit_id, answers=given, assessment=assessment.to_dict(),
                                          outcome="deferred", reasons=[r.message for r in reasons], until=until,
                                          staff=actor.staff, device=actor.device)

    def _assess_given(self, state: CourseState, visit: Visit, given: Mapping[str, Any],
                      language: str | None = None) -> Assessment:
        """The answers given up to a kind stop, assessed with every rule dated to the visit (the questions after the
        stop were not asked, so the answers are not checked for completeness)."""
        from intake.assessment import Assessor

        rescreen = self.life.engine.rescreen
        assessor = Assessor(rescreen.assessing, rescreen.rules, self.config.windows, self.config.age_policy,
                            language or self.config.language, self.config.limits)
        return assessor.assess({"consultation_date": visit.visit_date,
                                "answers": rescreen.visit_answers(self.answers_before(state, visit), given)})

    # -- the documents -------------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.life.clock().astimezone(UTC).replace(microsecond=0)

    def _papers(self, visit: Visit, now: datetime, issued_by: str | None) -> VisitPapers:
        """What the visit's documents are made from: the visit, its course, and the answers assessed again."""
        state = self.state(visit.course_id)
        course = state.course
        before = [date.fromisoformat(v.visit_date) for v in state.visits
                  if v.status in TREATED and v.visit_id != visit.visit_id and v.visit_date <= visit.visit_date]
        last = max([course.consultation_date, *before])
        language = course.language or self.config.language  # the documents' language (intake.documents.visitdocs)
        try:
            assessment = self._consultation_assessment(visit, language) if first_session(visit) else \
                self.assess(visit, visit.answers or {}, language)
        except InvalidRecordError:
            if visit.status != "deferred":
                raise
            assessment = self._assess_given(state, visit, visit.answers or {}, language)  # up to a kind stop
        window = None
        left = max(0, course.sessions - visit.number)
        if visit.treatment is not None and left:
            start = date.fromisoformat(visit.treatment.get("next_session_from") or earliest_next(
                course, date.fromisoformat(visit.visit_date), assessment.plan_limits).isoformat())
            spacing = self.life.engine.treatment.data["interval_weeks"]
            window = (start, start + timedelta(weeks=max(0, spacing["max"] - spacing["min"])))
        consent = hashlib.sha256(self.store.visits.course_consent(visit.course_id)).hexdigest()
        head = self.store.audit_head()
        return VisitPapers(visit, course, str(course.answers.get("full_name", "")), assessment,
                           self.changes(visit), last, now, consent, window, left, issued_by,
                           AuditWitness(head.entry, head.hash),
                           (visit.answers or {}).get(self.life.engine.rescreen.changes_question) == NOTHING_CHANGED)

    def _consultation_assessment(self, visit: Visit, language: str) -> Assessment:
        """Session 1's re-screen is the consultation: its answers assessed as they were that day (worded in
        `language`)."""
        engine = self.life.engine
        record = self.store.load_intake(visit.course_id).record or {}
        problems = engine.validate(record)
        if problems:
            raise InvalidRecordError(problems)
        return engine.assessor_in(language).assess(record)

    def _job(self, source: DocumentSource, keep: Callable[[Packet, Path | None], SessionDocuments]) -> DocumentsToMake:
        """The documents of `source` to make with the clinic's seal (made on first use for the demo clinic), through
        the lifecycle's renderer when it can make them, else one of the same kind made once here."""
        self.life.ensure_seal(source.issued_at)
        renderer = self.life.renderer()
        if not hasattr(renderer, "render_documents"):
            if self._renderer is None:
                from intake.documents import PacketRenderer

                self._renderer = PacketRenderer(self.life.engine)
            renderer = self._renderer
        return DocumentsToMake(source, renderer.render_documents, keep)

    def _write(self, packet: Packet, visit: Visit, out_dir: Path | None) -> list[Path]:
        """Writes the documents (0600) into the course's folder of the documents folder."""
        return [Path(p) for p in packet.write((out_dir or self.life.out_dir) / visit.course_id)]


def first_session(visit: Visit) -> bool:
    """The visit is session 1 recorded on the consultation's day (its re-screen is the consultation)."""
    return visit.outcome.get("rescreen") == "consultation"


@dataclass(frozen=True)
class DocumentsToMake:
    """A visit's documents, checked and ready to make: `make` renders and seals them (in any thread: it touches no
    store), `keep` keeps them (in the store's thread) and writes them into the documents folder or `out_dir`."""

    source: DocumentSource
    render: Callable[[DocumentSource], Packet]
    keeping: Callable[[Packet, Path | None], SessionDocuments]

    def make(self) -> Packet:
        """Renders and seals the documents."""
        return self.render(self.source)

    def keep(self, packet: Packet, out_dir: Path | None = None) -> SessionDocuments:
        """Keeps the made documents with the act they belong to; written (0600) one folder per course."""
        return self.keeping(packet, out_dir)


@dataclass(frozen=True)
class SessionDocuments:
    """A visit after its documents were made: the visit as kept, and where its documents were written."""

    visit: Visit
    paths: list[Path]
