"""Provides how a question the keyboard reaches is brought into view."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widget import Widget


def show_whole(body: VerticalScroll, field: Widget, focused: Widget | None) -> None:
    """Scrolls `field` (a question), when not wholly in view, so that it starts at the top of `body`'s view where its
    focused answer still shows then; else the focused answer into view. A question in view stays where it is."""
    if body.content_region.contains_region(field.region):
        return
    answer = focused if focused is not None and field in focused.ancestors else field
    if answer.region.bottom - field.region.y <= body.content_region.height:
        body.scroll_to_widget(field, top=True, animate=False)
    else:
        answer.scroll_visible(animate=False)
