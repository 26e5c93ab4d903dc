"""Provides WebIntakeApp: the wizard as served to a browser, with hints for the tablet page.

The page cannot see widgets, so the wizard tells it two things: "keyboard" (a text field has focus:
offer the on-screen keyboard) and "pointer" (a signature pad is showing: a finger draws rather than
scrolls).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from textual import events, messages
from textual.driver import Driver
from textual.drivers.web_driver import WebDriver
from textual.widgets import Input, TextArea

from intake.tui.app import IntakeApp
from intake.tui.widgets.signature_pad import SignaturePad

_TEXT_FIELDS = (Input, TextArea)


class OrderedWebDriver(WebDriver):
    """Textual's web driver, with the server's "quit" kept in order behind the keys that came before it.

    The stock driver hands keys to the app through a task each but posts "quit" at once, so when a
    page closes right after the client typed, the app is told to exit before it sees the last keys.
    """

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        if packet_type == "quit":
            self.send_message(messages.ExitApp())  # the path keys take, so after them
        else:
            super().on_meta(packet_type, payload)


class WebIntakeApp(IntakeApp):
    """IntakeApp that sends the page "keyboard" and "pointer" messages through the web driver."""

    CSS_PATH = str(Path(__file__).with_name("intake.tcss"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._told: dict[str, bool] = {}
        self._pad_screen: object = None
        self._pad_looks = 0

    def _tell_page(self, kind: str, field: str, value: bool) -> None:
        driver = self._driver
        if self._told.get(kind) != value and driver is not None and hasattr(driver, "write_meta"):
            self._told[kind] = value
            driver.write_meta({"type": kind, field: value})

    def get_driver_class(self) -> type[Driver]:
        return OrderedWebDriver

    # Textual calls each class's handler in turn, from this class up to App: none of these calls super().

    def on_mount(self) -> None:
        self.set_interval(0.2, self._check_pad, name="pad")

    async def _on_exit_app(self) -> None:
        # The tablet's page went away (closed, reloaded, network lost) or the server stopped: keep what the
        # client typed on this step as the draft, as the terminal wizard does on quit. Keys that arrived
        # before the quit message may still wait in the focused field's queue: let it take them in first.
        focused = self.focused
        if focused is not None:
            taken_in = asyncio.Event()
            if focused.call_later(taken_in.set):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(taken_in.wait(), timeout=5)
        self._save_draft()

    def _check_pad(self) -> None:
        """Looks for a pad on a new screen, a few times while it mounts, not on every tick of a long form."""
        screen = self.screen
        if screen is not self._pad_screen:
            self._pad_screen, self._pad_looks = screen, 0
        if self._pad_looks < 10 and not self._told.get("pointer"):
            self._pad_looks += 1
            self._tell_page("pointer", "draw", bool(screen.query(SignaturePad)))
        elif self._pad_looks == 0:
            self._pad_looks = 1
            self._tell_page("pointer", "draw", bool(screen.query(SignaturePad)))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._tell_page("keyboard", "show", isinstance(event.widget, _TEXT_FIELDS))

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if not isinstance(self.focused, _TEXT_FIELDS):
            self._tell_page("keyboard", "show", False)
