"""The signature pad driven by mouse events, and the typed-name alternative."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from intake.signing import same_name
from intake.tui.device import KEYBOARD
from intake.tui.screens.signature import SignatureScreen
from intake.tui.state import SignatureCapture
from intake.tui.widgets.signature_pad import SignaturePad
from intake.tui.widgets.tiles import ChoiceTile
from tests.tui.conftest import FROZEN
from tests.tui.driver import draw, press

TEXTS = {"title": "Your signature", "statement": "I agree [b]really[/b].", "typed_statement": "My typed name.",
         "draw_hint": "Sign below.", "type_hint": "Type your name."}


class PadApp(App):
    def compose(self) -> ComposeResult:
        yield SignaturePad(id="pad")


class SignApp(App):
    CSS_PATH = "../../intake/tui/intake.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.result = None

    def on_mount(self) -> None:
        screen = SignatureScreen("Clinic", TEXTS, TEXTS["statement"], "Chloe O'Neill", FROZEN)
        self.push_screen(screen, lambda result: setattr(self, "result", result))


async def test_dragging_draws_braille_dots_and_keeps_vector_points():
    app = PadApp()
    async with app.run_test(size=(40, 12)) as pilot:
        pad = app.query_one(SignaturePad)
        await draw(pilot, [(2, 2), (20, 2), (20, 8)])
        assert len(pad.strokes) == 1 and len(pad.strokes[0]) == 3
        width, height = pad.content_size
        (x0, y0), (x1, _), (_, y2) = pad.strokes[0]
        assert (x0, y0) == (round(1.5 / width, 4), round(1.5 / height, 4))  # cell middle, inside the border
        assert x1 > x0 and y2 > y0 and all(0 <= v <= 1 for point in pad.strokes[0] for v in point)
        lines = [pad.render_line(y).text for y in range(height)]
        assert any(ch for line in lines for ch in line if 0x2800 < ord(ch) <= 0x28FF)
        assert pad.has_signature()
        dots_one = pad.ink_dots()
        await draw(pilot, [(5, 6), (8, 7)])
        assert len(pad.strokes) == 2 and pad.ink_dots() > dots_one
        pad.undo()
        assert len(pad.strokes) == 1 and pad.ink_dots() == dots_one
        pad.clear()
        assert pad.strokes == () and pad.ink_dots() == 0


async def test_pixel_precise_pointer_positions_keep_sub_cell_detail():
    app = PadApp()
    async with app.run_test(size=(40, 12)) as pilot:
        pad = app.query_one(SignaturePad)
        pad.post_message(events.MouseDown(pad, 3.25, 2.75, 0, 0, 1, False, False, False))
        pad.post_message(events.MouseMove(pad, 3.75, 2.25, 0, 0, 1, False, False, False))
        pad.post_message(events.MouseUp(pad, 3.75, 2.25, 0, 0, 1, False, False, False))
        await pilot.pause()
        width, height = pad.content_size
        assert pad.strokes[0] == ((round(2.25 / width, 4), round(1.75 / height, 4)),
                                  (round(2.75 / width, 4), round(1.25 / height, 4)))
        # both points fall in the same cell, yet they set different braille dots in it
        cell = pad.render_line(1).text[2]
        assert bin(ord(cell) - 0x2800).count("1") >= 2


async def test_a_tap_is_not_a_signature_and_a_drawing_is():
    app = SignApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await draw(pilot, [(10, 3)])
        await press(pilot, "#sign")
        assert KEYBOARD.sign_missing == str(app.screen.query_one("#sig-problem").render())
        assert app.result is None
        await draw(pilot, [(5, 2), (15, 4), (25, 2), (35, 5)])
        await press(pilot, "#sign")
    assert isinstance(app.result, SignatureCapture)
    assert app.result.method == "drawn" and app.result.name == "Chloe O'Neill"
    assert app.result.intent_statement == "I agree [b]really[/b]."
    assert app.result.signed_at == FROZEN.now() and len(app.result.strokes) == 2


async def test_typed_name_needs_the_name_given_and_the_intent_statement():
    app = SignApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "[b]really[/b]" in str(screen.query_one("#sig-statement").render())  # shown literally
        await press(pilot, "#switch")
        name = screen.query_one("#typed-name", Input)
        name.value = "Someone Else"
        await press(pilot, "#sign")
        assert "Please type your full name as you gave it: Chloe O'Neill" in str(
            screen.query_one("#sig-problem").render())
        name.value = "  chloe   o'neill "
        await press(pilot, "#sign")
        assert "tick the statement" in str(screen.query_one("#sig-problem").render())
        screen.query_one("#typed-intent", ChoiceTile).action_press()
        await pilot.pause()
        await press(pilot, "#sign")
    assert app.result.method == "typed" and app.result.name == "chloe o'neill" and not app.result.strokes
    assert app.result.intent_statement == "I agree [b]really[/b]. My typed name."


def test_names_match_ignoring_case_spacing_and_unicode_composition():
    assert same_name("Tomás  FERREIRA", "Toma\u0301s Ferreira")
    assert not same_name("", "")
    assert not same_name("Tomas Ferreira", "Tomás Ferreira")
