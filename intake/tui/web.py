"""Provides WebIntakeApp: the wizard as served to a browser, which tells the page when to offer a keyboard."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input, TextArea

from intake.tui.app import IntakeApp

_TEXT_FIELDS = (Input, TextArea)


class WebIntakeApp(IntakeApp):
    """IntakeApp that sends the page a "keyboard" message as a text field gains or loses focus."""

    CSS_PATH = str(Path(__file__).with_name("intake.tcss"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._keyboard_shown: bool | None = None

    def _tell_page(self, show: bool) -> None:
        driver = self._driver
        if show != self._keyboard_shown and driver is not None and hasattr(driver, "write_meta"):
            self._keyboard_shown = show
            driver.write_meta({"type": "keyboard", "show": show})

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._tell_page(isinstance(event.widget, _TEXT_FIELDS))

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if self.focused is None or not isinstance(self.focused, _TEXT_FIELDS):
            self._tell_page(False)
