"""Wizard sessions through the real server, spoken to as the page does (no browser)."""

from __future__ import annotations

import asyncio
import json
import stat
import time

import aiohttp

from intake.config import load_config
from intake.records import Store
from tests.browser.conftest import Served
from tests.serve import processes


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


def test_a_page_closed_mid_step_keeps_the_draft_and_ends_its_wizard(tmp_path, monkeypatch):
    server = Served(tmp_path)
    try:
        processes.wait_for_template(server.process.pid)
        asyncio.run(_type_a_name_then_leave(server.url))
        deadline = time.monotonic() + 30
        while processes.wizards(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes.wizards(server.process.pid) == []  # the wizard of the closed page has ended
    finally:
        output = server.stop()
    assert "Traceback" not in output
    monkeypatch.chdir(tmp_path)
    with Store.open(load_config(None)) as store:
        drafts = store.drafts()
        assert len(drafts) == 1
        answers = store.load_intake(drafts[0].intake_id).answers
    assert answers["full_name"] == "Quinn Lee"  # " Lee" too: it reached the wizard before the page closed


async def _two_tablets_at_welcome(url: str, server_pid: int) -> list[int]:
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
        wizards = processes.wizards(server_pid)
        for socket in sockets:
            await socket.close()
        return wizards


def _environment(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/environ", "rb") as file:
        pairs = [item.split(b"=", 1) for item in file.read().split(b"\0") if b"=" in item]
    return {key.decode(): value.decode() for key, value in pairs}


def test_the_wizards_of_a_server_share_its_one_renderer(tmp_path):
    server = Served(tmp_path)
    try:
        template = processes.wait_for_template(server.process.pid)
        before = processes.children(server.process.pid)
        renderers = [pid for pid, command in before.items() if "intake.tui.render_worker" in command]
        assert len(before) == 2 and len(renderers) == 1  # started with it, beside the wizards' template
        wizards = asyncio.run(_two_tablets_at_welcome(server.url, server.process.pid))
        assert len(wizards) == 2 and set(wizards) == set(processes.children(template))  # both forked from the template
        assert [pid for pid, command in processes.children(server.process.pid).items()
                if "intake.tui.render_worker" in command] == renderers
        assert all(processes.children(pid) == {} for pid in wizards)  # no wizard starts a renderer of its own
        assert "INTAKE_RENDER_SOCKET" not in _environment(template)  # each wizard is told the socket, not the template
        sockets = {path for path in processes.unix_sockets(server.process.pid) if path.name == "renderer.sock"}
        assert len(sockets) == 1
        path = sockets.pop()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        output = server.stop()
    assert "Traceback" not in output
    assert not path.parent.exists()  # the server removed its socket folder when it stopped
