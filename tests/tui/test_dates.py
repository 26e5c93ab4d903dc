"""Dates as people type them in the wizard: the clinic's order, separators, a message that echoes the typing."""

from __future__ import annotations

from textual.widgets import Input

from intake.tui.screens.step import StepScreen
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import press
from tests.tui.test_kiosk import begin


async def _type_birth_date(pilot, step, text):
    box = step.query_one("#q-date_of_birth Input", Input)
    box.focus()
    box.value = ""
    await pilot.press(*("space" if c == " " else c for c in text))
    await pilot.press("tab")  # leaving the box checks it
    await pilot.pause()
    return step.query_one("#q-date_of_birth")


async def test_a_uk_client_types_day_first_with_slashes(engine):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        box = step.query_one("#q-date_of_birth Input", Input)
        assert box.placeholder == "DD/MM/YYYY, for example 23/04/1990"
        field = await _type_birth_date(pilot, step, "10/04/1992")
        assert box.value == "10/04/1992" and step.working["date_of_birth"] == "1992-04-10"
        assert not field.has_problem
        for typed in ("10.4.1992", "10 04 1992", "1992-04-10", "10041992"):
            await _type_birth_date(pilot, step, typed)
            assert step.working["date_of_birth"] == "1992-04-10"


async def test_a_date_that_cannot_be_read_says_what_was_typed_and_blocks_next(engine):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        field = await _type_birth_date(pilot, step, "1041992")
        message = str(field.query_one(".q-problem").render())
        assert message.startswith("“1041992” is not a date we can read. Type it as DD/MM/YYYY")
        await press(pilot, "#next")
        assert app.screen is step and str(field.query_one(".q-problem").render()) == message
        field = await _type_birth_date(pilot, step, "31/02/1992")
        assert "“31/02/1992” is not a real date" in str(field.query_one(".q-problem").render())
        field = await _type_birth_date(pilot, step, "01/02/1992")
        assert not field.has_problem and step.working["date_of_birth"] == "1992-02-01"


async def test_a_stored_date_is_shown_in_the_clinics_order(engine):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        await _type_birth_date(pilot, step, "14/03/1988")
        app.session.save_step(step.step, step.working, step.step.id, partial=True)
        again = StepScreen(app.session, 0, app.clinic)
        await app.push_screen(again)
        await pilot.pause()
        assert again.query_one("#q-date_of_birth Input", Input).value == "14/03/1988"
