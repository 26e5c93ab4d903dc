"""Provides the template context: what the documents say about one client, built from the engine's models.

Nothing here is document wording. The disclosure summary, the affirmed statements and the area
names all come from the questionnaire model; findings, aftercare additions and plan limits come
from the assessment; the plan from the practitioner or `Engine.default_plan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intake import conditions
from intake.advice import finding_lines
from intake.assessment import RANK, Assessment
from intake.dates import parse_iso_date
from intake.documents.errors import SignatureInputError
from intake.documents.model import Countersignature, DecisionNote, Signature
from intake.documents.signature import drawing
from intake.documents.views import (
    AnswerChangeView,
    AnswerItem,
    AnswerSection,
    AreaView,
    AssessmentView,
    ClientView,
    ClinicView,
    DateWindow,
    DecisionNoteView,
    DocumentContext,
    FindingView,
    GuardianView,
    PersonView,
    PhotoView,
    PlanLimits,
    PlanView,
    PractitionerView,
    PrivacyView,
    RecordView,
    ScheduleView,
    Severities,
    SignaturesView,
    SignatureView,
)
from intake.questionnaire import localize
from intake.signing import Capacity, capacity_of, guardian_of
from intake.treatment import AREA_QUESTION, CONCERN_QUESTION, TreatmentPlan

if TYPE_CHECKING:
    from intake.assessment import Finding
    from intake.engine import Engine

#: Questions the documents rely on by id, like `treatment_areas` for the plan.
NAME_QUESTION = "full_name"
BIRTH_QUESTION = "date_of_birth"
PHOTO_CONSENT_QUESTION = "photo_consent"
PHOTO_USES_QUESTION = "photo_uses"


@dataclass(frozen=True)
class Inputs:
    """Everything one packet is made from, already checked."""

    record: Mapping[str, Any]
    answers: Mapping[str, Any]
    record_id: str
    record_id_derived: bool
    assessment: Assessment
    plan: TreatmentPlan | None
    client: Signature | None
    photo: Signature | None
    counter: Countersignature | None
    issued_at: datetime
    entered_at: datetime | None = None  # set when the signatures were entered (and sealed) later
    sealed_at: datetime | None = None  # the seal's time when it differs from issued_at (to the second)


def photo_consent_given(answers: Mapping[str, Any]) -> bool:
    """True when the client agreed to photos."""
    return answers.get(PHOTO_CONSENT_QUESTION) is True


def _finding(finding: Finding) -> FindingView:
    return FindingView(finding.rule_id, finding.severity, finding.question_label, finding.answer,
                       finding.client_message, finding.practitioner_message, finding.until, finding.lasting,
                       finding.come_back, finding.reason, finding.risk, finding.needs)


def disclosures(engine: Engine, answers: Mapping[str, Any], assessment: Assessment,
                language: str, facts: Mapping[str, Any] | None = None) -> tuple[AnswerSection, ...]:
    """Every visible, answered question with its displayed answer, step by step.

    Statements the client confirmed (acknowledgements) are listed separately as affirmations.
    Answers that led to a finding carry that finding's severity.
    """
    questionnaire = engine.questionnaire
    flagged: dict[str, str] = {}
    for finding in assessment.findings:
        if finding.question_id:
            current = flagged.get(finding.question_id)
            if current is None or RANK[finding.severity] > RANK[current]:
                flagged[finding.question_id] = finding.severity
    sections = []
    for step in questionnaire.steps:
        items = []
        for question in questionnaire.visible_in(step, answers, facts):
            if question.type == "acknowledgement" or question.id not in answers:
                continue
            value = answers[question.id]
            shown = questionnaire.word("none", language) if value == [] else \
                questionnaire.display(question, value, language)
            items.append(AnswerItem(question.id, localize(question.label, language), shown,
                                    question.type == "long_text", flagged.get(question.id)))
        if items:
            sections.append(AnswerSection(localize(step.title, language), tuple(items)))
    return tuple(sections)


def affirmations(engine: Engine, answers: Mapping[str, Any], language: str,
                 facts: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The exact statements the client confirmed, in questionnaire order."""
    return tuple(localize(q.label, language) for q in engine.questionnaire.visible(answers, facts)
                 if q.type == "acknowledgement" and answers.get(q.id) is True)


def plan_context(engine: Engine, plan: TreatmentPlan, language: str) -> PlanView:
    """The treatment plan with area names as the client chose them."""
    area_question = engine.questionnaire.by_id[AREA_QUESTION]
    areas = []
    for area in plan.areas:
        option = area_question.option(area.area)
        label = localize(option.label, language) if option else area.area
        areas.append(AreaView(area.area, label, area.depth_min, area.depth_max))
    return PlanView(tuple(areas), plan.sessions, plan.interval_weeks, tuple(plan.maintenance_months),
                    tuple(plan.downtime_days), max((a.depth_max for a in plan.areas), default=0.0))


def _signature(signature: Signature | None) -> SignatureView | None:
    if signature is None:
        return None
    art = drawing(signature.strokes, signature.aspect_ratio) if signature.method == "drawn" else None
    return SignatureView(signature.method, signature.name, signature.intent_statement, signature.signed_at, art,
                         signature.capacity, signature.relationship, signature.same_as_consent)


def schedule(engine: Engine, inputs: Inputs) -> ScheduleView:
    """Treatment day and the window for the next session, as dates where they are known.

    A CLEARANCE verdict keeps its waiting periods even when the practitioner has noted the approvals
    (only an override brings the first session forward); with approvals still outstanding and no
    date at all, the first session is not known yet.
    """
    zone = engine.config.timezone
    assessment, counter, plan = inputs.assessment, inputs.counter, inputs.plan
    signed_day = inputs.issued_at.astimezone(zone).date()
    decision = counter.decision if counter is not None else "none"
    clearance = assessment.verdict == "clearance"
    waiting = clearance and decision == "none"
    first: date | None = signed_day
    if clearance and decision != "override":
        if assessment.return_date:
            first = max(signed_day, assessment.return_date)
        elif waiting:
            first = None
    window = None
    if plan is not None and first is not None:
        spacing = engine.treatment.data["interval_weeks"]
        spread = max(0, spacing["max"] - spacing["min"])
        start = first + timedelta(weeks=plan.interval_weeks)
        window = DateWindow(start, start + timedelta(weeks=spread))
    return ScheduleView(signed_day, waiting, first, first != signed_day, window)


def plan_limits(limits: Mapping[str, Any]) -> PlanLimits:
    """The assessment's plan limits with each absent one as None."""
    depth, interval = limits.get("max_depth_mm"), limits.get("min_interval_weeks")
    return PlanLimits(None if depth is None else float(depth), None if interval is None else int(interval))


def assessment_view(assessment: Assessment) -> AssessmentView:
    """The assessment as the documents show it."""
    findings = tuple(_finding(f) for f in assessment.findings)
    grouped = Severities(*(tuple(f for f in findings if f.severity == s) for s in ("defer", "clearance", "caution")))
    needs = tuple(dict.fromkeys(n for n in ("guardian", "review", "approval", "wait")
                                for f in assessment.of_severity("clearance") if f.needs == n))
    return AssessmentView(assessment.verdict, findings, grouped, tuple(sorted({f.rule for f in findings})),
                          tuple(assessment.aftercare), plan_limits(assessment.plan_limits),
                          assessment.return_date, assessment.open_ended,
                          tuple(f for f in grouped.defer if f.lasting),
                          tuple(f for f in grouped.defer if not f.lasting),
                          finding_lines(assessment.of_severity("caution")),
                          tuple((a.topic, a.checklist) for a in assessment.advice), needs)


def _person(engine: Engine, practitioner_id: str) -> PersonView:
    person = engine.config.practitioner(practitioner_id)
    if person is None:  # (the countersignature was checked against the configuration before)
        raise SignatureInputError(f"practitioner {practitioner_id!r} is not in the clinic configuration.")
    return PersonView(person.id, person.name, person.role or "", person.registration or "")


def _change(engine: Engine, question_id: str, before: Any, after: Any, language: str) -> AnswerChangeView:
    questionnaire = engine.questionnaire
    question = questionnaire.by_id.get(question_id)
    if question is None:
        return AnswerChangeView(question_id, str(before), str(after))
    return AnswerChangeView(localize(question.label, language), questionnaire.display(question, before, language),
                            questionnaire.display(question, after, language))


def _note(engine: Engine, note: DecisionNote, language: str) -> DecisionNoteView:
    return DecisionNoteView(note.kind, _person(engine, note.practitioner_id), note.on, note.reason,
                            note.superseded_on, _person(engine, note.superseded_by) if note.superseded_by else None,
                            note.replaced_because,
                            tuple(_change(engine, q, before, after, language) for q, before, after in note.changes))


def _practitioner(engine: Engine, counter: Countersignature | None, language: str) -> PractitionerView | None:
    """The countersigner and the decisions, each named with its own author (never the countersigner for all)."""
    if counter is None:
        return None
    person = _person(engine, counter.practitioner_id)
    decided = counter.decision != "none"
    signed_day = counter.signed_at.astimezone(engine.config.timezone).date()
    return PractitionerView(person.id, person.name, person.role, person.registration, counter.signed_at,
                            counter.decision, counter.reason or "",
                            _person(engine, counter.decided_by or counter.practitioner_id) if decided else None,
                            (counter.decided_on or signed_day) if decided else None,
                            tuple(_note(engine, n, language) for n in counter.history))


def _photo(engine: Engine, answers: Mapping[str, Any], language: str) -> PhotoView:
    uses_question = engine.questionnaire.by_id.get(PHOTO_USES_QUESTION)
    uses: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    if uses_question is not None and photo_consent_given(answers):
        chosen = answers.get(PHOTO_USES_QUESTION) or []
        uses = tuple(localize(o.label, language) for o in uses_question.options if o.id in chosen)
        refused = tuple(localize(o.label, language) for o in uses_question.options if o.id not in chosen)
    years = int(engine.config.section("storage").get("retention_years", 8))
    return PhotoView(photo_consent_given(answers), uses, refused, years)


def client_view(engine: Engine, inputs: Inputs, concerns: tuple[str, ...]) -> ClientView:
    """The client, with who gives their consent: the one definition the documents address (see ClientView)."""
    policy, answers, age = engine.config.age_policy, inputs.answers, inputs.assessment.age
    minor = policy.band(age) == "minor"
    guardian = guardian_of(engine.questionnaire, answers, engine.documents_language(inputs.record))
    consent_by: Capacity = "guardian" if minor and policy.minors in ("defer", "clearance") else "client"
    if inputs.client is not None:
        consent_by = capacity_of(inputs.client)
    return ClientView(answers[NAME_QUESTION], parse_iso_date(answers.get(BIRTH_QUESTION)), age, concerns,
                      policy.adult_age, policy.legal_age, minor, GuardianView(*guardian) if guardian and minor
                      else None, consent_by)


def privacy(engine: Engine) -> PrivacyView:
    """Who keeps the client's data, whom to ask, and for how long (from the clinic configuration)."""
    clinic, settings = engine.config.clinic, engine.config.section("privacy")
    contact = settings.get("contact") or clinic.get("email") or clinic["phone"]
    years = int(engine.config.section("storage").get("retention_years", 8))
    return PrivacyView(settings.get("controller") or clinic["name"], contact, years)


def document_context(engine: Engine, inputs: Inputs) -> DocumentContext:
    """The typed context shared by every document of a packet."""
    language = engine.documents_language(inputs.record)
    answers, assessment = inputs.answers, inputs.assessment
    clinic = engine.config.clinic
    concern_question = engine.questionnaire.by_id.get(CONCERN_QUESTION)
    concerns = tuple(localize(o.label, language) for o in concern_question.options
                     if o.id in (answers.get(CONCERN_QUESTION) or [])) if concern_question else ()
    consultation = parse_iso_date(inputs.record["consultation_date"])
    assert consultation is not None  # the record was validated
    facts = conditions.facts_for(answers, consultation, engine.config.age_policy)
    return DocumentContext(
        language=language,
        clinic=ClinicView(clinic["name"], clinic["address"], clinic["phone"], clinic.get("email") or "",
                          clinic.get("website") or "", clinic["timezone"]),
        record=RecordView(inputs.record_id, inputs.record_id_derived, consultation, engine.questionnaire.version,
                          engine.rules.version, engine.treatment.version),
        client=client_view(engine, inputs, concerns),
        assessment=assessment_view(assessment),
        plan=plan_context(engine, inputs.plan, language) if inputs.plan is not None else None,
        schedule=schedule(engine, inputs),
        disclosures=disclosures(engine, answers, assessment, language, facts),
        affirmations=affirmations(engine, answers, language, facts),
        photo=_photo(engine, answers, language),
        privacy=privacy(engine),
        signatures=SignaturesView(_signature(inputs.client), _signature(inputs.photo),
                                  _practitioner(engine, inputs.counter, language)),
        issued_at=inputs.issued_at,
        entered_at=inputs.entered_at,
    )


def build_context(engine: Engine, inputs: Inputs) -> dict[str, Any]:
    """The template variables shared by every document of a packet: the typed context's parts by name."""
    return document_context(engine, inputs).variables()
