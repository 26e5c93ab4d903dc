"""Provides the consultation as a practitioner reads it: every answer, step by step, with the findings behind them.

One function, `consultation()`, used by every front end before the practitioner countersigns (the
wizard's practitioner screen and `intake ask`), so both show the same answers in the same order
with the same findings marked. Answers are plain text for the front end to show literally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from intake.assessment import RANK, Finding
from intake.questionnaire import Questionnaire, localize


@dataclass(frozen=True)
class AnswerLine:
    """One visible question and its answer as the client gave it.

    Attributes:
        question_id: the question's id.
        label: the question in the clinic's language.
        answer: the answer in words (option labels, Yes/No, dates as written, free text as typed).
        answered: False when the question was shown but left unanswered (or never reached).
        long: the answer is free text over several lines.
        severity: the most serious finding this answer led to ('defer', 'clearance', 'caution'), or None.
    """

    question_id: str
    label: str
    answer: str
    answered: bool
    long: bool
    severity: str | None


@dataclass(frozen=True)
class StepAnswers:
    """The answers of one questionnaire step, in questionnaire order."""

    step_id: str
    title: str
    lines: tuple[AnswerLine, ...]

    @property
    def flagged(self) -> int:
        """How many answers of this step led to a finding."""
        return sum(1 for line in self.lines if line.severity)


def severities(findings: Iterable[Finding]) -> dict[str, str]:
    """The most serious finding severity for each question that led to one."""
    flagged: dict[str, str] = {}
    for finding in findings:
        if finding.question_id:
            current = flagged.get(finding.question_id)
            if current is None or RANK[finding.severity] > RANK[current]:
                flagged[finding.question_id] = finding.severity
    return flagged


def consultation(questionnaire: Questionnaire, answers: Mapping[str, Any], findings: Iterable[Finding],
                 language: str, *, unanswered: bool = True,
                 facts: Mapping[str, Any] | None = None) -> list[StepAnswers]:
    """Every visible question with its answer, grouped by step, each marked with its finding's severity.

    Args:
        questionnaire: the clinic's questionnaire.
        answers: the client's answers.
        findings: the assessment's findings (their question ids mark the answers behind them).
        language: the language to show labels and answers in.
        unanswered: include visible questions without an answer (shown as "not answered"); a step
            with nothing to show is left out either way.
    """
    flagged = severities(findings)
    steps = []
    for step in questionnaire.steps:
        lines = []
        for question in questionnaire.visible_in(step, answers, facts):
            value = answers.get(question.id)
            answered = value is not None and value != ""
            if not answered and not unanswered:
                continue
            shown = questionnaire.word("none", language) if value == [] else \
                questionnaire.display(question, value, language)
            lines.append(AnswerLine(question.id, localize(question.label, language), shown, answered,
                                    question.type == "long_text", flagged.get(question.id)))
        if lines:
            steps.append(StepAnswers(step.id, localize(step.title, language), tuple(lines)))
    return steps
