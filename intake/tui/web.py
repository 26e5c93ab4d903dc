"""Provides WebIntakeApp: the wizard as served to a browser, with hints for the tablet page.

The page cannot see widgets, so the wizard tells it two things: "keyboard" (a text field has focus:
offer the on-screen keyboard, and which one: see keyboard_hints) and "pointer" (a signature pad is
showing: a finger draws rather than scrolls).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from textual import events, messages
from textual.dom import NoScreen
from textual.driver import Driver
from textual.drivers.web_driver import WebDriver
from textual.widget import Widget
from textual.widgets import Input, TextArea

from intake.datetyping import TYPING
from intake.tui.app import IntakeApp
from intake.tui.device import TOUCH
from intake.tui.widgets.questions import QuestionField
from intake.tui.widgets.signature_pad import SignaturePad

_TEXT_FIELDS = (Input, TextArea)
#: Fields outside the questionnaire that take a person's name (the typed signature, a returning client, a client
#: at their next session, staff choosing a client).
_NAME_FIELDS = {"typed-name", "returning-name", "visit-name", "choose-name"}
_DIGITS, _DECIMAL = r"[0-9]*", r"[0-9.]*"


def keyboard_hints(widget: object) -> dict[str, object]:
    """What the tablet's on-screen keyboard should offer while `widget` has the focus.

    Returns:
        {"show": False} for anything but a text field; otherwise also "mode" (the HTML inputmode:
        text, email, tel, numeric or decimal), "capitalize" (sentences, words or none), "correct"
        (on or off: autocorrect and spell-checking; off for names, addresses, numbers and dates,
        which a dictionary would "correct") and "enter" (the enterkeyhint: next, or enter for a
        long answer, where Enter starts a new line).
    """
    if isinstance(widget, TextArea):
        return {"show": True, "mode": "text", "capitalize": "sentences", "correct": "on", "enter": "enter"}
    if not isinstance(widget, Input):
        return {"show": False}
    field = next((node for node in widget.ancestors if isinstance(node, QuestionField)), None)
    question = field.question if field is not None else None
    kind = question.kind if question is not None else None
    if widget.password or widget.restrict == _DIGITS:
        mode, capitalize, correct = "numeric", "none", "off"  # a PIN, a count of sessions or weeks
    elif widget.restrict == _DECIMAL:
        mode, capitalize, correct = "decimal", "none", "off"  # a needle depth
    elif kind == "email":
        mode, capitalize, correct = "email", "none", "off"
    elif kind == "phone":
        mode, capitalize, correct = "tel", "none", "off"
    elif kind == "name" or widget.id in _NAME_FIELDS:
        mode, capitalize, correct = "text", "words", "off"
    elif (question is not None and question.type == "date") or widget.restrict == TYPING:
        # Digits with / . - or spaces: a number pad lacks the separators on some tablets, so a full keyboard.
        mode, capitalize, correct = "text", "none", "off"
    else:
        mode, capitalize, correct = "text", "sentences", "on"
    return {"show": True, "mode": mode, "capitalize": capitalize, "correct": correct, "enter": "next"}


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
    DEVICE = TOUCH  # a tablet's browser: taps, scrolling and an on-screen keyboard

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._told: dict[str, object] = {}
        self._pad_screen: object = None
        self._pad_looks = 0

    def _tell_page(self, kind: str, values: dict[str, object]) -> None:
        driver = self._driver
        if self._told.get(kind) != values and driver is not None and hasattr(driver, "write_meta"):
            self._told[kind] = values
            driver.write_meta({"type": kind, **values})

    def get_driver_class(self) -> type[Driver]:
        return OrderedWebDriver

    # Textual calls each class's handler in turn, from this class up to App: none of these calls super().

    def on_mount(self) -> None:
        # Looks for a pad only after a screen change (a few looks while it mounts), so an idle tablet costs nothing.
        self._pad_timer = self.set_interval(0.2, self._check_pad, name="pad")
        self.screen_change_signal.subscribe(self, self._screen_changed)

    def _screen_changed(self, screen: object) -> None:
        self._pad_timer.resume()
        # The keyboard for what has the focus on the screen now shown: a screen built ahead (the next step, the staff
        # PIN screen) took its focus off-screen, which the page was not told of then (see _on_shown).
        self._tell_page("keyboard", keyboard_hints(self.focused))

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
        if not self.screen_stack:  # the app is still starting, or already closing: there is no screen to look at
            return
        screen = self.screen
        if screen is not self._pad_screen:
            self._pad_screen, self._pad_looks = screen, 0
        if self._pad_looks < 10 and self._told.get("pointer") != {"draw": True}:
            self._pad_looks += 1
            self._tell_page("pointer", {"draw": bool(screen.query(SignaturePad))})
        elif self._pad_looks == 0:
            self._pad_looks = 1
            self._tell_page("pointer", {"draw": bool(screen.query(SignaturePad))})
        else:  # done with this screen: nothing to look at until the next screen change
            self._pad_timer.pause()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, _TEXT_FIELDS):  # a still cursor: a blinking one sends the tablet a frame twice a second
            widget.cursor_blink = False
        if self._on_shown(widget):
            self._tell_page("keyboard", keyboard_hints(widget))

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if self._on_shown(event.widget) and not isinstance(self.focused, _TEXT_FIELDS):
            self._tell_page("keyboard", {"show": False})

    def _on_shown(self, widget: Widget) -> bool:
        """True when `widget` is on the screen shown (not on one built ahead, off-screen)."""
        try:
            return widget.screen is self.screen
        except NoScreen:  # being removed
            return False
