"""Provides validation of intake records with every problem tied to its question, in plain words.

The generated record schema does the structural work (built into one validator, formats checked);
this module adds what a schema cannot see (dates measured against the consultation date) and turns
each jsonschema error into a message a receptionist or client can act on.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from intake import conditions
from intake.conditions import AgePolicy
from intake.dates import parse_iso_date
from intake.i18n import N_, intake_words, long_date
from intake.questionnaire import Question, Questionnaire, Step, localize
from intake.recordschema import PATTERNS, narrowed_record_schema
from intake.text import BROKEN_CHARACTER, has_lone_surrogate, strings_in

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

TOP_LEVEL_LABELS = {
    "format": "Record format",
    "record_id": "Record id",
    "questionnaire_version": "Questionnaire version",
    "consultation_date": "Consultation date",
    "language": "Language",
    "answers": "Answers",
}

_PATTERN_MESSAGES = {
    PATTERNS["not_blank"]: N_("This question needs an answer."),
    PATTERNS["line"]: N_("Contains a line break, control character or hidden formatting character; "
                         "please type plain text on one line."),
    PATTERNS["multiline"]: N_("Contains control characters or hidden formatting characters; please type plain "
                              "text."),
    PATTERNS["name"]: N_("Names can use letters, spaces, apostrophes, hyphens, full stops and commas only "
                         "(no digits or symbols such as < > { } @)."),
    PATTERNS["phone"]: N_("Write the phone number with digits, spaces and an optional + at the start, "
                          "for example +44 20 7946 0000."),
    PATTERNS["email"]: N_("That does not look like an email address (name@example.com)."),
    PATTERNS["date"]: N_("Write the date as year-month-day, for example 1990-04-23."),
}


@dataclass(frozen=True)
class Problem:
    """One problem in a record, tied to a question (or to a top-level field)."""

    field: str
    label: str
    message: str
    step_id: str | None = None

    def __str__(self) -> str:
        return f"{self.label} [{self.field}]: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as plain JSON data."""
        return {"field": self.field, "label": self.label, "message": self.message, "step": self.step_id}


def excerpt(value: Any, limit: int = 40) -> str:
    """Shows a value safely: control and format characters escaped, long values cut short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    text = str(value)
    shortened = len(text) > limit
    text = text[:limit]
    safe = "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") else ch for ch in text
    )
    return f"'{safe}…'" if shortened else f"'{safe}'"


#: A text that matches none of the questionnaire's patterns.
_NOT_ALLOWED = N_("Contains characters that are not allowed here.")

_TYPE_HINTS = {
    "text": "Should be text.",
    "long_text": "Should be text.",
    "date": "Should be a date written as year-month-day, for example 1990-04-23.",
    "yes_no": "Please answer yes or no (true or false).",
    "acknowledgement": "Please confirm this statement (true).",
    "choice": "Should be one of the choices.",
    "multi_choice": "Should be a list of choices.",
}


MAX_DEPTH = 12  # record > answers > a multiple choice list > ... : real records need 4
MAX_VALUES = 20_000


class RecordValidator:
    """Validates records for one questionnaire; the jsonschema validator is built once."""

    def __init__(self, questionnaire: Questionnaire, record_schema: Mapping[str, Any], language: str = "en",
                 policy: AgePolicy | None = None):
        from jsonschema import Draft202012Validator

        Draft202012Validator.check_schema(record_schema)
        self.questionnaire = questionnaire
        self.language = language
        #: the messages a client sees beside their answers, in their language
        self._ = intake_words(language).gettext
        self.policy = policy or AgePolicy()
        self._validator = Draft202012Validator(record_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        self._order = {q.id: i for i, q in enumerate(questionnaire.questions())}
        self._record_schema = record_schema
        #: per step: a validator of that step's answers only (made when first asked for; see step_problems)
        self._step_validators: dict[str, Any] = {}

    # -- public -----------------------------------------------------------------------------

    def problems(self, record: Any, validator: Any = None) -> list[Problem]:
        """Lists every problem of a record, in questionnaire order; empty when valid.

        Args:
            validator: the jsonschema validator to check it with (by default the whole record schema's).
        """
        if not isinstance(record, dict):
            return [Problem("(record)", "Record", "An intake record must be a JSON object with "
                            "'consultation_date' and 'answers'.")]
        oversized = self._shape_problem(record)
        if oversized:
            return [oversized]
        found: list[Problem] = []
        for error in (validator or self._validator).iter_errors(record):
            found.extend(self._explain(error))
        found.extend(self._date_problems(record))
        found.extend(self._text_problems(record))
        found.extend(self._fact_problems(record))
        return self._ordered(found)

    def step_problems(self, step_id: str, answers: Mapping[str, Any], consultation_date: str) -> list[Problem]:
        """Lists the problems of one step's visible questions, for inline validation in a wizard."""
        step = self.questionnaire.step(step_id)
        facts = conditions.facts_for(answers, consultation_date, self.policy)
        visible = {q.id for q in self.questionnaire.visible_in(step, answers, facts)}
        record = {"consultation_date": consultation_date, "answers": self.questionnaire.prune(answers, facts)}
        return [p for p in self.problems(record, self._step_validator(step)) if p.field in visible]

    def _step_validator(self, step: Step) -> Any:
        """A validator of one step's answers (the record schema narrowed to them: the same errors about them)."""
        validator = self._step_validators.get(step.id)
        if validator is None:
            from jsonschema import Draft202012Validator

            schema = narrowed_record_schema(dict(self._record_schema), [q.id for q in step.questions])
            validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
            self._step_validators[step.id] = validator
        return validator

    def question_problems(self, question_id: str, answers: Mapping[str, Any], consultation_date: str) -> list[Problem]:
        """Lists the problems of a single question, for validating one field as it is typed."""
        question = self.questionnaire.by_id[question_id]
        return [p for p in self.step_problems(question.step_id, answers, consultation_date) if p.field == question_id]

    def _shape_problem(self, record: dict[str, Any]) -> Problem | None:
        """One plain problem for a record far larger or deeper than any intake, found before validating it
        (validating 200,000 unknown answers one by one would take many seconds and print as many lines)."""
        questions = len(self._order)
        limit = {"keys": max(200, 4 * questions), "depth": MAX_DEPTH, "values": MAX_VALUES}
        stack: list[tuple[Any, int, str]] = [(record, 1, "the record")]
        values = 0
        while stack:
            value, depth, where = stack.pop()
            values += 1
            if depth > limit["depth"]:
                return Problem("(record)", "Record", f"{where} is nested {depth} levels deep; an intake record is "
                               f"at most {limit['depth']}. Check that this is the right file.")
            if values > limit["values"]:
                return Problem("(record)", "Record", f"the record holds more than {limit['values']:,} values; an "
                               "intake is far smaller. Check that this is the right file.")
            if isinstance(value, dict):
                if len(value) > limit["keys"]:
                    return Problem("(record)", "Record", f"{where} has {len(value):,} keys; this questionnaire "
                                   f"has {questions} questions. Check that this is the right file.")
                stack.extend((v, depth + 1, f"'{k}'" if depth == 1 or where == "'answers'" else where)
                             for k, v in value.items())
            elif isinstance(value, list):
                stack.extend((v, depth + 1, where) for v in value)
        return None

    # -- mapping jsonschema errors ------------------------------------------------------------

    def _ordered(self, problems: Iterable[Problem]) -> list[Problem]:
        unique = list(dict.fromkeys(problems))
        top = list(TOP_LEVEL_LABELS)
        return sorted(unique, key=lambda p: (
            0 if p.field in TOP_LEVEL_LABELS else 1,
            top.index(p.field) if p.field in TOP_LEVEL_LABELS else self._order.get(p.field, len(self._order)),
        ))

    def _problem(self, field: str, message: str) -> Problem:
        question = self.questionnaire.by_id.get(field)
        if question is not None:
            return Problem(field, localize(question.label, self.language), message, question.step_id)
        return Problem(field, TOP_LEVEL_LABELS.get(field, field), message)

    def _explain(self, error: ValidationError) -> list[Problem]:
        path = list(error.absolute_path)
        if path[:1] == ["answers"] and len(path) >= 2:
            question = self.questionnaire.by_id.get(str(path[1]))
            if question is not None:
                return [self._problem(question.id, self._answer_message(error, question, path))]
        field_name = str(path[0]) if path else None
        if error.validator == "required":
            missing = [k for k in error.validator_value if isinstance(error.instance, dict) and k not in error.instance]
            if field_name == "answers":
                return [self._problem(k, self._missing_answer(k)) for k in missing]
            if field_name is None:
                return [self._problem(k, self._missing_top(k)) for k in missing]
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(error.schema.get("properties", {}))
            unknown = [k for k in error.instance if k not in known]
            return [self._unknown(k, known, field_name == "answers") for k in unknown]
        if field_name == "answers" and error.validator == "type":
            return [self._problem("answers", "Should be an object of answers keyed by question id.")]
        if field_name in TOP_LEVEL_LABELS:
            return [self._problem(field_name, self._top_message(error, field_name))]
        return [self._problem("(record)", "The record is not in the expected form.")]

    def _missing_answer(self, question_id: str) -> str:
        question = self.questionnaire.by_id.get(question_id)
        if question is not None and question.type == "acknowledgement":
            return self._("Please confirm this statement to continue.")
        if question is not None and question.type == "multi_choice":
            return self._choose_message(question)
        return self._("This question needs an answer.")

    def _choose_message(self, question: Question) -> str:
        """What a multi-choice question left empty asks for: its own 'None of these' named when it has one."""
        alone = next((o for o in question.options if o.exclusive), None)
        return (self._("Choose the ones that apply, or '{none}'.").format(none=localize(alone.label, self.language))
                if alone else self._("Choose at least one."))

    @staticmethod
    def _missing_top(key: str) -> str:
        if key == "consultation_date":
            return "Missing: give the day of the consultation as year-month-day, for example 2026-11-20."
        if key == "answers":
            return "Missing: the record has no 'answers' object."
        return "Missing."

    def _unknown(self, key: str, known: list[str], in_answers: bool) -> Problem:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        where = f"questionnaire {self.questionnaire.version}" if in_answers else "an intake record"
        label = excerpt(key, 60)[1:-1] or "(empty name)"
        what = "question" if in_answers else "field"
        return Problem(label, f"Unknown {what}", f"'{label}' is not a {what} of {where}; remove it.{hint}")

    def _top_message(self, error: ValidationError, field_name: str) -> str:
        if field_name == "consultation_date":
            return (f"{excerpt(error.instance)} is not a real date. "
                    "Write it as year-month-day, for example 2026-11-20.")
        if field_name == "format":
            return f"Must be {error.validator_value!r}; this file is in another format."
        if field_name == "language":
            return f"Must be one of: {', '.join(self.questionnaire.languages)}."
        if field_name == "record_id":
            return "Use letters, digits, hyphens and underscores only (at most 64)."
        return "Should be text of at most 40 characters."

    def _answer_message(self, error: ValidationError, question: Question, path: list[Any]) -> str:
        validator, expected, value = error.validator, error.validator_value, error.instance
        if validator == "not" and expected == {"type": "null"}:
            return self._missing_answer(question.id)
        if validator == "type" and expected == "null":
            condition = self.questionnaire.describe_condition(question.show_if or {}, self.language)
            return f"This question only applies when {condition}; leave it out or change that answer."
        if validator == "type":
            return _TYPE_HINTS[question.type] + f" Got {excerpt(value)}."
        if validator == "enum" and question.type in ("choice", "multi_choice"):
            choices = ", ".join(o.id for o in question.options)
            return f"{excerpt(value)} is not one of the choices. Choose from: {choices}."
        if validator in ("const", "enum") and question.type == "acknowledgement":
            return self._("Please confirm this statement to continue.")
        if validator == "format" and expected == "date":
            return self._("{value} is not a real date. Write it as year-month-day, for example 1990-04-23.").format(
                value=excerpt(value))
        if validator == "format":
            return self._(_PATTERN_MESSAGES[PATTERNS["email"]])
        if validator == "maxLength":
            return self._("Too long: {count} characters; at most {limit} are allowed.").format(
                count=format(len(value), ","), limit=format(expected, ","))
        if validator == "minLength":
            return self._("This question needs an answer.")
        if validator == "pattern":
            return self._(_PATTERN_MESSAGES.get(expected, _NOT_ALLOWED))
        if validator in ("minItems", "uniqueItems", "maxItems"):
            return self._list_message(validator, expected, question)
        return "This answer is not in the expected form."

    def _list_message(self, validator: str, expected: Any, question: Question) -> str:
        """What is wrong with a multi-choice answer's list: empty, repeated, or a 'none' chosen with others."""
        if validator == "minItems":
            return self._choose_message(question)
        if validator == "uniqueItems":
            return "The same choice is listed more than once."
        if expected == 1:
            alone = next((o for o in question.options if o.exclusive), None)
            label = localize(alone.label, self.language) if alone else self._("This choice")
            return self._("'{choice}' cannot be chosen together with other answers; choose it alone, or untick "
                          "it.").format(choice=label)
        return "Lists more choices than there are."

    # -- checks a schema cannot express -------------------------------------------------------

    def _text_problems(self, record: Mapping[str, Any]) -> list[Problem]:
        """Text holding half a character (a lone surrogate) cannot be stored or printed: name where it is."""
        problems = []
        answers = record.get("answers")
        for key, value in record.items():
            if key != "answers" and any(has_lone_surrogate(text) for text in strings_in({key: value})):
                problems.append(self._problem(key if isinstance(key, str) and not has_lone_surrogate(key)
                                              else "(record)", BROKEN_CHARACTER))
        if isinstance(answers, dict):
            for key, value in answers.items():  # (a key with a broken character is an unknown question)
                if isinstance(key, str) and not has_lone_surrogate(key) and any(
                        has_lone_surrogate(text) for text in strings_in(value)):
                    problems.append(self._problem(key, BROKEN_CHARACTER))
        return problems

    def _fact_problems(self, record: Mapping[str, Any]) -> list[Problem]:
        """Questions shown on the client's age: required when shown, and left out when not."""
        answers = record.get("answers")
        if not isinstance(answers, dict) or parse_iso_date(record.get("consultation_date")) is None:
            return []
        facts = conditions.facts_for(answers, record["consultation_date"], self.policy)
        shown = {q.id for q in self.questionnaire.visible(answers, facts)}
        problems = []
        for question in self.questionnaire.questions():
            if not conditions.uses_facts(question.show_if):
                continue
            answered = answers.get(question.id) not in (None, "", [])
            if question.id in shown and question.required and not answered:
                problems.append(self._problem(question.id, self._missing_answer(question.id)))
            elif question.id not in shown and question.id in answers and answers[question.id] is not None:
                condition = self.questionnaire.describe_condition(question.show_if or {}, self.language)
                problems.append(self._problem(question.id, f"This question only applies when {condition}; "
                                              "leave it out or change that answer."))
        return problems

    def _date_problems(self, record: Mapping[str, Any]) -> list[Problem]:
        consultation = parse_iso_date(record.get("consultation_date"))
        answers = record.get("answers")
        if consultation is None or not isinstance(answers, dict):
            return []
        problems = []
        for question in self.questionnaire.questions():
            rules = question.date_range
            day = parse_iso_date(answers.get(question.id)) if rules else None
            if day is None or rules is None:
                continue
            message = _date_range_message(day, consultation, rules, self.language)
            if message:
                problems.append(self._problem(question.id, message))
        return problems


def _years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - int((later.month, later.day) < (earlier.month, earlier.day))


def _date_range_message(day: date, consultation: date, rules: Mapping[str, Any], language: str) -> str | None:
    """What is wrong with a date measured against the consultation date, in the client's language (English keeps
    the year-month-day form of files and the command line; other languages write the days out)."""
    _ = intake_words(language).gettext
    english = language.split("-")[0] == "en"
    shown, on = (day.isoformat(), consultation.isoformat()) if english else (
        long_date(day, language), long_date(consultation, language))
    if rules.get("not_after") == "consultation" and day > consultation:
        return _("{day} is after the consultation date ({consultation}); this date cannot be in the future.").format(
            day=shown, consultation=on)
    if rules.get("not_before") == "consultation" and day < consultation:
        return _("{day} is before the consultation date ({consultation}); this date should be today or "
                 "later.").format(day=shown, consultation=on)
    limit = rules.get("max_years_before")
    if limit and day < consultation and _years_between(day, consultation) >= limit:
        return _("{day} is {years} or more years before the consultation date ({consultation}); please check the "
                 "year.").format(day=shown, years=limit, consultation=on)
    limit = rules.get("max_years_after")
    if limit and day > consultation and _years_between(consultation, day) >= limit:
        return _("{day} is {years} or more years after the consultation date ({consultation}); please check the "
                 "year.").format(day=shown, years=limit, consultation=on)
    return None
