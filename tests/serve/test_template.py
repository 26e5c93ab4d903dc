"""The wizard template of `intake serve`: wizards forked from it work over the real server, the template keeps
nothing of any client, a killed wizard leaves the others, a tablet gets a wizard when the template has gone."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import time
from pathlib import Path

import aiohttp
import pytest

from intake.config import SCHEMAS_DIR
from intake.engine import Engine
from intake.serve.template import WIZARD_NAME
from intake.tui.warm import keep_engine, kept_engine
from tests.browser.conftest import Served
from tests.serve import processes

MARKER = "Quillonia Zephyrwick"  # a client's name, typed on a tablet: found in her wizard, never in the template


class Tablet:
    """One tablet's page, as textual-serve's page speaks to the server."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket, self.seen = socket, ""

    @classmethod
    async def open(cls, http: aiohttp.ClientSession, url: str) -> Tablet:
        tablet = cls(await http.ws_connect(f"{url}ws?width=100&height=40", headers={"Origin": url.rstrip("/")}))
        await tablet.until("It takes about 10 minutes")
        return tablet

    async def until(self, marker: str) -> None:
        while marker not in self.seen:
            message = await asyncio.wait_for(self.socket.receive(), 60)
            assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
            if message.type == aiohttp.WSMsgType.BINARY:
                self.seen = (self.seen + message.data.decode("utf-8", "replace"))[-20000:]
        self.seen = ""

    async def type(self, text: str, shown: str) -> None:
        await self.socket.send_str(json.dumps(["stdin", text]))
        await self.until(shown)

    async def closed_with(self) -> int | None:
        """Waits for the server to close this page's session; the close code, as the server's close frame gives it
        (aiohttp's client may afterwards note 1006 on its side, if its own reply races the server's closing of the
        connection on a loaded machine: the page reads the frame's code, and so does this)."""
        while True:
            message = await asyncio.wait_for(self.socket.receive(), 60)
            if message.type is aiohttp.WSMsgType.CLOSE:
                return int(message.data)
            if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return self.socket.close_code


def _memory_holds(pid: int, text: str) -> bool:
    """True when `text` (UTF-8, as Python keeps an ASCII string) is anywhere in the process's readable memory."""
    needle = text.encode()
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as memory:
        for line in maps:
            start, end = (int(part, 16) for part in line.split()[0].split("-"))
            if not line.split()[1].startswith("r") or "[vsyscall]" in line or "[vvar" in line:
                continue
            try:
                memory.seek(start)
                if needle in memory.read(end - start):
                    return True
            except (OSError, OverflowError, ValueError):
                continue
    return False


def _descriptors(pid: int) -> set[str]:
    """What the process's open file descriptors point to (sockets and pipes by kind, files by path)."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.add(re.sub(r"\[\d+\]", "", os.readlink(fd)))
        except OSError:
            continue
    return found


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def _wait_until(check, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


async def _a_client_types_her_name(url: str, server_pid: int, template: int) -> tuple[bool, bool]:
    async with aiohttp.ClientSession() as http:
        tablet = await Tablet.open(http, url)
        (wizard,) = processes.wizards(server_pid)
        await tablet.type("\r", "Step 1 of")
        await tablet.type(MARKER, MARKER)  # the name field has focus
        in_her_wizard, in_the_template = _memory_holds(wizard, MARKER), _memory_holds(template, MARKER)
        await tablet.socket.close()
    return in_her_wizard, in_the_template


@pytest.mark.slow
def test_the_template_keeps_nothing_of_a_client_and_nothing_a_wizard_uses(tmp_path):
    server = Served(tmp_path)
    try:
        template = processes.wait_for_template(server.process.pid)
        before = _descriptors(template)
        assert _threads(template) == 1  # a fork copies only the forking thread: none may hold a lock
        assert not any(str(tmp_path) in target for target in before)  # no record store, no file of the clinic's data
        in_her_wizard, in_the_template = asyncio.run(
            _a_client_types_her_name(server.url, server.process.pid, template))
        assert in_her_wizard  # the search finds a name where it is
        assert not in_the_template
        _wait_until(lambda: not processes.wizards(server.process.pid))  # the page closed: her wizard saved and ended
        assert not _memory_holds(template, MARKER)
        assert _descriptors(template) == before and _threads(template) == 1  # nothing of hers was kept open
        environment = Path(f"/proc/{template}/environ").read_bytes()
        assert b"INTAKE_DEVICE" not in environment and b"INTAKE_RENDER_SOCKET" not in environment
    finally:
        output = server.stop()
    assert "Traceback" not in output


async def _wizards_killed(url: str, server_pid: int, template: int) -> None:
    async with aiohttp.ClientSession() as http:
        first = await Tablet.open(http, url)
        (its_wizard,) = processes.wizards(server_pid)
        second = await Tablet.open(http, url)
        wizards = processes.wizards(server_pid)
        assert sorted(wizards) == sorted(processes.children(template)) and len(wizards) == 2  # both forked from it
        assert {processes.process_name(pid) for pid in wizards} == {WIZARD_NAME}
        os.kill(its_wizard, signal.SIGKILL)
        assert await first.closed_with() == 4002  # the page says the intake could not start and tries again
        await second.type("\r", "Step 1 of")  # the other tablet goes on
        assert processes.children(template) == {pid: command for pid, command in processes.children(template).items()
                                       if pid != its_wizard}
        os.kill(template, signal.SIGKILL)  # the template has gone: its wizards are ended with it
        assert await second.closed_with() == 4002
        third = await Tablet.open(http, url)  # the next tablet still gets a wizard (one of its own meanwhile)
        await third.type("\r", "Step 1 of")
        await third.socket.close()


@pytest.mark.slow
def test_a_killed_wizard_leaves_the_others_and_without_its_template_a_tablet_still_gets_a_wizard(tmp_path):
    server = Served(tmp_path)
    try:
        template = processes.wait_for_template(server.process.pid)
        asyncio.run(_wizards_killed(server.url, server.process.pid, template))
        _wait_until(lambda: not processes.wizards(server.process.pid))
    finally:
        output = server.stop()
    assert "Traceback" not in output


def test_a_forked_wizard_takes_the_kept_engine_only_while_the_clinics_files_are_unchanged(tmp_path):
    schemas = shutil.copytree(SCHEMAS_DIR, tmp_path / "schemas")
    demo = Path(Engine.load(None).config.source).read_text(encoding="utf-8")
    config = tmp_path / "clinic.toml"
    config.write_text(f'[paths]\nschemas = "{schemas}"\n\n{demo}', encoding="utf-8")
    engine = Engine.load(config)
    keep_engine(config, engine)
    assert kept_engine(config) is engine
    assert kept_engine(tmp_path / "another.toml") is None
    questionnaire = schemas / "questionnaire.json"
    stat = questionnaire.stat()
    os.utime(questionnaire, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert kept_engine(config) is None  # an edited questionnaire is loaded afresh by the next wizard
