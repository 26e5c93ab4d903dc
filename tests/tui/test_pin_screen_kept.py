"""The staff PIN screen is built once per app and language and shown again: cheap to show, and never holding a PIN.

What was typed and any message about it are cleared when the screen is dismissed (by Cancel, a right PIN or the
idle timeout) and again when it is shown: after a dismissal no string anywhere in the screen's widgets holds the
digits typed."""

from __future__ import annotations

import asyncio
import gc
import types

from textual.app import App
from textual.screen import Screen

from intake.tui.screens.handback import ENTER_PIN, PinScreen
from intake.tui.screens.staff import StaffMenuScreen
from intake.tui.screens.step import StepScreen
from intake.tui.widgets.pinpad import PinPad
from tests.tui.conftest import build_app
from tests.tui.driver import DEMO_PIN, count_styling_and_layouts, enter_pin, press, wait_for
from tests.tui.test_flow import start

WRONG, UNSENT = "97531864", "90817263"  # digits found nowhere else in a screen


def strings_held(screen: Screen) -> list[str]:
    """Every string reachable from the screen's objects (its widgets, their caches, messages waiting), without
    going through the app, another screen, the event loop, modules, classes or functions."""
    stop = (App, type, types.ModuleType, types.FunctionType, types.CodeType, asyncio.AbstractEventLoop)
    seen, found, todo = set(), [], [screen]
    while todo:
        held = todo.pop()
        if id(held) in seen:
            continue
        seen.add(id(held))
        if isinstance(held, str):
            found.append(held)
        elif not isinstance(held, stop) and not (isinstance(held, Screen) and held is not screen):
            todo.extend(gc.get_referents(held))
    assert len(seen) > 2000  # the walk did reach the widgets and their caches
    return found


async def _type(pilot, digits: str) -> None:
    for digit in digits:
        await pilot.press(digit)


async def test_the_pin_screen_is_kept_cleared_each_time_and_holds_no_pin_once_dismissed(engine):
    app = build_app(engine, kiosk=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        await wait_for(pilot, StepScreen)
        await press(pilot, "#staff")
        screen = await wait_for(pilot, PinScreen)
        guard = screen.guard
        await _type(pilot, WRONG)
        assert screen.query_one(PinPad).input.value == WRONG  # typed through the keys, as at a tablet
        await pilot.press("enter")
        for _ in range(400):  # the PIN check takes a moment (PBKDF2)
            if guard.failures:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        status = str(screen.query_one("#pin-status").render())
        assert guard.failures == 1 and status != ENTER_PIN  # the wrong PIN is refused in words
        await _type(pilot, UNSENT)
        assert [text for text in strings_held(screen) if UNSENT in text]  # the walk finds digits while typed
        await press(pilot, "#cancel")
        await wait_for(pilot, StepScreen)
        held = strings_held(screen)
        assert not [text for text in held if WRONG in text or UNSENT in text]
        assert str(screen.query_one("#pin-status").render()) == ENTER_PIN

        await press(pilot, "#staff")  # shown again: the same screen, empty, asking afresh
        assert await wait_for(pilot, PinScreen) is screen
        assert screen.query_one(PinPad).input.value == "" and screen.query_one(PinPad).input.has_focus
        assert str(screen.query_one("#pin-status").render()) == ENTER_PIN
        await _type(pilot, UNSENT)
        screen.dismiss(False)  # what the idle timeout does
        await wait_for(pilot, StepScreen)
        assert not [text for text in strings_held(screen) if UNSENT in text]

        await press(pilot, "#staff")
        assert await wait_for(pilot, PinScreen) is screen
        await enter_pin(pilot, DEMO_PIN)
        await wait_for(pilot, StaffMenuScreen)
        assert screen.query_one(PinPad).input.value == ""
        assert not [text for text in strings_held(screen) if UNSENT in text or WRONG in text]


def _only_the_focused(screen: Screen, restyled: list) -> bool:
    """Of the screen's nodes, at most the widget with the focus was restyled (with its component styles)."""
    mine = [node for node in restyled if node is screen or screen in node.ancestors]
    return all(node is screen.focused or type(node).__name__ == "DOMNode" for node in mine)


async def test_staff_and_back_lay_out_neither_the_kept_pin_screen_nor_the_step(engine, monkeypatch):
    """Counted: showing the kept PIN screen again restyles at most its PIN box (it takes the focus) and lays out
    nothing; coming back to the step from the staff menu lays the step screen out no more (a screen removed used
    to make Textual lay out and repaint the whole screen shown)."""
    app = build_app(engine, kiosk=True)
    restyled, laid_out = count_styling_and_layouts(monkeypatch)
    async with app.run_test(size=(100, 40)) as pilot:
        await start(pilot)
        step = await wait_for(pilot, StepScreen)
        for round in range(2):
            await pilot.pause(0.2)
            restyled.clear()
            laid_out.clear()
            await press(pilot, "#staff")
            pin = await wait_for(pilot, PinScreen)
            await pilot.pause(0.1)
            if round:  # shown again
                assert pin not in laid_out
                assert _only_the_focused(pin, restyled)
            await enter_pin(pilot, DEMO_PIN)
            await wait_for(pilot, StaffMenuScreen)
            await pilot.pause(0.1)
            laid_out.clear()
            restyled.clear()
            await press(pilot, "#return")
            assert await wait_for(pilot, StepScreen) is step
            await pilot.pause(0.1)
            assert step not in laid_out
            assert _only_the_focused(step, restyled)  # the answer it focuses
        app.app_resume_signal.publish(app)  # back from Ctrl+Z in a terminal: the screen is laid out and drawn whole
        await pilot.pause(0.1)
        assert step in laid_out
