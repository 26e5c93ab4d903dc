"""Provides TextBox: Textual's Input, without laying the whole screen out again at every key typed."""

from __future__ import annotations

from typing import Any, Self

from textual.widgets import Input


class TextBox(Input):
    """A one-line text box (every text box of the wizard).

    Textual's Input notes the width of its text as its virtual size whenever its value changes, and a change of
    virtual size asks for a layout: every character typed, or a box cleared, laid out the whole screen (the PIN
    screen about 4 ms a key; a step with many questions more). A box whose width and height do not follow its text
    (neither is `auto`) moves nothing else when its text changes, so those layout requests are dropped and the box
    is only repainted. The virtual size itself is still kept, so a text longer than the box scrolls as before. A
    box whose size follows its text is laid out by Textual as before (its own request).
    """

    _applying_value = False

    def _watch_value(self, value: str) -> None:  # (Textual's private watcher of `value`, extended)
        self._applying_value = True
        try:
            super()._watch_value(value)
        finally:
            self._applying_value = False

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if layout and self._applying_value and not self.styles.auto_dimensions:
            layout = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
