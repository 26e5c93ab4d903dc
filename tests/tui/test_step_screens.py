"""Step screens kept between visits and built one step ahead: shown exactly as a new screen would be, never shared."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from intake.datetyping import date_order, show_date
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.widgets.questions import QuestionField
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import fill_step, open_staff_menu, press, wait_for
from tests.tui.test_flow import start


async def _shown(pilot, index: int) -> StepScreen:
    """Waits until the step screen of `index` is the one showing (the one left may still be closing)."""
    for _ in range(400):
        screen = pilot.app.screen
        if isinstance(screen, StepScreen) and screen.index == index and screen.is_mounted:
            await pilot.pause()
            return screen
        await pilot.pause(0.01)
    raise AssertionError(f"step {index} is not showing")


def _looks(screen: StepScreen) -> dict:
    """What a step screen shows for each question: shown or not, the answer, the text in its box, any problem."""
    found = {}
    for field in screen.query(QuestionField):
        boxes = list(field.query(Input)) or list(field.query(TextArea))
        text = (boxes[0].value if isinstance(boxes[0], Input) else boxes[0].text) if boxes else None
        found[field.question_id] = (field.display, field.value, text, field.has_problem)
    return found


def _focused(app) -> str:
    """The question (or button) the keyboard is on."""
    widget = app.focused
    while widget is not None and not isinstance(widget, QuestionField) and not widget.id:
        widget = widget.parent
    return widget.id if widget is not None else ""


async def _ahead(pilot, index: int) -> StepScreen:
    """Waits until the screen of step `index` has been built off-screen; returns it."""
    kept = pilot.app.step_screens
    for _ in range(400):
        screen = kept.kept().get(index)
        if screen is not None and screen.is_mounted:
            return screen
        await pilot.pause(0.01)
    raise AssertionError(f"step {index} was not built ahead")


async def test_the_next_step_is_built_ahead_and_shown_when_next_is_pressed(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        for index in range(len(app.session.steps) - 1):
            screen = await _shown(pilot, index)
            ahead = await _ahead(pilot, index + 1)
            assert ahead is not screen and app.screen is screen  # built, not shown
            await fill_step(pilot, suitable_answers)
            await press(pilot, "#next")
            assert await _shown(pilot, index + 1) is ahead


@pytest.mark.slow
async def test_every_step_shown_again_looks_exactly_as_a_new_screen_of_it(engine, suitable_answers):
    """Generated from the questionnaire: every step, forward and back, against a new screen of the same step."""
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        steps = len(app.session.steps)
        for index in range(steps - 1):
            await _shown(pilot, index)
            await fill_step(pilot, suitable_answers)
            await press(pilot, "#next")
        kept_again = 0
        for index in [*range(steps - 2, -1, -1), *range(1, steps)]:
            kept = app.step_screens.kept().get(index)
            again = kept is not None and kept.shows_saved_answers()
            await press(pilot, "#back" if index < app.screen.index else "#next")
            screen = await _shown(pilot, index)
            assert (screen is kept) == again, app.session.steps[index].id  # kept: shown again, not built again
            kept_again += again
            looks, focused = _looks(screen), _focused(app)
            fresh = StepScreen(app.session, index, app.clinic)
            await app.push_screen(fresh)
            await pilot.pause()
            assert _looks(fresh) == looks, app.session.steps[index].id
            assert _focused(app) == focused
            app.pop_screen()
            await _shown(pilot, index)
        assert kept_again >= steps


async def test_a_kept_screen_is_built_again_when_the_saved_answers_changed(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        about_you = await _shown(pilot, 0)
        await fill_step(pilot, suitable_answers)
        await press(pilot, "#next")
        await _shown(pilot, 1)
        step = app.session.steps[0]
        changed = {**{k: v for k, v in app.session.state.answers.items()
                      if k in {q.id for q in step.questions}}, "full_name": "Ana Lima"}
        app.session.save_step(step, changed, app.session.steps[1].id)  # e.g. corrected from the review
        await press(pilot, "#back")
        again = await _shown(pilot, 0)
        assert again is not about_you and not about_you.is_attached
        assert again.query_one("#q-full_name Input", Input).value == "Ana Lima"


async def test_a_step_shown_again_has_no_marks_from_before_and_focuses_the_first_unanswered(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        await fill_step(pilot, suitable_answers)
        await press(pilot, "#next")
        skin = await _shown(pilot, 1)
        await press(pilot, "#next")  # nothing answered: every required answer is marked
        assert any(f.has_problem for f in skin.query(QuestionField))
        assert skin.query_one("#step-summary").has_class("-shown")
        await press(pilot, "#back")
        await _shown(pilot, 0)
        await press(pilot, "#next")
        again = await _shown(pilot, 1)
        assert again is skin  # nothing was answered, so the kept screen shows what a new one would
        assert not any(f.has_problem for f in again.query(QuestionField))
        assert not again.query_one("#step-summary").has_class("-shown")
        first = next(f for f in again.query(QuestionField) if f.display)
        assert app.focused in first.query("*")


async def test_nothing_of_a_client_is_kept_for_the_next(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        await fill_step(pilot, suitable_answers)
        await press(pilot, "#next")
        await _ahead(pilot, 2)
        screens = list(app.step_screens.kept().values())
        assert len(screens) == 3
        await open_staff_menu(pilot)
        await press(pilot, "#pause")
        await wait_for(pilot, WelcomeScreen)
        await pilot.pause(0.1)
        assert not app.step_screens.kept()
        assert not any(s.is_attached for s in screens)  # removed: no answers left in any widget
        await press(pilot, "#begin")
        first = await _shown(pilot, 0)
        assert first not in screens and first.query_one("#q-full_name Input", Input).value == ""


async def test_dates_shown_again_in_the_clinics_order(engine, suitable_answers):
    """A date typed as 14/03/1988 shows the same when the step is shown again (kept or new)."""
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        order = date_order(engine.config)
        typed = {**suitable_answers, "date_of_birth": show_date(suitable_answers["date_of_birth"], order)}
        screen = await fill_step(pilot, typed)
        await press(pilot, "#next")
        await _shown(pilot, 1)
        await press(pilot, "#back")
        again = await _shown(pilot, 0)
        assert again is screen
        assert again.query_one("#q-date_of_birth Input", Input).value == typed["date_of_birth"]


async def test_a_step_built_ahead_as_the_client_leaves_is_composed_empty_not_an_error(engine):
    """The next step is built ahead on a timer and composed a moment later; the client's intake may be closed in
    between (staff stop it, the next client comes). Composing then asked for the closed intake's answers and stopped
    the wizard with an error (seen once in a full run of the random-keys test)."""
    from intake.tui.screens.step_screens import mount_off_screen

    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        await _shown(pilot, 0)
        ahead = StepScreen(app.session, 1, app.clinic)
        mount_off_screen(app, ahead)
        app.session.reset()  # before the screen composes: the client is gone
        for _ in range(200):
            if ahead.is_mounted:
                break
            await pilot.pause(0.01)
        assert ahead.is_mounted and not ahead.fields and not ahead.query("QuestionField")
