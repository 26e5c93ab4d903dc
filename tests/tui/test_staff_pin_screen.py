"""The PIN screen answers with the staff member who unlocked (staff accounts), or None when cancelled."""

from __future__ import annotations

import pytest
from textual.app import App

from intake.config import load_config
from intake.records import StaffDirectory, Store, create_data_key
from intake.tui.pin import StaffGuard
from intake.tui.screens.handback import PinScreen
from intake.tui.widgets.pinpad import PinPad
from tests.records.conftest import write_config


@pytest.fixture
def directory(tmp_path, engine, monkeypatch):
    monkeypatch.delenv("INTAKE_DATA_KEY", raising=False)
    config = load_config(write_config(tmp_path))
    create_data_key(config)
    with Store.open(config, engine=engine) as store:
        staff = StaffDirectory(store)
        staff.add("ajordan", name="Alex Jordan", role="practitioner", practitioner_id="ajordan", pin="731904",
                  by="owner", device="office")
        yield staff


async def _run(guard, pins: list[str]) -> tuple[list, PinScreen]:
    results: list = []

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(PinScreen(guard, "Test Clinic"), results.append)

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PinScreen)
        for pin in pins:
            pad = screen.query_one(PinPad)
            pad.input.value = pin
            pad._submit()
            for _ in range(400):
                await pilot.pause(0.01)
                if results or guard.failures:
                    break
    return results, screen


async def test_the_pin_screen_answers_with_who_unlocked(directory):
    guard = StaffGuard(directory.store, "kiosk-1")
    results, _ = await _run(guard, ["731904"])
    [member] = results
    assert (member.staff_id, member.role, member.practitioner_id) == ("ajordan", "practitioner", "ajordan")


async def test_a_wrong_pin_says_so_and_unlocks_nobody(directory):
    guard = StaffGuard(directory.store, "kiosk-1")
    results, screen = await _run(guard, ["000000"])
    assert results == [] and guard.failures == 1 and "not right" in guard.message
