"""Fixtures for the wizard tests: an app on the real engine with the in-memory store and renderer."""

from __future__ import annotations

import asyncio
import copy
import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from textual import _wait

from intake.records import Store
from intake.records.memory import MemoryStore
from intake.tui.app import IntakeApp
from intake.tui.clock import FrozenClock
from intake.tui.render_worker import documents_in_a_child_process
from intake.tui.session import IntakeSession
from tests.conftest import load_example
from tests.tui.fakes import FakeRenderer, fake_documents

_RENDERERS: dict[int, Any] = {}

# Pilot.pause() waits until the process looks idle: 20 ms windows with under 1 ms of CPU in Textual's default.
# The tests look in 5 ms windows (the same 1/20 ratio): a test pauses hundreds of times, and the default's
# windows made a quarter of the wizard tests' time sleeping while nothing was left to do. Tests never rely on
# a pause for anything that takes time; they wait for what they expect (driver.wait_for).
_wait.SLEEP_GRANULARITY = 0.005
_wait.SLEEP_IDLE = _wait.SLEEP_GRANULARITY / 20


def real_documents() -> SimpleNamespace:
    """The real documents package, with one renderer per engine shared by every test (it is long-lived)."""
    import intake.documents as documents

    def renderer(engine):
        if id(engine) not in _RENDERERS:
            _RENDERERS[id(engine)] = documents.PacketRenderer(engine)
        return _RENDERERS[id(engine)]

    return SimpleNamespace(PacketRenderer=renderer, Signature=documents.Signature,
                           Countersignature=documents.Countersignature,
                           create_seal_identity=documents.create_seal_identity)

@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Runs `async def` tests in a fresh event loop (no asyncio plugin needed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None


#: 10:00 in London on the examples' consultation day.
FROZEN = FrozenClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
SIZES = {"small": (80, 24), "tablet": (120, 40)}


_OPEN_SESSIONS: list[IntakeSession] = []


def build_app(engine, *, kiosk: bool = False, idle: float | None = None, clock=FROZEN,
              fake_renderer: bool = False, child_renderer: bool = False, app_class: type[IntakeApp] = IntakeApp,
              load: Callable[[], Any] | None = None, store: str = "memory") -> IntakeApp:
    """An app on the shared engine with the in-memory record store and the real renderer.

    Args:
        fake_renderer: use the in-memory stand-in (to make rendering fail or slow on purpose).
        child_renderer: render in a child process as `intake start` does (slower to start), instead
            of one renderer shared in-process by every test.
        app_class: the app (the tablet's `WebIntakeApp`, for its device and words).
        load: loads the engine in the app's loading thread (e.g. slowly, on purpose); by default `engine`.
        store: "memory" (the default: a test of the wizard, not of storage), or "sqlite" for the clinic's real
            store in the test's folder, when a test reads what the wizard wrote with another store or app.
    """
    documents = fake_documents if fake_renderer else documents_in_a_child_process if child_renderer \
        else real_documents

    def open_session(loaded) -> IntakeSession:
        records = MemoryStore(loaded.config, engine=loaded, clock=clock.now) if store == "memory" \
            else Store.open(loaded.config, engine=loaded, clock=clock.now)
        session = IntakeSession(loaded, records, documents, clock)
        _OPEN_SESSIONS.append(session)
        return session

    return app_class(load or (lambda: engine), open_session, clinic=engine.config.clinic["name"], kiosk=kiosk,
                     idle_timeout=idle, clock=clock, cursor_blink=False)


def events(store: Store, intake_id: str) -> list[str]:
    """The audit trail of one intake, as event names."""
    return [entry.event for entry in store.audit_trail(intake_id)]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Documents land in a temporary folder; the fake renderer starts clean."""
    monkeypatch.chdir(tmp_path)
    FakeRenderer.calls = []
    FakeRenderer.delay = 0.0
    FakeRenderer.busy_until = None
    FakeRenderer.fail = None


@pytest.fixture(scope="session")
def full_walk_engine():
    """The demo clinic with `[policy] kind_stop = false`: a deferral walks every question to the letter."""
    from intake.config import load_config
    from intake.engine import Engine
    from tests.prompt.conftest import without_kind_stop

    return Engine.load(without_kind_stop(load_config(None)))


@pytest.fixture
def suitable_answers() -> dict[str, Any]:
    return copy.deepcopy(load_example("suitable")["answers"])


@pytest.fixture
def defer_answers() -> dict[str, Any]:
    return copy.deepcopy(load_example("defer")["answers"])
