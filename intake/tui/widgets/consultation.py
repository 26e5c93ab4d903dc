"""Provides ConsultationView: every answer of the consultation, step by step, answers behind findings marked."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from intake.consultation import AnswerLine, StepAnswers

#: How an answer behind a finding is marked, so that it shows without colour too.
MARKER = "⚑"


def answer_line(line: AnswerLine) -> Content:
    """One question and its answer; the client's words are shown literally, never read as markup."""
    parts: list = []
    if line.severity:
        parts += [(f"{MARKER} {line.severity.upper()} ", "bold reverse"), " "]
    parts += [(line.label, "bold"), "\n"]
    answer = "\n".join(f"  {row}" for row in line.answer.splitlines() or [""])
    parts.append(answer if line.answered else (answer, "italic"))
    return Content.assemble(*parts)


class ConsultationView(Vertical):
    """The consultation as the practitioner reads it before countersigning.

    Args:
        steps: the consultation from `intake.consultation.consultation`.
    """

    DEFAULT_CSS = """
    ConsultationView { height: auto; }
    ConsultationView .consult-step { text-style: bold; color: $text-primary; margin: 1 0 0 0;
                                     border-bottom: solid $primary; }
    ConsultationView .consult-answer { padding: 0 1; }
    ConsultationView .consult-answer.-flagged { border-left: thick $warning; background: $warning-muted; }
    ConsultationView .consult-answer.sev-defer { border-left: thick $error; background: $error-muted; }
    ConsultationView .consult-answer.-unanswered { color: $text-muted; }
    """

    def __init__(self, steps: Sequence[StepAnswers], id: str | None = "consultation") -> None:
        super().__init__(id=id)
        self.steps = tuple(steps)

    def compose(self) -> ComposeResult:
        for step in self.steps:
            flagged = f" · {step.flagged} answer{'s' if step.flagged != 1 else ''} behind findings" \
                if step.flagged else ""
            yield Static(Content(f"{step.title}{flagged}"), classes="consult-step")
            for line in step.lines:
                classes = "consult-answer"
                if line.severity:
                    classes += f" -flagged sev-{line.severity}"
                if not line.answered:
                    classes += " -unanswered"
                yield Static(answer_line(line), classes=classes)
