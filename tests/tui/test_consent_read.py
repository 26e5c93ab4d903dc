"""Consent that is read: nothing pre-focused on a statement; "I have read this" only after the end is reached."""

from __future__ import annotations

from textual.widgets import Button

from intake.tui.screens.information import InformationScreen
from intake.tui.screens.review import AnswerRow
from intake.tui.screens.signature import SignatureScreen
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import press, wait_for
from tests.tui.running import client_at_review


async def test_the_statements_wait_until_the_client_has_read(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        review = await client_at_review(pilot, suitable_answers)  # steps saved (test_flow.py walks them)
        assert app.focused is review.query(AnswerRow).first()  # the first answer, not "My answers are true"
        await pilot.press("down", "up")  # moving between the answers confirms nothing
        await pilot.pause()
        assert app.screen is review
        await press(pilot, "#confirm")
        info = await wait_for(pilot, InformationScreen)
        body, read = info.query_one("#info-body"), info.query_one("#continue", Button)
        assert app.focused is body and read.disabled and body.max_scroll_y > 0
        await pilot.press("enter")
        await press(pilot, "#continue")  # a tap on it before the end does nothing
        assert app.screen is info
        await pilot.press("down", "down")
        await pilot.pause()
        assert read.disabled and 0 < body.scroll_y < body.max_scroll_y, (body.scroll_y, body.max_scroll_y)
        await pilot.press("end")
        for _ in range(100):
            await pilot.pause(0.01)
            if not read.disabled:
                break
        assert not read.disabled and "read to the end" not in str(info.query_one("#read-hint").render())
        await press(pilot, "#continue")
        await wait_for(pilot, SignatureScreen)


async def test_on_a_tall_screen_with_nothing_to_scroll_it_is_available_at_once(engine):
    from intake.tui.screens.information import InformationScreen as Screen

    app = build_app(engine)
    async with app.run_test(size=(160, 200)) as pilot:
        await app.wait_ready()
        screen = Screen(app.clinic, app.texts["information"])
        await app.push_screen(screen)
        for _ in range(100):
            await pilot.pause(0.01)
            if not screen.query_one("#continue", Button).disabled:
                break
        assert screen.query_one("#info-body").max_scroll_y == 0
        assert not screen.query_one("#continue", Button).disabled
