"""Snapshots of each kind of screen at fixed sizes, with a frozen clock and still cursors.

Update only after looking at the result: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from intake.errors import IntakeError
from intake.tui.screens.documents import DoneScreen, RenderingScreen
from intake.tui.screens.handback import HandbackScreen, PinScreen
from intake.tui.screens.information import InformationScreen
from intake.tui.screens.kindstop import StoppedScreen
from intake.tui.screens.practitioner import PractitionerScreen
from intake.tui.screens.privacy import PrivacyScreen
from intake.tui.screens.review import ReviewScreen
from intake.tui.screens.signature import SignatureScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import (
    draw,
    enter_pin,
    fill_step,
    open_staff_menu,
    press,
    read_information,
    wait_for,
)
from tests.tui.fakes import FakeRenderer
from tests.tui.running import client_at, client_at_review
from tests.tui.test_flow import client_part, countersign, start

SMALL, TABLET = SIZES["small"], SIZES["tablet"]


def settled(run_before):
    """Runs the steps, then waits out a pressed button's brief highlight so every run looks the same."""

    async def run(pilot):
        await run_before(pilot)
        await pilot.pause(0.4)

    return run


@pytest.fixture(autouse=True)
def _fixed_ids(monkeypatch):
    """Intake ids are random; snapshots need the same one every run."""
    ids = iter(f"snapshot{n:02d}" for n in range(100))
    monkeypatch.setattr("intake.records.drafts.new_id", lambda *a, **k: next(ids))  # where drafts get their id


async def to_review(pilot, example="suitable"):
    """The review, the steps answered through the session as the wizard saves them (their screens are pictured
    above and walked in test_flow.py and test_hint_walk.py; the pictures from here on are the same either way)."""
    await client_at_review(pilot, load_example(example)["answers"])
    return await wait_for(pilot, ReviewScreen)


async def to_signature(pilot, example="suitable"):
    await to_review(pilot, example)
    await press(pilot, "#confirm")
    await wait_for(pilot, InformationScreen)
    await read_information(pilot)
    return await wait_for(pilot, SignatureScreen)


async def to_practitioner(pilot, example):
    """The practitioner's screen after the client's part, the steps answered through the session (as to_review)."""
    await client_part(pilot, load_example(example)["answers"])
    return await wait_for(pilot, PractitionerScreen)


def test_welcome(engine, snap_compare):
    async def run_before(pilot):
        await pilot.app.wait_ready()
        await wait_for(pilot, WelcomeScreen)

    assert snap_compare(build_app(engine, kiosk=True), terminal_size=SMALL, run_before=settled(run_before))


def test_step_with_problems_small(engine, snap_compare):
    async def run_before(pilot):
        await start(pilot)
        await fill_step(pilot, {"full_name": "Ann [b]Lee[/b]", "date_of_birth": "2030-01-01"})
        await press(pilot, "#next")

    assert snap_compare(build_app(engine), terminal_size=SMALL, run_before=settled(run_before))


def test_step_with_a_follow_up_tablet(engine, snap_compare):
    async def run_before(pilot):
        await pilot.app.wait_ready()
        await client_at(pilot, load_example("clearance")["answers"], "health")  # the first steps saved
        await fill_step(pilot, {"pregnant_or_breastfeeding": False, "blood_thinners": True})
        step = await wait_for(pilot, StepScreen)
        step.query_one("#step-body").scroll_home(animate=False)

    assert snap_compare(build_app(engine), terminal_size=TABLET, run_before=settled(run_before))


def test_review(engine, snap_compare):
    assert snap_compare(build_app(engine), terminal_size=SMALL, run_before=settled(to_review))


def test_information(engine, snap_compare):
    async def run_before(pilot):
        await to_review(pilot)
        await press(pilot, "#confirm")
        await wait_for(pilot, InformationScreen)

    assert snap_compare(build_app(engine), terminal_size=SMALL, run_before=settled(run_before))


def test_signature_drawn(engine, snap_compare):
    async def run_before(pilot):
        await to_signature(pilot)
        await draw(pilot, [(3, 2), (10, 5), (18, 2), (26, 5), (34, 3)])

    assert snap_compare(build_app(engine), terminal_size=SMALL, run_before=settled(run_before))


def test_signature_typed_tablet(engine, snap_compare):
    async def run_before(pilot):
        await to_signature(pilot)
        await press(pilot, "#switch")
        await press(pilot, "#sign")

    assert snap_compare(build_app(engine), terminal_size=TABLET, run_before=settled(run_before))


def test_handback(full_walk_engine, snap_compare):
    async def run_before(pilot):
        await to_review(pilot, "defer")
        await press(pilot, "#confirm")  # a deferral has nothing to sign: straight to the hand-back
        await wait_for(pilot, HandbackScreen)

    assert snap_compare(build_app(full_walk_engine, kiosk=True), terminal_size=SMALL, run_before=settled(run_before))


def test_pin(engine, snap_compare):
    async def run_before(pilot):
        await pilot.app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await press(pilot, "#staff")
        await enter_pin(pilot, "1111")
        await wait_for(pilot, PinScreen)

    assert snap_compare(build_app(engine, kiosk=True), terminal_size=SMALL, run_before=settled(run_before))


def test_practitioner_clearance_tablet(engine, snap_compare):
    async def run_before(pilot):
        await to_practitioner(pilot, "clearance")
        await pilot.press("end")  # after the answers: the plan, the decision and the countersignature

    assert snap_compare(build_app(engine), terminal_size=TABLET, run_before=settled(run_before))


def test_practitioner_defer_small(full_walk_engine, snap_compare):
    async def run_before(pilot):
        await to_practitioner(pilot, "defer")

    assert snap_compare(build_app(full_walk_engine), terminal_size=SMALL, run_before=settled(run_before))


def test_rendering_failed(engine, snap_compare):  # the fake renderer fails on purpose
    async def run_before(pilot):
        await to_practitioner(pilot, "caution")
        FakeRenderer.fail = IntakeError("The documents folder is full: free some space, then press Try again.")
        await countersign(pilot)
        screen = await wait_for(pilot, RenderingScreen)
        for _ in range(200):
            await pilot.pause(0.01)
            if screen.query_one("#render-buttons").display:
                break

    assert snap_compare(build_app(engine, fake_renderer=True), terminal_size=SMALL, run_before=settled(run_before))


def test_done(engine, snap_compare):
    async def run_before(pilot):
        await to_practitioner(pilot, "caution")
        await countersign(pilot)
        await wait_for(pilot, DoneScreen, timeout=60)

    assert snap_compare(build_app(engine), terminal_size=SMALL, run_before=settled(run_before))


def test_kind_stop_for_the_client(engine, snap_compare):
    async def run_before(pilot):
        answers = {**load_example("suitable")["answers"], "pregnant_or_breastfeeding": True}
        await pilot.app.wait_ready()
        await client_at(pilot, answers, "health")  # the first steps saved through the session
        await fill_step(pilot, {"pregnant_or_breastfeeding": True})
        await pilot.press("tab")  # a little further down the step: the word stays in view

    assert snap_compare(build_app(engine, kiosk=True), terminal_size=SMALL, run_before=settled(run_before))


def test_kind_stop_for_the_practitioner(engine, snap_compare):
    async def run_before(pilot):
        answers = {**load_example("suitable")["answers"], "pregnant_or_breastfeeding": True}
        await start(pilot)
        for _ in range(4):
            await fill_step(pilot, answers)
            await press(pilot, "#next")
        await press(pilot, "#staff")
        await enter_pin(pilot)
        await wait_for(pilot, StoppedScreen)

    assert snap_compare(build_app(engine, kiosk=True), terminal_size=SMALL, run_before=settled(run_before))


def test_privacy(engine, snap_compare):
    async def run_before(pilot):
        await start(pilot)
        pilot.app.idle_timeout = 0.1
        await wait_for(pilot, PrivacyScreen, timeout=3)

    assert snap_compare(build_app(engine, kiosk=True), terminal_size=SMALL, run_before=settled(run_before))


def test_staff_menu_with_a_draft(engine, snap_compare):
    async def run_before(pilot):
        await start(pilot)
        await fill_step(pilot, load_example("suitable")["answers"])
        await press(pilot, "#next")
        await wait_for(pilot, StepScreen)
        await open_staff_menu(pilot)
        await press(pilot, "#pause")
        await wait_for(pilot, WelcomeScreen)
        await open_staff_menu(pilot)

    assert snap_compare(build_app(engine, kiosk=True), terminal_size=SMALL, run_before=settled(run_before))


def test_returning_client_lookup(engine, snap_compare):
    async def run_before(pilot):
        await pilot.app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await open_staff_menu(pilot)
        await press(pilot, "#returning")
        await pilot.pause()
        await press(pilot, "#look-up")

    assert snap_compare(build_app(engine, kiosk=True), terminal_size=SMALL, run_before=settled(run_before))
