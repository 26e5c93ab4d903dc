"""Measures WCAG 2.x contrast on the wizard as it is drawn: every widget state a client sees, per theme.

The colours are the resolved ones: each cell's foreground and background as Textual composited the
screen (`Screen.get_style_at`: styles with alpha blended over what is behind, tints, `auto` colours,
the theme's variables), and the characters from the widget's own rendering. A sample is a widget in
a state; its text cells give the text contrast (the worst cell counts), and for a ring or marker
border its line cells give the non-text contrast against the inside and the outside of the widget.

Run alone (`python -m tests.tui.contrast`) it prints the table for the README.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

from rich.color import Color as RichColor
from rich.style import Style
from textual.errors import NoWidget
from textual.geometry import Region
from textual.widget import Widget

#: The themes measured: the wizard's own (Textual's default, which the kiosk cannot change) and its light twin.
THEMES = ("textual-dark", "textual-light")
#: WCAG 2.x AA: normal text, and large or bold text and non-text indicators (rings, borders, marks).
AA_TEXT, AA_NON_TEXT = 4.5, 3.0
#: Box-drawing and block characters: border lines, not text.
LINES = set(chr(c) for c in range(0x2500, 0x25A0)) | set("▁▂▃▄▅▆▇█▉▊▋▌▍▎▏▔▕")


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(color: RichColor | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if color is None or color.is_default:
        return default
    triplet = color.get_truecolor()
    return triplet.red, triplet.green, triplet.blue


def cell_colors(style: Style, screen_bg: tuple[int, int, int]) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(foreground, background) of a composited cell; reverse swaps them, dim draws halfway to the background."""
    fg, bg = _rgb(style.color, (255, 255, 255)), _rgb(style.bgcolor, screen_bg)
    if style.reverse:
        fg, bg = bg, fg
    if style.dim:
        fg = tuple((f + b) // 2 for f, b in zip(fg, bg, strict=True))  # type: ignore[assignment]
    return fg, bg


@dataclass(frozen=True)
class Measure:
    """One sample: its worst text contrast and (for a ring or border) its line contrast in and out."""

    theme: str
    what: str
    text: float | None
    line: float | None = None
    exempt: bool = False

    @property
    def passes(self) -> bool:
        """AA: text at 4.5:1 (terminal text is never 'large'), a ring or border that shows a state at 3:1.

        A disabled control is exempt (WCAG 1.4.3: "inactive user interface components"); it is measured
        and reported all the same.
        """
        return self.exempt or ((self.text is None or self.text >= AA_TEXT - 0.005) and
                               (self.line is None or self.line >= AA_NON_TEXT - 0.005))


def _cells(widget: Widget) -> Iterator[tuple[str, Style, int, int]]:
    """(character, composited style, x, y) for every cell of a widget as it is drawn on its screen."""
    region = widget.region
    strips = widget.render_lines(Region(0, 0, region.width, region.height))
    screen = widget.screen
    for y, strip in enumerate(strips):
        text = strip.text
        for x, char in enumerate(text[:region.width]):
            sx, sy = region.x + x, region.y + y
            try:
                shown = screen.get_widget_at(sx, sy)[0] is widget  # not hidden under something else
            except NoWidget:
                shown = False
            if shown:
                yield char, screen.get_style_at(sx, sy), sx, sy


def measure(theme: str, what: str, widget: Widget, *, line: bool = False, exempt: bool = False) -> Measure:
    """The worst text contrast of a widget's characters and, with `line`, of its border lines against
    the colour inside the widget and the colour just outside it."""
    screen = widget.screen
    screen_bg = _rgb(screen.get_style_at(0, screen.region.height - 1).bgcolor, (0, 0, 0))
    worst_text: float | None = None
    worst_line: float | None = None
    region = widget.region
    for char, style, _, sy in _cells(widget):
        if char.isspace():
            continue
        fg, bg = cell_colors(style, screen_bg)
        if char in LINES:
            if not line:
                continue
            inside = cell_colors(screen.get_style_at(region.x + region.width // 2, region.y + region.height // 2),
                                 screen_bg)[1]
            outside = cell_colors(screen.get_style_at(max(region.x - 1, 0), sy), screen_bg)[1]
            value = min(ratio(fg, inside), ratio(fg, outside))
            worst_line = value if worst_line is None else min(worst_line, value)
        else:
            value = ratio(fg, bg)
            worst_text = value if worst_text is None else min(worst_text, value)
    return Measure(theme, what, worst_text, worst_line, exempt)


async def collect() -> list[Measure]:
    """Runs the wizard in each theme and measures every sample (see `samples`)."""
    from intake.engine import Engine
    from tests.tui.conftest import SIZES, build_app

    engine = Engine.load()
    found: list[Measure] = []
    for theme in THEMES:
        app = build_app(engine)
        async with app.run_test(size=SIZES["small"]) as pilot:
            app.theme = theme
            found.extend(await samples(pilot, theme))
    return found


async def samples(pilot, theme: str) -> list[Measure]:
    """Every state a client sees, on the first two steps, the review and the information screen."""
    from textual.widgets import Button, Input, Static, TextArea

    from intake.tui.screens.step import StepScreen
    from intake.tui.widgets.questions import QuestionField, YesNoField
    from intake.tui.widgets.tiles import ChoiceTile
    from tests.tui.driver import press, wait_for
    from tests.tui.test_kiosk import begin

    app = pilot.app
    out: list[Measure] = []

    async def settle() -> None:
        await pilot.pause()
        await pilot.pause(0.05)

    async def add(what: str, widget: Widget, *, line: bool = False, exempt: bool = False) -> None:
        widget.scroll_visible(animate=False, immediate=True)
        await settle()
        out.append(measure(theme, what, widget, line=line, exempt=exempt))

    from intake.tui.screens.welcome import WelcomeScreen

    welcome = await wait_for(pilot, WelcomeScreen)
    await app.wait_ready()
    await settle()
    await add("welcome: clinic", welcome.query_one("#welcome-clinic"))
    await add("welcome: message", welcome.query_one("#welcome-message"))
    await add("welcome: Start (primary), focused", welcome.query_one("#begin", Button))
    await add("welcome: how to start (muted)", welcome.query_one("#welcome-status"))
    step = await begin(pilot)
    await settle()
    await add("top bar: clinic", step.query_one(".topbar-clinic"))
    await add("top bar: step N of M", step.query_one(".topbar-step"))
    await add("title", step.query_one(".screen-title"))
    await add("intro text", step.query_one(".screen-intro"))
    name = step.query_one("#q-full_name")
    await add("question and help text", name.query_one(".q-label"))
    await add("text box, focused (ring)", name.query_one(Input), line=True)
    await pilot.press(*"Ann")
    await settle()
    await add("typed answer, focused", name.query_one(Input), line=True)
    date = step.query_one("#q-date_of_birth")
    await add("text box, placeholder (DD/MM/YYYY)", date.query_one(Input))
    await add("keys hint (muted)", step.query_one(".keys-hint"))
    await add("button Back, disabled (exempt)", step.query_one("#back", Button), exempt=True)
    await add("button Staff (default)", step.query_one("#staff", Button))
    await add("button Next (primary)", step.query_one("#next", Button))
    step.query_one("#next", Button).focus()
    await settle()
    await add("button Next (primary), focused", step.query_one("#next", Button))
    yes_no = next(f for f in step.query(YesNoField) if f.display)
    yes, no = list(yes_no.query(ChoiceTile))
    await add("option, not chosen", no)
    yes.focus()
    await settle()
    await add("option, focused (ring)", yes, line=True)
    await pilot.press("space")  # (a yes/no answer goes on to the next question: back to it)
    yes.focus()
    await settle()
    await add("option (●) chosen, focused (ring)", yes, line=True)
    no.focus()
    await settle()
    await add("option (●) chosen", yes)
    await press(pilot, "#next")  # the step is not complete: the problems show
    await settle()
    await add("problem summary (error)", step.query_one("#step-summary"))
    invalid = next(f for f in step.query(QuestionField) if f.has_problem and f.display)
    await add("problem line (error)", invalid.query_one(".q-problem"))
    await add("invalid answer's edge (error)", invalid, line=True)
    staff = Button("Discard", variant="error", id="contrast-error")
    await step.query_one("#step-body").mount(staff)
    await settle()
    await add("button error (staff: discard)", staff)
    await staff.remove()
    # Step 2: several choices (✓), the long answer box.
    from tests.conftest import load_example
    from tests.tui.driver import fill_step

    await fill_step(pilot, load_example("suitable")["answers"])
    await press(pilot, "#next")
    step = await wait_for(pilot, StepScreen)
    while step.index != 1:
        step = await wait_for(pilot, StepScreen)
    await settle()
    concerns = list(step.query_one("#q-concerns").query(ChoiceTile))
    concerns[0].focus()
    await pilot.press("space")
    await settle()
    await add("option [✓] ticked, focused (ring)", concerns[0], line=True)
    concerns[0].blur()
    step.query_one("#q-goals TextArea", TextArea).focus()
    await settle()
    await add("option [✓] ticked", concerns[0])
    await add("long answer box, focused (ring)", step.query_one("#q-goals TextArea", TextArea), line=True)
    await add("help text under a question", step.query_one("#q-goals .q-label", Static))
    await add("how to leave a long answer (muted)", step.query_one("#q-goals .q-leave", Static))
    sensitive = step.query_one("#q-sensitive_skin")
    sensitive.focus_answer()
    await pilot.press("y")  # an answer that carries a finding is said back
    await settle()
    await add("answer said back (You said: …)", sensitive.query_one(".q-echo", Static))
    await pilot.press("n")
    # The review, the information and the signature.
    from intake.tui.screens.information import InformationScreen
    from intake.tui.screens.review import ReviewScreen
    from intake.tui.screens.signature import SignatureScreen

    answers = load_example("suitable")["answers"]
    for index in range(step.index, len(app.session.steps)):  # the rest of the steps, from this one
        step = await fill_step(pilot, answers)
        assert step.index == index
        await press(pilot, "#next")
        while index + 1 < len(app.session.steps) and (app.screen is step or not isinstance(app.screen, StepScreen)):
            await pilot.pause(0.01)
    review = await wait_for(pilot, ReviewScreen)
    await settle()
    await add("review: step heading", review.query_one(".review-step-title"))
    await add("review: an answer, focused (ring)", review.query_one(".answer-row"), line=True)
    review.query(".answer-row")[1].focus()
    await settle()
    await add("review: an answer", review.query(".answer-row")[0])
    await add("review: Change button", review.query_one(".change-button", Button))
    await add("review: the statement", review.query_one("#review-statement"))
    await press(pilot, "#confirm")
    info = await wait_for(pilot, InformationScreen)
    await settle()
    await add("information: heading", info.query_one(".info-heading"))
    await add("information: 'read to the end' hint", info.query_one("#read-hint"))
    await add("information: I have read this, disabled (exempt)", info.query_one("#continue", Button), exempt=True)
    await pilot.press("end")
    await settle()
    info.query_one("#continue", Button).focus()
    await settle()
    await press(pilot, "#continue")
    sign = await wait_for(pilot, SignatureScreen)
    await settle()
    await add("signature: the statement", sign.query_one("#sig-statement"))
    await add("signature: hint (muted)", sign.query_one(".sig-hint"))
    await add("signature: pad border", sign.query_one("#pad"), line=True)
    await press(pilot, "#sign")  # nothing drawn: the problem shows
    await settle()
    await add("signature: problem (error)", sign.query_one("#sig-problem"))
    return out


def table(found: list[Measure]) -> str:
    """A markdown table: one row per sample, a column per theme."""
    rows: dict[str, dict[str, Measure]] = {}
    for m in found:
        rows.setdefault(m.what, {})[m.theme] = m
    head = "| state | " + " | ".join(f"{t} text / ring" for t in THEMES) + " |"
    lines = [head, "| --- |" + " --- |" * len(THEMES)]

    def cell(m: Measure | None) -> str:
        if m is None:
            return "–"
        text = f"{m.text:.1f}" if m.text is not None else "–"
        ring = f" / {m.line:.1f}" if m.line is not None else ""
        return text + ring + ("" if m.passes else " **fails**")

    for what, by_theme in rows.items():
        lines.append(f"| {what} | " + " | ".join(cell(by_theme.get(t)) for t in THEMES) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import os
    import tempfile

    os.chdir(tempfile.mkdtemp())
    print(table(asyncio.run(collect())))
