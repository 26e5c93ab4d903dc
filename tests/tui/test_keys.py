"""Fewer key presses, no traps: option groups, Y/N, Enter to go on, the Staff button, where focus lands."""

from __future__ import annotations

from textual.widgets import Button, Input

from intake.tui.screens.handback import PinScreen
from intake.tui.screens.step import StepScreen
from intake.tui.widgets.tiles import ChoiceTile
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import fill_step, until, wait_for
from tests.tui.running import client_at
from tests.tui.test_kiosk import begin


async def _to_step(pilot, answers, step_id) -> StepScreen:
    """A new client on `step_id`, the steps before it saved through the session as the wizard saves them (the steps
    are walked by their screens in test_flow.py and test_hint_walk.py)."""
    await pilot.app.wait_ready()
    return await client_at(pilot, answers, step_id)


async def test_an_option_group_is_one_tab_stop_and_arrows_move_inside_it(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await _to_step(pilot, suitable_answers, "your_skin")
        concerns = list(step.query_one("#q-concerns").query(ChoiceTile))
        assert app.focused is concerns[0]  # the first unanswered question
        assert [t for t in concerns if t.focusable] == [concerns[0]]  # one Tab stop for the whole group
        await pilot.press("down", "down")
        assert app.focused is concerns[2] and not any(t.selected for t in concerns)  # moving chooses nothing
        await pilot.press("space")
        assert concerns[2].selected and step.working["concerns"] == [concerns[2].value]
        await pilot.press("up", "space", "up", "up", "up")  # stops at the first option, no wrap
        assert app.focused is concerns[0] and concerns[1].selected
        await pilot.press("tab")  # out of the group at once: the goals box
        assert app.focused is step.query_one("#q-goals TextArea")


async def test_y_and_n_answer_and_go_on_and_the_last_answer_waits_on_next(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await _to_step(pilot, suitable_answers, "skin_today")
        assert app.focused in step.query_one("#q-skin_infection").query(ChoiceTile)
        await pilot.press("n")
        assert step.working["skin_infection"] is False
        assert app.focused in step.query_one("#q-active_acne").query(ChoiceTile)  # on to the next question
        await pilot.press("shift+tab")  # back to the question before: its answer shows where the focus is
        assert app.focused is next(t for t in step.query_one("#q-skin_infection").query(ChoiceTile) if t.selected)
        await pilot.press("n")
        assert step.working["skin_infection"] is False and app.focused in step.query_one("#q-active_acne").query(
            ChoiceTile)
        await pilot.press(*"nnnnnn")  # the other yes/no questions up to "Have you ever had any of these…"
        history = step.query_one("#q-skin_condition_history")
        assert app.focused in history.query(ChoiceTile) and "skin_condition_history" not in step.working
        await pilot.press("n", "enter")  # "None of these" is N; Enter goes on
        assert step.working["skin_condition_history"] == ["none"]
        await pilot.press(*"nnn")  # the last question answered: the focus waits on Next, the step stays
        await pilot.pause()
        assert app.screen is step and app.focused is step.query_one("#next", Button)
        assert "Enter: Next" in str(step.query_one("#keys-hint").render())
        await pilot.press("enter")
        screen = await wait_for(pilot, StepScreen)
        while screen is step:
            screen = await wait_for(pilot, StepScreen)
        assert screen.step.id == "health"


async def test_enter_goes_on_from_a_text_answer_and_next_only_when_the_step_is_valid(engine):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        name = step.query_one("#q-full_name Input", Input)
        assert app.focused is name
        await pilot.press("enter")  # nothing typed yet: it says what is needed, and stays
        assert app.focused is name and "needs an answer" in str(step.query_one("#q-full_name .q-problem").render())
        await pilot.press("A", "n", "n", "space", "L", "e", "e", "enter")
        assert step.working["full_name"] == "Ann Lee"
        assert app.focused is step.query_one("#q-date_of_birth Input")
        has_gp = step.query_one("#q-has_gp")
        has_gp.focus_answer()
        await pilot.press("n")  # the last question: on to Next, not through it
        assert app.screen is step and app.focused is step.query_one("#next")
        await pilot.press("enter")  # the step is not complete: no Next
        await pilot.pause()
        assert app.screen is step and "Please look at the" in str(step.query_one("#step-summary").render())
        assert app.focused is step.query_one("#q-date_of_birth Input")  # the first problem


async def test_the_staff_button_is_out_of_the_tab_path_and_f9_opens_the_pin(engine):
    app = build_app(engine, kiosk=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        staff = step.query_one("#staff", Button)
        assert staff not in step.focus_chain and staff.display
        seen = set()
        for _ in range(len(step.focus_chain) + 2):
            await pilot.press("tab")
            seen.add(app.focused)
        assert staff not in seen and step.query_one("#next") in seen
        await pilot.press("f9")
        await wait_for(pilot, PinScreen)


async def test_focus_lands_on_the_first_unanswered_question(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        await fill_step(pilot, {k: suitable_answers[k] for k in ("full_name", "date_of_birth", "phone")})
        app.session.save_step(step.step, step.working, step.step.id, partial=True)
        # a fresh screen of the same step (as after a resume or the staff pause)
        fresh = StepScreen(app.session, 0, app.clinic)
        await app.push_screen(fresh)
        email = fresh.query_one("#q-email Input")  # name, birth date and phone are answered
        await until(pilot, lambda: app.focused is email, "the focus lands on the email, the first unanswered")


async def test_selection_shows_without_colour_and_focus_looks_different(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await _to_step(pilot, suitable_answers, "your_skin")
        concerns = list(step.query_one("#q-concerns").query(ChoiceTile))
        await pilot.press("space", "tab")  # ticks the first concern, then leaves the group
        await pilot.pause()
        chosen, other = concerns[0], concerns[1]
        assert str(chosen.render()).startswith("[✓] ") and str(other.render()).startswith("[ ] ")
        assert app.focused is not chosen and chosen.styles.border_top[0] != "double"  # chosen, not focused
        assert app.focused.styles.border_top[0] == "double"  # the focused answer box has the ring
        skin = step.query_one("#q-skin_type")
        skin.focus_answer()
        await pilot.pause()
        focused = app.focused
        assert focused.styles.border_top[0] == "double" and not focused.selected
        assert all(str(t.render()).startswith("( ) ") for t in skin.query(ChoiceTile))
