"""The served wizard on its own (no server): one session per wizard, a page's quit kept behind its keys, and
the on-screen keyboard each field asks the tablet for."""

from __future__ import annotations

import asyncio
import json
import time

from textual import events, messages
from textual.app import App
from textual.containers import VerticalScroll
from textual.drivers import web_driver
from textual.widgets import Input, TextArea

from intake.datetyping import TYPING
from intake.records import Store
from intake.serve.process import WizardProcess
from intake.tui.session import IntakeSession
from intake.tui.web import OrderedWebDriver, WebIntakeApp, keyboard_hints
from intake.tui.widgets.questions import make_field
from tests.tui.conftest import FROZEN, SIZES
from tests.tui.fakes import fake_documents


def _opening(opened: list[IntakeSession]):
    """The app's session opener: a session on a fresh store with fake documents, each one noted in `opened`."""

    def open_session(loaded) -> IntakeSession:
        session = IntakeSession(loaded, Store.open(loaded.config, engine=loaded, clock=FROZEN.now),
                                fake_documents, FROZEN)
        opened.append(session)
        return session

    return open_session


def test_the_served_wizard_opens_one_session_and_runs_one_flow(engine, tmp_path, monkeypatch):
    # Textual calls on_mount on each class of the app: a subclass that also called its base's on_mount
    # loaded the clinic twice, so the draft was saved through a second session the client never used.
    monkeypatch.chdir(tmp_path)
    opened: list[IntakeSession] = []
    app = WebIntakeApp(lambda: engine, _opening(opened), clinic=engine.config.clinic["name"], kiosk=True,
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


#: What each kind of text question should offer on a tablet: (inputmode, autocapitalize, autocorrect).
_EXPECTED = {"name": ("text", "words", "off"), "email": ("email", "none", "off"), "phone": ("tel", "none", "off"),
             None: ("text", "sentences", "on")}


def test_every_text_question_asks_the_tablet_for_a_fitting_keyboard(engine):
    questions = [q for step in engine.questionnaire.steps for q in step.questions
                 if q.type in ("text", "date", "long_text")]
    assert {q.type for q in questions} == {"text", "date", "long_text"}  # the data still has each kind

    class Fields(App):
        def compose(self):
            with VerticalScroll():
                for question in questions:
                    yield make_field(question, None, engine.language, engine.questionnaire.word)

    async def run() -> None:
        app = Fields()
        async with app.run_test(size=(100, 40)):
            for question in questions:
                field = app.query_one(f"#q-{question.id}")
                box = next(iter(field.query(TextArea if question.type == "long_text" else Input)))
                hints = keyboard_hints(box)
                got = (hints["mode"], hints["capitalize"], hints["correct"])
                if question.type == "long_text":
                    assert got == ("text", "sentences", "on") and hints["enter"] == "enter", question.id
                elif question.type == "date":
                    assert got == ("text", "none", "off") and hints["enter"] == "next", question.id
                else:
                    assert got == _EXPECTED[question.kind] and hints["enter"] == "next", question.id
            assert keyboard_hints(app.query_one(VerticalScroll)) == {"show": False}

    asyncio.run(run())


def test_a_pin_asks_for_digits_and_a_typed_signature_for_a_name():
    class Boxes(App):
        def compose(self):
            yield Input(password=True, restrict=r"[0-9]*", id="pin-input")
            yield Input(id="typed-name")
            yield Input(restrict=TYPING, id="returning-birth")
            yield Input(restrict=r"[0-9.]*", id="depth")
            yield Input(id="visit-name")  # a client at their next session
            yield Input(id="choose-name")  # staff choosing a client

    async def run() -> None:
        app = Boxes()
        async with app.run_test():
            modes = {box.id: (keyboard_hints(box)["mode"], keyboard_hints(box)["capitalize"])
                     for box in app.query(Input)}
        assert modes == {"pin-input": ("numeric", "none"), "typed-name": ("text", "words"),
                         "returning-birth": ("text", "none"), "depth": ("decimal", "none"),
                         "visit-name": ("text", "words"), "choose-name": ("text", "words")}

    asyncio.run(run())


def test_the_server_passes_the_page_only_the_keyboard_and_pointer_values_it_knows():
    written: list[str] = []

    async def write_str(text: str) -> None:
        written.append(text)

    async def noop(*args) -> None:
        return None

    async def run() -> None:
        service = WizardProcess("true", device=None, write_bytes=noop, write_str=write_str, close=noop,
                                download_manager=None)
        hints = {"type": "keyboard", "show": True, "mode": "email", "capitalize": "none", "correct": "off",
                 "enter": "next"}
        await service.on_meta(json.dumps(hints).encode())
        await service.on_meta(json.dumps({"type": "keyboard", "show": True, "mode": "<script>",
                                          "onfocus": "x"}).encode())
        await service.on_meta(json.dumps({"type": "open_url", "url": "https://example.com"}).encode())
        await service.on_meta(json.dumps({"type": "pointer", "draw": True}).encode())

    asyncio.run(run())
    assert [json.loads(text) for text in written] == [
        ["keyboard", {"show": True, "mode": "email", "capitalize": "none", "correct": "off", "enter": "next"}],
        ["keyboard", {"show": True}],
        ["pointer", {"draw": True}],
    ]


def test_an_idle_tablet_has_a_still_cursor_and_stops_looking_for_a_pad(engine, tmp_path, monkeypatch):
    # An idle tablet costs no CPU for these: a blinking cursor sent it a frame twice a second, and the wizard looked
    # for a signature pad five times a second on every screen, for as long as the screen showed.
    monkeypatch.chdir(tmp_path)
    opened: list[IntakeSession] = []
    app = WebIntakeApp(lambda: engine, _opening(opened), clinic=engine.config.clinic["name"], kiosk=True, clock=FROZEN)

    async def until(condition) -> None:
        for _ in range(100):
            if condition():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("timed out")

    async def run() -> None:
        async with app.run_test(size=SIZES["tablet"]) as pilot:
            await app.wait_ready()
            await until(lambda: not app._pad_timer._active.is_set())  # welcome looked at: the pad timer rests
            await pilot.press("enter")
            await until(lambda: isinstance(app.focused, Input))
            assert app.focused.cursor_blink is False
            await until(lambda: app._pad_screen is app.screen)  # a new screen: the timer woke and looked at it
            await until(lambda: not app._pad_timer._active.is_set())

    try:
        asyncio.run(run())
    finally:
        for session in opened:
            session.close()
