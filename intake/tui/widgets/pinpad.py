"""Provides PinPad: a masked PIN box with a large on-screen keypad for touch screens."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import Button, Input

from intake.i18n import N_
from intake.tui.widgets.textbox import TextBox

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok")
_LABELS = {"clear": N_("Clear"), "ok": N_("OK")}


class PinPad(Vertical):
    """A PIN entry: type digits or tap them, then Enter or OK.

    Args:
        words: translates its words (Clear, OK, PIN) into the language of the screen it is on; English if None.
    """

    DEFAULT_CSS = """
    PinPad { width: 40; height: auto; }
    PinPad > Input { width: 100%; }
    PinPad > Grid { grid-size: 3 4; grid-gutter: 0 1; height: auto; width: 100%; }
    PinPad > Grid > Button { width: 100%; min-width: 8; }
    """

    class Submitted(Message):
        """A PIN was entered."""

        def __init__(self, pad: PinPad, pin: str) -> None:
            self.pad = pad
            self.pin = pin
            super().__init__()

    def __init__(self, words: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self._ = words or str

    def compose(self) -> ComposeResult:
        _ = self._
        yield TextBox(password=True, restrict=r"[0-9]*", max_length=12, placeholder=_("PIN"), id="pin-input")
        with Grid():
            for key in KEYS:
                yield Button(_(_LABELS.get(key, key)), id=f"key-{key}",
                             variant="primary" if key == "ok" else "default")

    @property
    def input(self) -> Input:
        """The masked PIN box."""
        return self.query_one("#pin-input", Input)

    def clear(self) -> None:
        """Empties the PIN box and focuses it."""
        self.input.value = ""
        self.input.focus()

    def set_enabled(self, enabled: bool) -> None:
        """Enables or disables entry (while a pause after wrong PINs runs)."""
        self.input.disabled = not enabled
        for button in self.query(Button):
            button.disabled = not enabled

    @on(Button.Pressed)
    def _key(self, event: Button.Pressed) -> None:
        event.stop()
        key = (event.button.id or "").removeprefix("key-")
        if key == "clear":
            self.clear()
        elif key == "ok":
            self._submit()
        elif key.isdigit() and len(self.input.value) < 12:
            self.input.value += key

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def _submit(self) -> None:
        pin = self.input.value
        self.input.value = ""
        self.post_message(self.Submitted(self, pin))
