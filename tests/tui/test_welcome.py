"""Start works the moment it shows: a press made while the wizard is still getting ready is kept and acted on,
at a terminal (Enter on Start) and on a tablet (a tap on Start, the served app)."""

from __future__ import annotations

import threading

import pytest

from intake.tui.app import IntakeApp
from intake.tui.screens.handback import PinScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.web import WebIntakeApp
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import wait_for


@pytest.mark.parametrize(("app_class", "how"), [(IntakeApp, "enter"), (WebIntakeApp, "tap")],
                         ids=["terminal", "tablet"])
async def test_start_pressed_while_getting_ready_is_kept_and_acted_on(engine, app_class, how):
    gate = threading.Event()  # loading waits here until the press has been made

    def load():
        assert gate.wait(20)
        return engine

    app = build_app(engine, kiosk=True, app_class=app_class, load=load)
    async with app.run_test(size=SIZES["small"]) as pilot:
        welcome = await wait_for(pilot, WelcomeScreen)
        status = welcome.query_one("#welcome-status")
        assert "Getting ready" in str(status.render()) and app.session is None
        assert app.focused is welcome.query_one("#begin")  # Start has the focus from the first moment
        if how == "tap":
            await pilot.click("#begin")
        else:
            await pilot.press("enter")
        await pilot.pause()
        assert app.screen is welcome and str(status.render()) == app.device.welcome_waiting  # kept, and said so
        gate.set()
        step = await wait_for(pilot, StepScreen, timeout=20)  # acted on once ready: the form opens
        assert step.index == 0 and app.session.state.intake is not None


async def test_staff_pressed_while_getting_ready_opens_the_pin_once_ready(engine):
    gate = threading.Event()

    def load():
        assert gate.wait(20)
        return engine

    app = build_app(engine, kiosk=True, load=load)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await wait_for(pilot, WelcomeScreen)
        await pilot.press("f9")
        await pilot.press("enter")  # a second press while waiting changes nothing: the first one is kept
        gate.set()
        await wait_for(pilot, PinScreen, timeout=20)


@pytest.mark.parametrize("app_class", [IntakeApp, WebIntakeApp], ids=["terminal", "tablet"])
def test_the_app_s_timers_do_nothing_while_it_shows_no_screen(engine, app_class):
    """The idle check and the tablet's pad check tick on timers, which can fire while the app is starting or
    closing and its screen stack is empty: they must wait, not raise (the suite once saw ScreenStackError)."""
    app = build_app(engine, kiosk=True, app_class=app_class)
    app.idle_timeout = 0
    assert not app.screen_stack
    app._check_idle()
    if isinstance(app, WebIntakeApp):
        app._check_pad()
