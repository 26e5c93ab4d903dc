"""The staff menu over a client's intake is built once per app and shown again: it looks the same each time, lays
nothing out and restyles nothing but the choice it focuses, always its first, and serves every client alike."""

from __future__ import annotations

from textual.widgets import Button

from intake.tui.screens.handback import PinScreen
from intake.tui.screens.staff import StaffMenuScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.step_screens import drawn_off_screen
from intake.tui.screens.welcome import WelcomeScreen
from tests.tui.conftest import build_app
from tests.tui.driver import DEMO_PIN, count_styling_and_layouts, enter_pin, press, set_answer, wait_for
from tests.tui.test_flow import start
from tests.tui.test_pin_screen_kept import strings_held

NAME = "Quintessa Marlowe-Ybarra"  # found nowhere in the menu


async def _menu(pilot) -> StaffMenuScreen:
    await press(pilot, "#staff")
    await wait_for(pilot, PinScreen)
    await enter_pin(pilot, DEMO_PIN)
    menu = await wait_for(pilot, StaffMenuScreen)
    await pilot.pause(0.1)
    return menu


async def test_the_menu_over_an_intake_is_kept_looks_the_same_and_focuses_its_first_choice(engine, monkeypatch):
    app = build_app(engine, kiosk=True)
    restyled, laid_out = count_styling_and_layouts(monkeypatch)
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        step = await wait_for(pilot, StepScreen)
        await set_answer(pilot, step.query_one("#q-full_name"), NAME)
        menu = await _menu(pilot)
        first_picture = app.export_screenshot()
        assert menu.in_progress and menu.query_one("#return").has_focus
        await pilot.press("tab")  # the focus moves to "Stop here…", then staff go back to the client
        assert menu.query_one("#pause").has_focus
        await press(pilot, "#return")
        await wait_for(pilot, StepScreen)

        restyled.clear()
        laid_out.clear()
        assert await _menu(pilot) is menu  # shown again: the same screen, as it was first drawn
        assert menu.query_one("#return").has_focus
        assert app.export_screenshot() == first_picture
        assert menu not in laid_out
        mine = [node for node in restyled if node is menu or menu in node.ancestors]
        moved = {menu.query_one("#return"), menu.query_one("#pause")}  # the focus came back to the first choice
        assert mine and all(node in moved or type(node).__name__ == "DOMNode" for node in mine)

        await pilot.press("down")
        await press(pilot, "#pause")  # stop here and keep the draft: the next client comes
        await wait_for(pilot, WelcomeScreen, timeout=10)
        await start(pilot)
        await wait_for(pilot, StepScreen)
        assert await _menu(pilot) is menu
        assert menu.query_one("#return").has_focus
        assert not [text for text in strings_held(menu) if NAME in text]
        await press(pilot, "#return")
        await wait_for(pilot, StepScreen)


def _built(app, name: str) -> bool:
    """Whether the screen installed under `name` was built, laid out and drawn off-screen (however busy the machine,
    only then is showing it a mere repaint)."""
    try:
        return drawn_off_screen(app.get_screen(name))
    except KeyError:  # not installed (yet)
        return False


async def test_the_staff_screens_are_built_while_the_client_reads_a_step(engine, monkeypatch):
    """The first Staff tap only shows the PIN screen and then the menu: both were built off-screen once the client's
    first step was shown and the next built (built at the tap, they were a tablet's slowest screen change)."""
    app = build_app(engine, kiosk=True)
    _, laid_out = count_styling_and_layouts(monkeypatch)
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await wait_for(pilot, StepScreen)
        for _ in range(600):
            if _built(app, f"staff-pin-{app.client_language}") and _built(app, "staff-menu-in-progress"):
                break
            await pilot.pause(0.05)
        pin, menu = app.get_screen(f"staff-pin-{app.client_language}"), app.get_screen("staff-menu-in-progress")
        assert drawn_off_screen(pin) and drawn_off_screen(menu) and app.screen is not pin
        laid_out.clear()
        await press(pilot, "#staff")
        assert await wait_for(pilot, PinScreen) is pin
        await pilot.pause(0.1)
        assert pin not in laid_out
        await enter_pin(pilot, DEMO_PIN)
        assert await wait_for(pilot, StaffMenuScreen) is menu
        await pilot.pause(0.1)
        assert menu not in laid_out and menu.query_one("#return").has_focus


async def test_a_menu_built_while_the_app_closes_gets_no_choices_and_no_error(engine, monkeypatch):
    """Textual mounts nothing into a widget that is closing, and still sends it Mount: the staff menu built ahead at
    the moment the app closes (a timer firing during the shutdown) found no choice to focus and stopped the app with
    an error (seen once in a full run). It now mounts with nothing to focus; and nothing is built ahead once the app
    is closing."""
    from intake.tui.screens.step_screens import mount_off_screen

    app = build_app(engine, kiosk=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await wait_for(pilot, StepScreen)
        menu = StaffMenuScreen(app.clinic, [], engine.questionnaire, "en", engine.config.timezone, in_progress=True)
        mount_off_screen(app, menu)
        menu._closing = True  # what closing the app does to every screen it has (MessagePump._close_messages)
        for _ in range(200):
            if menu.is_mounted:
                break
            await pilot.pause(0.01)
        assert menu.is_mounted and not menu.query(Button)
    assert not app.is_running and app.session is not None and app.pin_guard is not None
    built: list = []
    monkeypatch.setattr("intake.tui.screens.step_screens.mount_off_screen", lambda _app, screen: built.append(screen))
    app.build_staff_screens_ahead()  # a timer that fires now builds nothing
    assert built == []
