"""The kind stop in the wizard: a deferral ends the client's part gently; the practitioner sees why."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Button, Static

from intake.tui.device import KEYBOARD
from intake.tui.screens.information import InformationScreen
from intake.tui.screens.kindstop import KindStopScreen, StoppedScreen
from intake.tui.screens.signature import SignatureScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.widgets.questions import QuestionField
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app, events
from tests.tui.driver import enter_pin, fill_step, open_staff_menu, press, wait_for
from tests.tui.running import RunningApp, client_at
from tests.tui.test_flow import start
from tests.tui.test_random_keys import KEYS


def _pregnant():
    answers = copy.deepcopy(load_example("suitable")["answers"])
    answers["pregnant_or_breastfeeding"] = True
    return answers


async def _to_health_step(pilot, answers, walk: bool = False) -> StepScreen:
    """A new client on the health step, the three before it saved through the session as the wizard saves them
    (walked by their screens in test_flow.py and test_hint_walk.py); `walk`: from the welcome, by their screens
    (the welcome's loop then runs on after this client, for tests that come back to it)."""
    if walk:
        await start(pilot)
        for _ in range(3):
            await fill_step(pilot, answers)
            await press(pilot, "#next")
        screen = await wait_for(pilot, StepScreen)
    else:
        await pilot.app.wait_ready()
        screen = await client_at(pilot, answers, "health")
    assert screen.step.id == "health"
    return screen


async def _stop_at_pregnancy(pilot, walk: bool = False) -> StepScreen:
    screen = await _to_health_step(pilot, _pregnant(), walk)
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
        await _stop_at_pregnancy(pilot, walk=True)
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


async def test_a_deferring_answer_closes_the_rest_of_the_step_and_next_is_the_way_on(engine):
    app = build_app(engine, kiosk=True, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        screen = await _to_health_step(pilot, _pregnant())
        pregnant = screen.query_one("#q-pregnant_or_breastfeeding", QuestionField)
        assert app.focused in pregnant.query("ChoiceTile")
        await pilot.press("y")  # pregnant: the practitioner will talk with the client
        await pilot.pause()
        box = screen.query_one("#step-kind-stop")
        assert box.has_class("-shown") and KEYBOARD.kind_stop in str(box.render())
        assert screen.stopped and app.focused is screen.query_one("#next", Button)
        assert all(f.disabled for f in screen.query(QuestionField))  # not focusable, not answerable
        assert screen.query_one("#back", Button).disabled
        assert not [w for w in screen.focus_chain if w.id != "next"]  # the one way on
        assert "Enter: Next" in str(screen.query_one("#keys-hint").render())
        assert pregnant.echoed == "You said: Yes"  # said back, with no way to change it offered
        await pilot.press("n", "tab", "shift+tab", "space", "down", "1")
        assert screen.working == {"pregnant_or_breastfeeding": True}
        await pilot.press("enter")
        await wait_for(pilot, KindStopScreen)


@pytest.fixture(scope="module")
def running(engine):
    app = RunningApp(build_app(engine, kiosk=True, fake_renderer=True), SIZES["small"])
    yield app
    app.close()


async def _keys_after_the_stop(pilot, keys: list[str]) -> None:
    app = pilot.app
    answers = _pregnant()
    screen = await client_at(pilot, answers, "health")
    await pilot.press("y")
    await pilot.pause()
    assert screen.stopped
    session = app.session
    given = {**session.state.answers, "pregnant_or_breastfeeding": True}  # every answer up to the stop
    intake_id = session.state.intake_id
    for key in keys:
        await pilot.press(key)
    await pilot.pause()
    app._save_draft()  # whatever is on screen now, as the idle timeout or a closed page would keep it
    assert session.store.load_intake(intake_id).answers == given
    assert session.kind_stop() is not None and session.state.answers == given


@pytest.mark.slow
@settings(max_examples=24, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(keys=st.lists(st.sampled_from(KEYS), min_size=1, max_size=14))
def test_nothing_pressed_after_a_kind_stop_changes_the_answers_given(running, keys):
    running.call(lambda pilot: _keys_after_the_stop(pilot, keys))
