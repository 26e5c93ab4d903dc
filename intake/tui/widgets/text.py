"""Provides show_text: literal text put in a Static only when it changes, laid out again only when it must be; and
broken_between_items: a hint of several keys broken into lines between its items, never inside one."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static


def show_text(widget: Static, text: str) -> None:
    """Shows `text` literally in `widget`.

    Nothing is done when the widget already shows that text (a repaint and a new layout of the whole
    screen for nothing), and the screen is not laid out again when the widget's size cannot follow its
    text (a fixed width and height, such as the hint at the foot of a step).
    """
    shown = widget.content
    if isinstance(shown, Content | str) and shown == text and (isinstance(shown, Content) or not text):
        return
    styles = widget.styles
    fixed = all(scalar is not None and not scalar.is_auto for scalar in (styles.width, styles.height))
    widget.update(Content(text), layout=not fixed)


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
