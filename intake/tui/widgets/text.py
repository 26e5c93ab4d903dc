"""Provides show_text: literal text put in a Static only when it changes, laid out again only when it must be."""

from __future__ import annotations

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
