"""Provides show-if and rule conditions: evaluation in Python and translation to JSON Schema.

One condition language serves the questionnaire (when a question is shown) and the rules (when a
finding applies). The questionnaire forms also compile to JSON Schema, so the record schema alone
enforces "required only when shown"; a property test keeps the two evaluations in agreement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from intake.dates import age_on, parse_iso_date

Condition = Mapping[str, Any]


def json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON Schema sees it: true is not 1, and false is not 0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def evaluate(condition: Condition, answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None) -> bool:
    """Evaluates a condition against answers (missing or null answers are unanswered).

    Args:
        condition: a condition object from schemas/.
        answers: question id to answer.
        facts: derived values for rule-only forms: "age" and "adult_age".
    """
    if "all" in condition:
        return all(evaluate(c, answers, facts) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, answers, facts) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], answers, facts)
    if "overlaps" in condition:
        first, second = (answers.get(q) for q in condition["overlaps"])
        return (
            isinstance(first, list)
            and isinstance(second, list)
            and any(json_equal(a, b) for a in first for b in second)
        )
    if "age_below" in condition:
        facts = facts or {}
        age, limit = facts.get("age"), facts.get(condition["age_below"])
        return age is not None and limit is not None and age < limit
    value = answers.get(condition["question"])
    if "equals" in condition:
        return json_equal(value, condition["equals"])
    if "in" in condition:
        return isinstance(value, str) and value in condition["in"]
    if "contains" in condition:
        return isinstance(value, list) and any(json_equal(v, condition["contains"]) for v in value)
    if "answered" in condition:
        return _answered(value)
    raise ValueError(f"unknown condition form: {sorted(condition)}")


def uses_facts(condition: Condition | None) -> bool:
    """Whether a condition reads derived facts (the client's age against the clinic's adult age).

    JSON Schema cannot compute an age from two dates, so a question shown on such a condition is
    checked by the validator in Python (with the consultation date), not by the record schema.
    """
    return condition is not None and any("age_below" in leaf for leaf in leaves(condition))


def facts_for(answers: Mapping[str, Any], consultation: date | str | None, adult_age: int) -> dict[str, Any]:
    """The derived facts conditions read: the client's age on the consultation day and the clinic's adult age."""
    day = parse_iso_date(consultation) if isinstance(consultation, str) else consultation
    birth = parse_iso_date(answers.get("date_of_birth"))
    age = age_on(birth, day) if birth is not None and day is not None and birth <= day else None  # no age yet
    return {"age": age, "adult_age": adult_age, "birth": birth}


def to_schema(condition: Condition) -> dict[str, Any]:
    """Compiles a questionnaire condition to a JSON Schema that tests the answers object."""
    if "all" in condition:
        return {"allOf": [to_schema(c) for c in condition["all"]]}
    if "any" in condition:
        return {"anyOf": [to_schema(c) for c in condition["any"]]}
    if "not" in condition:
        return {"not": to_schema(condition["not"])}
    question = condition["question"]
    if "equals" in condition:
        test: dict[str, Any] = {"const": condition["equals"]}
    elif "in" in condition:
        test = {"type": "string", "enum": list(condition["in"])}
    elif "contains" in condition:
        test = {"type": "array", "contains": {"const": condition["contains"]}}
    elif "answered" in condition:
        test = {"not": {"enum": [None, "", []]}}
    else:
        raise ValueError(f"condition form {sorted(condition)} cannot be used in the questionnaire")
    return {"required": [question], "properties": {question: test}}


def referenced_questions(condition: Condition) -> Iterator[str]:
    """Yields every question id a condition reads."""
    for key in ("all", "any"):
        for child in condition.get(key, ()):
            yield from referenced_questions(child)
    if "not" in condition:
        yield from referenced_questions(condition["not"])
    if "overlaps" in condition:
        yield from condition["overlaps"]
    if "question" in condition:
        yield condition["question"]


def leaves(condition: Condition) -> Iterator[Condition]:
    """Yields the simple (non-composite) parts of a condition."""
    if "all" in condition or "any" in condition:
        for child in condition.get("all", condition.get("any", ())):
            yield from leaves(child)
    elif "not" in condition:
        yield from leaves(condition["not"])
    else:
        yield condition
