"""Provides KeysHint: the hint of the keys at the foot of a screen, broken into lines between its items (never inside
one) at the width it is drawn at, and shown again only when it changes."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

#: What separates the items of a key hint ("Enter: Next · Esc: Back"), in every language.
HINT_SEPARATOR = " · "


def broken_between_items(text: str, width: int) -> str:
    """`text` (items joined by HINT_SEPARATOR) in lines of at most `width` cells, broken only between items, each
    line but the last ending with the separator's dot ("... · Page Down: read on ·" / "M: my answers are true"), so a
    key and what it does are never split. An item wider than `width` on its own is left to the widget to wrap; a
    text that fits, or an unknown width (0), is returned as it is."""
    if width <= 0 or cell_len(text) <= width:
        return text
    items = text.split(HINT_SEPARATOR)
    dot = HINT_SEPARATOR.rstrip()  # what ends a line that another follows
    lines, line = [], items[0]
    for index, item in enumerate(items[1:], start=2):
        joined = line + HINT_SEPARATOR + item
        if cell_len(joined) + (0 if index == len(items) else len(dot)) <= width:
            line = joined
        else:
            lines.append(line + dot)
            line = item
    lines.append(line)
    return "\n".join(lines)


class KeysHint(Static):
    """The hint at the foot of a screen (`WizardScreen.refresh_hint` fills it): literal text, broken into lines
    between its items at the width it is drawn at, from its first paint on and again at each new width."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("", id=id, classes=classes, markup=False)
        self._hint = ""

    @property
    def hint(self) -> str:
        """The hint in one line, as given."""
        return self._hint

    def show(self, hint: str) -> None:
        """Shows `hint`. Nothing is done when it is shown already (a repaint for nothing), and the screen is not laid
        out again when the hint's size cannot follow its text (a fixed width and height, as at the foot of a step)."""
        if hint == self._hint:
            return
        self._hint = hint
        styles = self.styles
        fixed = all(scalar is not None and not scalar.is_auto for scalar in (styles.width, styles.height))
        self.refresh(layout=not fixed)

    def render(self) -> Content:
        return Content(broken_between_items(self._hint, self.content_region.width))
