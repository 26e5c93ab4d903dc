"""Provides the record contract: a JSON Schema (draft 2020-12) generated from the questionnaire.

The schema alone rejects an incomplete record: a question shown by its condition and marked
required must be answered (`if`/`then`), and a question that is not shown must be absent or null
(`else`), so a record never carries an answer that contradicts another. The published copy lives
in schemas/record.schema.json; `intake schema --out` rewrites it and a test keeps it in sync.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from intake import conditions
from intake.questionnaire import Question, Questionnaire

RECORD_FORMAT = "intake-record/1"

#: Characters no answer may contain: C0/C1 controls and bidirectional overrides (text spoofing).
_FORBIDDEN = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069"
PATTERNS = {
    "line": f"^[^{_FORBIDDEN}\\u000a\\u000d\\u0009]*$",
    "multiline": f"^[^{_FORBIDDEN}]*$",
    "name": f"^[^{_FORBIDDEN}\\u000a\\u000d\\u0009<>{{}}\\[\\]\\\\/|@#$%^*=~`\"_;:!?&+0-9]*$",
    "phone": "^\\+?[0-9(][0-9 ()\\-.]{4,24}$",
    "email": "^[^@\\s<>\"]+@[^@\\s<>\"]+\\.[^@\\s<>\"]+$",
    "date": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "not_blank": "\\S",
}


def _text_schema(question: Question) -> dict[str, Any]:
    pattern_key = question.kind or ("multiline" if question.type == "long_text" else "line")
    parts = [{"pattern": PATTERNS["not_blank"]}]
    if pattern_key in ("name", "phone", "email"):
        parts.append({"pattern": PATTERNS["line"]})
    parts.append({"pattern": PATTERNS[pattern_key]})
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": question.max_length, "allOf": parts}
    if question.kind == "email":
        schema["format"] = "email"
    return schema


def answer_schema(question: Question) -> dict[str, Any]:
    """The schema of one non-null answer."""
    if question.type in ("text", "long_text"):
        schema = _text_schema(question)
    elif question.type == "date":
        schema = {"type": "string", "format": "date", "pattern": PATTERNS["date"]}
    elif question.type == "yes_no":
        schema = {"type": "boolean"}
    elif question.type == "acknowledgement":
        schema = {"const": True}
    elif question.type == "choice":
        schema = {"type": "string", "enum": [o.id for o in question.options]}
    elif question.type == "multi_choice":
        schema = {
            "type": "array",
            "items": {"type": "string", "enum": [o.id for o in question.options]},
            "uniqueItems": True,
            "maxItems": len(question.options),
        }
        if question.required:
            schema["minItems"] = 1
        alone = [o.id for o in question.options if o.exclusive]
        if alone:  # "None of these" stands alone
            schema["if"] = {"contains": {"const": alone[0]}}
            schema["then"] = {"maxItems": 1}
    else:  # pragma: no cover - the questionnaire schema allows no other type
        raise ValueError(question.type)
    schema["title"] = question.label.get("en") or next(iter(question.label.values()))
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Lets an answer also be null ("not answered"); other keywords ignore a null value."""
    result = dict(schema)
    if "const" in result:
        result["enum"] = [result.pop("const"), None]
    if "enum" in result and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    if "type" in result:
        result["type"] = [result["type"], "null"]
    return result


def build_record_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    """Generates the JSON Schema of a completed intake record for this questionnaire."""
    properties: dict[str, Any] = {}
    always_required: list[str] = []
    conditional: list[dict[str, Any]] = []
    for question in questionnaire.questions():
        schema = answer_schema(question)
        if question.show_if is None and question.required:
            properties[question.id] = schema
            always_required.append(question.id)
            continue
        properties[question.id] = _nullable(schema)
        if question.show_if is None or conditions.uses_facts(question.show_if):
            continue  # shown on the client's age: checked by the validator with the consultation date
        then: dict[str, Any] = {}
        if question.required:
            then = {"required": [question.id], "properties": {question.id: {"not": {"type": "null"}}}}
        conditional.append({
            "if": conditions.to_schema(question.show_if),
            "then": then,
            "else": {"properties": {question.id: {"type": "null"}}},
        })
    answers = {
        "type": "object",
        "description": "Answers keyed by question id. Questions not shown are left out or null.",
        "properties": properties,
        "required": always_required,
        "additionalProperties": False,
        "allOf": conditional,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:intake:record:{questionnaire.id}:{questionnaire.version}",
        "title": "Completed intake record",
        "description": (
            f"A completed {questionnaire.id} intake (questionnaire version {questionnaire.version}). "
            "Generated from schemas/questionnaire.json by `intake schema`; do not edit by hand."
        ),
        "type": "object",
        "required": ["consultation_date", "answers"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": RECORD_FORMAT, "title": "Record format"},
            "record_id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", "title": "Record id"},
            "questionnaire_version": {"type": "string", "maxLength": 40, "title": "Questionnaire version"},
            "consultation_date": {
                "type": "string", "format": "date", "pattern": PATTERNS["date"], "title": "Consultation date",
                "description": "The day of the consultation; suitability is assessed as of this day.",
            },
            "language": {"enum": list(questionnaire.languages), "title": "Language"},
            "documents_language": {
                "type": "string", "pattern": "^[a-z]{2,3}(-[A-Z]{2})?$", "title": "Documents' language",
                "description": "The language the client's documents are in, when it is not `language` (a language "
                               "the clinic offers for the documents alone, [clinic] documents_only).",
            },
            "answers": answers,
        },
    }


def narrowed_record_schema(schema: dict[str, Any], question_ids: Collection[str]) -> dict[str, Any]:
    """A record schema (from `build_record_schema`) that checks only some questions' answers, as the whole schema
    checks them: their form, required when shown, left out when not; every other answer is let through unchecked.

    Validating one step's answers against it gives the same errors about them as the whole schema, without the
    work on every other answer (and on each question of the later steps, all still missing while a client walks
    the steps).
    """
    answers = schema["properties"]["answers"]
    wanted = set(question_ids)

    def constrains(part: Any) -> bool:  # a conditional entry of the questions it checks (see build_record_schema)
        named = {key for branch in ("then", "else") for key in part.get(branch, {}).get("properties", {})}
        return not named or not named.isdisjoint(wanted)

    narrowed = {key: value for key, value in answers.items() if key != "additionalProperties"}
    narrowed["properties"] = {key: value for key, value in answers["properties"].items() if key in wanted}
    narrowed["required"] = [key for key in answers.get("required", []) if key in wanted]
    narrowed["allOf"] = [part for part in answers.get("allOf", []) if constrains(part)]
    return {**schema, "properties": {**schema["properties"], "answers": narrowed}}
