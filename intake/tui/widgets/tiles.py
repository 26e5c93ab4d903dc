"""Provides ChoiceTile: a large, focusable, touch-friendly option used by every choice-like question."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

#: Marks drawn before the label, so a choice shows without colour: plain, radio (one choice) or check (several).
MARKS = {"plain": ("", ""), "radio": ("( ) ", "(●) "), "check": ("[ ] ", "[✓] ")}


class ChoiceTile(Widget, can_focus=True):
    """One option as a bordered tile at least three rows high; a click, a tap or Space presses it.

    Enter never presses a tile (it goes on, where the owner says so): an answer is never made by the key
    that moves on. The label is client text and is always shown literally, never read as markup.
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
    ChoiceTile.-selected { background: $primary-muted; border: tall $primary; text-style: bold; }
    /* Where the keyboard is: a double ring, a shape of its own (not a colour), selected or not. */
    ChoiceTile:focus { border: double $accent; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "press", "Choose", show=False),
        Binding("down,right", "move(1)", "Next option", show=False),
        Binding("up,left", "move(-1)", "Previous option", show=False),
    ]

    selected: reactive[bool] = reactive(False)
    """Whether this option is currently chosen."""

    class Pressed(Message):
        """The tile was clicked, tapped or pressed from the keyboard.

        Attributes:
            keyboard: pressed from the keyboard (Space, or the option's key), not by a click or a tap.
        """

        def __init__(self, tile: ChoiceTile, keyboard: bool = False) -> None:
            self.tile = tile
            self.keyboard = keyboard
            super().__init__()

        @property
        def control(self) -> ChoiceTile:
            """The tile that was pressed."""
            return self.tile

    def __init__(self, label: str, value: Any, *, mark: str = "plain", selected: bool = False, key: str = "",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.value = value
        self.mark = mark
        self.key = key
        self.set_reactive(ChoiceTile.selected, selected)
        self.set_class(selected, "-selected")

    def render(self) -> Content:
        off, on = MARKS[self.mark]
        return Content.assemble((on if self.selected else off, "bold"), *self._label_with_key())

    def _label_with_key(self) -> tuple[str | tuple[str, str], ...]:
        """The label, with the key that answers it underlined (its first letter) or named after it."""
        if not self.key:
            return (self.label,)
        at = next((i for i, c in enumerate(self.label) if c.isalpha()), None)
        if at is not None and self.label[at].casefold() == self.key.casefold():
            return self.label[:at], (self.label[at], "underline"), self.label[at + 1:]
        return self.label, f"  ({self.key})"

    def watch_selected(self, selected: bool) -> None:
        self.set_class(selected, "-selected")

    def on_click(self) -> None:
        self.post_message(self.Pressed(self))

    def action_press(self) -> None:
        """Space: reports the press; the owner decides what selection means."""
        self.post_message(self.Pressed(self, keyboard=True))

    def option_group(self) -> list[ChoiceTile]:
        """The tiles of this tile's group (its parent's shown tiles), in order."""
        parent = self.parent
        if parent is None:
            return [self]
        return [t for t in parent.children if isinstance(t, ChoiceTile) and t.display]

    def action_move(self, delta: int) -> None:
        """Moves the focus to the next or previous option of the group (the group is one Tab stop)."""
        group = self.option_group()
        index = group.index(self) + delta if self in group else -1
        if 0 <= index < len(group):
            target = group[index]
            target.can_focus = True
            target.focus()
            rove(group, target)
            target.scroll_visible(animate=False)


def rove(group: list[ChoiceTile], current: ChoiceTile | None = None) -> None:
    """Makes a group of tiles one Tab stop: only `current` (by default the chosen tile, or the first) takes Tab.

    Arrow keys move between the tiles; a click still chooses any of them.
    """
    if not group:
        return
    current = current or next((t for t in group if t.selected), group[0])
    current.can_focus = True
    for tile in group:
        if tile is not current:
            tile.can_focus = False
