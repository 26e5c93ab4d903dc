"""Provides SignaturePad: a box the client signs in by dragging a finger or the mouse, drawn in braille dots.

Each cell holds 2 x 4 dots, so a stroke is drawn at eight times the cell resolution. Points are kept
as vectors normalised to 0..1 (y down) for the PDF; the dots are only how the screen shows them.
When the terminal reports pixel positions the points keep their sub-cell precision.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

Point = tuple[float, float]
#: Braille dot bits by (column, row) inside a cell.
_DOT_BITS = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (1, 0): 0x08,
             (1, 1): 0x10, (1, 2): 0x20, (0, 3): 0x40, (1, 3): 0x80}
#: Fewer dots than this is a tap or a slip, not a signature.
MIN_INK_DOTS = 12
#: What the documents accept at most (intake.documents.model).
MAX_STROKES, MAX_POINTS = 300, 20_000
#: Terminal cells are about twice as tall as they are wide.
CELL_ASPECT = 0.5


class SignaturePad(Widget):
    """A drawing surface for a signature, with undo and clear."""

    DEFAULT_CSS = """
    SignaturePad {
        height: 1fr;
        min-height: 6;
        border: round $primary;
        background: $surface;
        color: $text;
    }
    SignaturePad > .signature-pad--hint { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"signature-pad--hint"}

    class Changed(Message):
        """The drawing changed (a stroke finished, or undo / clear)."""

        def __init__(self, pad: SignaturePad) -> None:
            self.pad = pad
            super().__init__()

        @property
        def control(self) -> SignaturePad:
            """The pad that changed."""
            return self.pad

    def __init__(self, hint: str = "Sign here", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.hint = hint
        self._strokes: list[list[Point]] = []
        self._drawing = False
        self._dots: dict[tuple[int, int], int] = {}
        self._grid_size = (0, 0)

    # -- the drawing as data ------------------------------------------------------------------

    @property
    def strokes(self) -> tuple[tuple[Point, ...], ...]:
        """The strokes as normalised points (0..1, y down), rounded to 4 decimals."""
        return tuple(tuple((round(x, 4), round(y, 4)) for x, y in stroke) for stroke in self._strokes)

    @property
    def aspect_ratio(self) -> float:
        """Width over height of the drawing area as it looks on screen."""
        width, height = self.content_size
        return min(10.0, max(0.5, width * CELL_ASPECT / max(1, height)))

    def _points(self) -> int:
        return sum(len(stroke) for stroke in self._strokes)

    def ink_dots(self) -> int:
        """How many screen dots the drawing covers."""
        self._ensure_grid()
        return sum(bin(bits).count("1") for bits in self._dots.values())

    def has_signature(self) -> bool:
        """True when there is enough ink to count as a signature rather than a tap."""
        return self.ink_dots() >= MIN_INK_DOTS

    def undo(self) -> None:
        """Removes the last stroke."""
        if self._strokes:
            self._strokes.pop()
            self._rebuild()

    def clear(self) -> None:
        """Removes every stroke."""
        self._strokes.clear()
        self._rebuild()

    # -- mouse and touch ------------------------------------------------------------------------

    def _point(self, event: events.MouseEvent) -> Point:
        """The pointer as a normalised point inside the drawing area."""
        gutter = self.styles.gutter
        x, y = event.pointer_x - gutter.left, event.pointer_y - gutter.top
        if x == int(x) and y == int(y):  # whole cells only: take the middle of the cell
            x, y = x + 0.5, y + 0.5
        width, height = max(1, self.content_size.width), max(1, self.content_size.height)
        return min(1.0, max(0.0, x / width)), min(1.0, max(0.0, y / height))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button not in (0, 1) or len(self._strokes) >= MAX_STROKES or self._points() >= MAX_POINTS:
            return
        event.stop()
        self._drawing = True
        self.capture_mouse()
        self._strokes.append([self._point(event)])
        self._ink_segment(self._strokes[-1][0], self._strokes[-1][0])

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._drawing:
            return
        event.stop()
        point = self._point(event)
        stroke = self._strokes[-1]
        if point != stroke[-1] and self._points() < MAX_POINTS:
            self._ink_segment(stroke[-1], point)
            stroke.append(point)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if not self._drawing:
            return
        event.stop()
        self._drawing = False
        self.capture_mouse(False)
        self.post_message(self.Changed(self))

    # -- drawing ---------------------------------------------------------------------------------

    def _ensure_grid(self) -> None:
        size = (self.content_size.width, self.content_size.height)
        if size != self._grid_size:
            self._grid_size = size
            self._dots = {}
            for stroke in self._strokes:
                for start, end in zip(stroke, stroke[1:] or stroke, strict=False):
                    self._plot(start, end)

    def _rebuild(self) -> None:
        self._grid_size = (-1, -1)
        self._ensure_grid()
        self.refresh()
        self.post_message(self.Changed(self))

    def _ink_segment(self, start: Point, end: Point) -> None:
        self._ensure_grid()
        self._plot(start, end)
        self.refresh()

    def _plot(self, start: Point, end: Point) -> None:
        """Sets the dots along a line (Bresenham on the dot grid)."""
        width, height = self._grid_size
        columns, rows = width * 2, height * 4
        if columns <= 0 or rows <= 0:
            return
        x0, y0 = min(columns - 1, int(start[0] * columns)), min(rows - 1, int(start[1] * rows))
        x1, y1 = min(columns - 1, int(end[0] * columns)), min(rows - 1, int(end[1] * rows))
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            cell = (x0 // 2, y0 // 4)
            self._dots[cell] = self._dots.get(cell, 0) | _DOT_BITS[(x0 % 2, y0 % 4)]
            if x0 == x1 and y0 == y1:
                return
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x0 += sx
            if doubled <= dx:
                error += dx
                y0 += sy

    def render_line(self, y: int) -> Strip:
        self._ensure_grid()
        width, height = self._grid_size
        ink = self.rich_style
        hint = self.get_component_rich_style("signature-pad--hint")
        row = [self._dots.get((x, y), 0) for x in range(width)]
        if not any(row):
            text, style = self._guide(y, width, height)
            if text:
                return Strip([Segment(text, Style.combine([ink, hint]) if style == "hint" else ink)], width)
            return Strip.blank(width, ink)
        return Strip([Segment("".join(chr(0x2800 + bits) if bits else " " for bits in row), ink)], width)

    def _guide(self, y: int, width: int, height: int) -> tuple[str, str]:
        """The faint baseline and, while empty, the hint, on rows without ink."""
        if height >= 4 and y == height - 2:
            return ("✕ " + "┈" * max(0, width - 4)).center(width), "hint"
        if not self._strokes and y == (height - 2) // 2:
            return self.hint[:width].center(width), "hint"
        return "", ""
