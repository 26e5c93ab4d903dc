"""Provides the documents of a further session of a course: the sealed session record, the session's aftercare
sheet, and the deferral letter when the re-screen says "not today".

What they say comes from the visit as kept (re-screen answers by question id, the assessment dated to the visit,
the practitioner's record) and the course its sealed consent states; the wording is in templates/
(session_record.html.j2, session_aftercare.html.j2, visit_deferral.html.j2). They are laid out, written and sealed
by the consultation's renderer (`PacketRenderer.render_documents`), embed their data as the consultation's do,
and `intake verify` checks them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from intake import __version__
from intake.documents.context import assessment_view
from intake.documents.model import utc_text
from intake.documents.payload import PAYLOAD_FORMAT
from intake.documents.source import DocumentSource
from intake.documents.views import ClinicView
from intake.documents.witness import AuditWitness
from intake.questionnaire import localize

if TYPE_CHECKING:
    from intake.assessment import Assessment
    from intake.course.course import Course
    from intake.records.model import Visit

#: The documents of a countersigned session, and of a deferred visit.
SESSION_KINDS = ("session_record", "session_aftercare")
DEFERRAL_KINDS = ("visit_deferral",)
VISIT_KINDS = SESSION_KINDS + DEFERRAL_KINDS


@dataclass(frozen=True)
class VisitPapers:
    """What a visit's documents are made from, read from the store and the course by the lifecycle.

    Attributes:
        visit: the visit as kept.
        course: the course its consent states.
        client_name: the client's name, from the consultation.
        assessment: the visit's answers assessed, dated to the visit.
        changes: what the client reported as changed: (question id, the consultation's answer, the visit's).
        last_session: the day of the session before this visit.
        issued_at: when the documents are issued (the countersignature's time, or the letter's).
        consent_sha256: the SHA-256 of the sealed consent the course stands on.
        next_window: the next session's earliest and latest day, or None (no session left, or deferred).
        sessions_left: planned sessions of the course still to come after this one.
        issued_by: who countersigned (a session) or issued (a letter); None for a letter from the team.
        witness: where the audit trail stood, written into the sealed revision.
        nothing_changed: the client answered "Nothing has changed" (their own explicit answer).
    """

    visit: Visit
    course: Course
    client_name: str
    assessment: Assessment
    changes: Sequence[tuple[str, Any, Any]]
    last_session: date
    issued_at: datetime
    consent_sha256: str
    next_window: tuple[date, date] | None
    sessions_left: int
    issued_by: str | None
    witness: AuditWitness | None = None
    nothing_changed: bool = False


def session_documents(engine: Any, papers: VisitPapers) -> DocumentSource:
    """The countersigned session's record and aftercare sheet."""
    return _source(engine, papers, SESSION_KINDS)


def deferral_documents(engine: Any, papers: VisitPapers) -> DocumentSource:
    """The deferred visit's letter to the client."""
    return _source(engine, papers, DEFERRAL_KINDS)


def _source(engine: Any, papers: VisitPapers, kinds: tuple[str, ...]) -> DocumentSource:
    return DocumentSource(kinds, papers.visit.visit_id, papers.visit.status, papers.issued_at,
                          visit_data(engine, papers), visit_context(engine, papers), papers.witness)


def _person(engine: Any, staff_id: str | None) -> dict[str, Any] | None:
    if not staff_id:
        return None
    person = engine.config.practitioner(staff_id)
    if person is None:  # a staff member who is not one of the clinic's practitioners
        return {"id": staff_id, "name": staff_id, "role": "", "registration": ""}
    return {"id": person.id, "name": person.name, "role": person.role or "",
            "registration": person.registration or ""}


def papers_language(engine: Any, papers: VisitPapers) -> str:
    """The language of a visit's documents: the one the client chose at the consultation, else the clinic's."""
    return papers.course.language or str(engine.config.language)


def visit_data(engine: Any, papers: VisitPapers) -> dict[str, Any]:
    """The data every document of the visit embeds: ids and language-neutral answers, as kept."""
    visit, course = papers.visit, papers.course
    rescreen = engine.rescreen
    return {
        "format": PAYLOAD_FORMAT,
        "generator": f"intake {__version__}",
        "clinic": {"name": engine.config.clinic["name"], "timezone": engine.config.clinic["timezone"]},
        "record": {"record_id": visit.visit_id, "record_id_derived": False, "kind": "visit",
                   "questionnaire_version": rescreen.questionnaire.version, "consultation_date": visit.visit_date,
                   "language": papers_language(engine, papers), "answers": dict(visit.answers or {}),
                   "client_name": papers.client_name},
        "visit": {"visit_id": visit.visit_id, "client_id": visit.client_id, "course_id": visit.course_id,
                  "session": visit.number, "sessions": course.sessions, "visit_date": visit.visit_date,
                  "status": visit.status, "outcome": dict(visit.outcome), "started_by": visit.started_by,
                  "device": visit.device, "recorded_at": visit.recorded_at, "signed_at": visit.signed_at},
        "course": {"course_id": course.course_id, "consented_on": course.consented_on.isoformat(),
                   "consultation_date": course.consultation_date.isoformat(), "sessions": course.sessions,
                   "interval_weeks": course.interval_weeks, "consent_sha256": papers.consent_sha256,
                   "areas": {area: list(depths) for area, depths in course.areas.items()}},
        "changes": [{"question": q, "from": before, "to": after} for q, before, after in papers.changes],
        "assessment": papers.assessment.to_dict(),
        "treatment": dict(visit.treatment) if visit.treatment is not None else None,
        "signatures": {"practitioner": _person(engine, visit.practitioner_id),
                       "countersigned_by": _person(engine, visit.countersigned_by),
                       "issued_by": _person(engine, papers.issued_by)},
        "next_session": None if papers.next_window is None else {
            "from": papers.next_window[0].isoformat(), "to": papers.next_window[1].isoformat(),
            "sessions_left": papers.sessions_left},
        "versions": {"rescreen": rescreen.questionnaire.version, "rules": rescreen.rules.version,
                     "treatment": engine.treatment.version},
        "issued_at": utc_text(papers.issued_at),
    }


def visit_context(engine: Any, papers: VisitPapers) -> dict[str, Any]:
    """The template variables of a visit's documents (the layout's and verification block's names included)."""
    visit, course, language = papers.visit, papers.course, papers_language(engine, papers)
    clinic = engine.config.clinic
    rescreen = engine.rescreen
    return {
        "language": language,
        "clinic": ClinicView(clinic["name"], clinic["address"], clinic["phone"], clinic.get("email") or "",
                             clinic.get("website") or "", clinic["timezone"]),
        "record": {"id": visit.visit_id, "questionnaire_version": rescreen.questionnaire.version,
                   "rules_version": rescreen.rules.version},
        "client": {"name": papers.client_name},
        "course": {"id": course.course_id, "consented_on": course.consented_on,
                   "consultation_date": course.consultation_date, "sessions": course.sessions,
                   "interval_weeks": course.interval_weeks,
                   "areas": [{"label": _area(engine, area, language), "low": low, "high": high}
                             for area, (low, high) in course.areas.items()]},
        "visit": {"id": visit.visit_id, "number": visit.number, "date": date.fromisoformat(visit.visit_date),
                  "device": visit.device, "started_by": visit.started_by, "client_id": visit.client_id,
                  "until": _day(visit.outcome.get("until"))},
        "rescreen": _rescreen_view(engine, papers, language),
        "assessment": assessment_view(papers.assessment),
        "treatment": _treatment_view(engine, visit.treatment, language),
        "people": {"treated_by": _person(engine, visit.practitioner_id),
                   "countersigned_by": _person(engine, visit.countersigned_by),
                   "issued_by": _person(engine, papers.issued_by)},
        "next": None if papers.next_window is None else {
            "start": papers.next_window[0], "end": papers.next_window[1], "sessions_left": papers.sessions_left},
        "issued_at": papers.issued_at,
        "entered_at": None,
    }


def _day(text: Any) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def _area(engine: Any, area: str, language: str) -> str:
    question = engine.questionnaire.by_id.get("treatment_areas")
    option = question.option(area) if question is not None else None
    return localize(option.label, language) if option is not None else area.replace("_", " ")


def _rescreen_view(engine: Any, papers: VisitPapers, language: str) -> dict[str, Any]:
    """The answers the client gave at the visit, in order, each marked when it changed or led to a finding."""
    rescreen = engine.rescreen
    questionnaire = rescreen.questionnaire
    given = papers.visit.answers or {}
    changed = {q for q, _, _ in papers.changes}
    flagged = {f.question_id: f.severity for f in papers.assessment.findings if f.question_id}
    answers = []
    for question in questionnaire.visible(given):
        if question.type == "acknowledgement" or question.id not in given:
            continue
        answers.append({"label": localize(question.label, language),
                        "answer": questionnaire.display(question, given[question.id], language),
                        "changed": question.id in changed, "flag": flagged.get(question.id)})
    changes = []
    for qid, before, after in papers.changes:
        question = questionnaire.by_id.get(qid) or engine.questionnaire.by_id.get(qid)
        if question is None:
            changes.append({"label": qid, "before": str(before), "after": str(after)})
            continue
        changes.append({"label": localize(question.label, language),
                        "before": questionnaire.display(question, before, language),
                        "after": questionnaire.display(question, after, language)})
    return {"nothing_changed": papers.nothing_changed, "since": papers.last_session, "answers": answers,
            "changes": changes, "consultation": papers.visit.outcome.get("rescreen") == "consultation",
            "healing_asked": rescreen.answered_after_a_treatment(given)}


def _treatment_view(engine: Any, treatment: Mapping[str, Any] | None, language: str) -> dict[str, Any] | None:
    if treatment is None:
        return None
    return {**treatment,
            "areas": [{"label": _area(engine, area, language), "depth": depth}
                      for area, depth in treatment.get("areas", {}).items()],
            "cartridge_expiry": _day(treatment.get("cartridge_expiry")),
            "next_session_from": _day(treatment.get("next_session_from")),
            "clearance_note": treatment.get("clearance_note")}
