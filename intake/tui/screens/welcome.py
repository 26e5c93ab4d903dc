"""Provides the welcome screen: the only screen a new client sees, clean of anyone before them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Middle, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from intake.tui.screens.base import WizardScreen, staff_button


class WelcomeScreen(WizardScreen[str]):
    """Greets the client. Dismisses with 'begin' or 'staff'.

    Args:
        clinic: the clinic's name.
        texts: the wizard texts, or None while the engine is still loading (Start waits).
    """

    IDLE = "ignore"

    def __init__(self, clinic: str, texts: Mapping[str, Any] | None) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.texts = texts

    def compose(self) -> ComposeResult:
        welcome = (self.texts or {}).get("welcome", {})
        with Middle(), Center(), Vertical(id="welcome-box"):
            yield Static(Content(self.clinic), id="welcome-clinic")
            yield Static(Content(welcome.get("title", "Welcome")), id="welcome-title")
            yield Static(Content(welcome.get("message", "")), id="welcome-message")
            with Horizontal(id="welcome-buttons"):
                yield Button(Content(welcome.get("start", "Start")), id="begin", variant="primary",
                             disabled=self.texts is None)
            yield Static(Content("" if self.texts else "Getting ready…"), id="welcome-status")
        with Horizontal(id="welcome-staff-row"):
            yield staff_button()

    def set_ready(self, texts: Mapping[str, Any]) -> None:
        """Fills in the texts once loading has finished and enables Start."""
        self.texts = texts
        welcome = texts["welcome"]
        self.query_one("#welcome-title", Static).update(Content(welcome["title"]))
        self.query_one("#welcome-message", Static).update(Content(welcome["message"]))
        begin = self.query_one("#begin", Button)
        begin.label = Content(welcome["start"])
        begin.disabled = False
        self.query_one("#welcome-status", Static).update("")
        begin.focus()

    def on_mount(self) -> None:
        if self.texts is not None:
            self.query_one("#begin", Button).focus()

    @on(Button.Pressed, "#begin")
    def _begin(self) -> None:
        self.dismiss("begin")

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self.dismiss("staff")
