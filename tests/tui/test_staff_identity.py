"""With staff accounts, whoever unlocks acts as themselves: a practitioner countersigns only in their own name."""

from __future__ import annotations

import pytest

from intake.records import StaffDirectory, Store
from intake.records import staff as staff_module
from intake.tui.screens.documents import DoneScreen
from intake.tui.screens.practitioner import PractitionerScreen
from tests.tui.conftest import SIZES, build_app, events
from tests.tui.driver import press, wait_for
from tests.tui.test_flow import client_part

PRACTITIONER_PIN, DESK_PIN = "731904", "558213"


@pytest.fixture
def accounts(engine, monkeypatch):
    monkeypatch.setattr(staff_module, "SCRYPT_N", 2 ** 10)  # the real cost is tested in tests/records
    with Store.open(engine.config, engine=engine) as store:
        staff = StaffDirectory(store)
        staff.add("ajordan", name="Alex Jordan", role="practitioner", practitioner_id="ajordan",
                  pin=PRACTITIONER_PIN, by="owner", device="office")
        staff.add("rkhan", name="Rubina Khan", role="front_desk", pin=DESK_PIN, by="owner", device="office")


async def test_the_practitioner_who_unlocked_countersigns_as_themselves(engine, accounts, suitable_answers):
    app = build_app(engine, kiosk=True, store="sqlite")
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await client_part(pilot, suitable_answers, pin=PRACTITIONER_PIN)
        screen = await wait_for(pilot, PractitionerScreen)
        select = screen.query_one("#practitioner")
        assert select.value == "ajordan" and select.disabled  # not picked from a list
        screen.query_one("#countersign-ack").action_press()
        await pilot.pause()
        await press(pilot, "#countersign")
        await wait_for(pilot, DoneScreen, timeout=60)
        intake_id = app.session.state.intake_id
        trail = app.session.store.audit_trail(intake_id)
    assert {e.staff for e in trail if e.event in ("rendered", "signed")} == {"ajordan"}
    assert "kiosk" in {e.staff for e in trail if e.event == "submitted"}


async def test_front_desk_staff_cannot_countersign(engine, accounts, suitable_answers):
    app = build_app(engine, kiosk=True, store="sqlite")
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await client_part(pilot, suitable_answers, pin=DESK_PIN)
        screen = await wait_for(pilot, PractitionerScreen)
        screen.query_one("#practitioner").value = "ajordan"
        screen.query_one("#countersign-ack").action_press()
        await pilot.pause()
        await press(pilot, "#countersign")
        await pilot.pause(0.3)
        assert isinstance(app.screen, PractitionerScreen)  # refused, with a message
        assert any("only a practitioner may countersign" in str(n.message) for n in app._notifications)
        assert "rendered" not in events(app.session.store, app.session.state.intake_id)
