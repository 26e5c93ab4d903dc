"""Provides WizardProcess: one kiosk wizard process per browser connection, named after its device."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual_serve.app_service import AppService

from intake.serve.spawner import ForkedWizard, WizardTemplate
from intake.tui.render_worker import RENDER_SOCKET_ENV

log = logging.getLogger("intake.serve")

#: Environment variable that names the device in the audit trail.
DEVICE_ENV = "INTAKE_DEVICE"
#: Meta messages the wizard may send to the page, with the values each may carry (anything else, e.g.
#: open_url or downloads, is dropped; a value not listed is left out).
PAGE_MESSAGES: dict[str, dict[str, tuple[object, ...]]] = {
    "keyboard": {"show": (True, False), "mode": ("text", "email", "tel", "numeric", "decimal"),
                 "capitalize": ("sentences", "words", "none"), "correct": ("on", "off"), "enter": ("next", "enter")},
    "pointer": {"draw": (True, False)},
}
#: Seconds a wizard has to save the draft and quit once its page has gone, before it is ended.
QUIT_GRACE = 20


def wizard_command(config: Path) -> str:
    """The shell command that starts one kiosk wizard on the clinic's configuration."""
    return " ".join(shlex.quote(part) for part in
                    (sys.executable, "-m", "intake", "--config", str(config), "start", "--kiosk"))


class WizardProcess(AppService):
    """textual-serve's app service, with the device's name in the environment and no downloads or links.

    Args:
        command: from wizard_command().
        device: the paired device's name (None: the wizard uses [kiosk] device or the host name).
        renderer: the socket of the server's shared document renderer (None: the wizard starts its own).
        failed: called when the wizard ends without saying so (it failed to start, or stopped): the server
            tells the page, which says it in words.
        template: the warm template the wizard is forked from (None, or not running: the command is started).
        others: as for AppService.
    """

    def __init__(self, command: str, *, device: str | None, renderer: Path | None = None,
                 failed: Callable[[], Awaitable[object]] | None = None, template: WizardTemplate | None = None,
                 **others) -> None:
        super().__init__(command, **others)
        self.device = device
        self.renderer = renderer
        self.failed = failed
        self.template = template
        self.ended_itself = False  # the wizard said it was ending ("exit")
        self.stopping = False  # the server asked it to quit

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment.pop("TEXTUAL", None)
        environment.pop("TEXTUAL_LOG", None)
        environment.pop(DEVICE_ENV, None)
        environment.pop(RENDER_SOCKET_ENV, None)
        if self.device:
            environment[DEVICE_ENV] = self.device
        if self.renderer is not None:
            environment[RENDER_SOCKET_ENV] = str(self.renderer)
        return environment

    def environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        """The wizard's environment: textual-serve's, with the device's name and the renderer's socket."""
        return self._build_environment(width=width, height=height)

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        if self.template is not None and self.template.running:
            try:
                forked = await self.template.fork(self.environment(width, height))
            except ConnectionError as exc:
                log.warning("could not fork a wizard (%s); starting one as a process of its own", exc)
            else:  # it has what AppService and this class use of a Process
                self._process = forked  # type: ignore[assignment]
                self._stdin = forked.stdin
                return forked  # type: ignore[return-value]
        # The wizard itself, not a shell around it: the quit message and, if need be, the kill reach it.
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self._build_environment(width=width, height=height))
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        """textual-serve's loop over the wizard's output; then the wizard is waited for and its pipes closed.

        textual-serve leaves a wizard that ended by itself (the client's session finished) unreaped, and
        asyncio keeps the pipes of a finished child open until they are closed.
        """
        try:
            await super().run()
        finally:
            process = self._process
            if process is not None:
                try:
                    await asyncio.wait_for(process.wait(), timeout=QUIT_GRACE)
                except TimeoutError:  # its output ended but it did not: end it
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    await process.wait()
                _close_pipes(process)
                await self._ended(process.returncode)

    async def _ended(self, status: int | None) -> None:
        """Closes the page's connection once the wizard has ended by itself: as failed (the page says so in
        words) when it ended with an error status or without saying it was ending, else normally."""
        if self.stopping:
            return
        if (status or not self.ended_itself) and self.failed is not None:
            log.error("a wizard ended with exit status %s%s", status,
                      "" if self.ended_itself else " without saying it was ending")
            await self.failed()
        else:
            await self.remote_close()

    async def stop(self) -> None:
        """Asks the wizard to quit and waits while it saves the client's draft; ends it after QUIT_GRACE seconds.

        textual-serve's own stop waits for the wizard's output to end with no limit, so a wizard
        that hung would never be ended; here the time limit comes first.
        """
        task, process = self._task, self._process
        if task is None or process is None:
            return
        self.stopping = True
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        try:  # its output ends when it has quit
            await asyncio.wait_for(asyncio.shield(task), timeout=QUIT_GRACE)
        except TimeoutError:
            log.warning("a wizard did not quit within %s seconds of its page closing; ended it", QUIT_GRACE)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await task
        await process.wait()
        _close_pipes(process)
        self._task = None

    async def on_meta(self, data: bytes) -> None:
        meta = json.loads(data)
        kind = meta.get("type")
        if kind == "exit":  # the page is told once the wizard has ended, and how (see _ended)
            self.ended_itself = True
        elif kind in PAGE_MESSAGES:
            allowed = PAGE_MESSAGES[kind]
            values = {key: meta[key] for key, choices in allowed.items() if key in meta and meta[key] in choices}
            await self.remote_write_str(json.dumps([kind, values]))
        else:
            log.info("ignored a %r message from the wizard (the page opens no links and no downloads)", kind)


def _close_pipes(process: asyncio.subprocess.Process) -> None:
    """Closes a finished child's pipes (asyncio's Process has no public close; its transport has)."""
    if isinstance(process, ForkedWizard):
        process.close()
        return
    transport = getattr(process, "_transport", None)
    if transport is not None:
        transport.close()
