"""Kiosk lock-down, staff PIN, idle timeout and privacy: the client cannot leave or peek."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Button, Input

from intake.tui.screens.handback import PinScreen
from intake.tui.screens.practitioner import PractitionerScreen
from intake.tui.screens.privacy import PrivacyScreen
from intake.tui.screens.staff import StaffMenuScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import enter_pin, fill_step, open_staff_menu, press, wait_for

ESCAPE_KEYS = ["ctrl+q", "ctrl+c", "ctrl+p", "ctrl+z", "ctrl+s", "ctrl+x", "ctrl+v"]


async def begin(pilot) -> StepScreen:
    await asyncio.wait_for(pilot.app.wait_ready(), 10)
    await wait_for(pilot, WelcomeScreen)
    await press(pilot, "#begin")
    return await wait_for(pilot, StepScreen)


async def test_escape_keys_do_nothing_in_kiosk_mode(engine, monkeypatch):
    suspended = []
    app = build_app(engine, kiosk=True)
    monkeypatch.setattr(app, "action_suspend_process", lambda: suspended.append(True))
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        await pilot.press(*"Maria")
        name = step.query_one("#q-full_name Input", Input)
        name.select_all()
        for key in ESCAPE_KEYS:
            await pilot.press(key)
            await pilot.pause()
        assert app.is_running and app.screen is step
        assert name.value == "Maria"  # ctrl+x did not cut, ctrl+v did not paste
        assert app.clipboard == ""  # ctrl+c copied nothing
        assert not app.ALLOW_SELECT and not app.use_command_palette
        assert app.save_screenshot() == ""
        app.copy_to_clipboard("secret")
        assert app.clipboard == ""
    assert not suspended


async def test_outside_kiosk_mode_ctrl_q_saves_the_draft_and_quits(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await begin(pilot)
        await fill_step(pilot, {"full_name": "Maria Okonkwo-Smith", "phone": "not a phone"})
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    [draft] = app.session.store.drafts()
    view = app.session.store.load_intake(draft.intake_id)
    assert view.answers == {"full_name": "Maria Okonkwo-Smith"}  # the wrong phone number is left out
    assert view.next_step == "about_you"


async def test_only_the_staff_pin_closes_the_kiosk(engine):
    app = build_app(engine, kiosk=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await press(pilot, "#staff")
        await enter_pin(pilot, "1111")
        screen = app.screen
        assert isinstance(screen, PinScreen)
        assert "not right" in str(screen.query_one("#pin-status").render())
        await enter_pin(pilot)
        await wait_for(pilot, StaffMenuScreen)
        await press(pilot, "#exit")
        await pilot.pause()
    assert app.return_code == 0


async def test_wrong_pins_bring_a_pause(engine):
    app = build_app(engine, kiosk=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await press(pilot, "#staff")
        for _ in range(3):
            await enter_pin(pilot, "0000")
        screen = await wait_for(pilot, PinScreen)
        assert "Too many wrong PINs. Try again in 30 seconds" in str(screen.query_one("#pin-status").render())
        assert screen.query_one("#pin-input").disabled
        await enter_pin(pilot)  # even the right PIN waits for the pause
        assert isinstance(app.screen, PinScreen)


async def test_staff_button_mid_step_pauses_the_intake_and_keeps_the_draft(engine):
    app = build_app(engine, kiosk=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await begin(pilot)
        await fill_step(pilot, {"full_name": "Maria Okonkwo-Smith"})
        await open_staff_menu(pilot)
        await press(pilot, "#return")
        step = await wait_for(pilot, StepScreen)
        assert step.query_one("#q-full_name Input", Input).value == "Maria Okonkwo-Smith"
        await open_staff_menu(pilot)
        await press(pilot, "#pause")
        await wait_for(pilot, WelcomeScreen)
        assert app.session.state.answers == {}
    assert app.session.store.drafts()[0].client_label.startswith("Maria O")


async def test_idle_client_sees_privacy_screen_then_a_clean_welcome(engine):
    app = build_app(engine, kiosk=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        await fill_step(pilot, {"full_name": "Maria Okonkwo-Smith", "date_of_birth": "1988-03-14"})
        app.idle_timeout = 1.5  # well above a key press's time on a loaded machine, well below the typing's
        # typing inside an input counts as activity: keep typing past the timeout
        step.query_one("#q-phone Input").focus()
        for key in "+44 7700 900123":
            await pilot.press(key)
            await asyncio.sleep(0.12)
        assert app.screen is step
        privacy = await wait_for(pilot, PrivacyScreen, timeout=8)
        assert "Maria" not in "".join(str(w.render()) for w in privacy.query("Static"))
        assert app.session.state.intake_id is None and app.session.state.answers == {}
        await pilot.press("space")
        welcome = await wait_for(pilot, WelcomeScreen)
        assert len(app.screen_stack) == 2 and app.screen is welcome
    [draft] = app.session.store.drafts()
    view = app.session.store.load_intake(draft.intake_id)
    assert view.answers["phone"] == "+44 7700 900123" and view.next_step == "about_you"


async def test_idle_practitioner_review_locks_and_the_pin_returns_to_it(engine):
    from tests.conftest import load_example
    from tests.tui.test_flow import client_part

    app = build_app(engine, kiosk=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, load_example("caution")["answers"])
        review = await wait_for(pilot, PractitionerScreen)
        app.idle_timeout = 0.2
        lock = await wait_for(pilot, PinScreen, timeout=3)
        assert "Locked" in lock.title_text
        app.idle_timeout = 60
        await enter_pin(pilot)
        assert app.screen is review
        app.idle_timeout = 0.2
        await wait_for(pilot, PinScreen, timeout=3)
        await press(pilot, "#cancel")  # "Close this intake"
        await wait_for(pilot, WelcomeScreen)
        assert app.session.state.intake_id is None


@pytest.mark.parametrize("name", ["[b]x[/b]", "[link=https://example.com]click[/link]", "[red"])
async def test_client_text_with_markup_is_shown_literally(engine, name):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        await fill_step(pilot, {"full_name": name})
        step.query_one("#q-date_of_birth Input").focus()
        await pilot.pause()
        problem = step.query_one("#q-full_name .q-problem")
        assert "Names can use letters" in str(problem.render())
        assert step.query_one("#q-full_name Input", Input).value == name


async def _walk_away(pilot) -> None:
    """Nobody touches the kiosk: the privacy screen comes, and a key leaves it."""
    app = pilot.app
    app.idle_timeout = 0.3
    await wait_for(pilot, PrivacyScreen, timeout=3)
    app.idle_timeout = 600
    await pilot.press("enter")
    welcome = await wait_for(pilot, WelcomeScreen)
    await pilot.pause(0.2)
    assert app.screen is welcome and app.session.state.intake is None  # the kiosk's welcome, not a new form


async def test_the_privacy_screen_returns_to_welcome_and_staff_find_the_walked_away_draft(engine):
    app = build_app(engine, kiosk=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await begin(pilot)
        await pilot.press(*"Maria")
        await _walk_away(pilot)
        assert [d.client_label for d in app.session.store.drafts()] == ["Maria"]
        await begin(pilot)  # the next person presses Start, answers nothing and walks away too
        assert app.session.store.drafts()[0].client_label == "Maria"
        await _walk_away(pilot)
        [draft] = app.session.store.drafts()  # no empty draft beside the walked-away one
        menu = await open_staff_menu(pilot)
        assert "Maria" in str(menu.query_one("#draft-0", Button).label)
        await press(pilot, "#draft-0")  # staff resume it where it stopped
        step = await wait_for(pilot, StepScreen)
        assert step.query_one("#q-full_name Input", Input).value == "Maria"
        assert app.session.state.intake_id == draft.intake_id


async def test_start_alone_leaves_no_draft_a_first_answer_makes_one(engine):
    app = build_app(engine, kiosk=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        await pilot.press("enter", "tab", "enter")  # keys that answer nothing
        app._save_draft()  # (as the idle timeout, a staff pause or a closed page would)
        assert app.session.store.drafts() == [] and app.session.state.intake_id is None
        step.autosave()
        assert app.session.store.drafts() == []
        await pilot.press("shift+tab", "A")  # back to the name: the first answer, now there is a draft to keep
        app._save_draft()
        [draft] = app.session.store.drafts()
        assert app.session.state.intake_id == draft.intake_id
        assert app.session.store.load_intake(draft.intake_id).answers == {"full_name": "A"}
