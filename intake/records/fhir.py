"""Provides the FHIR R4 QuestionnaireResponse of an intake, built from the questionnaire model.

Items follow the questionnaire: one group item per step (linkId = step id) holding one item per
answered question (linkId = question id). Answer types follow question types: text and long_text
give valueString, date gives valueDate, yes_no and acknowledgement give valueBoolean, choice gives
one valueCoding and multi_choice one valueCoding per chosen option (system
urn:intake:<questionnaire id>:<question id>, code = option id). A multi-choice question answered
with "none of these" keeps that answer as one coding (urn:intake:answer#none-of-these), the exclusive
option every multi-choice item of the FHIR Questionnaire offers. `questionnaire` is exactly the
canonical url|version of the Questionnaire that `intake schema --fhir` writes (intake.fhirquestionnaire).
The consultation day, on which ages are measured, is carried as the CONSULTATION_DATE extension, so the
Questionnaire's age conditions mean the same whenever the response is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from intake import conditions
from intake.conditions import AgePolicy
from intake.fhirquestionnaire import CONSULTATION_DATE, canonical_reference, none_coding, option_system
from intake.questionnaire import Question, Questionnaire, localize
from intake.records.model import IntakeView

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCHEMA_FILE = "fhir-questionnaireresponse.schema.json"
INTAKE_ID_SYSTEM = "urn:intake:intake-id"
CLIENT_ID_SYSTEM = "urn:intake:client-id"
_STATUS = {"draft": "in-progress", "submitted": "completed", "deferred": "completed", "signed": "completed"}


def _values(questionnaire: Questionnaire, question: Question, value: Any, language: str) -> list[dict[str, Any]]:
    kind = question.type
    if kind in ("text", "long_text"):
        return [{"valueString": value}]
    if kind == "date":
        return [{"valueDate": value}]
    if kind in ("yes_no", "acknowledgement"):
        return [{"valueBoolean": bool(value)}]
    if kind in ("choice", "multi_choice"):
        if value == [] and kind == "multi_choice":
            return [{"valueCoding": none_coding(questionnaire, language)}]
        chosen = value if isinstance(value, list) else [value]
        system = option_system(questionnaire.id, question.id)
        codings = []
        for option_id in chosen:
            option = question.option(option_id)
            coding = {"system": system, "code": option_id}
            if option is not None:
                coding["display"] = localize(option.label, language)
            codings.append({"valueCoding": coding})
        return codings
    raise ValueError(f"question type {kind!r} has no FHIR answer type")


def response_items(questionnaire: Questionnaire, source: Mapping[str, Any], language: str,
                   facts: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """A QuestionnaireResponse's items: one group per step with an item per answered, shown question."""
    answers = questionnaire.prune(source, facts)
    items = []
    for step in questionnaire.steps:
        children = []
        for question in questionnaire.visible_in(step, answers, facts):
            if question.id not in answers:
                continue
            child: dict[str, Any] = {"linkId": question.id, "text": localize(question.label, language)}
            values = _values(questionnaire, question, answers[question.id], language)
            if values:
                child["answer"] = values
            children.append(child)
        if children:
            items.append({"linkId": step.id, "text": localize(step.title, language), "item": children})
    return items


def questionnaire_response(questionnaire: Questionnaire, intake: IntakeView, language: str,
                           identity: Mapping[str, str] | None = None, *,
                           policy: AgePolicy | None = None) -> dict[str, Any]:
    """The intake as a FHIR R4 QuestionnaireResponse (a JSON-ready dict).

    Args:
        questionnaire: the questionnaire the intake answered.
        intake: the intake (a draft gives status in-progress, anything submitted gives completed).
        language: language of the item texts.
        identity: the client's full_name and date_of_birth, for the subject's display.
        policy: the clinic's ages and minors policy, so questions shown on them (a guardian's name) are included.
    """
    source = intake.record["answers"] if intake.record else intake.answers
    facts = conditions.facts_for(source, intake.consultation_date, policy) if policy else None
    items = response_items(questionnaire, source, language, facts)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": intake.intake_id,
        "meta": {"lastUpdated": intake.updated_at},
        "extension": [{"url": CONSULTATION_DATE, "valueDate": intake.consultation_date}],
        "language": language,
        "identifier": {"system": INTAKE_ID_SYSTEM, "value": intake.intake_id},
        "questionnaire": canonical_reference(questionnaire.id, intake.questionnaire_version),
        "status": _STATUS[intake.status],
        "authored": intake.submitted_at or intake.updated_at,
    }
    if intake.client_id:
        subject: dict[str, Any] = {"identifier": {"system": CLIENT_ID_SYSTEM, "value": intake.client_id}}
        if identity and identity.get("full_name"):
            subject["display"] = identity["full_name"]
        resource["subject"] = subject
    if items:
        resource["item"] = items
    return resource


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    from intake.jsonfile import read_json
    from intake.paths import SCHEMAS_DIR

    schema = read_json(SCHEMAS_DIR / SCHEMA_FILE)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _link_problems(items: list[dict[str, Any]], where: str) -> list[str]:
    """qrs-2 in spirit: linkIds are unique among siblings, so repeated answers share one item."""
    problems, seen = [], set()
    for index, item in enumerate(items):
        link = item.get("linkId")
        if link in seen:
            problems.append(f"{where}[{index}]: linkId {link!r} is repeated; its answers belong in one item")
        seen.add(link)
        for key in ("item",):
            if isinstance(item.get(key), list):
                problems.extend(_link_problems(item[key], f"{where}[{index}].{key}"))
    return problems


def problems(resource: Any) -> list[str]:
    """Every way the resource departs from the R4 QuestionnaireResponse structure (empty when valid)."""
    found = [f"{'/'.join(map(str, e.absolute_path)) or '(resource)'}: {e.message}"
             for e in _validator().iter_errors(resource)]
    if not found and isinstance(resource, dict):
        found = _link_problems(resource.get("item", []), "item")
    return found
