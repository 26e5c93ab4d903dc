"""Typing in a text box repaints the box and lays nothing out: Textual's Input laid the whole screen out again at
every key (its text's width is a layout reactive), about 4.5 ms of CPU a key on a step at 80x24. A long text still
scrolls so that the end being typed stays in view."""

from __future__ import annotations

import re
from pathlib import Path

from intake.tui.screens.handback import PinScreen
from intake.tui.screens.step import StepScreen
from intake.tui.widgets.pinpad import PinPad
from intake.tui.widgets.textbox import TextBox
from tests.tui.conftest import build_app
from tests.tui.driver import count_styling_and_layouts, press, wait_for
from tests.tui.test_flow import start

TUI = Path(__file__).resolve().parents[2] / "intake" / "tui"
LONG_NAME = "Maximiliana Wolfeschlegelsteinhausenbergerdorff Bartholomew-Featherstonehaugh Junior"


def test_every_text_box_of_the_wizard_is_a_textbox():
    built = {str(path.relative_to(TUI)): len(re.findall(r"(?<![\w.])Input\(", path.read_text(encoding="utf-8")))
             for path in TUI.rglob("*.py") if path.name != "textbox.py"}
    assert not {name: count for name, count in built.items() if count}
    assert sum(len(re.findall(r"(?<![\w.])TextBox\(", path.read_text(encoding="utf-8")))
               for path in TUI.rglob("*.py")) >= 20


async def test_typing_lays_nothing_out_and_a_long_name_scrolls_to_its_end(engine, monkeypatch):
    app = build_app(engine)
    _, laid_out = count_styling_and_layouts(monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        step = await wait_for(pilot, StepScreen)
        await pilot.pause(0.2)
        box = step.query_one("#q-full_name").query_one(TextBox)
        assert box.has_focus
        laid_out.clear()
        for character in LONG_NAME:
            await pilot.press("space" if character == " " else character)
        await pilot.pause()
        assert box.value == LONG_NAME and box.cursor_position == len(LONG_NAME)
        assert step not in laid_out
        shown = box.render_line(0).text  # the end typed is in view, the start scrolled out
        assert box.scroll_x > 0 and "Junior" in shown and "Maximiliana" not in shown

        await press(pilot, "#staff")
        pin = await wait_for(pilot, PinScreen)
        await pilot.pause(0.1)
        laid_out.clear()
        for digit in "97531":
            await pilot.press(digit)
        await pilot.pause()
        assert pin.query_one(PinPad).input.value == "97531"
        assert pin not in laid_out
