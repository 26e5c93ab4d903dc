"""Provides the suitability rules and waiting windows loaded from schemas/rules.json."""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake import conditions
from intake.datafile import load_data_file
from intake.errors import DataFileError, FileProblem
from intake.questionnaire import Question, Questionnaire, Text

SEVERITIES = ("caution", "clearance", "defer")
PLACEHOLDERS = {"answer", "value", "detail", "date", "until", "window", "adult_age", "legal_age"}


@dataclass(frozen=True)
class Window:
    """A waiting window: its default length, unit and the range a clinic may choose."""

    name: str
    default: int
    unit: str
    min: int
    max: int
    description: str


@dataclass(frozen=True)
class Limit:
    """A plan limit a clinic may tune: its default, unit and the range a clinic may choose."""

    name: str
    default: float
    unit: str
    min: float
    max: float
    description: str


@dataclass(frozen=True)
class Rule:
    """One screening rule: when it applies, how severe it is, and what it tells people."""

    id: str
    when: Mapping[str, Any]
    client_message: Text
    practitioner_message: Text
    severity: str | None = None
    severity_setting: str | None = None
    question: str | None = None
    detail: str | None = None
    window: Mapping[str, str] | None = None
    #: Aftercare additions, each {"topic", "strength", "text", "checklist"?} (intake.advice merges them by topic).
    aftercare: tuple[Mapping[str, Any], ...] = ()
    #: What the client is asked to do, ending the client message: {"topic", "strength", "text"}, merged by topic
    #: with other findings' instructions where a document lists several (intake.advice.finding_lines).
    instruction: Mapping[str, Any] | None = None
    #: What the finding adds to the consent's risks, for this client.
    risk: Text | None = None
    plan: Mapping[str, Any] | None = None
    #: The finding will not pass with time (or needs a specialist's review first): no "come back when".
    lasting: bool = False
    #: For a temporary finding without a date: the condition after which the client can come back.
    come_back: Text | None = None
    #: The rule applies only under this [policy] minors setting ("defer" or "clearance").
    minors_policy: str | None = None
    #: For a clearance rule, what settles it when not its window or an approval: "guardian" (a parent's or
    #: guardian's consent) or "review" (the practitioner's review); "" lets the assessment decide.
    needs: str = ""

    @property
    def trigger_question(self) -> str | None:
        """The question whose answer is shown as the reason for the finding."""
        if self.question:
            return self.question
        return next(conditions.referenced_questions(self.when), None)


@dataclass(frozen=True)
class RuleSet:
    """All rules with their windows."""

    version: str
    windows: Mapping[str, Window]
    rules: tuple[Rule, ...]
    source: str = ""
    limits: Mapping[str, Limit] = field(default_factory=dict)
    #: Advice every client gets ({"topic", "strength", "checklist"}): the aftercare sheet's own lines on a topic
    #: that rules may strengthen.
    everyone: tuple[Mapping[str, Any], ...] = ()


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_read_multi_choice(question: Question | None, leaf: Mapping[str, Any], where: str,
                             problems: list[FileProblem]) -> None:
    """A multi-choice question a rule reads must be answered, so an empty answer never means 'none'."""
    if question is None or question.type != "multi_choice":
        return
    if not question.required:
        problems.append(FileProblem(where, f"a rule reads the multi-choice question {question.id!r}, which may be "
                                    "left empty: an empty answer would not say whether none applies",
                                    f"make {question.id!r} required and give it an exclusive 'None of these' option"))
    if "answered" in leaf and any(o.exclusive for o in question.options):
        problems.append(FileProblem(f"{where}.answered", f"{question.id!r} is answered by 'None of these' too",
                                    "name the options that matter with 'contains'"))


class _References:
    """Checks that what a rule names exists in the questionnaire, collecting problems."""

    def __init__(self, questionnaire: Questionnaire, problems: list[FileProblem]) -> None:
        self.known = questionnaire.by_id
        self.problems = problems

    def question(self, qid: str, where: str, qtype: str | None = None) -> None:
        known = self.known
        if qid not in known:
            close = difflib.get_close_matches(qid, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.problems.append(FileProblem(where, f"no question {qid!r} in the questionnaire{hint}",
                                             "use a question id from schemas/questionnaire.json"))
        elif qtype and known[qid].type != qtype:
            self.problems.append(FileProblem(where, f"{qid!r} is a {known[qid].type} question, not a {qtype}",
                                             f"point this at a {qtype} question"))

    def condition(self, when: Any, path: str) -> None:
        for leaf in conditions.leaves(when):
            for referenced in conditions.referenced_questions(leaf):
                self.question(referenced, f"{path}.when")
                _check_read_multi_choice(self.known.get(referenced), leaf, f"{path}.when", self.problems)
            qid: str = leaf.get("question") or ""
            if qid in self.known:
                self._values(self.known[qid], leaf, path)

    def _values(self, question: Question, leaf: Mapping[str, Any], path: str) -> None:
        if "equals" in leaf:
            value = leaf["equals"]
            if question.type == "yes_no" and not isinstance(value, bool):
                self.problems.append(FileProblem(f"{path}.when.equals", f"{question.id!r} is a yes/no question",
                                                 "compare it with true or false"))
            if question.type == "choice" and question.option(value) is None:
                self.problems.append(FileProblem(f"{path}.when.equals",
                                                 f"{value!r} is not an option of {question.id!r}",
                                                 f"use one of: {', '.join(o.id for o in question.options)}"))
        for value in leaf.get("in", []):
            if question.option(value) is None:
                self.problems.append(FileProblem(f"{path}.when.in", f"{value!r} is not an option of {question.id!r}",
                                                 "use option ids of that question"))


def _check_shape(rule: Rule, path: str, windows: Mapping[str, Window], limits: Mapping[str, Limit],
                 refs: _References) -> None:
    problems = refs.problems
    for key, value in (rule.plan or {}).items():
        if isinstance(value, Mapping) and value["limit"] not in limits:
            problems.append(FileProblem(f"{path}.plan.{key}.limit", f"no limit {value['limit']!r}",
                                        f"use one of: {', '.join(limits) or '(none defined)'}"))
    if rule.needs and rule.severity not in (None, "clearance"):
        problems.append(FileProblem(f"{path}.needs", f"a {rule.severity} finding needs nothing to be settled",
                                    "remove 'needs', or make the rule a clearance (or a minors policy) rule"))
    if rule.lasting and (rule.window or rule.come_back):
        problems.append(FileProblem(f"{path}.lasting", "a lasting finding has no waiting period or 'come_back'",
                                    "remove 'window' and 'come_back', or make the rule temporary"))
    for key in ("question", "detail"):
        if getattr(rule, key):
            refs.question(getattr(rule, key), f"{path}.{key}")
    if rule.window:
        if rule.window["setting"] not in windows:
            problems.append(FileProblem(f"{path}.window.setting", f"no window {rule.window['setting']!r}",
                                        f"use one of: {', '.join(windows)}"))
        if "date" in rule.window:
            refs.question(rule.window["date"], f"{path}.window.date", "date")


def _placeholder_problems(rule: Rule, field_name: str, message: str) -> Iterator[tuple[str, str]]:
    """(what is wrong, how to fix it) for each placeholder of one message that the rule cannot fill."""
    used = _placeholders(message)
    unknown = used - PLACEHOLDERS
    if unknown:
        yield (f"unknown placeholder {{{sorted(unknown)[0]}}}",
               f"use only {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}")
    if used & {"date", "until"} and not (rule.window and rule.window.get("date")):
        yield ("{date} or {until} without a window date",
               "add a 'window' with 'date' and 'relation', or remove the placeholder")
    if "window" in used and not rule.window:
        yield "{window} without a window", "add a 'window' with the 'setting' to quote"
    if "until" in used and field_name != "practitioner_message":
        yield ("{until} in a client message",
               "quote the period as {window}: the documents print the date once, with what the practitioner decided")
    if "detail" in used and not rule.detail:
        yield "{detail} without a 'detail' question", "add 'detail' naming the question to quote"


def _check_texts(rule: Rule, path: str, languages: tuple[str, ...], problems: list[FileProblem]) -> None:
    texts = {"client_message": rule.client_message, "practitioner_message": rule.practitioner_message,
             "come_back": rule.come_back, "instruction.text": (rule.instruction or {}).get("text"), "risk": rule.risk}
    for field_name, text in texts.items():
        if text is None:
            continue
        problems += [FileProblem(f"{path}.{field_name}", f"no text for language {lang!r}", f"add {lang!r}")
                     for lang in languages if lang not in text]
        for lang, message in text.items():
            problems += [FileProblem(f"{path}.{field_name}.{lang}", what, fix)
                         for what, fix in _placeholder_problems(rule, field_name, message)]


def _check_rule(rule: Rule, index: int, windows: Mapping[str, Window], questionnaire: Questionnaire,
                languages: tuple[str, ...], limits: Mapping[str, Limit]) -> list[FileProblem]:
    problems: list[FileProblem] = []
    path = f"$.rules[{index}]"
    refs = _References(questionnaire, problems)
    refs.condition(rule.when, path)
    _check_shape(rule, path, windows, limits, refs)
    _check_texts(rule, path, languages, problems)
    return problems


def build_rules(data: Mapping[str, Any], questionnaire: Questionnaire, source: str = "rules") -> RuleSet:
    """Builds the rule set from schema-checked data, checking references against the questionnaire.

    Raises:
        DataFileError: unknown questions, options or windows, bad placeholders, bad ranges.
    """
    problems: list[FileProblem] = []
    windows: dict[str, Window] = {}
    for name, w in data["windows"].items():
        window = Window(name, w["default"], w["unit"], w["min"], w["max"], w["description"])
        if not window.min <= window.default <= window.max:
            problems.append(FileProblem(f"$.windows.{name}", f"default {window.default} is outside "
                                        f"{window.min}–{window.max}", "make min <= default <= max"))
        windows[name] = window
    limits: dict[str, Limit] = {}
    for name, lim in data.get("limits", {}).items():
        limit = Limit(name, lim["default"], lim["unit"], lim["min"], lim["max"], lim["description"])
        if not limit.min <= limit.default <= limit.max:
            problems.append(FileProblem(f"$.limits.{name}", f"default {limit.default} is outside "
                                        f"{limit.min}–{limit.max}", "make min <= default <= max"))
        limits[name] = limit
    rules = []
    seen: set[str] = set()
    for index, r in enumerate(data["rules"]):
        rule = Rule(
            id=r["id"], when=r["when"], client_message=r["client_message"],
            practitioner_message=r["practitioner_message"], severity=r.get("severity"),
            severity_setting=r.get("severity_setting"), question=r.get("question"), detail=r.get("detail"),
            window=r.get("window"), aftercare=tuple(r.get("aftercare", ())), plan=r.get("plan"),
            instruction=r.get("instruction"), risk=r.get("risk"),
            lasting=r.get("lasting", False), come_back=r.get("come_back"), minors_policy=r.get("minors_policy"),
            needs=r.get("needs", ""),
        )
        if rule.id in seen:
            problems.append(FileProblem(f"$.rules[{index}].id", f"rule id {rule.id!r} is used twice",
                                        "give each rule its own id"))
        seen.add(rule.id)
        problems.extend(_check_rule(rule, index, windows, questionnaire, questionnaire.languages, limits))
        problems.extend(_advice_problems(rule.aftercare, f"$.rules[{index}].aftercare", questionnaire.languages,
                                         data.get("everyone", ())))
        rules.append(rule)
    problems.extend(_advice_problems(data.get("everyone", ()), "$.everyone", questionnaire.languages, ()))
    if problems:
        raise DataFileError(source, problems)
    return RuleSet(data["version"], windows, tuple(rules), source, limits, tuple(data.get("everyone", ())))


def _advice_problems(items: Any, path: str, languages: tuple[str, ...],
                     everyone: Any) -> list[FileProblem]:
    """Advice texts in every language; advice on a topic everyone gets a checklist line for has its own line."""
    problems = []
    listed = {item["topic"] for item in everyone if item.get("checklist")}
    for a_index, item in enumerate(items):
        for key in ("text", "checklist"):
            for lang in languages if key in item else ():
                if lang not in item[key]:
                    problems.append(FileProblem(f"{path}[{a_index}].{key}", f"no text for language {lang!r}",
                                                f"add {lang!r}"))
        if item["topic"] in listed and "checklist" not in item:
            problems.append(FileProblem(f"{path}[{a_index}].checklist", f"everyone gets a checklist line on "
                                        f"{item['topic']!r}, which this stronger advice replaces",
                                        "add the 'checklist' line the aftercare sheet prints instead"))
    return problems


def load_rules(path: Path, questionnaire: Questionnaire) -> RuleSet:
    """Loads and checks schemas/rules.json against its schema and the questionnaire."""
    return build_rules(load_data_file(path, "rules.schema.json"), questionnaire, str(path))
