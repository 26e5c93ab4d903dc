"""A step change paints the step shown whole once, without drawing its background again (nor the empty screen under
the steps); a focus move paints the screen whole but draws anew only the widgets it moves between and the
background (lines drawn and whole-screen paints counted)."""

from __future__ import annotations

from textual._compositor import Compositor
from textual._styles_cache import StylesCache
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from intake.tui.screens.step import StepScreen
from intake.tui.widgets.text import KeysHint
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import fill_step
from tests.tui.test_flow import start
from tests.tui.test_step_screens import _ahead, _shown


def _count_drawing(monkeypatch) -> tuple[list, list]:
    """Lists that fill with the widget of each line Textual draws anew, and with each compositor that paints a whole
    screen (a screen's own lines are its background)."""
    drawn: list = []
    whole: list = []
    render_line, full_update = StylesCache.render_line, Compositor.render_full_update

    def counted_line(self, *args, **kwargs):
        drawn.append(getattr(args[7], "__self__", None))  # (the widget's own render_line)
        return render_line(self, *args, **kwargs)

    def counted_full(self, *args, **kwargs):
        whole.append(self)
        return full_update(self, *args, **kwargs)

    monkeypatch.setattr(StylesCache, "render_line", counted_line)
    monkeypatch.setattr(Compositor, "render_full_update", counted_full)
    return drawn, whole


async def _change(pilot, button: str, index: int, drawn: list, whole: list, assessed: list | None = None) -> StepScreen:
    """Presses Next or Back (focused, as at a keyboard) and waits until step `index` shows and has settled; `drawn`
    and `whole` then hold what the screen left, the screen shown and the screens under them drew (not the next step,
    built off-screen meanwhile), `assessed` what was assessed from the press on."""
    left = pilot.app.screen
    left.query_one(button, Button).focus()
    await pilot.pause()
    for counted in (drawn, whole, assessed if assessed is not None else []):
        counted.clear()
    left.query_one(button, Button).press()
    shown = await _shown(pilot, index)
    await pilot.pause(0.02)
    seen = [left, *pilot.app.screen_stack]
    drawn[:] = [widget for widget in drawn if widget is not None and widget.screen in seen]
    whole[:] = [compositor for compositor in whole if any(compositor is s._compositor for s in seen)]
    return shown


async def test_a_step_change_draws_no_background_and_a_focus_move_draws_what_it_changed(engine, suitable_answers,
                                                                                        monkeypatch):
    """Also counted: a step shown again with every answer as it was arrives without an assessment (what it shows
    follows from the answers, unchanged since it was brought up to date as the client left its last answer); a step
    new to the screen makes its one assessment."""
    import intake.tui.screens.step as step_module

    app = build_app(engine)
    drawn, whole = _count_drawing(monkeypatch)
    assessed: list = []  # the assessments made as a step arrives (not those of the answer the focus left)
    arriving: list = []
    carrying, resume = step_module.carrying, StepScreen.on_screen_resume

    def counted_carrying(*args, **kwargs):
        if arriving:
            assessed.append(args[1])
        return carrying(*args, **kwargs)

    def counted_resume(self):
        arriving.append(self)
        try:
            return resume(self)
        finally:
            arriving.pop()

    monkeypatch.setattr(step_module, "carrying", counted_carrying)
    monkeypatch.setattr(StepScreen, "on_screen_resume", counted_resume)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        await fill_step(pilot, suitable_answers)
        await _change(pilot, "#next", 1, drawn, whole)
        second = await fill_step(pilot, suitable_answers)
        second.query_one("#step-body", VerticalScroll).scroll_home(animate=False)  # (shown again at its top)
        await _ahead(pilot, 2)
        await pilot.pause(0.2)  # laid out and drawn off-screen meanwhile
        for turn, (button, index) in enumerate((("#next", 2), ("#back", 1)) * 2):  # to a step built ahead, back to
            shown = await _change(pilot, button, index, drawn, whole, assessed)  # the step kept, and again
            assert len(assessed) == (turn == 0)  # the step new to the screen; then none: nothing changed since
            assert shown is second or index == 2
            assert whole == [shown._compositor]  # painted whole once (the terminal showed another step)
            assert drawn and not [widget for widget in drawn if isinstance(widget, Screen)]  # no background drawn
            assert len(drawn) < 12  # the answer (or button) focused and the hint: lines of a few widgets

        drawn.clear()
        whole.clear()
        shown.query_one("#back", Button).focus()  # from Next (all answered) to Back
        await pilot.pause(0.02)
        # A focus move paints the screen whole, as Textual does: repainting only the widgets it moved between lost
        # the repaint of a scroll made with it (tests/tui/test_tmux_smoke.py). The other widgets keep their lines:
        # only the two it moved between, the hint and the screen's own background are drawn anew.
        assert whole == [shown._compositor]
        assert drawn and {type(widget) for widget in drawn} <= {Button, KeysHint, Static, StepScreen}
