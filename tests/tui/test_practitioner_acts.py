"""The practitioner never loses work, replaces a decision only by saying so, and corrects an answer with the client."""

from __future__ import annotations

import copy

from textual.widgets import Input, Select

from intake.tui.screens.correction import CorrectionScreen
from intake.tui.screens.documents import DoneScreen
from intake.tui.screens.practitioner import ConfirmClose, PractitionerScreen
from intake.tui.widgets.questions import QuestionField
from intake.tui.widgets.tiles import ChoiceTile
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import press, sign_by_drawing, wait_for
from tests.tui.test_flow import client_part, resume_waiting


def _tile(screen, value):
    return next(t for t in screen.query(".decision").results(ChoiceTile) if t.value == value)


async def test_after_choosing_a_decision_what_is_typed_is_its_reason(engine):
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, copy.deepcopy(load_example("clearance")["answers"]))
        screen = await wait_for(pilot, PractitionerScreen)
        tile = _tile(screen, "override")
        tile.focus()
        await pilot.press("space")
        await pilot.press(*"GP said yes")
        assert screen.query_one("#reason", Input).value == "GP said yes"
        assert tile.selected and screen.decision == "override"


async def test_countersign_comes_before_close_and_close_asks_when_work_would_go(engine):
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, copy.deepcopy(load_example("clearance")["answers"]))
        screen = await wait_for(pilot, PractitionerScreen)
        ack = screen.query_one("#countersign-ack", ChoiceTile)
        ack.focus()
        await pilot.pause()
        await pilot.press("tab")
        assert app.focused.id == "countersign"  # Tab from the statement goes to Countersign, not Close
        _tile(screen, "clearance_noted").action_press()
        screen.query_one("#reason", Input).value = "GP letter seen"
        ack.action_press()
        await pilot.pause()
        await press(pilot, "#close")
        confirm = await wait_for(pilot, ConfirmClose)
        assert app.focused.id == "stay"  # the safe answer is the one under the keyboard
        await press(pilot, "#stay")
        screen = await wait_for(pilot, PractitionerScreen)
        assert screen.query_one("#reason", Input).value == "GP letter seen" and screen.decision == "clearance_noted"
        await press(pilot, "#close")
        confirm = await wait_for(pilot, ConfirmClose)
        assert "not kept" in " ".join(str(w.render()) for w in confirm.query("Static"))  # says what would go
        await press(pilot, "#leave")
        await pilot.pause()
        assert not isinstance(app.screen, (ConfirmClose, PractitionerScreen))


async def test_a_correction_with_the_client_then_they_sign_again_and_the_consent_lists_it(engine, suitable_answers):
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await client_part(pilot, suitable_answers)
        screen = await wait_for(pilot, PractitionerScreen)
        screen.query_one("#practitioner", Select).value = "ajordan"
        await press(pilot, "#correct")
        correction = await wait_for(pilot, CorrectionScreen)
        correction.query_one("#correct-question", Select).value = "sensitive_skin"
        await pilot.pause()
        field = correction.query_one(QuestionField)
        next(t for t in field.query(ChoiceTile) if t.value is True).action_press()
        await press(pilot, "#save")
        assert "Say why" in str(correction.query_one("#correct-problem").render())
        correction.query_one("#correct-reason", Input).value = "The client misread the question"
        await press(pilot, "#save")
        # the client checks the information again and signs the corrected answers, then hands back
        from intake.tui.screens.information import InformationScreen
        from tests.tui.driver import hand_back, read_information

        await wait_for(pilot, InformationScreen)
        await read_information(pilot)
        await sign_by_drawing(pilot)
        if suitable_answers.get("photo_consent"):
            await sign_by_drawing(pilot)
        await hand_back(pilot)
        screen = await wait_for(pilot, PractitionerScreen)
        intake = app.session.state.intake
        assert intake.answers["sensitive_skin"] is True and intake.verdict == "caution"
        (correction_record,) = app.session.lifecycle.decisions(intake.intake_id)
        assert correction_record.kind == "correction" and correction_record.changes[0].before is False
        assert app.session.state.client_signature is not None  # signed again


async def test_a_recorded_decision_is_kept_unless_replaced_with_a_reason(engine):
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, copy.deepcopy(load_example("clearance")["answers"]))
        await wait_for(pilot, PractitionerScreen)
        session = app.session
        session.lifecycle.decide(session.state.intake, session.member, "clearance_noted", "GP letter seen",
                                 practitioner_id="spatel")
        await press(pilot, "#close")  # nothing chosen on screen: it closes without asking
        await resume_waiting(pilot)
        screen = await wait_for(pilot, PractitionerScreen)
        keep = _tile(screen, "keep")
        assert keep.selected and "Keep the recorded decision: clearance noted by Sam Patel" in keep.label
        assert not screen.query_one("#reason", Input).display
        _tile(screen, "override").action_press()
        await pilot.pause()
        assert screen.query_one("#supersede", Input).display
        screen.query_one("#reason", Input).value = "Prescriber agreed on the phone"
        screen.query_one("#countersign-ack", ChoiceTile).action_press()
        screen.query_one("#practitioner", Select).value = "ajordan"
        await pilot.pause()
        await press(pilot, "#countersign")
        assert "Say why the new decision replaces the recorded one." in str(
            screen.query_one("#practitioner-problem").render())
        screen.query_one("#supersede", Input).value = "The letter was for another client"
        await press(pilot, "#countersign")
        await wait_for(pilot, DoneScreen, timeout=30)
        noted, override = session.lifecycle.decisions(session.state.intake.intake_id)
        assert noted.superseded_by == override.decision_id
        assert override.supersede_reason == "The letter was for another client"


async def test_with_the_shared_pin_the_correction_asks_who_is_correcting(engine, suitable_answers):
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await client_part(pilot, suitable_answers)  # the demo's shared PIN: it proves someone on the staff, not who
        await wait_for(pilot, PractitionerScreen)
        await press(pilot, "#correct")
        correction = await wait_for(pilot, CorrectionScreen)
        assert app.focused is correction.query_one("#correct-practitioner", Select)
        correction.query_one("#correct-question", Select).value = "sensitive_skin"
        await pilot.pause()
        next(t for t in correction.query_one(QuestionField).query(ChoiceTile) if t.value is True).action_press()
        correction.query_one("#correct-reason", Input).value = "The client misread the question"
        await press(pilot, "#save")
        assert "Choose who is correcting." in str(correction.query_one("#correct-problem").render())
        correction.query_one("#correct-practitioner", Select).value = "spatel"
        await press(pilot, "#save")
        await pilot.pause()
        (fixed,) = app.session.lifecycle.decisions(app.session.state.intake.intake_id)
        assert fixed.practitioner_id == "spatel" and fixed.staff == "staff"  # named, and proved only as staff
