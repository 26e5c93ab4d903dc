"""Provides a further session of a course for other systems: JSON, CSV, and FHIR R4 (a Bundle holding the re-screen as
a QuestionnaireResponse of its own Questionnaire and the treatment as a Procedure).

The Procedure says what was done as the practitioner recorded it: `performedDateTime` the visit's day,
`performer` the practitioner who treated, `bodySite` each area treated with its depth, `focalDevice` the device
and the cartridge (needles, lot, expiry), `outcome` how the skin responded, `complication` the adverse events
(none listed when the practitioner wrote "none"), `followUp` the next session's earliest day, and `partOf` the
course (the consultation's intake, by identifier). A visit with no treatment (deferred, too soon, a new consent
needed) is a Procedure `not-done` with the reasons as its `statusReason`. Codes are intake's own systems
(urn:intake:...): no code of another terminology is claimed.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from intake.fhirquestionnaire import CONSULTATION_DATE, canonical_reference

if TYPE_CHECKING:
    from intake.engine import Engine
    from intake.records.model import Visit

VisitFormat = Literal["json", "csv", "fhir"]
VISIT_FORMATS: tuple[VisitFormat, ...] = get_args(VisitFormat)
VISIT_ID_SYSTEM: Final = "urn:intake:visit-id"
INTAKE_ID_SYSTEM: Final = "urn:intake:intake-id"
CLIENT_ID_SYSTEM: Final = "urn:intake:client-id"
PRACTITIONER_SYSTEM: Final = "urn:intake:practitioner-id"
AREA_SYSTEM: Final = "urn:intake:treatment-area"
PROCEDURE_CODE: Final = {"system": "urn:intake:procedure", "code": "microneedling",
                         "display": "Microneedling (collagen induction therapy)"}
_PROCEDURE_STATUS = {"open": "preparation", "ready": "preparation", "recorded": "completed", "signed": "completed",
                     "deferred": "not-done", "waiting": "not-done", "needs_consent": "not-done",
                     "not_treated": "not-done"}
#: The namespace of the Bundle's entry URLs (urn:uuid, the same for the same visit every time).
_NAMESPACE = uuid.UUID("6f1c2a4e-8a53-5c3b-9d1e-4b8f0c7a2e91")


def visit_text(engine: Engine, visit: Visit, fmt: str) -> str:
    """A visit in one of VISIT_FORMATS.

    Raises:
        ValueError: an unknown format.
    """
    if fmt == "json":
        return json.dumps({"format": "intake-visit/1", **asdict(visit)}, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(visit)
    if fmt == "fhir":
        return json.dumps(visit_bundle(engine, visit), ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"{fmt!r} is not a visit export format; use one of: {', '.join(VISIT_FORMATS)}.")


def _csv(visit: Visit) -> str:
    """One row per field, as a spreadsheet opens it (the answers and the record flattened, one row each)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["field", "value"])
    for key in ("visit_id", "client_id", "course_id", "number", "visit_date", "status", "started_at", "started_by",
                "device", "practitioner_id", "recorded_at", "signed_at", "countersigned_by"):
        writer.writerow([key, _cell(getattr(visit, key))])
    for prefix, values in (("answer", visit.answers or {}), ("treatment", visit.treatment or {})):
        for key, value in values.items():
            if isinstance(value, dict):
                for inner, item in value.items():
                    writer.writerow([f"{prefix}.{key}.{inner}", _cell(item)])
            else:
                writer.writerow([f"{prefix}.{key}", _cell(value)])
    writer.writerow(["outcome", _cell(visit.outcome.get("outcome", ""))])
    for reason in visit.outcome.get("reasons", []):
        writer.writerow(["outcome.reason", _cell(reason)])
    for key, value in (visit.outcome.get("not_treated") or {}).items():  # ended without treatment: why, who, when
        writer.writerow([f"not_treated.{key}", _cell(value)])
    return out.getvalue()


def _cell(value: Any) -> str:
    """A value as a cell: lists joined, and text a spreadsheet would run as a formula made inert."""
    text = "; ".join(str(v) for v in value) if isinstance(value, list) else "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def visit_bundle(engine: Engine, visit: Visit) -> dict[str, Any]:
    """The visit as a FHIR R4 Bundle (collection): the re-screen's QuestionnaireResponse and the Procedure."""
    entries = [procedure(engine, visit)]
    if visit.answers is not None:
        entries.append(rescreen_response(engine, visit))
    return {"resourceType": "Bundle", "type": "collection",
            "identifier": {"system": VISIT_ID_SYSTEM, "value": visit.visit_id},
            "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid5(_NAMESPACE, visit.visit_id + r['resourceType'])}",
                       "resource": r} for r in entries]}


def _subject(visit: Visit) -> dict[str, Any]:
    return {"identifier": {"system": CLIENT_ID_SYSTEM, "value": visit.client_id}}


def rescreen_response(engine: Engine, visit: Visit) -> dict[str, Any]:
    """The re-screen's answers as a QuestionnaireResponse of the re-screen's own Questionnaire."""
    from intake.records.fhir import response_items

    questionnaire = engine.rescreen.questionnaire
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": VISIT_ID_SYSTEM, "value": visit.visit_id},
        "extension": [{"url": CONSULTATION_DATE, "valueDate": visit.visit_date}],
        "language": engine.language,
        "questionnaire": canonical_reference(questionnaire.id, questionnaire.version),
        "status": "completed",
        "subject": _subject(visit),
        "authored": visit.started_at,
    }
    items = response_items(questionnaire, visit.answers or {}, engine.language)
    if items:
        resource["item"] = items
    return resource


def procedure(engine: Engine, visit: Visit) -> dict[str, Any]:
    """The session as a FHIR R4 Procedure."""
    status = _PROCEDURE_STATUS[visit.status]
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "identifier": [{"system": VISIT_ID_SYSTEM, "value": visit.visit_id}],
        "partOf": [{"identifier": {"system": INTAKE_ID_SYSTEM, "value": visit.course_id},
                    "display": f"course of sessions from consultation {visit.course_id}"}],
        "status": status,
        "code": {"coding": [dict(PROCEDURE_CODE)], "text": f"Microneedling, session {visit.number}"},
        "subject": _subject(visit),
        "performedDateTime": visit.visit_date,
    }
    if status == "not-done":
        ended = visit.outcome.get("not_treated")
        resource["statusReason"] = {"text": f"Ended without treatment: {ended['reason']}" if ended else
                                    " ".join(visit.outcome.get("reasons", [])) or visit.status}
    done = visit.treatment
    if done is None:
        return resource
    if visit.practitioner_id:
        who = engine.config.practitioner(visit.practitioner_id)
        actor: dict[str, Any] = {"identifier": {"system": PRACTITIONER_SYSTEM, "value": visit.practitioner_id}}
        if who is not None:
            actor["display"] = who.name
        resource["performer"] = [{"actor": actor}]
    resource["bodySite"] = [{"coding": [{"system": AREA_SYSTEM, "code": area}],
                             "text": f"{area.replace('_', ' ')}, needle depth {depth} mm"}
                            for area, depth in done["areas"].items()]
    resource["focalDevice"] = [{"action": {"text": "used"}, "manipulated": {
        "display": f"{done['device']}; single-use cartridge, {done['needles']} needles, lot {done['cartridge_lot']}, "
                   f"expiry {done['cartridge_expiry']}"}}]
    resource["outcome"] = {"text": done["skin_response"]}
    if done["adverse_events"] != "none":
        resource["complication"] = [{"text": done["adverse_events"]}]
    if done.get("next_session_from"):
        resource["followUp"] = [{"text": f"next session from {done['next_session_from']}"}]
    resource["note"] = [{"text": f"Numbing: {done['numbing']}. Serum: {done['serum']}. Advice: {done['advice']}."}]
    return resource
