"""Provides the template context: what the documents say about one client, built from the engine's models.

Nothing here is document wording. The disclosure summary, the affirmed statements and the area
names all come from the questionnaire model; findings, aftercare additions and plan limits come
from the assessment; the plan from the practitioner or `Engine.default_plan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from intake.assessment import RANK, Assessment
from intake.dates import parse_iso_date
from intake.documents.model import Countersignature, Signature
from intake.documents.signature import drawing
from intake.questionnaire import localize
from intake.treatment import AREA_QUESTION, CONCERN_QUESTION, TreatmentPlan

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


def photo_consent_given(answers: Mapping[str, Any]) -> bool:
    """True when the client agreed to photos."""
    return answers.get(PHOTO_CONSENT_QUESTION) is True


def _finding(finding) -> dict[str, Any]:
    return {
        "rule": finding.rule_id,
        "severity": finding.severity,
        "question": finding.question_label,
        "answer": finding.answer,
        "client_message": finding.client_message,
        "practitioner_message": finding.practitioner_message,
        "until": finding.until,
    }


def disclosures(engine, answers: Mapping[str, Any], assessment: Assessment, language: str) -> list[dict[str, Any]]:
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
        for question in questionnaire.visible_in(step, answers):
            if question.type == "acknowledgement" or question.id not in answers:
                continue
            value = answers[question.id]
            shown = questionnaire.word("none", language) if value == [] else \
                questionnaire.display(question, value, language)
            items.append({
                "id": question.id,
                "label": localize(question.label, language),
                "answer": shown,
                "long": question.type == "long_text",
                "severity": flagged.get(question.id),
            })
        if items:
            sections.append({"title": localize(step.title, language), "items": items})
    return sections


def affirmations(engine, answers: Mapping[str, Any], language: str) -> list[str]:
    """The exact statements the client confirmed, in questionnaire order."""
    return [localize(q.label, language) for q in engine.questionnaire.visible(answers)
            if q.type == "acknowledgement" and answers.get(q.id) is True]


def plan_context(engine, plan: TreatmentPlan, language: str) -> dict[str, Any]:
    """The treatment plan with area names as the client chose them."""
    area_question = engine.questionnaire.by_id[AREA_QUESTION]
    areas = []
    for area in plan.areas:
        option = area_question.option(area.area)
        label = localize(option.label, language) if option else area.area
        areas.append({"id": area.area, "label": label, "depth_min": area.depth_min, "depth_max": area.depth_max})
    return {
        "areas": areas,
        "sessions": plan.sessions,
        "interval_weeks": plan.interval_weeks,
        "maintenance_months": list(plan.maintenance_months),
        "downtime_days": list(plan.downtime_days),
        "deepest_mm": max((a.depth_max for a in plan.areas), default=0.0),
    }


def _signature(signature: Signature | None) -> dict[str, Any] | None:
    if signature is None:
        return None
    art = drawing(signature.strokes, signature.aspect_ratio) if signature.method == "drawn" else None
    return {"method": signature.method, "name": signature.name, "statement": signature.intent_statement,
            "signed_at": signature.signed_at, "drawing": art}


def schedule(engine, inputs: Inputs) -> dict[str, Any]:
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
        window = {"start": start, "end": start + timedelta(weeks=spread)}
    return {"signed_day": signed_day, "waiting_for_clearance": waiting, "first_session": first,
            "first_session_later": first != signed_day, "next_window": window}


def build_context(engine, inputs: Inputs) -> dict[str, Any]:
    """The context shared by every document of a packet (documents add their own kind and versions)."""
    language = inputs.record.get("language") or engine.language
    answers, assessment = inputs.answers, inputs.assessment
    config = engine.config
    clinic = config.clinic
    findings = [_finding(f) for f in assessment.findings]
    practitioner = None
    if inputs.counter is not None:
        person = config.practitioner(inputs.counter.practitioner_id)
        practitioner = {
            "id": person.id, "name": person.name, "role": person.role, "registration": person.registration,
            "signed_at": inputs.counter.signed_at, "decision": inputs.counter.decision,
            "reason": inputs.counter.reason,
        }
    concern_question = engine.questionnaire.by_id.get(CONCERN_QUESTION)
    concerns = [localize(o.label, language) for o in concern_question.options
                if o.id in (answers.get(CONCERN_QUESTION) or [])] if concern_question else []
    uses_question = engine.questionnaire.by_id.get(PHOTO_USES_QUESTION)
    photo_uses = []
    photo_refused = []
    if uses_question is not None and photo_consent_given(answers):
        chosen = answers.get(PHOTO_USES_QUESTION) or []
        photo_uses = [localize(o.label, language) for o in uses_question.options if o.id in chosen]
        photo_refused = [localize(o.label, language) for o in uses_question.options if o.id not in chosen]
    return {
        "language": language,
        "clinic": {
            "name": clinic["name"], "address": clinic["address"], "phone": clinic["phone"],
            "email": clinic.get("email", ""), "website": clinic.get("website", ""),
            "timezone": clinic["timezone"],
        },
        "record": {
            "id": inputs.record_id, "id_derived": inputs.record_id_derived,
            "consultation_date": parse_iso_date(inputs.record["consultation_date"]),
            "questionnaire_version": engine.questionnaire.version,
            "rules_version": engine.rules.version,
            "treatment_version": engine.treatment.version,
        },
        "client": {
            "name": answers[NAME_QUESTION],
            "date_of_birth": parse_iso_date(answers.get(BIRTH_QUESTION)),
            "age": assessment.age,
            "concerns": concerns,
        },
        "assessment": {
            "verdict": assessment.verdict,
            "findings": findings,
            "by_severity": {s: [f for f in findings if f["severity"] == s] for s in RANK},
            "rules": sorted({f.rule_id for f in assessment.findings}),
            "aftercare": list(assessment.aftercare),
            "plan_limits": dict(assessment.plan_limits),
            "return_date": assessment.return_date,
            "open_ended": assessment.open_ended,
        },
        "plan": plan_context(engine, inputs.plan, language) if inputs.plan is not None else None,
        "schedule": schedule(engine, inputs),
        "disclosures": disclosures(engine, answers, assessment, language),
        "affirmations": affirmations(engine, answers, language),
        "photo": {"given": photo_consent_given(answers), "uses": photo_uses, "not_chosen": photo_refused,
                  "retention_years": engine.config.section("storage").get("retention_years", 8)},
        "signatures": {
            "client": _signature(inputs.client),
            "photo": _signature(inputs.photo),
            "practitioner": practitioner,
        },
        "issued_at": inputs.issued_at,
    }
