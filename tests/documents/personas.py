"""Records generated from the data: a baseline with no findings, and for every rule a record that triggers it.

Nothing here replays the example files. The baseline answers every shown required question with a value
that triggers no rule (found by asking the assessor), and a rule's record is the baseline plus the answers
that satisfy the rule's condition, with the follow-up questions that then appear answered too.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from intake import conditions
from intake.engine import Engine
from intake.rules import Rule

CONSULTATION = date(2026, 11, 20)
CONSULTATION_TEXT = CONSULTATION.isoformat()


def _text_value(question) -> str:
    if question.kind == "phone":
        return "+44 20 7946 0000"
    if question.kind == "email":
        return "client@example.com"
    if question.kind == "name":
        return "Jo Bloggs" if question.id == "full_name" else "Sam Bloggs"
    return f"Details for {question.id.replace('_', ' ')}"


def _date_value(question, engine: Engine, adult: bool = True, target: Rule | None = None) -> str:
    """A valid date: inside the target rule's waiting period, outside any other rule's."""
    if question.id == "date_of_birth":
        return date(CONSULTATION.year - 40, 5, 17).isoformat() if adult else \
            date(CONSULTATION.year - engine.config.adult_age + 2, 5, 17).isoformat()
    for rule in engine.rules.rules:
        window = rule.window or {}
        if window.get("date") == question.id:
            inside = target is None or (target.window or {}).get("date") == question.id
            days = (1 if inside else 300) * (1 if window["relation"] == "after" else -1)
            return (CONSULTATION - timedelta(days=days)).isoformat()
    if (question.date_range or {}).get("not_before"):
        return (CONSULTATION + timedelta(days=7)).isoformat()
    return (CONSULTATION - timedelta(days=1)).isoformat()


def _findings(engine: Engine, answers: Mapping[str, Any]) -> set[str]:
    record = engine.new_record(CONSULTATION_TEXT, dict(answers))
    return {f.rule_id for f in engine.assessor.assess(record).findings}


def _neutral(engine: Engine, question, answers: dict[str, Any]) -> Any:
    """A valid answer to a question that adds no finding."""
    if question.type == "yes_no":
        candidates: list[Any] = [False, True]
    elif question.type == "acknowledgement":
        return True
    elif question.type == "choice":
        candidates = [o.id for o in question.options]
    elif question.type == "multi_choice":
        candidates = [[o.id] for o in question.options]
    elif question.type == "date":
        return _date_value(question, engine)
    else:
        return _text_value(question)
    before = _findings(engine, answers)
    for value in candidates:
        if _findings(engine, {**answers, question.id: value}) <= before:
            return value
    return candidates[0]


def fill(engine: Engine, answers: dict[str, Any], *, adult: bool = True, target: Rule | None = None) -> dict[str, Any]:
    """Answers every shown required question not answered yet (in questionnaire order), pruning hidden ones."""
    result = dict(answers)
    for question in engine.questionnaire.questions():
        wanted = question.required or (target is not None and question.id == (target.window or {}).get("date"))
        if question.id in result or not wanted:
            continue
        shown = engine.questionnaire.visible(result, engine.facts(result, CONSULTATION_TEXT))
        if not any(q is question for q in shown):  # (by identity: comparing whole questions was a tenth of
            continue                                # collection, through test modules that build personas)
        if question.type == "date":
            result[question.id] = _date_value(question, engine, adult, target)
        else:
            result[question.id] = _neutral(engine, question, result)
    return engine.questionnaire.prune(result, engine.facts(result, CONSULTATION_TEXT))


#: The baselines made so far, by engine and changes (each engine kept with its own, so an id is never reused).
_BASELINES: dict[tuple[int, str], tuple[Engine, dict[str, Any]]] = {}


def baseline(engine: Engine, **changes: Any) -> dict[str, Any]:
    """Answers with no finding at all: every shown required question answered neutrally (made once per engine and
    changes: the generated cases of several modules start from it at collection, in every test worker)."""
    key = (id(engine), json.dumps(changes, sort_keys=True, default=str))
    made = _BASELINES.get(key)
    if made is None or made[0] is not engine:
        made = (engine, fill(engine, {"photo_consent": False, **changes}))
        _BASELINES[key] = made
    return copy.deepcopy(made[1])


def _age_limits(engine: Engine, condition: Mapping[str, Any]) -> tuple[list[int], list[int]]:
    """The ages a condition's own parts ask to be under, and to be at least (`not` an age)."""
    policy = engine.config.age_policy
    ages = {"adult_age": policy.adult_age, "legal_age": policy.legal_age}
    parts = condition.get("all", [condition])
    under = [ages[c["age_below"]] for c in parts if "age_below" in c]
    at_least = [ages[c["not"]["age_below"]] for c in parts if "age_below" in c.get("not", {})]
    return under, at_least


def _set_age(engine: Engine, condition: Mapping[str, Any], answers: dict[str, Any]) -> bool:
    """Sets the date of birth to an age the condition's age parts allow; False when it has none."""
    under, at_least = _age_limits(engine, condition)
    if not under and not at_least:
        return False
    age = max(at_least) if at_least else min(under) - 2
    if under and age >= min(under):
        raise ValueError(f"cannot satisfy {condition} with adult_age {engine.config.adult_age} and legal_age "
                         f"{engine.config.legal_age}: see policy_settings")
    answers["date_of_birth"] = date(CONSULTATION.year - age, 5, 17).isoformat()
    return True


def _satisfy(engine: Engine, condition: Mapping[str, Any], answers: dict[str, Any]) -> None:
    """Changes answers so that a rule condition holds (the first branch of an 'any')."""
    known = engine.questionnaire.by_id
    if "all" in condition:
        aged = _set_age(engine, condition, answers)
        for child in condition["all"]:
            if not (aged and ("age_below" in child or "age_below" in child.get("not", {}))):
                _satisfy(engine, child, answers)
    elif "any" in condition:
        _satisfy(engine, condition["any"][0], answers)
    elif "not" in condition:
        if conditions.evaluate(condition, answers, {}):
            return
        raise ValueError(f"cannot satisfy {condition}: rewrite the generator for 'not'")
    elif "overlaps" in condition:
        first, second = (known[q] for q in condition["overlaps"])
        shared = next(o.id for o in first.options if second.option(o.id) is not None)
        for question in (first, second):
            current = answers.get(question.id) if isinstance(answers.get(question.id), list) else []
            answers[question.id] = current if shared in current else question.toggle(current, shared)
    elif "age_below" in condition:
        _set_age(engine, condition, answers)
    elif "minors_policy" in condition:
        if engine.config.minors_policy not in condition["minors_policy"]:
            raise ValueError(f"cannot satisfy {condition} under minors = {engine.config.minors_policy!r}")
    else:
        question = known[condition["question"]]
        if "equals" in condition:
            answers[question.id] = condition["equals"]
        elif "in" in condition:
            answers[question.id] = condition["in"][0]
        elif "contains" in condition:  # ticked as a client ticks it ("None of these" gives way)
            current = answers.get(question.id) if isinstance(answers.get(question.id), list) else []
            wanted = condition["contains"]
            answers[question.id] = current if wanted in current else question.toggle(current, wanted)
        elif question.type == "multi_choice":  # answered
            answers[question.id] = [question.options[0].id]
        elif question.type == "yes_no":
            answers[question.id] = True
        elif question.type == "date":
            answers[question.id] = _date_value(question, engine)
        else:
            answers[question.id] = _text_value(question)


def triggering(engine: Engine, rule: Rule, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Answers that trigger one rule: the baseline (or `base`) plus what its condition asks for."""
    answers = copy.deepcopy(dict(base if base is not None else baseline(engine)))
    _satisfy(engine, rule.when, answers)
    return fill(engine, answers, adult=not _mentions_age(rule.when), target=rule)


def _mentions_age(condition: Mapping[str, Any]) -> bool:
    return any("age_below" in leaf for leaf in conditions.leaves(condition))


def policy_settings(rule: Rule) -> dict[str, Any]:
    """The [policy] settings under which a rule can fire: its minors policy, and a treatment age above the legal
    age (21 and 18) when it is about a legal adult under the treatment age."""
    settings: dict[str, Any] = {"minors": rule.minors_policy} if rule.minors_policy else {}
    if any("age_below" in part.get("not", {}) for part in rule.when.get("all", [rule.when])):
        settings.update(adult_age=21, legal_age=18)
    return settings


def with_policy(config_text: str, **settings: Any) -> str:
    """A clinic configuration's text with [policy] settings changed (each must be there already)."""
    for key, value in settings.items():
        config_text, done = re.subn(rf"(?m)^{key} = \S+", f"{key} = {json.dumps(value)}", config_text)
        assert done == 1, f"no {key} line to change"
    return config_text


def rule_questions(engine: Engine, rule: Rule) -> set[str]:
    """The questions a rule reads, with the follow-ups they show."""
    read = set(conditions.referenced_questions(rule.when))
    if _mentions_age(rule.when):
        read.add("date_of_birth")
    return read


def record(engine: Engine, answers: Mapping[str, Any], **top: Any) -> dict[str, Any]:
    """A complete record for these answers on the fixed consultation day."""
    result = engine.new_record(CONSULTATION_TEXT, dict(answers))
    result.update(top)
    return result


def fires_here(engine: Engine, rule: Rule) -> bool:
    """Whether the clinic's [policy] settings let a rule fire (see policy_settings)."""
    policy = engine.config.age_policy
    current = {"minors": policy.minors, "adult_age": policy.adult_age, "legal_age": policy.legal_age}
    wanted = policy_settings(rule)
    if "adult_age" in wanted:  # a legal adult under the treatment age: any treatment age above the legal age
        return wanted.get("minors", policy.minors) == policy.minors and policy.adult_age > policy.legal_age
    return all(current[key] == value for key, value in wanted.items())


def rule_records(engine: Engine) -> Iterator[tuple[Rule, dict[str, Any]]]:
    """For every rule that can fire under the clinic's [policy] settings, a record that triggers it."""
    for rule in engine.rules.rules:
        if fires_here(engine, rule):
            yield rule, record(engine, triggering(engine, rule), record_id=f"rule-{rule.id}")
