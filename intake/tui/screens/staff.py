"""Provides the staff menu: start an intake, resume an unfinished one, or close the app."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Static

from intake.questionnaire import Questionnaire, localize
from intake.tui.screens.base import WizardScreen, header


def _when(value: Any, zone: ZoneInfo) -> str:
    """A stored time (datetime or ISO text, UTC) as the clinic's local day and time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value.astimezone(zone).strftime("%d %b %H:%M") if isinstance(value, datetime) else str(value)


def draft_label(draft: Any, questionnaire: Questionnaire, language: str, zone: ZoneInfo) -> Content:
    """A draft as one line for staff: who, where it continues, and when it was last saved."""
    step = next((s for s in questionnaire.steps if s.id == getattr(draft, "next_step", None)), None)
    where = localize(step.title, language) if step else "checking the answers"
    return Content.assemble((draft.client_label or "(no name yet)", "bold"),
                            f" · {where} · saved {_when(draft.updated_at, zone)}")


def waiting_label(row: Any, zone: ZoneInfo) -> Content:
    """A submitted intake that still needs the practitioner, as one line for staff."""
    return Content.assemble((row.client_name or "(no name)", "bold"),
                            f" · {row.status}, waiting for review · {_when(row.updated_at, zone)}")


class StaffMenuScreen(WizardScreen[str | tuple[str, str]]):
    """Dismisses 'new', 'returning', 'welcome', 'exit', or ('resume', intake_id); inside an intake 'return',
    'pause' or 'exit'.

    Args:
        clinic: the clinic's name.
        drafts: the unfinished intakes (DraftSummary).
        questionnaire: to name the step each draft stopped at.
        language: the clinic's language.
        zone: the clinic's time zone.
        in_progress: opened from inside a client's intake (offers to return to it or pause it).
    """

    def __init__(self, clinic: str, drafts: Sequence[Any], questionnaire: Questionnaire, language: str,
                 zone: ZoneInfo, in_progress: bool = False, waiting: Sequence[Any] = ()) -> None:
        super().__init__(classes="staff")
        self.clinic = clinic
        self.drafts = list(drafts)
        self.waiting = list(waiting)
        self.questionnaire = questionnaire
        self.language = language
        self.zone = zone
        self.in_progress = in_progress

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Staff menu")
        with VerticalScroll(id="staff-body", can_focus=False):
            yield Static("Staff menu", classes="screen-title")
            if self.in_progress:
                yield Button("Return to the client's form", id="return", variant="primary")
                yield Button("Stop here and keep it as a draft", id="pause")
            else:
                yield Button("Start a new intake", id="new", variant="primary")
                yield Button("Start for a returning client (fill in their earlier answers)", id="returning")
                heading = f"Unfinished intakes ({len(self.drafts)})" if self.drafts else "No unfinished intakes."
                yield Static(heading, classes="info-heading")
                for index, draft in enumerate(self.drafts):
                    yield Button(draft_label(draft, self.questionnaire, self.language, self.zone),
                                 id=f"draft-{index}", classes="draft-button")
                if self.waiting:
                    yield Static("Submitted by the client, waiting for the practitioner",
                                 classes="info-heading")
                for index, row in enumerate(self.waiting):
                    yield Button(waiting_label(row, self.zone), id=f"waiting-{index}", classes="draft-button")
        with Horizontal(classes="navbar"):
            if not self.in_progress:
                yield Button("Back to welcome", id="welcome")
            yield Button("Close the intake app", id="exit", variant="error")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    @on(Button.Pressed, ".draft-button")
    def _resume(self, event: Button.Pressed) -> None:
        kind, index = (event.button.id or "draft-0").split("-")
        chosen = (self.drafts if kind == "draft" else self.waiting)[int(index)]
        self.dismiss(("resume", chosen.intake_id))

    @on(Button.Pressed, "#new, #returning, #welcome, #exit, #return, #pause")
    def _choice(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "welcome")


class ReturningScreen(WizardScreen[tuple[str, str] | None]):
    """Staff identify a returning client by name and date of birth. Dismisses (name, date) or None.

    The earlier answers are looked up only by staff, who have checked who the client is: a client
    typing someone else's name on the tablet never sees that person's answers.
    """

    def __init__(self, clinic: str) -> None:
        super().__init__(classes="staff")
        self.clinic = clinic

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Returning client")
        with VerticalScroll(id="staff-body", can_focus=False):
            yield Static("Returning client", classes="screen-title")
            yield Static("Check who the client is, then type their name and date of birth exactly as before. "
                         "Their lasting answers (contact details and history) are filled in for them to check.",
                         classes="screen-intro")
            yield Input(placeholder="Full name", id="returning-name", max_length=120)
            yield Input(placeholder="Date of birth: YYYY-MM-DD", id="returning-birth", max_length=10,
                        restrict=r"[0-9-]*")
            yield Static("", id="returning-problem")
        with Horizontal(classes="navbar"):
            yield Button("Cancel", id="cancel")
            yield Button("Look up and start", id="look-up", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#returning-name", Input).focus()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "returning-name":
            self.query_one("#returning-birth", Input).focus()
        else:
            self._look_up()

    @on(Button.Pressed, "#look-up")
    def _look_up(self) -> None:
        name = " ".join(self.query_one("#returning-name", Input).value.split())
        birth = self.query_one("#returning-birth", Input).value.strip()
        if not name or len(birth) != 10:
            self.query_one("#returning-problem", Static).update("Type the full name and the date of birth.")
            return
        self.dismiss((name, birth))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
