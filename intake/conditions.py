"""Provides show-if and rule conditions: evaluation in Python and translation to JSON Schema.

One condition language serves the questionnaire (when a question is shown) and the rules (when a
finding applies). The questionnaire forms also compile to JSON Schema, so the record schema alone
enforces "required only when shown"; a property test keeps the two evaluations in agreement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from intake.dates import age_on, parse_iso_date

Condition = Mapping[str, Any]
#: What a clinic does below its treatment age: not treat, treat once a condition is met, or treat.
MinorsPolicy = Literal["defer", "clearance", "allow"]
MINORS_POLICIES: tuple[MinorsPolicy, ...] = ("defer", "clearance", "allow")
#: Where a client's age puts them: under the legal age of consent, a legal adult under the clinic's treatment
#: age, an adult for the clinic, or not known yet (no date of birth).
AgeBand = Literal["minor", "young_adult", "adult", "unknown"]


@dataclass(frozen=True)
class AgePolicy:
    """A clinic's ages and minors policy, the one definition every condition, rule and document reads.

    Attributes:
        adult_age: the clinic's treatment age ([policy] adult_age): below it the minors policy applies.
        legal_age: the age from which a person consents for themselves ([policy] legal_age, <= adult_age).
        minors: the minors policy below adult_age ([policy] minors).
    """

    adult_age: int = 18
    legal_age: int = 18
    minors: MinorsPolicy = "defer"

    def band(self, age: int | None) -> AgeBand:
        """Where an age falls: "minor" (under the legal age), "young_adult" (a legal adult under the treatment
        age), "adult", or "unknown"."""
        if age is None:
            return "unknown"
        if age < self.legal_age:
            return "minor"
        return "young_adult" if age < self.adult_age else "adult"


def json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON Schema sees it: true is not 1, and false is not 0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and bool(left == right)
    return bool(left == right)


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def evaluate(condition: Condition, answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None) -> bool:
    """Evaluates a condition against answers (missing or null answers are unanswered).

    Args:
        condition: a condition object from schemas/.
        answers: question id to answer.
        facts: derived values (see facts_for): the client's "age", the clinic's "adult_age" and "legal_age"
            (read by `age_below`) and "minors_policy" (read by `minors_policy`).
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
    if "minors_policy" in condition:
        return (facts or {}).get("minors_policy") in condition["minors_policy"]
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


#: The condition forms that read derived facts rather than answers.
FACT_FORMS = ("age_below", "minors_policy")


def uses_facts(condition: Condition | None) -> bool:
    """Whether a condition reads derived facts (the client's age against the clinic's ages, or its minors policy).

    JSON Schema cannot compute an age from two dates, nor knows the clinic's settings, so a question shown
    on such a condition is checked by the validator in Python (with the consultation date), not by the
    record schema.
    """
    return condition is not None and any(form in leaf for leaf in leaves(condition) for form in FACT_FORMS)


def facts_for(answers: Mapping[str, Any], consultation: date | str | None, policy: AgePolicy) -> dict[str, Any]:
    """The derived facts conditions read: the client's age on the consultation day and the clinic's ages and
    minors policy."""
    day = parse_iso_date(consultation) if isinstance(consultation, str) else consultation
    birth = parse_iso_date(answers.get("date_of_birth"))
    age = age_on(birth, day) if birth is not None and day is not None and birth <= day else None  # no age yet
    return {"age": age, "adult_age": policy.adult_age, "legal_age": policy.legal_age,
            "minors_policy": policy.minors, "birth": birth}


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
