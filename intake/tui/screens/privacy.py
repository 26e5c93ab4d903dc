"""Provides the privacy screen shown after the idle timeout: nothing of the previous client stays visible."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Center, Middle, Vertical
from textual.content import Content
from textual.widgets import Static

from intake.tui.screens.base import WizardScreen, header

#: Seconds before the privacy screen gives way to the welcome screen by itself.
SHOW_SECONDS = 20.0


class PrivacyScreen(WizardScreen[None]):
    """Explains that the form closed. Any key or tap, or 20 seconds, dismisses it."""

    IDLE = "ignore"

    def __init__(self, clinic: str, texts: Mapping[str, Any]) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.texts = texts

    def compose(self) -> ComposeResult:
        yield from header(self.clinic)
        with Middle(), Center(), Vertical(id="privacy-box"):
            yield Static(Content(self.texts["title"]), classes="screen-title centered")
            yield Static(Content(self.texts["message"]), classes="big-message centered")
            yield Static("Tap anywhere to continue.", classes="centered hint")

    def on_mount(self) -> None:
        self.set_timer(SHOW_SECONDS, self._done)

    def _done(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self._done()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self._done()
