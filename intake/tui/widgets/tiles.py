"""Provides ChoiceTile: a large, focusable, touch-friendly option used by every choice-like question."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

#: Marks drawn before the label: plain (yes/no), radio (one choice) or check (several choices).
MARKS = {"plain": ("", ""), "radio": ("( ) ", "(●) "), "check": ("[ ] ", "[✓] ")}


class ChoiceTile(Widget, can_focus=True):
    """One option as a bordered tile at least three rows high; click, tap, Enter or Space selects it.

    The label is client text and is always shown literally, never read as markup.
    """

    DEFAULT_CSS = """
    ChoiceTile {
        width: 1fr;
        height: 3;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        border: tall $border-blurred;
        background: $surface;
        color: $text;
    }
    ChoiceTile.-statement { height: auto; min-height: 3; text-wrap: wrap; }
    ChoiceTile:hover { background: $boost; }
    ChoiceTile:focus { border: tall $accent; background: $boost; }
    ChoiceTile.-selected { background: $primary-muted; border: tall $primary; text-style: bold; }
    ChoiceTile.-selected:focus { border: tall $accent; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter,space", "press", "Choose", show=False)]

    selected: reactive[bool] = reactive(False)
    """Whether this option is currently chosen."""

    class Pressed(Message):
        """The tile was clicked, tapped or activated with the keyboard."""

        def __init__(self, tile: ChoiceTile) -> None:
            self.tile = tile
            super().__init__()

        @property
        def control(self) -> ChoiceTile:
            """The tile that was pressed."""
            return self.tile

    def __init__(self, label: str, value: Any, *, mark: str = "plain", selected: bool = False,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.value = value
        self.mark = mark
        self.set_reactive(ChoiceTile.selected, selected)
        self.set_class(selected, "-selected")

    def render(self) -> Content:
        off, on = MARKS[self.mark]
        return Content.assemble((on if self.selected else off, "bold"), self.label)

    def watch_selected(self, selected: bool) -> None:
        self.set_class(selected, "-selected")

    def on_click(self) -> None:
        self.action_press()

    def action_press(self) -> None:
        """Reports the press; the owner decides what selection means."""
        self.post_message(self.Pressed(self))
