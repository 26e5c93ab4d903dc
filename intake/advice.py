"""Provides advice merged by topic: of several instructions on one topic, the most protective one is given.

Rules carry advice as data (schemas/rules.json): aftercare additions, and the instruction that ends a
finding's client message, each with a `topic` (sun protection, pigment care, ...) and a `strength`
(higher is more protective); `everyone` holds the advice every client gets. Several findings on one
topic would otherwise give a client two sun-protection rules with two SPF numbers, or one sentence
twice: `merge` keeps one item per topic, the strongest (the first of equals), and every document
takes its advice from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Advice:
    """One piece of advice, in the client's language.

    Attributes:
        topic: what it is about; one item per topic is given.
        strength: how protective it is; the strongest of a topic wins.
        text: the advice in full ("" for a checklist line only, such as the advice everyone gets).
        checklist: the short line for the aftercare sheet's day-by-day checklist ("" when it has none).
        rules: the rules that asked for advice on this topic (empty for the advice everyone gets).
    """

    topic: str
    strength: int
    text: str
    checklist: str = ""
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The advice as plain JSON data."""
        return {"topic": self.topic, "strength": self.strength, "text": self.text, "checklist": self.checklist,
                "rules": list(self.rules)}


def merge(items: Iterable[Advice]) -> tuple[Advice, ...]:
    """One item per topic, the strongest (the first of equal strength), in the order topics first appear;
    it names every rule that asked for advice on its topic."""
    best: dict[str, Advice] = {}
    asked: dict[str, list[str]] = {}
    for item in items:
        asked.setdefault(item.topic, [])
        asked[item.topic] += [r for r in item.rules if r not in asked[item.topic]]
        current = best.get(item.topic)
        if current is None or item.strength > current.strength:
            best[item.topic] = item
    return tuple(Advice(a.topic, a.strength, a.text, a.checklist, tuple(asked[a.topic])) for a in best.values())


def checklist(merged: Sequence[Advice], topic: str) -> str:
    """The checklist line of a topic in merged advice ("" when the topic has none)."""
    return next((a.checklist for a in merged if a.topic == topic), "")


def finding_lines(findings: Sequence[Any]) -> tuple[str, ...]:
    """The client wording of findings with their instructions merged by topic.

    Each finding gives its reason; findings whose instructions share a topic are said together, their
    reasons in order and then the strongest instruction once. A finding without an instruction gives
    its client message as it is.

    Args:
        findings: assessment Findings (reason, instruction and client_message).
    """
    groups: dict[str, list[Any]] = {}
    order: list[Any] = []
    for finding in findings:
        instruction = finding.instruction
        if instruction is None:
            order.append(finding)
        elif instruction.topic not in groups:
            groups[instruction.topic] = [finding]
            order.append(instruction.topic)
        else:
            groups[instruction.topic].append(finding)
    lines = []
    for entry in order:
        if isinstance(entry, str):
            members = groups[entry]
            [strongest] = merge(f.instruction for f in members)
            lines.append(" ".join([*(f.reason for f in members), strongest.text]))
        else:
            lines.append(entry.client_message)
    return tuple(lines)


def from_data(data: Mapping[str, Any], language: str, rule_id: str | None = None,
              values: Mapping[str, str] | None = None) -> Advice:
    """An Advice from its data in schemas/rules.json, in a language (texts may quote placeholders)."""
    from intake.questionnaire import localize

    def text(key: str) -> str:
        words = localize(data.get(key), language)
        return words.format_map(values) if values is not None else words

    return Advice(data["topic"], int(data["strength"]), text("text"), text("checklist"),
                  (rule_id,) if rule_id else ())
