"""Drives the wizard like a client and a practitioner would, through its widgets (for Pilot tests)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, Input, TextArea

from intake.tui.screens.handback import HandbackScreen, PinScreen
from intake.tui.screens.step import StepScreen
from intake.tui.widgets.pinpad import PinPad
from intake.tui.widgets.questions import QuestionField
from intake.tui.widgets.signature_pad import SignaturePad
from intake.tui.widgets.tiles import ChoiceTile

DEMO_PIN = "2468"


async def wait_for(pilot: Pilot, screen_type: type, timeout: float = 5.0) -> Any:
    """Waits until a screen of this type is showing, and returns it."""
    for _ in range(int(timeout / 0.005)):
        if isinstance(pilot.app.screen, screen_type) and pilot.app.screen.is_mounted:
            await pilot.pause()
            return pilot.app.screen
        await pilot.pause(0.005)
    raise AssertionError(f"expected {screen_type.__name__}, showing {type(pilot.app.screen).__name__}")


async def until(pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Waits until `condition()` holds. Pilot's key presses return when the process looks idle (little CPU in a
    5 ms window here, see conftest.py), which on a busy machine can be before the key was handled; a check after a
    press waits with this."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"not so after {timeout} s: {what}")


async def press(pilot: Pilot, selector: str) -> None:
    """Presses a button as a click or Enter would."""
    pilot.app.screen.query_one(selector, Button).press()
    await pilot.pause()


async def set_answer(pilot: Pilot, field: QuestionField, value: Any) -> None:
    """Answers one question through its widget."""
    kind = field.question.type
    if kind in ("text", "date"):
        field.query_one(Input).value = value
    elif kind == "long_text":
        field.query_one(TextArea).load_text(value)
        field._changed(value)  # load_text does not count as an edit
    elif kind == "multi_choice":
        for tile in field.query(ChoiceTile):
            if (tile.value in value) != tile.selected:
                tile.action_press()
                await pilot.pause()  # each press toggles from the answer the previous one left
    elif kind == "acknowledgement":
        if bool(value) != (field.value is True):
            field.query_one(ChoiceTile).action_press()
    else:
        tile = next(t for t in field.query(ChoiceTile) if t.value == value and type(t.value) is type(value))
        tile.action_press()


async def fill_step(pilot: Pilot, answers: dict[str, Any]) -> StepScreen:
    """Answers every visible question of the current step from `answers`, in order."""
    screen = await wait_for(pilot, StepScreen)
    await answer_shown(pilot, screen, answers)
    return screen


async def answer_shown(pilot: Pilot, screen: StepScreen, answers: dict[str, Any]) -> None:
    """Answers every question `screen` shows from `answers`, in order, through the screen's own step source (a
    consultation's or a visit's re-screen)."""
    source = screen.session
    known = {**source.answers_with(screen.step, screen.working), **answers}
    facts = source.engine.facts(known, source.state.consultation_date)
    for question in source.engine.questionnaire.visible_in(screen.step, known, facts):
        field = screen.query_one(f"#q-{question.id}", QuestionField)
        if question.id in answers and field.value != answers[question.id]:
            await set_answer(pilot, field, answers[question.id])
    await pilot.pause()


async def answer_all_steps(pilot: Pilot, answers: dict[str, Any]) -> None:
    """Fills in every step and presses Next on each."""
    steps = pilot.app.session.steps
    for index in range(len(steps)):
        screen = await fill_step(pilot, answers)
        assert screen.index == index
        await press(pilot, "#next")


async def draw(pilot: Pilot, points: list[tuple[int, int]]) -> None:
    """Drags the mouse through points (cell offsets inside the pad) as one stroke."""
    pad = pilot.app.screen.query_one(SignaturePad)
    await pilot.mouse_down(pad, offset=points[0])
    for point in points[1:]:
        await pilot.hover(pad, offset=point)
    await pilot.mouse_up(pad, offset=points[-1])
    await pilot.pause()


_SIGNATURES = itertools.count()


async def sign_by_drawing(pilot: Pilot) -> None:
    """Draws a zig-zag signature and presses Sign; each one a little different, as a person's are (two
    identical drawings would be a copy, which the lifecycle refuses for the photo consent)."""
    lift = next(_SIGNATURES) % 2
    await draw(pilot, [(3, 2), (10, 5), (18, 2 + lift), (26, 5), (34, 3)])
    await press(pilot, "#sign")


async def enter_pin(pilot: Pilot, pin: str = DEMO_PIN) -> None:
    """Types the PIN on the current PIN screen and submits it."""
    screen = await wait_for(pilot, PinScreen)
    guard = screen.guard
    failures, waiting = guard.failures, guard.wait_seconds() > 0
    pad = screen.query_one(PinPad)
    pad.input.value = pin
    pad._submit()
    for _ in range(400):
        await pilot.pause(0.005)
        if pilot.app.screen is not screen or guard.failures != failures or waiting:
            await pilot.pause()
            return


async def hand_back(pilot: Pilot, pin: str = DEMO_PIN) -> None:
    """From the hand-back screen, the staff unlock with the PIN."""
    await wait_for(pilot, HandbackScreen)
    await press(pilot, "#staff")
    await enter_pin(pilot, pin)


async def open_staff_menu(pilot: Pilot) -> Any:
    """The Staff button, the PIN, and the staff menu that follows."""
    from intake.tui.screens.staff import StaffMenuScreen

    await press(pilot, "#staff")
    await enter_pin(pilot)
    return await wait_for(pilot, StaffMenuScreen)


async def read_information(pilot: Pilot) -> None:
    """Reads the information to its end (End on the text), then presses "I have read this"."""
    from intake.tui.screens.information import InformationScreen

    screen = await wait_for(pilot, InformationScreen)
    screen.query_one("#info-body").focus()
    await pilot.press("end")
    for _ in range(100):
        await pilot.pause(0.01)
        if not screen.query_one("#continue", Button).disabled:
            break
    await press(pilot, "#continue")


def count_styling_and_layouts(monkeypatch) -> tuple[list[Any], list[Any]]:
    """Lists that fill, while the test runs, with each node Textual restyles and each screen it lays out."""
    from textual.css.stylesheet import Stylesheet
    from textual.screen import Screen

    restyled: list[Any] = []
    laid_out: list[Any] = []
    apply, layout = Stylesheet.apply, Screen._refresh_layout

    def counted_apply(self, node, *args, **kwargs):
        restyled.append(node)
        return apply(self, node, *args, **kwargs)

    def counted_layout(self, *args, **kwargs):
        laid_out.append(self)
        return layout(self, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", counted_apply)
    monkeypatch.setattr(Screen, "_refresh_layout", counted_layout)
    return restyled, laid_out
