"""Provides the questionnaire as a FHIR R4 Questionnaire, so a receiving system can read the exported responses.

Every step is a `group` item (linkId = step id) holding one item per question (linkId = question
id). Types: text -> string, long_text -> text, date -> date, yes_no -> boolean, choice -> choice
with answerOption codings, multi_choice -> choice with `repeats`, acknowledgement -> boolean (the
statement is the item's text; `required` means it must be answered, and intake accepts only "true").

A multi-choice question with its own exclusive option ("None of these", `exclusive` in the data) offers
that option marked with the SDC optionExclusive extension. Any other multi-choice question answered
with an empty list is answered with one coding from NONE_SYSTEM, offered as an exclusive option of
its own, so an explicit "none" is never lost.

Show-if conditions: a single test, or an `all`/`any` of single tests, becomes `enableWhen` with
`enableBehavior` all/any (equals -> "=", in -> one "=" per value under "any", contains -> "=" on
the repeating item, answered -> "exists"). Anything FHIR's enableWhen cannot say exactly (a `not`,
an `in` inside an `all`, nesting) becomes the SDC `questionnaire-enableWhenExpression` extension
with an equivalent FHIRPath expression over the response, and no enableWhen. FHIR, like intake,
treats answers to disabled items as absent, so hiding a question also hides its follow-ups.

An age condition (`age_below`) is judged, as intake judges it, on the consultation day, never on the
day a reader evaluates it: the day a response carries in its CONSULTATION_DATE extension (intake's
exports always do), else the date written in its `authored`, else (a form being filled in) today().
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake.conditions import AgePolicy
from intake.questionnaire import Question, Questionnaire, localize

CANONICAL_BASE = "urn:intake:questionnaire:"
NONE_SYSTEM = "urn:intake:answer"
NONE_CODE = "none-of-these"
ENABLE_WHEN_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
#: The QuestionnaireResponse extension (valueDate) with the consultation day, the day ages are measured on.
CONSULTATION_DATE = "urn:intake:consultation-date"
ITEM_TYPES = {"text": "string", "long_text": "text", "date": "date", "yes_no": "boolean", "choice": "choice",
              "multi_choice": "choice", "acknowledgement": "boolean"}


#: The question an age condition reads, and the ages and minors policy used when none are given.
AGE_QUESTION = "date_of_birth"
DEFAULT_POLICY = AgePolicy()


def canonical_url(questionnaire_id: str) -> str:
    """The questionnaire's stable canonical URL (a URN: it names no host)."""
    return CANONICAL_BASE + questionnaire_id


def canonical_reference(questionnaire_id: str, version: str) -> str:
    """The versioned canonical reference a QuestionnaireResponse points to (url|version)."""
    return f"{canonical_url(questionnaire_id)}|{version}"


def option_system(questionnaire_id: str, question_id: str) -> str:
    """The code system of one question's options."""
    return f"urn:intake:{questionnaire_id}:{question_id}"


def none_coding(questionnaire: Questionnaire, language: str) -> dict[str, str]:
    """The coding that answers a multi-choice question with "none of these"."""
    return {"system": NONE_SYSTEM, "code": NONE_CODE, "display": questionnaire.word("none", language)}


# -- conditions --------------------------------------------------------------------------------------


def _answer_value(questionnaire: Questionnaire, question_id: str, value: Any) -> tuple[str, Any]:
    question = questionnaire.by_id[question_id]
    if question.type in ("choice", "multi_choice"):
        return "answerCoding", {"system": option_system(questionnaire.id, question_id), "code": value}
    if isinstance(value, bool):
        return "answerBoolean", value
    if question.type == "date":
        return "answerDate", value
    return "answerString", value


def _simple(questionnaire: Questionnaire, leaf: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """enableWhen entries for one test, or None when it needs an 'any' of several (an `in`)."""
    question = leaf.get("question")
    if question is None or question not in questionnaire.by_id:
        return None
    kind = questionnaire.by_id[question].type
    if "contains" in leaf and kind == "multi_choice":
        key, value = _answer_value(questionnaire, question, leaf["contains"])
        return [{"question": question, "operator": "=", key: value}]
    if "equals" in leaf and _comparable(kind, leaf["equals"]):
        key, value = _answer_value(questionnaire, question, leaf["equals"])
        return [{"question": question, "operator": "=", key: value}]
    return None  # never true (a type mismatch), or "answered", which must not count a "none" answer


def _takes_strings(questionnaire: Questionnaire, question_id: str) -> bool:
    question = questionnaire.by_id.get(question_id)
    return question is not None and question.type not in ("multi_choice", "yes_no", "acknowledgement")


def _comparable(kind: str, value: Any) -> bool:
    """Whether an `equals` can ever hold for a question of this type (intake compares as JSON: true is not "true")."""
    if kind == "multi_choice":
        return False  # a list never equals a single value
    return isinstance(value, bool) == (kind in ("yes_no", "acknowledgement"))


def enable_when(questionnaire: Questionnaire, condition: Mapping[str, Any],
                policy: AgePolicy = DEFAULT_POLICY) -> dict[str, Any]:
    """The item fields that express a show-if condition: enableWhen (+ enableBehavior) or the expression extension."""
    if "in" in condition and "question" in condition and _takes_strings(questionnaire, condition["question"]):
        values = list(condition["in"])
        entries = []
        for value in values:
            key, answer = _answer_value(questionnaire, condition["question"], value)
            entries.append({"question": condition["question"], "operator": "=", key: answer})
        if entries:
            return {"enableWhen": entries, **({"enableBehavior": "any"} if len(entries) > 1 else {})}
    simple = _simple(questionnaire, condition)
    if simple is not None:
        return {"enableWhen": simple}
    for key in ("all", "any"):
        parts = condition.get(key)
        if parts:
            groups = [_simple(questionnaire, part) for part in parts]
            if all(g is not None for g in groups):
                flat = [entry for group in groups if group is not None for entry in group]
                return {"enableWhen": flat, **({"enableBehavior": key} if len(flat) > 1 else {})}
    return {"extension": [{"url": ENABLE_WHEN_EXPRESSION, "valueExpression": {
        "language": "text/fhirpath", "expression": fhirpath(questionnaire, condition, policy),
        "description": questionnaire.describe_condition(condition, questionnaire.languages[0])}}]}


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"




def consultation_day() -> str:
    """FHIRPath for the day a response's ages are measured on (see the module's description)."""
    carried = f"%resource.extension.where(url = '{CONSULTATION_DATE}')"
    return (f"iif({carried}.exists(), {carried}.value.first(), iif(%resource.authored.exists(), "
            "%resource.authored.toString().substring(0, 10).toDate(), today()))")


def fhirpath(questionnaire: Questionnaire, condition: Mapping[str, Any], policy: AgePolicy = DEFAULT_POLICY) -> str:
    """A FHIRPath expression over the QuestionnaireResponse that is true exactly when the condition holds.

    Every part yields true or false, never empty (`contains` and `exists()` are false on nothing),
    so `not()`, `and` and `or` follow intake's own logic where a missing answer is unanswered.
    """
    if "all" in condition:
        return "(" + " and ".join(fhirpath(questionnaire, c, policy) for c in condition["all"]) + ")"
    if "any" in condition:
        return "(" + " or ".join(fhirpath(questionnaire, c, policy) for c in condition["any"]) + ")"
    if "not" in condition:
        return f"({fhirpath(questionnaire, condition['not'], policy)}).not()"
    if "age_below" in condition:
        # Under the clinic's adult age (or the legal age) on the consultation day, in whole years as intake
        # counts them (intake.dates.age_on: a 29 February birthday is reached on 1 March); false while no date
        # of birth is given or it is after that day.
        birth = f"%resource.repeat(item).where(linkId = '{AGE_QUESTION}').answer.value.first()"
        years = policy.legal_age if condition["age_below"] == "legal_age" else policy.adult_age
        day = consultation_day()
        return f"({birth}.exists() and {birth} <= {day} and ({day} - {years} years) < {birth})"
    if "minors_policy" in condition:  # the clinic's setting, fixed for the questionnaire it publishes
        return "true" if policy.minors in condition["minors_policy"] else "false"
    question_id = condition["question"]
    question = questionnaire.by_id[question_id]
    answers = f"%resource.repeat(item).where(linkId = '{question_id}').answer"
    values = answers + (".value.code" if question.type in ("choice", "multi_choice") else ".value")
    if "answered" in condition:
        return f"{answers}.value.where(system.exists().not() or system != '{NONE_SYSTEM}').exists()"
    if "in" in condition:
        if not _takes_strings(questionnaire, question_id):
            return "false"
        return "(" + " or ".join(f"{values} contains {_literal(v)}" for v in condition["in"]) + ")" \
            if condition["in"] else "false"
    if "contains" in condition:
        return f"{values} contains {_literal(condition['contains'])}" if question.type == "multi_choice" else "false"
    wanted = condition["equals"]
    if not _comparable(question.type, wanted):
        return "false"
    if question.type == "date" and isinstance(wanted, str):
        return f"{values} contains @{wanted}"
    return f"{values} contains {_literal(wanted)}"


# -- the resource ------------------------------------------------------------------------------------


def _item(questionnaire: Questionnaire, question: Question, language: str, policy: AgePolicy) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": localize(question.label, language),
                            "type": ITEM_TYPES[question.type]}
    if question.show_if:
        item.update(enable_when(questionnaire, question.show_if, policy))
    item["required"] = bool(question.required)
    if question.type == "multi_choice":
        item["repeats"] = True
    if question.max_length and question.type in ("text", "long_text"):
        item["maxLength"] = question.max_length
    if question.type in ("choice", "multi_choice"):
        system = option_system(questionnaire.id, question.id)
        options: list[dict[str, Any]] = [
            {**({"extension": [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]} if o.exclusive else {}),
             "valueCoding": {"system": system, "code": o.id, "display": localize(o.label, language)}}
            for o in question.options]
        if question.type == "multi_choice" and not any(o.exclusive for o in question.options):
            options.append({"extension": [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}],
                            "valueCoding": none_coding(questionnaire, language)})
        item["answerOption"] = options
    if question.help:
        item["item"] = [{"linkId": f"{question.id}.help", "type": "display",
                         "text": localize(question.help, language)}]
    return item


def fhir_questionnaire(questionnaire: Questionnaire, language: str | None = None, *,
                       publisher: str | None = None, date: str | None = None,
                       policy: AgePolicy = DEFAULT_POLICY) -> dict[str, Any]:
    """The questionnaire as a FHIR R4 Questionnaire resource (a JSON-ready dict).

    Args:
        questionnaire: the loaded questionnaire.
        language: language of the texts (default: the questionnaire's first).
        publisher: the clinic's name, if wanted.
        date: the publication date (YYYY-MM-DD), if wanted; nothing is read from the clock.
        policy: the clinic's ages and minors policy, for questions shown on them (a guardian's name).
    """
    language = language or questionnaire.languages[0]
    groups = []
    for step in questionnaire.steps:
        group: dict[str, Any] = {"linkId": step.id, "text": localize(step.title, language), "type": "group",
                                 "item": [_item(questionnaire, q, language, policy) for q in step.questions]}
        groups.append(group)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": "".join(c if c.isalnum() or c in "-." else "-" for c in questionnaire.id)[:64],
        "language": language,
        "url": canonical_url(questionnaire.id),
        "version": questionnaire.version,
        "name": "".join(p[:1].upper() + p[1:] for p in questionnaire.id.replace("-", "_").split("_") if p),
        "title": localize(questionnaire.title, language),
        "status": "active",
        "subjectType": ["Patient"],
    }
    if date:
        resource["date"] = date
    if publisher:
        resource["publisher"] = publisher
    resource["item"] = groups
    return resource
