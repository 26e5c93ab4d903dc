"""The wizard settles memory at quiet moments: a full collection once loading has finished (everything alive then
frozen) and between clients. The other wizard tests count the request without collecting (tests/conftest.py)."""

from __future__ import annotations

import gc
import weakref

from intake.tui.screens.welcome import WelcomeScreen
from tests import conftest
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import wait_for


def test_settling_collects_then_freezes_what_is_alive_and_makes_collections_rare():
    settle = conftest.REAL_SETTLE_MEMORY
    assert settle is not None and settle is not conftest._settle_memory_in_tests
    thresholds = gc.get_threshold()
    gc.disable()  # no automatic collection in between: only settling can free the cycle
    try:
        cycle = Cycle()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        del cycle
        assert gone() is not None
        settle()
        assert gone() is None and gc.get_threshold() == thresholds  # collected, nothing else changed
        frozen = gc.get_freeze_count()
        settle(freeze=True)
        assert gc.get_freeze_count() > frozen and gc.get_threshold() == (5_000, 20, 100)
    finally:
        gc.set_threshold(*thresholds)
        gc.enable()


class Cycle:
    me: Cycle | None = None


async def test_the_wizard_settles_once_loaded_and_between_clients(engine):
    calls = conftest._settle_memory_in_tests.calls
    start = len(calls)
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        for _ in range(800):
            if True in calls[start:]:
                break
            await pilot.pause(0.01)
        assert True in calls[start:]  # after loading and warming up: collect and freeze
        await wait_for(pilot, WelcomeScreen)
        before = len(calls)
        await app.reset_to_welcome(privacy=False)
        for _ in range(400):
            if calls[before:]:
                break
            await pilot.pause(0.01)
        assert calls[before:] and True not in calls[before:]  # between clients: a collection, nothing frozen
