"""Provides RenderRelay: one document renderer for every wizard of `intake serve`, behind a private Unix socket.

Each wizard would otherwise start a renderer of its own (about 100 MB each). The server keeps one
RenderProcess (the same recycled child `intake start` uses) and answers the wizards' requests on a
Unix socket (0600, in a folder of its own, 0700; only processes of the same user may connect).
Requests are passed on unread, one at a time; a render that takes longer than `limit` seconds
has its renderer ended, and that wizard is told so in words while the next request starts a
fresh one. Nothing is written to disk: documents go back to the wizard that asked, in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import struct
import tempfile
from pathlib import Path

from intake.errors import IntakeError
from intake.tui.render_worker import RenderProcess, encode_answer, renderer_log_path

log = logging.getLogger("intake.serve")
_HEADER = struct.Struct(">I")
#: Seconds one request may take in the renderer before the renderer is ended.
RENDER_LIMIT = 120.0
#: The largest request accepted (a record with its signatures is far smaller).
MAX_REQUEST = 32 * 1024 * 1024
_PEER = struct.Struct("3i")  # SO_PEERCRED: pid, uid, gid


class RenderRelay:
    """The shared renderer: start() before the first wizard, close() when the server stops.

    Args:
        config_source: the clinic configuration file the renderer loads.
        limit: seconds a request may take in the renderer.
        process: the renderer (tests pass their own).
    """

    def __init__(self, config_source: str | Path, limit: float = RENDER_LIMIT,
                 process: RenderProcess | None = None) -> None:
        self.limit = limit
        self.process = process or RenderProcess(config_source, log_path=renderer_log_path())
        self.folder: Path | None = None
        self._server: asyncio.AbstractServer | None = None
        self._turn: asyncio.Lock | None = None
        self._clients: dict[asyncio.StreamWriter, asyncio.Task[None]] = {}

    @property
    def path(self) -> Path:
        """The socket the wizards connect to (set by start())."""
        if self.folder is None:
            raise RuntimeError("the renderer relay has not started")
        return self.folder / "renderer.sock"

    async def start(self) -> None:
        """Opens the socket and starts the renderer loading in the background."""
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        where = runtime if runtime and Path(runtime).is_dir() else None
        self.folder = Path(tempfile.mkdtemp(prefix="intake-render-", dir=where))  # 0700
        self._turn = asyncio.Lock()
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        os.chmod(self.path, 0o600)
        await asyncio.to_thread(self.process.warm_up)

    async def close(self) -> None:
        """Closes the socket, ends the renderer and removes the folder."""
        if self._server is not None:
            self._server.close()
            connections = list(self._clients.items())
            for writer, _ in connections:
                writer.close()
            # Each wizard's connection ends by itself once closed; waited for, so none is cancelled mid-read as
            # the server stops (asyncio would log that as an error).
            handlers = [task for _, task in connections if task is not asyncio.current_task()]
            if handlers:
                await asyncio.wait(handlers, timeout=5)
            await self._server.wait_closed()
            self._server = None
        await asyncio.to_thread(self.process.close)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _same_user(self, writer: asyncio.StreamWriter) -> bool:
        connection = writer.get_extra_info("socket")
        try:
            _, uid, _ = _PEER.unpack(connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER.size))
        except (OSError, AttributeError, struct.error):
            return False
        return uid == os.getuid()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answers one wizard's requests, in turn with every other wizard's, until it disconnects."""
        if not self._same_user(writer):
            log.warning("refused a renderer connection from another user")
            writer.close()
            return
        task = asyncio.current_task()
        if task is not None:
            self._clients[writer] = task
        try:
            while True:
                size = _HEADER.unpack(await reader.readexactly(_HEADER.size))[0]
                if size > MAX_REQUEST:
                    log.warning("refused a renderer request of %d bytes", size)
                    break
                answer = await self._relay(await reader.readexactly(size))
                writer.write(_HEADER.pack(len(answer)) + answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the wizard ended
        finally:
            self._clients.pop(writer, None)
            writer.close()

    async def _relay(self, request: bytes) -> bytes:
        assert self._turn is not None
        async with self._turn:  # one request at a time; the time limit starts when its turn comes
            work = asyncio.ensure_future(asyncio.to_thread(self.process.exchange, request))
            try:
                return await asyncio.wait_for(asyncio.shield(work), self.limit)
            except TimeoutError:
                log.warning("the renderer took longer than %s seconds; ended it", self.limit)
                self.process.kill()
                with contextlib.suppress(IntakeError):
                    await work  # returns at once: the renderer's pipe closed
                return encode_answer(False, "The documents took too long to make and were stopped. Press Try "
                                            "again; if it happens again, check the renderer's log.")
            except IntakeError as exc:
                return encode_answer(False, str(exc))
