"""Provides RenderProcess (the documents renderer in a child process, replaced every few renders) and
SharedRenderer (a wizard's connection to the one renderer `intake serve` keeps for all its tablets).

The rendering stack keeps a little native memory after every document (about 0.2 MB), and its
layout work competes with the UI for Python's lock. In a child process neither reaches the
wizard: the child is replaced after `renders_per_process` layouts (renders and preparations), at
the end of a render, and a fresh one is started in the background so the next client does not
wait for it. Documents prepared ahead (`prepare`) live in the renderer until a render takes them,
two preparations later replace them, or `forget` drops them. The child is this module run as
`python -m intake.tui.render_worker CONFIG`; requests and answers are length-prefixed frames on
its standard input and output (a request is the operation's name and its pickled arguments, an
answer is pickled; both ends are this program), and its standard error goes to a log file, never
to the wizard's screen. Under `intake serve` ($INTAKE_RENDER_SOCKET set) a wizard sends the same
frames to the server's renderer over a Unix socket instead of starting a child of its own.
"""

from __future__ import annotations

import abc
import contextlib
import os
import pickle
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from intake.errors import IntakeError
from intake.privatefile import open_private_log

_HEADER = struct.Struct(">I")
#: Names the Unix socket of the renderer `intake serve` shares between its wizards.
RENDER_SOCKET_ENV = "INTAKE_RENDER_SOCKET"
#: Seconds a wizard waits for the shared renderer's answer (its queue included) before giving up.
SHARED_WAIT = 600
_STOPPED = ("The document renderer stopped unexpectedly. Press Try again; if it happens again, check the log "
            "and restart intake.")


def send_frame(stream: IO[bytes], data: bytes) -> None:
    """Writes one length-prefixed frame and flushes it."""
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def receive_frame(stream: IO[bytes]) -> bytes:
    """Reads one length-prefixed frame.

    Raises:
        EOFError: the other end closed (or died) before a whole frame came.
    """
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data


def encode_request(operation: str, *args: Any) -> bytes:
    """A request frame's body: the operation's name, a NUL, the pickled arguments."""
    return operation.encode("ascii") + b"\0" + pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)


def request_operation(data: bytes) -> str:
    """The operation a request names (readable without unpickling its arguments)."""
    return data.split(b"\0", 1)[0].decode("ascii", "replace")


def encode_answer(ok: bool, value: Any) -> bytes:
    """An answer frame's body: (ok, value) pickled; value is the result, or the message when not ok."""
    return pickle.dumps((ok, value), protocol=pickle.HIGHEST_PROTOCOL)


def decode_answer(data: bytes) -> Any:
    """The value of an answer.

    Raises:
        IntakeError: the renderer answered with a message instead.
    """
    ok, value = pickle.loads(data)  # noqa: S301 - answers come only from this program's own renderer
    if not ok:
        raise IntakeError(value)
    return value


class RendererRequests(abc.ABC):
    """What both renderers a wizard talks to offer (the PacketRenderer surface the lifecycle uses), over `_call`.

    A preparation is dropped with `forget`, which never waits for a render under way: the renderer is
    told before the next request.
    """

    def __init__(self) -> None:
        self._statements: dict[tuple[str, str | None], str] = {}
        self._forget = False  # set from any thread

    @abc.abstractmethod
    def _call(self, operation: str, *args: Any) -> Any:
        """Sends one request to the renderer and returns its answer (raises IntakeError with its message)."""

    def statement(self, kind: str, language: str | None = None) -> str:
        """The statement a client affirms by signing, as the documents print it (asked once per kind and
        language)."""
        if (kind, language) not in self._statements:
            self._statements[kind, language] = self._call("statement", kind, language)
        return self._statements[kind, language]

    @property
    def seal_identity(self) -> str:
        """Checks that the clinic seal loads in the renderer.

        Raises:
            IntakeError: with the documents' own message when it does not.
        """
        return self._call("seal")

    def render(self, record: Any, **kwargs: Any) -> Any:
        """Renders a packet (same arguments as PacketRenderer.render)."""
        return self._call("render", record, kwargs)

    def prepare(self, record: Any, **kwargs: Any) -> int:
        """Lays a packet out ahead of its countersignature (same arguments as PacketRenderer.prepare). A shared
        renderer keeps the last two preparations, whichever tablets asked; a render of other inputs never uses them."""
        return self._call("prepare", record, kwargs)

    def forget(self) -> None:
        """Drops what was prepared, before the next request."""
        self._forget = True


class RenderProcess(RendererRequests):
    """Looks like intake.documents.PacketRenderer (statement, seal_identity, render) but renders in a child.

    Args:
        config_source: the clinic configuration file the child loads.
        renders_per_process: renders before the child is replaced.
        log_path: where the child's error output goes.
    """

    def __init__(self, config_source: str | Path, renders_per_process: int = 25,
                 log_path: Path | None = None) -> None:
        super().__init__()
        self.config_source = str(config_source)
        self.renders_per_process = renders_per_process
        self.log_path = log_path
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._renders = 0

    def _start(self) -> subprocess.Popen[bytes]:
        log = open_private_log(self.log_path) if self.log_path else subprocess.DEVNULL
        try:
            return subprocess.Popen([sys.executable, "-m", "intake.tui.render_worker", self.config_source],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                    env={**os.environ, "PYTHONUNBUFFERED": "1"})
        finally:
            if not isinstance(log, int):  # a file we opened, not subprocess.DEVNULL
                log.close()

    def exchange(self, request: bytes) -> bytes:
        """Sends one request frame's body to the child and returns its answer's body, unread.

        Raises:
            IntakeError: the child stopped (it is started afresh for the next request).
        """
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._child = self._start()
                self._forget = False  # a new child has nothing prepared
            child = self._child
            operation = request_operation(request)
            try:
                to_child, from_child = _pipes(child)
                if self._forget:
                    self._forget = False
                    send_frame(to_child, encode_request("forget"))
                    receive_frame(from_child)
                send_frame(to_child, request)
                answer = receive_frame(from_child)
            except (OSError, EOFError, ValueError):
                self._stop()
                raise IntakeError(_STOPPED) from None
            if operation in ("render", "prepare"):
                self._renders += 1
            if operation == "render" and self._renders >= self.renders_per_process:
                self._renders = 0
                self._stop()
                self._child = self._start()  # loads in the background while the client leaves
        return answer

    def _call(self, operation: str, *args: Any) -> Any:
        return decode_answer(self.exchange(encode_request(operation, *args)))

    def warm_up(self) -> None:
        """Starts the child now (it loads the renderer at once), so the first request does not wait for it."""
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._child = self._start()

    def kill(self) -> None:
        """Ends the child at once (a render that hangs): the request waiting for it fails, the next starts afresh.

        Safe to call from another thread while a request is waiting.
        """
        child = self._child
        if child is not None:
            with contextlib.suppress(OSError):
                child.kill()

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            try:
                if child.stdin is not None:
                    child.stdin.close()
                child.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                child.kill()

    def close(self) -> None:
        """Ends the child process."""
        with self._lock:
            self._stop()


class SharedRenderer(RendererRequests):
    """Looks like RenderProcess, but asks the renderer `intake serve` shares between its wizards (over a Unix socket).

    Requests wait their turn at the server; a wizard's UI never waits (renders run in its worker
    threads), and a renderer that hangs is ended by the server, which answers with a message.

    Args:
        path: the server's renderer socket.
        wait: seconds to wait for an answer, the queue included.
    """

    def __init__(self, path: str | Path, wait: float = SHARED_WAIT) -> None:
        super().__init__()
        self.path = str(path)
        self.wait = wait
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._stream: Any = None

    def _call(self, operation: str, *args: Any) -> Any:
        with self._lock:
            try:
                if self._stream is None:
                    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    connection.settimeout(self.wait)
                    connection.connect(self.path)
                    self._socket, self._stream = connection, connection.makefile("rwb")
                if self._forget:
                    self._forget = False
                    send_frame(self._stream, encode_request("forget"))
                    decode_answer(receive_frame(self._stream))
                send_frame(self._stream, encode_request(operation, *args))
                answer = receive_frame(self._stream)
            except (OSError, EOFError, ValueError):
                self._disconnect()
                raise IntakeError(_STOPPED) from None
        return decode_answer(answer)

    def _disconnect(self) -> None:
        stream, connection, self._stream, self._socket = self._stream, self._socket, None, None
        for part in (stream, connection):
            if part is not None:
                with contextlib.suppress(OSError):
                    part.close()

    def close(self) -> None:
        """Closes the connection (the renderer itself belongs to the server)."""
        with self._lock:
            self._disconnect()


def renderer_log_path() -> Path | None:
    """Where a renderer child's error output goes: renderer.log in intake's private state folder (0700)."""
    state = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "intake"
    try:
        state.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return state / "renderer.log"


def _pipes(child: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    """The child's stdin and stdout; a child started without them counts as stopped (OSError)."""
    if child.stdin is None or child.stdout is None:
        raise OSError("the render child has no pipes")
    return child.stdin, child.stdout


def documents_in_a_child_process() -> Any:
    """The documents package with its renderer running in a recycled child process (what `intake start` uses),
    or, when `intake serve` started this wizard ($INTAKE_RENDER_SOCKET), in the renderer the server shares."""
    from types import SimpleNamespace

    import intake.documents as documents

    shared = os.environ.get(RENDER_SOCKET_ENV)
    log = None if shared else renderer_log_path()
    return SimpleNamespace(
        PacketRenderer=(lambda engine: SharedRenderer(shared)) if shared
        else (lambda engine: RenderProcess(engine.config.source, log_path=log)),
        Signature=documents.Signature, Countersignature=documents.Countersignature,
        create_seal_identity=documents.create_seal_identity,
    )


def serve(config_source: str) -> None:
    """The child's loop: loads the renderer at once (while nobody waits), then answers until its input closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes to the log, not into the frames
    renderer, failure = None, ""
    from intake.documents.warm import settle_warm_process

    try:
        from intake.documents import PacketRenderer
        from intake.engine import Engine

        renderer = PacketRenderer(Engine.load(config_source))
    except IntakeError as exc:
        failure = str(exc)
    while True:
        try:
            data = receive_frame(stdin)
        except EOFError:
            return
        try:
            operation = request_operation(data)
            args = pickle.loads(data[len(operation) + 1:])  # noqa: S301 - requests come only from this program
            if renderer is None:
                raise IntakeError(failure or "The document renderer could not start; see its log.")
            answer: Any
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
            send_frame(stdout, encode_answer(True, answer))
            if operation in ("render", "prepare"):
                settle_warm_process()  # once, after the answer has gone (see intake.documents.warm)
        except IntakeError as exc:
            send_frame(stdout, encode_answer(False, str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the wizard in words; the traceback goes to the log
            import traceback

            traceback.print_exc()
            send_frame(stdout, encode_answer(False, f"The documents could not be made ({type(exc).__name__}); "
                                                    "details are in the renderer's log."))


if __name__ == "__main__":
    serve(sys.argv[1])
