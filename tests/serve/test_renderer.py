"""The renderer a server shares between its wizards: one request at a time, a hung renderer ended, a private socket."""

from __future__ import annotations

import asyncio
import pickle
import socket
import stat
import struct
import threading
import time

import pytest

from intake.errors import IntakeError
from intake.serve.renderer import MAX_REQUEST, RenderRelay
from intake.tui.render_worker import (
    RENDER_SOCKET_ENV,
    RenderProcess,
    SharedRenderer,
    documents_in_a_child_process,
    encode_answer,
    request_operation,
)


class FakeProcess:
    """Stands in for RenderProcess: answers with what it was asked; 'hang' waits until killed, 'broken' fails."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = self.most = 0
        self.asked: list[object] = []
        self.killed = threading.Event()
        self.warmed = self.closed = False

    def warm_up(self) -> None:
        self.warmed = True

    def exchange(self, request: bytes) -> bytes:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            operation = request_operation(request)
            args = pickle.loads(request[len(operation) + 1:])
            record = args[0]
            self.asked.append(record)
            if record == "hang":
                self.killed.wait(60)
                raise IntakeError("The document renderer stopped unexpectedly.")
            if record == "broken":
                raise IntakeError("The document renderer stopped unexpectedly.")
            time.sleep(0.02)  # holds its turn a moment, so two requests at once would overlap here
            return encode_answer(True, (operation, record))
        finally:
            with self.lock:
                self.active -= 1

    def kill(self) -> None:
        self.killed.set()

    def close(self) -> None:
        self.closed = True


def _with_relay(scenario, limit: float = 120.0) -> FakeProcess:
    fake = FakeProcess()

    async def run() -> None:
        relay = RenderRelay("unused.toml", limit=limit, process=fake)  # type: ignore[arg-type]
        await relay.start()
        try:
            await scenario(relay)
        finally:
            await relay.close()
        assert not relay.folder.exists()

    asyncio.run(run())
    return fake


def test_wizards_asking_at_once_are_answered_one_at_a_time_each_with_its_own_answer():
    async def scenario(relay: RenderRelay) -> None:
        assert stat.S_IMODE(relay.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(relay.folder.stat().st_mode) == 0o700
        wizards = [SharedRenderer(relay.path) for _ in range(4)]
        answers = await asyncio.gather(*(asyncio.to_thread(w.render, f"record {i}") for i, w in enumerate(wizards)))
        assert answers == [("render", f"record {i}") for i in range(4)]
        again = await asyncio.to_thread(wizards[0].render, "record 0, again")  # the connection is kept
        assert again == ("render", "record 0, again")
        for wizard in wizards:
            wizard.close()

    fake = _with_relay(scenario)
    assert fake.most == 1 and len(fake.asked) == 5
    assert fake.warmed and fake.closed


def test_a_render_that_hangs_is_ended_and_the_next_wizard_is_answered():
    async def scenario(relay: RenderRelay) -> None:
        stuck, other = SharedRenderer(relay.path), SharedRenderer(relay.path)
        hung = asyncio.create_task(asyncio.to_thread(stuck.render, "hang"))
        while not relay.process.asked:  # type: ignore[attr-defined]
            await asyncio.sleep(0.01)
        waiting = asyncio.create_task(asyncio.to_thread(other.render, "after"))
        with pytest.raises(IntakeError, match="took too long"):
            await hung
        assert await waiting == ("render", "after")
        assert await asyncio.to_thread(stuck.render, "retry") == ("render", "retry")

    fake = _with_relay(scenario, limit=0.5)
    assert fake.killed.is_set()
    assert fake.asked == ["hang", "after", "retry"]


def test_a_broken_renderer_is_reported_in_words_and_the_next_request_is_served():
    async def scenario(relay: RenderRelay) -> None:
        wizard = SharedRenderer(relay.path)
        with pytest.raises(IntakeError, match="stopped unexpectedly"):
            await asyncio.to_thread(wizard.render, "broken")
        assert await asyncio.to_thread(wizard.render, "fine") == ("render", "fine")

    _with_relay(scenario)


def test_an_oversized_request_is_refused_without_reading_it():
    async def scenario(relay: RenderRelay) -> None:
        def ask() -> bytes:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(30)
                connection.connect(str(relay.path))
                connection.sendall(struct.pack(">I", MAX_REQUEST + 1) + b"render\0")
                return connection.recv(10)

        assert await asyncio.to_thread(ask) == b""  # closed, nothing answered

    fake = _with_relay(scenario)
    assert fake.asked == []


def test_a_wizard_whose_server_has_gone_says_so_in_words(tmp_path):
    with pytest.raises(IntakeError, match="stopped unexpectedly"):
        SharedRenderer(tmp_path / "no-such.sock").render("record")


def test_a_wizard_started_by_the_server_uses_its_renderer_and_one_started_in_a_terminal_its_own(monkeypatch, engine):
    monkeypatch.setenv(RENDER_SOCKET_ENV, "/run/intake-render-x/renderer.sock")
    shared = documents_in_a_child_process().PacketRenderer(engine)
    assert isinstance(shared, SharedRenderer) and shared.path == "/run/intake-render-x/renderer.sock"
    monkeypatch.delenv(RENDER_SOCKET_ENV)
    own = documents_in_a_child_process().PacketRenderer(engine)
    assert isinstance(own, RenderProcess)
    own.close()


def test_a_wizard_lays_documents_out_ahead_and_forgets_them_through_the_shared_renderer():
    asked: list[tuple[str, object]] = []

    class Recorder(FakeProcess):
        def exchange(self, request: bytes) -> bytes:
            operation = request_operation(request)
            args = pickle.loads(request[len(operation) + 1:])
            asked.append((operation, args[0] if args else None))
            return encode_answer(True, 2 if operation == "prepare" else "ok")

    async def run() -> None:
        relay = RenderRelay("unused.toml", process=Recorder())  # type: ignore[arg-type]
        await relay.start()
        try:
            wizard = SharedRenderer(relay.path)
            assert await asyncio.to_thread(wizard.prepare, "record", countersignature="expected") == 2
            wizard.forget()  # the client has gone: told before the next request, never waiting on one
            assert asked == [("prepare", "record")]
            await asyncio.to_thread(wizard.render, "next record")
            wizard.close()
        finally:
            await relay.close()

    asyncio.run(run())
    assert asked == [("prepare", "record"), ("forget", None), ("render", "next record")]


def test_the_renderer_log_is_readable_by_this_user_alone(tmp_path):
    """A failed render's traceback can quote a client's answers: the renderer's error log is made 0600, and made
    so when an older version left it readable by others (what it held is kept: the log is appended to)."""
    for existing in (False, True):
        log = tmp_path / f"renderer-{existing}.log"
        if existing:
            log.write_bytes(b"earlier\n")
            log.chmod(0o644)
        process = RenderProcess(tmp_path / "no-such-clinic.toml", log_path=log)
        try:
            with pytest.raises(IntakeError):  # the child started, with the log as its error output
                process.statement("consent")
        finally:
            process.close()
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        assert log.read_bytes().startswith(b"earlier\n") == existing
