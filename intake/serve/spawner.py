"""Provides WizardTemplate: the server's side of the wizard template (intake/serve/template.py).

The server starts the template once; each tablet session then asks it to fork a wizard, handing it
three fresh pipes (the wizard's stdin, stdout and stderr) and the session's environment. The server
keeps its own ends and speaks to the wizard through them exactly as to a process it started itself
(ForkedWizard has what textual-serve's AppService uses of asyncio's Process). Each wizard is also
watched through a pidfd, so it is ended by signal with no risk of hitting a reused process id, and
is known to have ended even if the template has gone. If the template cannot start, or has gone,
sessions are started as separate processes again (`intake start --kiosk`), and the template is
started anew for the next session.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

log = logging.getLogger("intake.serve")
#: Seconds the template may take to import the wizard and load the clinic.
READY_WAIT = 120
#: Seconds a fork may take to be confirmed.
FORK_WAIT = 30


class ForkedWizard:
    """A wizard forked by the template: its pipes, its pid, its end (what AppService uses of a Process)."""

    def __init__(self, pid: int, stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader,
                 stderr: asyncio.StreamReader, transports: list[asyncio.BaseTransport]) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None
        self._transports = transports
        self._ended = asyncio.get_running_loop().create_future()
        self._pidfd: int | None = None
        with contextlib.suppress(OSError):  # a wizard that has already been reaped has no pidfd: it ended
            self._pidfd = os.pidfd_open(pid)

    def ended(self, status: int) -> None:
        """The template reports the wizard's exit status."""
        if self.returncode is None:
            self.returncode = status
        if not self._ended.done():
            self._ended.set_result(self.returncode)
        if self._pidfd is not None:
            asyncio.get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None

    def orphaned(self, status: int) -> None:
        """The template has gone, so it cannot report this wizard's end: its pidfd tells when it has ended, and
        `status` stands for its exit status."""
        if self._pidfd is None:
            self.ended(status)
        else:
            asyncio.get_running_loop().add_reader(self._pidfd, self.ended, status)

    async def wait(self) -> int:
        """Waits for the wizard to end; its exit status."""
        return await asyncio.shield(self._ended)

    def kill(self) -> None:
        """Ends the wizard (SIGKILL through its pidfd: never another process that took its id)."""
        if self.returncode is not None or self._pidfd is None:
            raise ProcessLookupError(self.pid)
        signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def close(self) -> None:
        """Closes the server's ends of the wizard's pipes."""
        for transport in self._transports:
            transport.close()


class WizardTemplate:
    """The warm template process, and the wizards it has forked.

    Args:
        config: the clinic's configuration file.
        environment: the wizards' environment as textual-serve makes it (Textual reads some of it once, when
            imported, so the template is started with it); each wizard's own is sent as it is forked.
    """

    def __init__(self, config: Path, environment: dict[str, str]) -> None:
        self.config = config
        self.environment = environment
        self.pid: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._control: socket.socket | None = None
        self._ready: asyncio.Future[int] | None = None
        self._forks: collections.deque[asyncio.Future[int]] = collections.deque()
        self._wizards: dict[int, ForkedWizard] = {}
        self._ends: dict[int, int] = {}  # wizards that ended before their streams were connected
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._control is not None and self._ready is not None and self._ready.done() \
            and not self._ready.cancelled() and self._ready.exception() is None

    async def start(self) -> bool:
        """Starts the template and waits until it is ready; False (and logged) if it could not start."""
        loop = asyncio.get_running_loop()
        if not hasattr(os, "pidfd_open") or not hasattr(socket, "SOCK_SEQPACKET"):
            log.info("no wizard template on this system (it needs Linux); tablets get wizards started one by one")
            return False
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "intake.serve.template", str(theirs.fileno()), str(self.config),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, pass_fds=(theirs.fileno(),),
                env=self.environment)
        except OSError as exc:
            log.error("the wizard template could not start (%s); tablets get wizards started one by one", exc)
            ours.close()
            return False
        finally:
            theirs.close()
        ours.setblocking(False)
        self._control, self._ready = ours, loop.create_future()
        loop.add_reader(ours.fileno(), self._readable)
        try:
            self.pid = await asyncio.wait_for(asyncio.shield(self._ready), READY_WAIT)
        except (TimeoutError, ConnectionError) as exc:
            log.error("the wizard template did not start (%s); tablets get wizards started one by one", exc)
            await self.close()
            return False
        return True

    async def fork(self, environment: dict[str, str]) -> ForkedWizard:
        """A new wizard with this environment. Raises ConnectionError if the template has gone."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            control = self._control
            if control is None or not self.running:
                raise ConnectionError("the wizard template is not running")
            stdin_r, stdin_w = os.pipe()
            stdout_r, stdout_w = os.pipe()
            stderr_r, stderr_w = os.pipe()
            theirs = (stdin_r, stdout_w, stderr_w)
            forked: asyncio.Future[int] = loop.create_future()
            self._forks.append(forked)
            try:
                socket.send_fds(control, [json.dumps({"env": environment}).encode()], list(theirs))
            except OSError as exc:
                self._forks.remove(forked)
                for fd in (stdin_w, stdout_r, stderr_r):
                    os.close(fd)
                raise ConnectionError(f"the wizard template has gone ({exc})") from None
            finally:
                for fd in theirs:
                    os.close(fd)
            try:
                pid = await asyncio.wait_for(asyncio.shield(forked), FORK_WAIT)
            except BaseException:
                for fd in (stdin_w, stdout_r, stderr_r):
                    os.close(fd)
                raise
            wizard = await _connect(pid, stdin_w, stdout_r, stderr_r)
            if pid in self._ends:
                wizard.ended(self._ends.pop(pid))
            elif self._control is None:  # the template went meanwhile
                wizard.ended(-signal.SIGKILL)
            else:
                self._wizards[pid] = wizard
            return wizard

    def _readable(self) -> None:
        control = self._control
        while control is not None:
            try:
                data = control.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._gone()
                return
            self._message(json.loads(data))

    def _message(self, message: dict[str, object]) -> None:
        if "ready" in message and self._ready is not None and not self._ready.done():
            self._ready.set_result(int(str(message["ready"])))
        elif "started" in message and self._forks:
            self._forks.popleft().set_result(int(str(message["started"])))
        elif "failed" in message and self._forks:
            self._forks.popleft().set_exception(ConnectionError(str(message["failed"])))
        elif "ended" in message:
            pid, status = int(str(message["ended"])), int(str(message.get("status", 1)))
            wizard = self._wizards.pop(pid, None)
            if wizard is not None:
                wizard.ended(status)
            else:
                self._ends[pid] = status

    def _gone(self, end_wizards: bool = True) -> None:
        """The template has ended (or is being closed). Its wizards can no longer be reported when they end: they
        are ended now (a template that ended by itself was killed or failed), or, when the server closes it, left
        to end as their pipes close, each watched through its pidfd."""
        control, self._control = self._control, None
        if control is not None:
            asyncio.get_running_loop().remove_reader(control.fileno())
            control.close()
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(ConnectionError("the wizard template ended while starting"))
        while self._forks:
            self._forks.popleft().set_exception(ConnectionError("the wizard template has gone"))
        for wizard in list(self._wizards.values()):
            if end_wizards:
                with contextlib.suppress(ProcessLookupError):
                    wizard.kill()
            wizard.orphaned(-signal.SIGKILL if end_wizards else 0)
        self._wizards.clear()
        self._ends.clear()

    async def close(self) -> None:
        """Ends the template (its wizards are left to their sessions: each ends when its pipes close)."""
        self._gone(end_wizards=False)
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 10)
            if process.returncode is None:
                process.kill()
                await process.wait()


async def _connect(pid: int, stdin_w: int, stdout_r: int, stderr_r: int) -> ForkedWizard:
    """asyncio streams on the server's ends of a wizard's pipes."""
    loop = asyncio.get_running_loop()
    stdout, stderr = asyncio.StreamReader(limit=2**16), asyncio.StreamReader(limit=2**16)
    out_transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdout),
                                                    os.fdopen(stdout_r, "rb", 0))
    err_transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stderr),
                                                    os.fdopen(stderr_r, "rb", 0))
    in_transport, in_protocol = await loop.connect_write_pipe(
        lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader()), os.fdopen(stdin_w, "wb", 0))
    stdin = asyncio.StreamWriter(in_transport, in_protocol, None, loop)
    return ForkedWizard(pid, stdin, stdout, stderr, [in_transport, out_transport, err_transport])
