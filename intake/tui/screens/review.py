"""Provides ReviewScreen: every answer on one page, each one editable, and the statement that they are true."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click
from textual.widgets import Button, Static

from intake.datetyping import date_order
from intake.i18n import N_, intake_words
from intake.questionnaire import localize
from intake.shown import shown
from intake.tui.device import device_of
from intake.tui.screens.base import WizardScreen, header, staff_button
from intake.tui.session import IntakeSession
from intake.tui.widgets.text import KeysHint
from intake.yesnokeys import first_letter

#: The statement that ends the review, and its key: its first letter (in the client's language: `confirm_words`).
CONFIRM = N_("My answers are true")
CONFIRM_KEY = first_letter(CONFIRM) or "m"


def confirm_words(language: str) -> tuple[str, str]:
    """The statement that ends the review in a language, and its key (its first letter, lower case)."""
    words = intake_words(language).gettext(CONFIRM)
    return words, first_letter(words) or CONFIRM_KEY


@dataclass(frozen=True)
class ReviewResult:
    """'confirm', 'staff', or 'edit' with the step to open and the question to focus."""

    action: str
    step_index: int = 0
    question_id: str | None = None


class AnswerRow(Static, can_focus=True):
    """One question and its answer; Enter, a click or a tap opens the question to change it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "change", "Change this answer", show=False),
        Binding("down", "screen.row(1)", "Next answer", show=False),
        Binding("up", "screen.row(-1)", "Previous answer", show=False),
        # (here, not on the screen: the scrolling body would take Page Down first and leave the focus behind)
        Binding("pagedown", "screen.page(1)", "Read on", show=False),
        Binding("pageup", "screen.page(-1)", "Read back", show=False),
    ]

    def __init__(self, step_index: int, question_id: str, label: str, answer: str) -> None:
        super().__init__(Content.assemble((label, "bold"), "\n", answer), classes="answer-row")
        self.step_index = step_index
        self.question_id = question_id

    def action_change(self) -> None:
        """Opens this answer's question to change it."""
        self.screen.dismiss(ReviewResult("edit", self.step_index, self.question_id))

    def on_click(self, event: Click) -> None:
        event.stop()
        self.action_change()


class ReviewScreen(WizardScreen[ReviewResult]):
    """Shows the answers step by step, each one (and each step) open to change, and "My answers are true".

    It opens on the first answer; ↑↓ move from answer to answer, Page Down and Page Up a screenful, and one
    key (the first letter of CONFIRM, shown underlined on the button and in the hint) says the answers are true.

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
        #: "My answers are true" in the client's language, and its key (bound here: it follows the language)
        self.confirm, self.confirm_key = confirm_words(session.language)
        self._bindings.bind(f"{self.confirm_key},{self.confirm_key.upper()}", "confirm", self.confirm, show=False)

    def compose(self) -> ComposeResult:
        questionnaire = self.session.engine.questionnaire
        language = self.session.language
        answers = self.session.state.answers
        order = date_order(self.session.engine.config)
        facts = self.session.engine.facts(answers, self.session.state.consultation_date)
        _ = intake_words(language).gettext
        yield from header(self.clinic, title=_("Check your answers"))
        with VerticalScroll(id="review-body", can_focus=False):  # the answers take the focus, one by one
            yield Static(Content(self.texts["title"]), classes="screen-title")
            yield Static(Content(self.texts["intro"]), classes="screen-intro")
            for index, step in enumerate(self.session.steps):
                with Vertical(classes="review-step"):
                    with Horizontal(classes="review-step-head"):
                        yield Static(Content(localize(step.title, language)), classes="review-step-title")
                        yield Button(_("Change"), id=f"change-{index}", classes="change-button")
                    for question in questionnaire.visible_in(step, answers, facts):
                        yield AnswerRow(index, question.id, localize(question.label, language),
                                        shown(questionnaire, question, answers.get(question.id), language, order))
            yield Static(Content(self.texts["statement"]), id="review-statement")
        with Horizontal(classes="navbar"):
            yield staff_button(self.app)
            yield KeysHint(id="keys-hint", classes="keys-hint")
            touch = device_of(self.app).touch  # (its key is shown at a keyboard only)
            yield Button(self.confirm if touch else _underlined(self.confirm, self.confirm_key), id="confirm",
                         variant="primary")

    def on_mount(self) -> None:
        # The client reads from the top; at a keyboard the first answer has the focus (Enter changes it, never
        # confirms); a tablet's client taps what they want to change.
        self.query_one("#review-body").scroll_home(animate=False)
        if not device_of(self.app).touch:
            self.query(AnswerRow).first().focus(scroll_visible=False)
        self.refresh_hint()

    def key_hint(self) -> str:
        return device_of(self.app).review.format(key=self.confirm_key.upper())

    def action_row(self, delta: int) -> None:
        """Moves the focus to the next or previous answer (stops at the first and the last)."""
        rows = list(self.query(AnswerRow))
        if self.focused in rows:
            index = rows.index(self.focused) + delta
            if 0 <= index < len(rows):
                rows[index].focus()

    def action_page(self, delta: int) -> None:
        """Page Down / Page Up: the focus a screenful of answers on (or back), that answer at the top."""
        rows = list(self.query(AnswerRow))
        if self.focused not in rows:
            return
        per_page = max(1, self.query_one("#review-body", VerticalScroll).content_region.height // 3)  # 3 rows each
        index = min(max(rows.index(self.focused) + delta * per_page, 0), len(rows) - 1)
        rows[index].focus(scroll_visible=False)
        rows[index].scroll_visible(top=True, animate=False)

    def action_confirm(self) -> None:
        """The key shown on "My answers are true": as the button does."""
        self.dismiss(ReviewResult("confirm"))

    @on(Button.Pressed, ".change-button")
    def _change(self, event: Button.Pressed) -> None:
        self.dismiss(ReviewResult("edit", int((event.button.id or "change-0").removeprefix("change-"))))

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(ReviewResult("confirm"))

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self.dismiss(ReviewResult("staff"))


def _underlined(label: str, key: str) -> Content:
    """A button label with the letter of its key underlined (its first letter)."""
    at = next((i for i, c in enumerate(label) if c.casefold() == key.casefold()), None)
    if at is None:
        return Content(label)
    return Content.assemble(label[:at], (label[at], "underline"), label[at + 1:])
