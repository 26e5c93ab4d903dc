"""Wizard sessions through the real server, spoken to as the page does (no browser)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time

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


def _children(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()


def test_a_page_closed_mid_step_keeps_the_draft_and_ends_its_wizard(tmp_path, monkeypatch):
    server = Served(tmp_path)
    try:
        asyncio.run(_type_a_name_then_leave(server.url))
        deadline = time.monotonic() + 30
        while _children(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _children(server.process.pid) == []  # the wizard of the closed page has ended
    finally:
        output = server.stop()
    assert "Traceback" not in output
    monkeypatch.chdir(tmp_path)
    with Store.open(load_config(None)) as store:
        drafts = store.drafts()
        assert len(drafts) == 1
        answers = store.load_intake(drafts[0].intake_id).answers
    assert answers["full_name"] == "Quinn Lee"  # " Lee" too: it reached the wizard before the page closed
