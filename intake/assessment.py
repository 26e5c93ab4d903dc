"""Provides the suitability assessment: rules applied to a valid record, as of its consultation date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from intake import conditions, i18n
from intake.advice import Advice, from_data, merge
from intake.conditions import AgePolicy
from intake.dates import parse_iso_date, shift
from intake.questionnaire import Questionnaire, localize
from intake.rules import Rule, RuleSet

VERDICTS = ("suitable", "caution", "clearance", "defer")
RANK = {name: rank for rank, name in enumerate(VERDICTS)}


@dataclass(frozen=True)
class Finding:
    """One rule that applied, with the answer that triggered it."""

    rule_id: str
    severity: str
    question_id: str | None
    question_label: str
    answer: str
    client_message: str
    practitioner_message: str
    until: date | None = None
    aftercare: tuple[str, ...] = ()
    plan: Mapping[str, Any] = field(default_factory=dict)
    lasting: bool = False
    come_back: str = ""
    #: For a CLEARANCE finding, what settles it: "guardian" (consent), "review" (the practitioner's, for a legal
    #: adult under the clinic's treatment age), "wait" (a date) or "approval".
    needs: str = ""
    #: The client message without its instruction (the whole message when it has none).
    reason: str = ""
    #: What the client is asked to do, merged by topic where findings are listed together (intake.advice).
    instruction: Advice | None = None
    #: The aftercare additions as advice on topics (`aftercare` holds their texts).
    advice: tuple[Advice, ...] = ()
    #: What the finding adds to the consent's risks ("" when nothing).
    risk: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON data."""
        return {
            "rule": self.rule_id,
            "severity": self.severity,
            "question": self.question_id,
            "question_label": self.question_label,
            "answer": self.answer,
            "client_message": self.client_message,
            "practitioner_message": self.practitioner_message,
            "until": self.until.isoformat() if self.until else None,
            "aftercare": list(self.aftercare),
            "plan": dict(self.plan),
            "lasting": self.lasting,
            "come_back": self.come_back,
            "needs": self.needs,
            "instruction": self.instruction.to_dict() if self.instruction else None,
        }


@dataclass(frozen=True)
class Assessment:
    """The overall verdict and every finding, reproducible from the record alone."""

    verdict: str
    consultation_date: date
    age: int | None
    findings: tuple[Finding, ...]
    aftercare: tuple[str, ...]
    plan_limits: Mapping[str, Any]
    return_date: date | None
    open_ended: bool
    rules_version: str
    questionnaire_version: str
    windows: Mapping[str, str]
    #: The aftercare advice merged by topic, with what everyone gets (intake.advice.merge).
    advice: tuple[Advice, ...] = ()

    def of_severity(self, severity: str) -> list[Finding]:
        """The findings of one severity."""
        return [f for f in self.findings if f.severity == severity]

    def to_dict(self) -> dict[str, Any]:
        """The assessment as plain JSON data (stable key order)."""
        return {
            "verdict": self.verdict,
            "consultation_date": self.consultation_date.isoformat(),
            "age": self.age,
            "return_date": self.return_date.isoformat() if self.return_date else None,
            "open_ended": self.open_ended,
            "findings": [f.to_dict() for f in self.findings],
            "aftercare_additions": list(self.aftercare),
            "advice": [a.to_dict() for a in self.advice],
            "plan_limits": dict(self.plan_limits),
            "rules_version": self.rules_version,
            "questionnaire_version": self.questionnaire_version,
            "windows": dict(self.windows),
        }


class Assessor:
    """Applies a rule set with a clinic's windows and policy."""

    def __init__(self, questionnaire: Questionnaire, ruleset: RuleSet, windows: Mapping[str, int],
                 policy: AgePolicy | None = None, language: str = "en", limits: Mapping[str, float] | None = None):
        self.questionnaire = questionnaire
        self.ruleset = ruleset
        self.windows = {name: windows.get(name, w.default) for name, w in ruleset.windows.items()}
        self.limits = {name: (limits or {}).get(name, lim.default) for name, lim in ruleset.limits.items()}
        self.policy = policy or AgePolicy()
        self.language = language

    def window_text(self, name: str) -> str:
        """A window as words, e.g. '6 months'."""
        return i18n.duration(self.windows[name], self.ruleset.windows[name].unit, self.language)

    def assess(self, record: Mapping[str, Any]) -> Assessment:
        """Assesses a record that has passed validation."""
        consultation = parse_iso_date(record["consultation_date"])
        if consultation is None:
            raise ValueError("assess() needs a validated record")
        facts = conditions.facts_for(record["answers"], consultation, self.policy)
        answers = self.questionnaire.prune(record["answers"], facts)
        age = facts["age"]
        findings = []
        for rule in self.ruleset.rules:
            finding = self._apply(rule, answers, consultation, facts)
            if finding is not None:
                findings.append(finding)
        findings.sort(key=lambda f: -RANK[f.severity])
        verdict = max((f.severity for f in findings), key=RANK.__getitem__, default="suitable")
        blocking = [f for f in findings if f.severity in ("defer", "clearance")]
        dated = [f.until for f in blocking if f.until]
        open_ended = any(f.until is None for f in blocking)
        everyone = (from_data(item, self.language) for item in self.ruleset.everyone)
        advice = merge([*everyone, *(a for f in findings for a in f.advice)])
        aftercare = tuple(a.text for a in advice if a.rules and a.text)
        return Assessment(
            verdict=verdict, consultation_date=consultation, age=age, findings=tuple(findings), advice=advice,
            aftercare=aftercare, plan_limits=_plan_limits(findings), return_date=max(dated, default=None),
            open_ended=open_ended, rules_version=self.ruleset.version,
            questionnaire_version=self.questionnaire.version,
            windows={name: self.window_text(name) for name in self.windows},
        )

    def _severity(self, rule: Rule) -> str | None:
        minors = self.policy.minors
        if rule.minors_policy is not None and rule.minors_policy != minors:
            return None
        if rule.severity_setting == "minors":
            return None if minors == "allow" else minors
        return rule.severity

    def _apply(self, rule: Rule, answers: Mapping[str, Any], consultation: date,
               facts: Mapping[str, Any]) -> Finding | None:
        severity = self._severity(rule)
        if severity is None or not conditions.evaluate(rule.when, answers, facts):
            return None
        until = window_date = None
        window = rule.window or {}
        if "date" in window:
            window_date = parse_iso_date(answers.get(window["date"]))
            if window_date is not None:
                amount, unit = self.windows[window["setting"]], self.ruleset.windows[window["setting"]].unit
                if window["relation"] == "after":
                    until = shift(window_date, amount, unit)
                    if consultation >= until:
                        return None  # the waiting period is over
                elif consultation < shift(window_date, -amount, unit):
                    return None  # the treatment is still far enough away
        if severity == "defer" and not window and _mentions_age(rule.when) and facts.get("birth"):
            until = shift(facts["birth"], self.policy.adult_age * 12, "months")  # the day they reach the adult age
        qid = rule.trigger_question
        question = self.questionnaire.by_id.get(qid) if qid else None
        value = answers.get(qid) if qid else None
        answer = self.questionnaire.display(question, value, self.language) if question else ""
        _ = i18n.intake_words(self.language).gettext
        detail_q = self.questionnaire.by_id.get(rule.detail) if rule.detail else None
        values = {
            "answer": answer,
            "value": value if isinstance(value, str) else answer,
            "detail": self.questionnaire.display(detail_q, answers.get(rule.detail), self.language)
            if detail_q and rule.detail else "",
            "date": i18n.long_date(window_date, self.language) if window_date else _("a date not given"),
            "until": i18n.long_date(until, self.language) if until else _("a date to be confirmed"),
            "window": self.window_text(window["setting"]) if window else "",
            "adult_age": str(self.policy.adult_age),
            "legal_age": str(self.policy.legal_age),
        }
        reason = localize(rule.client_message, self.language).format_map(values)
        instruction = from_data(rule.instruction, self.language, rule.id, values) if rule.instruction else None
        advice = tuple(from_data(item, self.language, rule.id, values) for item in rule.aftercare)
        return Finding(
            rule_id=rule.id, severity=severity, question_id=qid,
            question_label=localize(question.label, self.language) if question else "",
            answer=answer, reason=reason, instruction=instruction, advice=advice,
            risk=localize(rule.risk, self.language).format_map(values) if rule.risk else "",
            client_message=f"{reason} {instruction.text}" if instruction else reason,
            practitioner_message=localize(rule.practitioner_message, self.language).format_map(values),
            until=until,
            aftercare=tuple(a.text for a in advice),
            plan={key: self.limits[value["limit"]] if isinstance(value, Mapping) else value
                  for key, value in (rule.plan or {}).items()},
            lasting=rule.lasting,
            come_back=localize(rule.come_back, self.language).format_map(values) if rule.come_back else "",
            needs="" if severity != "clearance" else rule.needs or ("wait" if until else "approval"),
        )


def _mentions_age(condition: Mapping[str, Any]) -> bool:
    return any("age_below" in leaf for leaf in conditions.leaves(condition))


def _plan_limits(findings: list[Finding]) -> dict[str, Any]:
    """Combines plan adjustments: the shallowest maximum depth, the longest minimum interval."""
    limits: dict[str, Any] = {}
    for finding in findings:
        for key, value in finding.plan.items():
            if key.startswith("max_"):
                limits[key] = min(limits.get(key, value), value)
            else:
                limits[key] = max(limits.get(key, value), value)
    return limits
