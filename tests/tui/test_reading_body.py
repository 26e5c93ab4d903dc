"""A screen's body of text is a stop for Tab only while it has more than fits, and then shows that it has the focus."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Button, Static

from intake.tui.widgets.scrolling import ReadingBody


class Page(App[None]):
    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with ReadingBody(id="body"):
            yield Static("\n".join(f"line {n}" for n in range(self.lines)))
        yield Button("Done", id="done")


async def tabbed(lines: int) -> list[str | None]:
    """The ids the focus lands on at two presses of Tab; on the body, End scrolls it and its scroll bar is shown in
    the accent colour (and is not before)."""
    app = Page(lines)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        body = app.query_one(ReadingBody)
        accent = Color.parse(app.get_css_variables()["accent"])
        assert body.styles.scrollbar_color != accent
        seen = []
        for _ in range(2):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(app.focused.id if app.focused else None)
            if app.focused is body:
                assert body.styles.scrollbar_color == accent  # the focus is shown
                await pilot.press("end")
                await pilot.pause()
                assert body.scroll_y == body.max_scroll_y > 0  # the keys scroll what Tab reached
    return seen


async def test_a_body_that_fits_is_no_stop_for_tab():
    seen = await tabbed(3)
    assert seen == ["done", "done"]


async def test_a_body_with_more_than_fits_takes_the_focus_and_shows_it():
    seen = await tabbed(40)
    assert seen == ["body", "done"]
