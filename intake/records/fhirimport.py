"""Provides the reading of a FHIR R4 QuestionnaireResponse of the clinic's Questionnaire as an answers record.

`intake records import` takes such a response beside answers files: intake's own exports
(intake.records.fhir) and responses made with LHC-Forms or any other FHIR form filler from the
Questionnaire `intake schema --fhir` writes. The record made here is then validated exactly like an
answers file and stored through `Lifecycle.import_answers`.

What is read: the items wherever they are nested (groups per step, or not), each question's answers by
the question's type (text and long_text: valueString, date: valueDate, yes_no and acknowledgement:
valueBoolean, choice: one valueCoding, multi_choice: valueCodings, the "none of these" coding alone
meaning none); the consultation day from the `urn:intake:consultation-date` extension, else from the
date written in `authored`, the day the Questionnaire's age conditions are measured on; the language
when the questionnaire has it. An item without answers is unanswered: nothing is made up for it (a
required question left so is refused by the validation, as in an answers file).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from intake.dates import parse_iso_date
from intake.fhirquestionnaire import CONSULTATION_DATE, NONE_CODE, NONE_SYSTEM, canonical_url, option_system
from intake.questionnaire import Question
from intake.validation import Problem

RESOURCE_TYPE = "QuestionnaireResponse"
#: The answer type each question type takes in FHIR R4 (intake.fhirquestionnaire.ITEM_TYPES).
VALUE_KEYS = {"text": "valueString", "long_text": "valueString", "date": "valueDate", "yes_no": "valueBoolean",
              "acknowledgement": "valueBoolean", "choice": "valueCoding", "multi_choice": "valueCoding"}
_COMPLETE = ("completed", "amended")


def is_response(data: Any) -> bool:
    """Whether a file's content is a FHIR QuestionnaireResponse (and not an answers file)."""
    return isinstance(data, Mapping) and data.get("resourceType") == RESOURCE_TYPE


def _problem(where: str, message: str) -> Problem:
    return Problem(where, "FHIR QuestionnaireResponse", message)


def _items(items: list[Any], where: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every item, with its path, nested in items or under answers."""
    for index, item in enumerate(items):
        path = f"{where}[{index}]"
        yield item, path
        yield from _items(item.get("item", []), f"{path}.item")
        for number, answer in enumerate(item.get("answer", [])):
            yield from _items(answer.get("item", []), f"{path}.answer[{number}].item")


def _coding(questionnaire_id: str, question: Question, coding: Mapping[str, Any], where: str) -> tuple[str, str]:
    """(the option id, "") or ("", what is wrong) for one valueCoding."""
    system, code = coding.get("system"), coding.get("code")
    if (system, code) == (NONE_SYSTEM, NONE_CODE):
        return (NONE_CODE, "") if question.type == "multi_choice" else ("", f"{where}: 'none of these' answers "
                                                                            "only a question that takes several")
    if system not in (None, option_system(questionnaire_id, question.id)):
        return "", f"{where}: the coding's system {system!r} is not this question's ({question.id})"
    if not isinstance(code, str) or question.option(code) is None:
        offered = ", ".join(o.id for o in question.options)
        return "", f"{where}: {code!r} is not an option of {question.id} (its options: {offered})"
    return code, ""


def _value(questionnaire_id: str, question: Question, item: Mapping[str, Any], where: str) -> tuple[Any, list[str]]:
    """The answer an item gives to its question, in the answers file's form, and what is wrong with it."""
    expected = VALUE_KEYS[question.type]
    given, wrong = [], []
    for number, answer in enumerate(item["answer"]):
        keys = [key for key in answer if key.startswith("value")]
        if keys != [expected]:
            wrong.append(f"{where}.answer[{number}]: {', '.join(keys) or 'no value'} does not answer a "
                         f"{question.type} question; it takes {expected}")
        else:
            given.append(answer[expected])
    if wrong:
        return None, wrong
    if question.type == "multi_choice":
        codes = [_coding(questionnaire_id, question, c, f"{where}.answer[{n}]") for n, c in enumerate(given)]
        wrong = [why for _, why in codes if why]
        chosen = [code for code, _ in codes]
        if not wrong and NONE_CODE in chosen:
            return ([], []) if chosen == [NONE_CODE] else (None, [f"{where}: 'none of these' is chosen with others"])
        return chosen, wrong
    if len(given) > 1:
        return None, [f"{where}: {len(given)} answers to {question.id}, which takes one"]
    if question.type == "choice":
        code, why = _coding(questionnaire_id, question, given[0], f"{where}.answer[0]")
        return code, [why] if why else []
    return given[0], []


def _answers(engine: Any, resource: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    questionnaire = engine.questionnaire
    steps = {step.id for step in questionnaire.steps}
    answers: dict[str, Any] = {}
    problems: list[Problem] = []
    for item, where in _items(resource.get("item", []), "item"):
        link = item["linkId"]
        question = questionnaire.by_id.get(link)
        if question is None:
            if link not in steps or "answer" in item:
                problems.append(_problem(where, f"{link!r} is not a question of {questionnaire.id}: remove it"))
            continue
        if link in answers:
            problems.append(_problem(where, f"{link} is answered twice: keep one item"))
            continue
        if "answer" not in item:
            continue  # unanswered
        value, wrong = _value(questionnaire.id, question, item, where)
        problems += [_problem(link, message) for message in wrong]
        if not wrong:
            answers[link] = value
    return answers, problems


def _consultation_day(resource: Mapping[str, Any]) -> str | None:
    carried = [e.get("valueDate") for e in resource.get("extension", []) if e.get("url") == CONSULTATION_DATE]
    day = carried[0] if carried else str(resource.get("authored", ""))[:10]
    return day if parse_iso_date(day) is not None else None


def _header_problems(engine: Any, resource: Mapping[str, Any]) -> list[Problem]:
    questionnaire = engine.questionnaire
    problems = []
    url = str(resource.get("questionnaire", "")).partition("|")[0]
    if url and url != canonical_url(questionnaire.id):
        problems.append(_problem("questionnaire", f"it answers {url}, not this clinic's questionnaire "
                                 f"({canonical_url(questionnaire.id)}, written by `intake schema --fhir`)"))
    if resource.get("status") not in _COMPLETE:
        problems.append(_problem("status", f"it is {resource.get('status')!r}: only a completed response is "
                                 "imported; finish it in the form and export it again"))
    if _consultation_day(resource) is None:
        problems.append(_problem("authored", f"no consultation date: give `authored` (when the answers were given) "
                                 f"or the {CONSULTATION_DATE} extension (valueDate)"))
    return problems


def answers_record(engine: Any, resource: Any) -> tuple[dict[str, Any], list[Problem]]:
    """The answers record a QuestionnaireResponse gives, and every problem that stops it being read.

    Args:
        engine: the clinic's engine (its questionnaire and language).
        resource: the parsed JSON of the response.

    Returns:
        (the record, []) or ({}, the problems). The record still has to be validated like any answers file.
    """
    from intake.records.fhir import problems as structure_problems

    found = [_problem("(resource)", message) for message in structure_problems(resource)]
    if found:
        return {}, found
    found = _header_problems(engine, resource)
    answers, wrong = _answers(engine, resource)
    found += wrong
    if found:
        return {}, found
    record = engine.new_record(_consultation_day(resource), answers)
    version = str(resource.get("questionnaire", "")).partition("|")[2]
    if version:
        record["questionnaire_version"] = version
    if resource.get("language") in engine.questionnaire.languages:
        record["language"] = resource["language"]
    return record, []
