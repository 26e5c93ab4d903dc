"""The kind stop in the wizard: a deferral ends the client's part gently; the practitioner sees why."""

from __future__ import annotations

import copy

from textual.widgets import Static

from intake.tui.screens.information import InformationScreen
from intake.tui.screens.kindstop import KindStopScreen, StoppedScreen
from intake.tui.screens.signature import SignatureScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app, events
from tests.tui.driver import enter_pin, fill_step, open_staff_menu, press, wait_for
from tests.tui.test_flow import start


def _pregnant():
    answers = copy.deepcopy(load_example("suitable")["answers"])
    answers["pregnant_or_breastfeeding"] = True
    return answers


async def _to_health_step(pilot, answers) -> StepScreen:
    await start(pilot)
    for _ in range(3):
        await fill_step(pilot, answers)
        await press(pilot, "#next")
    screen = await wait_for(pilot, StepScreen)
    assert screen.step.id == "health"
    return screen


async def _stop_at_pregnancy(pilot) -> StepScreen:
    screen = await _to_health_step(pilot, _pregnant())
    hint = screen.query_one("#step-kind-stop")
    assert not hint.has_class("-shown")
    await fill_step(pilot, {"pregnant_or_breastfeeding": True})
    assert hint.has_class("-shown")  # told at once that the rest need not be answered
    await press(pilot, "#next")  # the rest of the step is unanswered, and that is fine now
    return screen


async def test_a_deferral_hands_back_without_statements_or_signatures(engine):
    app = build_app(engine, fake_renderer=True)
    seen: list[str] = []
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _stop_at_pregnancy(pilot)
        client = await wait_for(pilot, KindStopScreen)
        text = " ".join(str(w.render()) for w in client.query(Static))
        assert "talk with you" in text and "pregnan" not in text.lower()  # nothing named on the tablet
        await press(pilot, "#staff")
        await enter_pin(pilot)
        staff = await wait_for(pilot, StoppedScreen)
        why = " ".join(str(w.render()) for w in staff.query(".finding"))
        assert "Pregnant, possibly pregnant, or breastfeeding." in why
        answers = " ".join(str(w.render()) for w in staff.query(".consult-answer"))
        assert "Maria Okonkwo-Smith" in answers and "Do you have haemophilia" not in answers
        intake_id = app.session.state.intake_id
        await press(pilot, "#finish")
        await wait_for(pilot, WelcomeScreen)
        seen = [type(s).__name__ for s in app.screen_stack]
    assert "InformationScreen" not in seen and "SignatureScreen" not in seen
    store = app.session.store
    view = store.load_intake(intake_id)
    assert view.status == "draft" and view.next_step == "medicines" and not view.documents
    assert view.answers["pregnant_or_breastfeeding"] is True and "clotting_disorder" not in view.answers
    assert "submitted" not in events(store, intake_id)


async def test_staff_resuming_a_stopped_draft_see_why_and_can_carry_on(engine):
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _stop_at_pregnancy(pilot)
        await press(pilot, "#staff")
        await enter_pin(pilot)
        await wait_for(pilot, StoppedScreen)
        await press(pilot, "#finish")
        await wait_for(pilot, WelcomeScreen)
        menu = await open_staff_menu(pilot)
        await press(pilot, "#draft-0")
        assert menu is not pilot.app.screen
        await wait_for(pilot, StoppedScreen)  # straight to why: the client is not handed the steps again
        await press(pilot, "#carry-on")  # e.g. "breastfeeding" was a misunderstanding
        screen = await wait_for(pilot, StepScreen)
        assert screen.step.id == "health"  # the step left unfinished
        await fill_step(pilot, {**_pregnant(), "pregnant_or_breastfeeding": False})
        await press(pilot, "#next")
        screen = await wait_for(pilot, StepScreen)
        assert screen.step.id == "medicines"


async def test_without_the_kind_stop_every_question_is_asked(full_walk_engine):
    app = build_app(full_walk_engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        screen = await _to_health_step(pilot, _pregnant())
        await fill_step(pilot, {"pregnant_or_breastfeeding": True})
        assert not screen.query_one("#step-kind-stop").has_class("-shown")
        await press(pilot, "#next")
        assert pilot.app.screen is screen  # the rest of the step is still needed
        assert not isinstance(pilot.app.screen, (InformationScreen, SignatureScreen, KindStopScreen))


async def test_a_minor_completes_the_contact_step_before_the_stop(engine):
    answers = {**copy.deepcopy(load_example("suitable")["answers"]), "date_of_birth": "2012-05-01",
               "guardian_name": "Amina Khan", "guardian_relationship": "mother"}  # a minor names a guardian
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        screen = await fill_step(pilot, {"full_name": answers["full_name"], "date_of_birth": "2012-05-01"})
        await press(pilot, "#next")
        assert pilot.app.screen is screen  # the contact details are still needed
        await fill_step(pilot, answers)
        await press(pilot, "#next")
        await wait_for(pilot, KindStopScreen)
