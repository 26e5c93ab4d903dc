"""Provides WizardProcess: one kiosk wizard process per browser connection, named after its device."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import sys
from pathlib import Path

from textual_serve.app_service import AppService

log = logging.getLogger("intake.serve")

#: Environment variable that names the device in the audit trail.
DEVICE_ENV = "INTAKE_DEVICE"
#: Meta messages the wizard may send to the page (anything else, e.g. open_url or downloads, is dropped).
PAGE_MESSAGES = {"keyboard": "show", "pointer": "draw"}


def wizard_command(config: Path) -> str:
    """The shell command that starts one kiosk wizard on the clinic's configuration."""
    return " ".join(shlex.quote(part) for part in
                    (sys.executable, "-m", "intake", "--config", str(config), "start", "--kiosk"))


class WizardProcess(AppService):
    """textual-serve's app service, with the device's name in the environment and no downloads or links.

    Args:
        command: from wizard_command().
        device: the paired device's name (None: the wizard uses [kiosk] device or the host name).
        others: as for AppService.
    """

    def __init__(self, command: str, *, device: str | None, **others) -> None:
        super().__init__(command, **others)
        self.device = device

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment.pop("TEXTUAL", None)
        environment.pop("TEXTUAL_LOG", None)
        environment.pop(DEVICE_ENV, None)
        if self.device:
            environment[DEVICE_ENV] = self.device
        return environment

    async def stop(self) -> None:
        """Asks the wizard to quit (it keeps the client's draft), and ends it if it has not within 10 seconds."""
        await super().stop()
        process = self._process
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()

    async def on_meta(self, data: bytes) -> None:
        meta = json.loads(data)
        kind = meta.get("type")
        if kind == "exit":
            await self.remote_close()
        elif kind in PAGE_MESSAGES:
            field = PAGE_MESSAGES[kind]
            await self.remote_write_str(json.dumps([kind, {field: bool(meta.get(field))}]))
        else:
            log.info("ignored a %r message from the wizard (the page opens no links and no downloads)", kind)
