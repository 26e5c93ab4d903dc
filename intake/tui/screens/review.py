"""Provides ReviewScreen: every answer on one page, each one editable, and the statement that they are true."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click
from textual.widgets import Button, Static

from intake.questionnaire import localize
from intake.tui.screens.base import WizardScreen, header, staff_button
from intake.tui.session import IntakeSession


@dataclass(frozen=True)
class ReviewResult:
    """'confirm', 'staff', or 'edit' with the step to open and the question to focus."""

    action: str
    step_index: int = 0
    question_id: str | None = None


class AnswerRow(Static):
    """One question and its answer; clicking it opens the question to change it."""

    def __init__(self, step_index: int, question_id: str, label: str, answer: str) -> None:
        super().__init__(Content.assemble((label, "bold"), "\n", answer), classes="answer-row")
        self.step_index = step_index
        self.question_id = question_id

    def on_click(self, event: Click) -> None:
        event.stop()
        self.screen.dismiss(ReviewResult("edit", self.step_index, self.question_id))


class ReviewScreen(WizardScreen[ReviewResult]):
    """Shows the answers step by step with a Change button for each step.

    Args:
        session: the intake session (its answers are shown).
        clinic: the clinic's name.
        texts: the wizard's review texts (title, intro, statement).
    """

    def __init__(self, session: IntakeSession, clinic: str, texts: Mapping[str, Any]) -> None:
        super().__init__(classes="client")
        self.session = session
        self.clinic = clinic
        self.texts = texts

    def compose(self) -> ComposeResult:
        questionnaire = self.session.engine.questionnaire
        language = self.session.language
        answers = self.session.state.answers
        facts = self.session.engine.facts(answers, self.session.state.consultation_date)
        yield from header(self.clinic, title="Check your answers")
        with VerticalScroll(id="review-body"):
            yield Static(Content(self.texts["title"]), classes="screen-title")
            yield Static(Content(self.texts["intro"]), classes="screen-intro")
            for index, step in enumerate(self.session.steps):
                with Vertical(classes="review-step"):
                    with Horizontal(classes="review-step-head"):
                        yield Static(Content(localize(step.title, language)), classes="review-step-title")
                        yield Button("Change", id=f"change-{index}", classes="change-button")
                    for question in questionnaire.visible_in(step, answers, facts):
                        yield AnswerRow(index, question.id, localize(question.label, language),
                                        questionnaire.display(question, answers.get(question.id), language))
            yield Static(Content(self.texts["statement"]), id="review-statement")
        with Horizontal(classes="navbar"):
            yield staff_button()
            yield Button("My answers are true", id="confirm", variant="primary")

    def on_mount(self) -> None:
        # Nothing is pre-focused on the statement: the client reads (and scrolls with the keys) from the top.
        body = self.query_one("#review-body")
        body.scroll_home(animate=False)
        body.focus()

    @on(Button.Pressed, ".change-button")
    def _change(self, event: Button.Pressed) -> None:
        self.dismiss(ReviewResult("edit", int((event.button.id or "change-0").removeprefix("change-"))))

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(ReviewResult("confirm"))

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self.dismiss(ReviewResult("staff"))
