"""Provides RenderProcess: the documents renderer in a child process that is replaced every few renders.

The rendering stack keeps a little native memory after every document (about 0.2 MB), and its
layout work competes with the UI for Python's lock. In a child process neither reaches the
wizard: the child is replaced after `renders_per_process` layouts (renders and preparations), at
the end of a render, and a fresh one is started in the background so the next client does not
wait for it. Documents prepared ahead (`prepare`) live in the child until a render takes them,
the next preparation replaces them, or `forget` drops them. The child is this module run as
`python -m intake.tui.render_worker CONFIG`; requests and answers are pickled frames on its
standard input and output (both ends are this program), and its standard error goes to a log
file, never to the wizard's screen.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

from intake.errors import IntakeError

_HEADER = struct.Struct(">I")


def _send(stream: BinaryIO, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - frames come only from this program's own child or parent


class RenderProcess:
    """Looks like intake.documents.PacketRenderer (statement, seal_identity, render) but renders in a child.

    Args:
        config_source: the clinic configuration file the child loads.
        renders_per_process: renders before the child is replaced.
        log_path: where the child's error output goes.
    """

    def __init__(self, config_source: str | Path, renders_per_process: int = 25,
                 log_path: Path | None = None) -> None:
        self.config_source = str(config_source)
        self.renders_per_process = renders_per_process
        self.log_path = log_path
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._renders = 0
        self._statements: dict[str, str] = {}
        self._forget = False  # set from any thread; the child is told before the next request

    def _start(self) -> subprocess.Popen:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115 - child owns it
        try:
            return subprocess.Popen([sys.executable, "-m", "intake.tui.render_worker", self.config_source],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                    env={**os.environ, "PYTHONUNBUFFERED": "1"})
        finally:
            if log is not subprocess.DEVNULL:
                log.close()

    def _call(self, operation: str, *args: Any) -> Any:
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._child = self._start()
                self._forget = False  # a new child has nothing prepared
            try:
                if self._forget:
                    self._forget = False
                    _send(self._child.stdin, ("forget", ()))
                    _receive(self._child.stdout)
                _send(self._child.stdin, (operation, args))
                ok, value = _receive(self._child.stdout)
            except (OSError, EOFError):
                self._stop()
                raise IntakeError("The document renderer stopped unexpectedly. Press Try again; "
                                  "if it happens again, check the log and restart intake.") from None
            if operation in ("render", "prepare"):
                self._renders += 1
            if operation == "render" and self._renders >= self.renders_per_process:
                self._renders = 0
                self._stop()
                self._child = self._start()  # loads in the background while the client leaves
        if not ok:
            raise IntakeError(value)
        return value

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            try:
                child.stdin.close()
                child.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                child.kill()

    def statement(self, kind: str) -> str:
        """The statement a client affirms by signing, as the documents print it (asked once per kind)."""
        if kind not in self._statements:
            self._statements[kind] = self._call("statement", kind)
        return self._statements[kind]

    @property
    def seal_identity(self) -> str:
        """Checks that the clinic seal loads in the child.

        Raises:
            IntakeError: with the documents' own message when it does not.
        """
        return self._call("seal")

    def render(self, record: Any, **kwargs: Any) -> Any:
        """Renders a packet in the child (same arguments as PacketRenderer.render)."""
        return self._call("render", record, kwargs)

    def prepare(self, record: Any, **kwargs: Any) -> int:
        """Lays a packet out in the child ahead of its countersignature (same arguments as PacketRenderer.prepare)."""
        return self._call("prepare", record, kwargs)

    def forget(self) -> None:
        """Drops what the child prepared, before its next request (never waits for a render under way)."""
        self._forget = True

    def close(self) -> None:
        """Ends the child process."""
        with self._lock:
            self._stop()


def documents_in_a_child_process() -> Any:
    """The documents package with its renderer running in a recycled child process (what `intake start` uses)."""
    from types import SimpleNamespace

    import intake.documents as documents

    state = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "intake"
    try:
        state.mkdir(parents=True, exist_ok=True, mode=0o700)
        log = state / "renderer.log"
    except OSError:
        log = None
    return SimpleNamespace(
        PacketRenderer=lambda engine: RenderProcess(engine.config.source, log_path=log),
        Signature=documents.Signature, Countersignature=documents.Countersignature,
        create_seal_identity=documents.create_seal_identity,
    )


def serve(config_source: str) -> None:
    """The child's loop: loads the renderer at once (while nobody waits), then answers until its input closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes to the log, not into the frames
    renderer, failure = None, ""
    try:
        from intake.documents import PacketRenderer
        from intake.engine import Engine

        renderer = PacketRenderer(Engine.load(config_source))
    except IntakeError as exc:
        failure = str(exc)
    while True:
        try:
            operation, args = _receive(stdin)
        except EOFError:
            return
        try:
            if renderer is None:
                raise IntakeError(failure or "The document renderer could not start; see its log.")
            if operation == "statement":
                answer = renderer.statement(*args)
            elif operation == "seal":
                renderer.seal_identity  # noqa: B018 - loads and checks the seal
                answer = "ok"
            elif operation == "forget":
                renderer.forget()
                answer = "ok"
            elif operation == "prepare":
                record, kwargs = args
                answer = renderer.prepare(record, **kwargs)
            else:
                record, kwargs = args
                answer = renderer.render(record, **kwargs)
            _send(stdout, (True, answer))
        except IntakeError as exc:
            _send(stdout, (False, str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the wizard in words; the traceback goes to the log
            import traceback

            traceback.print_exc()
            _send(stdout, (False, f"The documents could not be made ({type(exc).__name__}); details are in "
                                  "the renderer's log."))


if __name__ == "__main__":
    serve(sys.argv[1])
