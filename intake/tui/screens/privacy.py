"""Provides the privacy screen shown after the idle timeout: nothing of the previous client stays visible."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.widgets import Static

from intake.tui.device import device_of
from intake.tui.screens.base import MessageScreen

#: Seconds before the privacy screen gives way to the welcome screen by itself.
SHOW_SECONDS = 20.0


class PrivacyScreen(MessageScreen[None]):
    """Explains that the form closed. Any key or tap, or 20 seconds, dismisses it, to the kiosk's welcome
    screen (never to a new form: the key that leaves this screen goes no further).

    Args:
        clinic: the clinic's name.
        texts: its 'title' and 'message' in `language`.
        language: the language of the client who walked away (the next client chooses theirs on the welcome).
    """

    def __init__(self, clinic: str, texts: Mapping[str, Any], language: str = "en") -> None:
        super().__init__(clinic, texts)
        self.language = language

    def compose_below(self) -> ComposeResult:
        yield Static(device_of(self.app, self.language).privacy, classes="centered hint")

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
