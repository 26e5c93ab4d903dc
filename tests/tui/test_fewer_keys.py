"""Fewer keys without weakening what is agreed: Enter on information read to its end; a typed name stays typed;
Enter never ticks the typed signature's statement (Space does)."""

from __future__ import annotations

from textual.widgets import Button, Input

from intake.tui.device import KEYBOARD
from intake.tui.screens.information import InformationScreen
from intake.tui.screens.review import ReviewScreen
from intake.tui.screens.signature import SignatureScreen
from intake.tui.widgets.tiles import ChoiceTile
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import press, sign_by_drawing, until, wait_for
from tests.tui.running import client_at_review


async def _to_information(pilot, answers) -> InformationScreen:
    await client_at_review(pilot, answers)  # steps saved through the session (test_flow.py walks them)
    await press(pilot, "#confirm")
    return await wait_for(pilot, InformationScreen)


async def _read_to_the_end(pilot, info: InformationScreen) -> None:
    await pilot.press("end")
    for _ in range(100):
        await pilot.pause(0.01)
        if not info.query_one("#continue", Button).disabled:
            break


async def test_enter_on_the_text_read_to_its_end_is_i_have_read_this(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        info = await _to_information(pilot, suitable_answers)
        assert app.focused is info.query_one("#info-body")
        await pilot.press("down", "enter")  # not yet at the end: Enter does nothing
        await pilot.pause()
        assert app.screen is info and KEYBOARD.read_done not in str(info.query_one("#read-hint").render())
        await _read_to_the_end(pilot, info)
        assert KEYBOARD.read_done in str(info.query_one("#read-hint").render())  # shown once it works
        await pilot.press("enter")
        await wait_for(pilot, SignatureScreen)


async def test_enter_on_back_still_goes_back(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        info = await _to_information(pilot, suitable_answers)
        await _read_to_the_end(pilot, info)
        info.query_one("#back", Button).focus()
        await pilot.press("enter")
        await wait_for(pilot, ReviewScreen)


async def _sign_typed(pilot, signature: SignatureScreen, name: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in name])
    await pilot.press("enter")  # on to the statement
    intent = signature.query_one("#typed-intent", ChoiceTile)
    assert pilot.app.focused is intent
    await pilot.press("enter")  # Enter never ticks it: it says what is needed
    assert not intent.selected and pilot.app.focused is intent
    assert "Please tick the statement" in str(signature.query_one("#sig-problem").render())
    await pilot.press("space")  # ticks it, on to Sign
    assert intent.selected and pilot.app.focused is signature.query_one("#sign")
    await pilot.press("enter")


async def _to_the_consent_signature(pilot, answers) -> SignatureScreen:
    """Walks to the information, reads it to its end, and goes on to the consent's signature."""
    info = await _to_information(pilot, answers)
    await _read_to_the_end(pilot, info)
    await pilot.press("enter")
    return await wait_for(pilot, SignatureScreen)


async def test_after_a_typed_consent_the_photo_consent_opens_on_the_typed_name(engine, suitable_answers):
    assert suitable_answers["photo_consent"] is True
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        consent = await _to_the_consent_signature(pilot, suitable_answers)
        assert not consent.typing and app.focused is consent.query_one("#switch", Button)  # draw or choose to type
        await pilot.press("enter")
        await until(pilot, lambda: consent.typing and app.focused is consent.query_one("#typed-name", Input),
                    "Enter on the switch opens the typed name, focused")
        await _sign_typed(pilot, consent, suitable_answers["full_name"])
        photo = await wait_for(pilot, SignatureScreen)
        await pilot.pause()
        assert photo is not consent and photo.typing
        box = photo.query_one("#typed-name", Input)
        assert app.focused is box and box.value == ""
        intent = photo.query_one("#typed-intent", ChoiceTile)
        assert not intent.selected  # its own intent statement, ticked anew
        assert str(photo.query_one("#switch", Button).label) == "Draw instead"  # drawing is one key away


async def test_after_a_drawn_consent_the_photo_consent_opens_on_the_pad(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        consent = await _to_the_consent_signature(pilot, suitable_answers)
        await sign_by_drawing(pilot)
        photo = await wait_for(pilot, SignatureScreen)
        await pilot.pause()
        assert photo is not consent and not photo.typing
