"""Wizard sessions through the real server, spoken to as the page does (no browser)."""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
import time
from pathlib import Path

import aiohttp

from intake.config import load_config
from intake.records import Store
from tests.browser.conftest import Served


async def _type_a_name_then_leave(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        socket = await http.ws_connect(f"{url}ws?width=100&height=40", headers={"Origin": url.rstrip("/")})
        seen = ""

        async def until(marker: str) -> None:
            nonlocal seen
            while marker not in seen:
                message = await asyncio.wait_for(socket.receive(), 60)
                assert message.type == aiohttp.WSMsgType.BINARY or message.type == aiohttp.WSMsgType.TEXT, message
                if message.type == aiohttp.WSMsgType.BINARY:
                    seen = (seen + message.data.decode("utf-8", "replace"))[-20000:]
            seen = ""

        await until("It takes about 10 minutes")
        await socket.send_str(json.dumps(["stdin", "\r"]))
        await until("Step 1 of")
        await socket.send_str(json.dumps(["stdin", "Quinn"]))
        await until("Quinn")  # the name field has focus
        await socket.send_str(json.dumps(["stdin", " Lee"]))
        await socket.close()  # the tablet's page is closed mid-step, before the wizard has shown " Lee"


def _children(pid: int) -> dict[int, str]:
    """The child processes of `pid`, with their command lines."""
    listed = subprocess.run(["pgrep", "-a", "-P", str(pid)], capture_output=True, text=True).stdout
    return {int(line.split(" ", 1)[0]): line.split(" ", 1)[1] for line in listed.splitlines()}


def _wizards(pid: int) -> list[int]:
    return [child for child, command in _children(pid).items() if command.endswith("start --kiosk")]


def test_a_page_closed_mid_step_keeps_the_draft_and_ends_its_wizard(tmp_path, monkeypatch):
    server = Served(tmp_path)
    try:
        asyncio.run(_type_a_name_then_leave(server.url))
        deadline = time.monotonic() + 30
        while _wizards(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _wizards(server.process.pid) == []  # the wizard of the closed page has ended
    finally:
        output = server.stop()
    assert "Traceback" not in output
    monkeypatch.chdir(tmp_path)
    with Store.open(load_config(None)) as store:
        drafts = store.drafts()
        assert len(drafts) == 1
        answers = store.load_intake(drafts[0].intake_id).answers
    assert answers["full_name"] == "Quinn Lee"  # " Lee" too: it reached the wizard before the page closed


async def _two_tablets_at_welcome(url: str, server_pid: int) -> dict[int, str]:
    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(f"{url}ws?width=100&height=40", headers={"Origin": url.rstrip("/")})
                   for _ in range(2)]
        for socket in sockets:
            seen = ""
            while "It takes about 10 minutes" not in seen:
                message = await asyncio.wait_for(socket.receive(), 60)
                assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
                if message.type == aiohttp.WSMsgType.BINARY:
                    seen = (seen + message.data.decode("utf-8", "replace"))[-20000:]
        children = _children(server_pid)
        for socket in sockets:
            await socket.close()
        return children


def _environment(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/environ", "rb") as file:
        pairs = [item.split(b"=", 1) for item in file.read().split(b"\0") if b"=" in item]
    return {key.decode(): value.decode() for key, value in pairs}


def test_the_wizards_of_a_server_share_its_one_renderer(tmp_path):
    server = Served(tmp_path)
    try:
        before = _children(server.process.pid)
        assert len(before) == 1 and "intake.tui.render_worker" in next(iter(before.values()))  # started with it
        children = asyncio.run(_two_tablets_at_welcome(server.url, server.process.pid))
        wizards = [pid for pid, command in children.items() if command.endswith("start --kiosk")]
        renderers = [pid for pid, command in children.items() if "intake.tui.render_worker" in command]
        assert len(wizards) == 2 and renderers == list(before)
        assert all(_children(pid) == {} for pid in wizards)  # no wizard starts a renderer of its own
        sockets = {_environment(pid).get("INTAKE_RENDER_SOCKET") for pid in wizards}
        assert len(sockets) == 1
        path = Path(sockets.pop())
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        output = server.stop()
    assert "Traceback" not in output
    assert not path.parent.exists()  # the server removed its socket folder when it stopped
