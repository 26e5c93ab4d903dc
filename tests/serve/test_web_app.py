"""The served wizard on its own (no server): one session per wizard, and a page's quit kept behind its keys."""

from __future__ import annotations

import asyncio
import time

from textual import events, messages
from textual.drivers import web_driver

from intake.records import Store
from intake.tui.session import IntakeSession
from intake.tui.web import OrderedWebDriver, WebIntakeApp
from tests.tui.conftest import FROZEN, SIZES
from tests.tui.fakes import fake_documents


def test_the_served_wizard_opens_one_session_and_runs_one_flow(engine, tmp_path, monkeypatch):
    # Textual calls on_mount on each class of the app: a subclass that also called its base's on_mount
    # loaded the clinic twice, so the draft was saved through a second session the client never used.
    monkeypatch.chdir(tmp_path)
    opened: list[IntakeSession] = []

    def open_session(loaded) -> IntakeSession:
        session = IntakeSession(loaded, Store.open(loaded.config, engine=loaded, clock=FROZEN.now),
                                fake_documents, FROZEN)
        opened.append(session)
        return session

    app = WebIntakeApp(lambda: engine, open_session, clinic=engine.config.clinic["name"], kiosk=True,
                       clock=FROZEN, cursor_blink=False)

    async def run() -> None:
        async with app.run_test(size=SIZES["tablet"]) as pilot:
            await app.wait_ready()
            for _ in range(20):  # anything a second start-up would do has had its turn
                await pilot.pause()
            assert opened == [app.session]
            assert [w.name for w in app.workers if w.group == "flow" and not w.is_finished] == ["flow"]

    try:
        asyncio.run(run())
    finally:
        for session in opened:
            session.close()


class _App:
    """Stands in for the app: records what the driver hands it, in order."""

    def __init__(self) -> None:
        self.received: list[object] = []

    async def _post_message(self, message) -> bool:
        self.received.append(message)
        return True

    def post_message(self, message) -> bool:
        self.received.append(message)
        return True


def test_the_pages_quit_reaches_the_wizard_after_the_keys_sent_before_it(monkeypatch):
    monkeypatch.setattr(web_driver, "InputReader", lambda: None)  # the test plays the input thread itself
    asyncio.run(_quit_after_keys())


async def _quit_after_keys() -> None:
    app = _App()
    driver = OrderedWebDriver(app)  # type: ignore[arg-type] - the driver only posts to it

    def input_thread() -> None:  # what the driver's input thread does with " Lee" then the server's quit
        for key in " Lee":
            driver.process_message(events.Key(key, key))
        driver.on_meta("quit", {"type": "quit"})

    await asyncio.to_thread(input_thread)
    deadline = time.monotonic() + 30
    while len(app.received) < 5 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert [type(m).__name__ for m in app.received] == ["Key"] * 4 + ["ExitApp"]
    assert [m.character for m in app.received[:4]] == list(" Lee")
    assert isinstance(app.received[-1], messages.ExitApp)
