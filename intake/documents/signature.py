"""Provides the drawing of signature strokes as a vector SVG path (numbers only, no markup from input)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Height of the drawing in SVG user units; the width follows the pad's aspect ratio.
HEIGHT = 1000.0


@dataclass(frozen=True)
class SignatureDrawing:
    """What a template needs to draw a signature: the view box and the path data."""

    width: float
    height: float
    path: str
    stroke_width: float

    @property
    def view_box(self) -> str:
        """The SVG viewBox attribute value, with room for the pen's width at the edges."""
        pad = self.stroke_width
        return f"{-pad:.0f} {-pad:.0f} {self.width + 2 * pad:.0f} {self.height + 2 * pad:.0f}"


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def drawing(strokes: Sequence[Sequence[tuple[float, float]]], aspect_ratio: float) -> SignatureDrawing:
    """Turns normalised pen strokes (0..1, y down) into one SVG path.

    A stroke of a single point becomes a dot. Coordinates are rounded to a tenth of a unit,
    which keeps the file small and the output reproducible.
    """
    width = HEIGHT * aspect_ratio
    parts = []
    for stroke in strokes:
        x0, y0 = stroke[0]
        parts.append(f"M{_fmt(x0 * width)} {_fmt(y0 * HEIGHT)}")
        if len(stroke) == 1:
            parts.append("l0.1 0")
            continue
        parts.append("L" + " ".join(f"{_fmt(x * width)} {_fmt(y * HEIGHT)}" for x, y in stroke[1:]))
    return SignatureDrawing(width, HEIGHT, " ".join(parts), stroke_width=HEIGHT / 45)
