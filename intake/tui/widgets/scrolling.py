"""Provides how a question the keyboard reaches is brought into view, and a body of text that Tab reaches only when
it has more to show."""

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


class ReadingBody(VerticalScroll):
    """A screen's body of text: Tab stops on it only while it holds more than fits, and then arrow keys, Page Down and
    End scroll it and its scroll bar takes the accent colour, showing where the focus is. A body that fits is no
    stop for Tab, where the focus would be invisible and Enter would do nothing. The buttons and fields inside take
    the focus as always.

    Args:
        stop_when_fits: a stop for Tab even when all of it fits (the information a client reads, where Enter on the
            text is "I have read this"; the practitioner's review, which takes the focus first to be read from the
            top).
    """

    DEFAULT_CSS = """
    ReadingBody:focus { scrollbar-color: $accent; scrollbar-background: $boost; }
    """

    def __init__(self, *, id: str | None = None, stop_when_fits: bool = False) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.stop_when_fits = stop_when_fits

    def allow_focus(self) -> bool:
        return self.can_focus and (self.stop_when_fits or self.max_scroll_y > 0)
