"""The tablet server within the machine: the cap and the page beyond it, per-address shares, idle sessions ended,
a wizard that fails reported in words, security headers on redirects and errors, and loopback spelt [::1]."""

from __future__ import annotations

import asyncio
import shlex
import sys

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from intake.serve.web import BUSY_RETRY, CLOSED_BUSY, CLOSED_FAILED, CLOSED_IDLE, SECURITY_HEADERS, TabletServer
from tests.serve.test_server import own_origin, settings

#: A stand-in wizard that starts as textual-serve expects and then runs until its quit message (as the real one).
WAITING_WIZARD = " ".join(shlex.quote(part) for part in (sys.executable, "-c", (
    "import sys\nprint('__GANGLION__', flush=True)\nseen = b''\n"
    "while b'quit' not in seen:\n    chunk = sys.stdin.buffer.read1(4096)\n    if not chunk: break\n"
    "    seen = seen[-16:] + chunk\n")))
#: A stand-in for a wizard that cannot start (a broken configuration): it says why on stderr and ends.
BROKEN_WIZARD = f"{shlex.quote(sys.executable)} -c \"import sys; sys.exit('the configuration is broken')\""


@pytest.fixture(autouse=True)
def short_waits(monkeypatch):
    """Refusals come after a short wait here (the product waits for a reloading tablet's old session)."""
    monkeypatch.setattr("intake.serve.web.PAGE_WAIT", 0.05)
    monkeypatch.setattr("intake.serve.web.SOCKET_WAIT", 0.05)


def run(tmp_path, check, command=WAITING_WIZARD, **changes):
    server = TabletServer(command, settings(tmp_path, **changes), "Demo Skin Clinic")

    async def main():
        app = await server._make_app()
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            return await check(client, server)

    return asyncio.run(main())


async def connect(client: TestClient, address: str | None = None) -> aiohttp.ClientWebSocketResponse:
    headers = {"Origin": own_origin(client)}
    if address is not None:
        headers["X-Test-Address"] = address
    return await client.ws_connect("/ws", headers=headers)


async def until_held(server: TabletServer, count: int) -> None:
    for _ in range(200):
        if len(server.admission) == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(server.admission)} sessions held, not {count}")


def assert_secure(response: aiohttp.ClientResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status, name)
    assert response.headers.get("Cache-Control")


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_the_tablet_beyond_the_cap_is_told_all_are_in_use_and_gets_in_when_one_leaves(tmp_path, cap):
    async def check(client, server):
        sockets = [await connect(client) for _ in range(cap)]
        await until_held(server, cap)
        page = await client.get("/")
        text = await page.text()
        assert page.status == 503 and page.headers["Retry-After"] == str(BUSY_RETRY)
        assert "All our tablets are in use just now" in text and f'content="{BUSY_RETRY}"' in text
        assert_secure(page)
        extra = await connect(client)  # a page that raced past the check is closed with the reason
        message = await extra.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == CLOSED_BUSY
        assert len(server.admission) == cap
        await sockets.pop().close()
        await until_held(server, cap - 1)
        assert (await client.get("/")).status == 200
        for socket in sockets:
            await socket.close()

    run(tmp_path, check, max_sessions=cap)


def test_a_tablet_that_reloads_its_page_at_the_cap_gets_its_wizard_back(tmp_path, monkeypatch):
    monkeypatch.setattr("intake.serve.web.PAGE_WAIT", 0.5)
    monkeypatch.setattr("intake.serve.web.SOCKET_WAIT", 2.0)

    async def check(client, server):
        old = await connect(client)
        await until_held(server, 1)
        closing = asyncio.get_running_loop().call_later(0.1, lambda: asyncio.ensure_future(old.close()))
        page = await client.get("/")  # asked a moment before the old page's session has ended
        assert closing.when() and page.status == 200
        new = await connect(client)
        await until_held(server, 1)
        assert not new.closed
        await new.close()

    run(tmp_path, check, max_sessions=1)


def test_one_network_address_holds_only_its_share(tmp_path, monkeypatch):
    async def check(client, server):
        held = [await connect(client) for _ in range(2)]
        await until_held(server, 2)
        page = await client.get("/")
        assert page.status == 503
        extra = await connect(client)
        assert (await extra.receive(timeout=5)).data == CLOSED_BUSY
        for socket in held:
            await socket.close()

    # Every request seems to come from one tablet on the network (the test client is on loopback).
    monkeypatch.setattr("aiohttp.web_request.BaseRequest.remote", property(lambda request: "10.0.0.9"))
    run(tmp_path, check, max_sessions=10, per_address=2)


def test_an_idle_session_is_ended_with_its_reason_and_input_keeps_another(tmp_path, monkeypatch):
    monkeypatch.setattr("intake.serve.web.IDLE_CHECK", 0.05)
    now = [1000.0]

    async def check(client, server):
        server.admission.clock = lambda: now[0]
        quiet, typing = await connect(client), await connect(client)
        await until_held(server, 2)
        now[0] += server.admission.idle_seconds - 1
        await typing.send_json(["stdin", "a"])  # a key: this session is in use
        await typing.send_json(["ping", "after the key"])  # the pong comes once the key has been taken
        assert (await typing.receive_json(timeout=5)) == ["pong", "after the key"]
        now[0] += 1
        message = await quiet.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == CLOSED_IDLE
        await until_held(server, 1)
        await typing.send_json(["ping", "still here"])  # pings are not input, but this session is not idle yet
        assert (await typing.receive_json(timeout=5)) == ["pong", "still here"]
        now[0] += server.admission.idle_seconds - 1
        await typing.send_json(["ping", "a ping keeps nothing"])
        assert (await typing.receive_json(timeout=5))[0] == "pong"
        now[0] += 1
        message = await typing.receive(timeout=5)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == CLOSED_IDLE
        await until_held(server, 0)

    run(tmp_path, check)


def ending_wizard(status: int) -> str:
    """A stand-in wizard that starts, says it is ending (as Textual does on leaving), and ends with `status`."""
    code = ("import sys, json\nprint('__GANGLION__', flush=True)\ndata = json.dumps({'type': 'exit'}).encode()\n"
            "sys.stdout.buffer.write(b'M' + len(data).to_bytes(4, 'big') + data)\nsys.stdout.flush()\n"
            f"sys.exit({status})\n")
    return " ".join(shlex.quote(part) for part in (sys.executable, "-c", code))


@pytest.mark.parametrize(("command", "reason"), [
    (BROKEN_WIZARD, CLOSED_FAILED),  # never started: it printed its reason on stderr and ended
    (ending_wizard(1), CLOSED_FAILED),  # started, then could not open the records: it left with an error status
    (ending_wizard(0), aiohttp.WSCloseCode.OK),  # staff closed it: the page starts a fresh one, no words needed
])
def test_a_wizard_that_cannot_start_is_reported_to_the_tablet(tmp_path, command, reason):
    async def check(client, server):
        socket = await connect(client)
        message = await socket.receive(timeout=20)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == reason
        await until_held(server, 0)

    run(tmp_path, check, command=command)


def test_the_page_says_each_reason_in_words_in_every_language_offered():
    """Between two clients the page cannot know whose language to speak: each of its words in every one offered."""
    from importlib import resources

    import jinja2

    from intake.serve.web import page_words

    folder = resources.files("intake.serve") / "pages"
    pages = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
    words = [page_words("en"), page_words("de")]
    page = pages.get_template("index.html").render(clinic="C", websocket_url="wss://x/ws", font_size=0, words=words)
    busy = pages.get_template("busy.html").render(clinic="C", retry=BUSY_RETRY, words=words)
    script = (resources.files("intake.serve") / "static" / "page.js").read_text()
    for reason, code in (("idle", CLOSED_IDLE), ("failed", CLOSED_FAILED)):
        assert f'data-reason="{reason}" lang="en"' in page and f'data-reason="{reason}" lang="de"' in page
        assert str(code) in script
    assert f"CLOSED_BUSY = {CLOSED_BUSY}" in script and "Tap the screen to start" in page
    assert "let a member of staff know" in page and "Tippen Sie auf den Bildschirm, um zu beginnen" in page
    assert '<span lang="de">Einen Moment bitte …</span>' in page
    assert "Gerade sind alle unsere Tablets in Gebrauch." in busy and f"alle {BUSY_RETRY} Sekunden" in busy


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/", 303), ("GET", "/nothing-here", 404), ("GET", "/static/none.js", 404), ("DELETE", "/", 405),
    ("GET", "/ws", 403),
])
def test_redirects_and_errors_carry_the_security_headers(tmp_path, method, path, status):
    async def check(client, server):
        response = await client.request(method, path, allow_redirects=False)
        assert response.status == status
        assert_secure(response)

    run(tmp_path, check, pairing=True)


def test_a_misdirected_request_carries_the_security_headers(tmp_path):
    async def check(client, server):
        response = await client.get("/", headers={"Host": "rebind.example"})
        assert response.status == 421
        assert_secure(response)

    run(tmp_path, check)


@pytest.mark.parametrize("host", ["[::1]", "[::1]:{port}", "localhost", "127.0.0.1:{port}"])
def test_loopback_is_answered_in_every_spelling(tmp_path, host):
    async def check(client, server):
        response = await client.get("/", headers={"Host": host.format(port=client.port)})
        assert response.status == 200

    run(tmp_path, check)
