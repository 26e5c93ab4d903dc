"""Provides the welcome screen: the only screen a new client sees, clean of anyone before them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Middle, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from intake.tui.device import device_of
from intake.tui.screens.base import WizardScreen, staff_button

#: The welcome screen's choice for a client of a course (their next session).
NEXT_SESSION = "I'm here for my next session"


class WelcomeScreen(WizardScreen[str]):
    """Greets the client. Dismisses with 'begin', 'visit' (a returning client's next session) or 'staff'.

    Start works the moment it shows: pressed while the wizard is still getting ready, the press is kept
    (the screen says so) and acted on once it is ready.

    Args:
        clinic: the clinic's name.
        texts: the wizard texts, or None while the engine is still loading.
    """

    IDLE = "ignore"

    def __init__(self, clinic: str, texts: Mapping[str, Any] | None) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.texts = texts
        #: what was pressed while the wizard was getting ready ('begin' or 'staff'), acted on once it is
        self.pressed: str | None = None

    def compose(self) -> ComposeResult:
        welcome = (self.texts or {}).get("welcome", {})
        with Middle(), Center(), Vertical(id="welcome-box"):
            yield Static(Content(self.clinic), id="welcome-clinic")
            yield Static(Content(welcome.get("title", "Welcome")), id="welcome-title")
            yield Static(Content(welcome.get("message", "")), id="welcome-message")
            with Horizontal(id="welcome-buttons"):
                yield Button(Content(welcome.get("start", "Start")), id="begin", variant="primary")
                yield Button(Content(NEXT_SESSION), id="next-session")
            yield Static(Content(self._status()), id="welcome-status")
        with Horizontal(id="welcome-staff-row"):
            yield staff_button()

    def _status(self) -> str:
        device = device_of(self.app)
        if self.pressed is not None:
            return device.welcome_waiting
        return device.welcome if self.texts is not None else f"Getting ready… {device.welcome}"

    def set_ready(self, texts: Mapping[str, Any]) -> None:
        """Fills in the texts once loading has finished; a press made meanwhile is acted on now."""
        self.texts = texts
        if self.pressed is not None:
            self.dismiss(self.pressed)
            return
        welcome = texts["welcome"]
        self.query_one("#welcome-title", Static).update(Content(welcome["title"]))
        self.query_one("#welcome-message", Static).update(Content(welcome["message"]))
        self.query_one("#begin", Button).label = Content(welcome["start"])
        self.query_one("#welcome-status", Static).update(Content(self._status()))

    def on_mount(self) -> None:
        self.query_one("#begin", Button).focus()

    def _choose(self, choice: str) -> None:
        if self.texts is not None:
            self.dismiss(choice)
        elif self.pressed is None:
            self.pressed = choice
            self.query_one("#welcome-status", Static).update(Content(self._status()))

    @on(Button.Pressed, "#begin")
    def _begin(self) -> None:
        self._choose("begin")

    @on(Button.Pressed, "#next-session")
    def _next_session(self) -> None:
        self._choose("visit")

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self._choose("staff")
