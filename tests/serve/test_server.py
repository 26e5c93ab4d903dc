"""The tablet server's HTTP side without a browser: headers, statics, origin and host checks, pairing."""

from __future__ import annotations

import asyncio
import shlex
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from intake.serve.pairing import Devices
from intake.serve.settings import ServeSettings
from intake.serve.web import COOKIE, TabletServer

#: A stand-in wizard: announces itself as textual-serve expects, then ends.
FAKE_WIZARD = f"{shlex.quote(sys.executable)} -c \"print('__GANGLION__')\""


def settings(tmp_path: Path, **changes) -> ServeSettings:
    values = dict(host="127.0.0.1", port=0, cert_file=None, key_file=None, pairing=False,
                  devices_file=tmp_path / "devices.json")
    values.update(changes)
    return ServeSettings(**values)


def run(tmp_path: Path, check, **changes):
    """Runs `check(client, server)` against a TabletServer on loopback."""
    server = TabletServer(FAKE_WIZARD, settings(tmp_path, **changes), "Demo Skin <Clinic>")

    async def main():
        app = await server._make_app()
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            return await check(client, server)

    return asyncio.run(main())


def own_origin(client: TestClient) -> str:
    return f"http://127.0.0.1:{client.port}"


def test_the_page_names_the_clinic_and_loads_only_from_the_server(tmp_path):
    async def check(client, server):
        response = await client.get("/")
        assert response.status == 200
        page = await response.text()
        headers = response.headers
        assert "<title>Demo Skin &lt;Clinic&gt;</title>" in page  # escaped
        assert "https://" not in page and "http://" not in page.replace('xmlns="http://www.w3.org', "")
        assert "fonts.googleapis" not in page
        assert f'data-session-websocket-url="ws://127.0.0.1:{client.port}/ws"' in page
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        icon = await client.get("/icon.svg")
        assert icon.status == 200 and "DS" in await icon.text()

    run(tmp_path, check)


def test_statics_are_a_fixed_list_with_no_folder_listing(tmp_path):
    async def check(client, server):
        for name in ("textual.js", "xterm.css", "RobotoMono.ttf", "page.js", "page.css"):
            assert (await client.get(f"/static/{name}")).status == 200, name
        script = await (await client.get("/static/textual.js")).text()
        assert "window.intakeClient=t" in script
        for path in ("/static/", "/static", "/static/js/", "/static/..%2Fserver.py", "/static/fonts",
                     "/download/x"):
            assert (await client.get(path)).status == 404, path

    run(tmp_path, check)


def test_a_websocket_from_another_origin_is_refused(tmp_path):
    async def check(client, server):
        for origin in ("http://evil.example", "null", f"https://127.0.0.1:{client.port}", None):
            headers = {"Origin": origin} if origin else {}
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect("/ws", headers=headers)
            assert refused.value.status == 403
        socket = await client.ws_connect("/ws", headers={"Origin": own_origin(client)})
        await socket.close()

    run(tmp_path, check)


def test_on_loopback_only_loopback_host_names_are_answered(tmp_path):
    async def check(client, server):  # a DNS-rebinding page sends its own host name
        response = await client.get("/", headers={"Host": f"rebind.example:{client.port}"})
        assert response.status == 421
        assert (await client.get("/", headers={"Host": f"localhost:{client.port}"})).status == 200

    run(tmp_path, check)


def test_an_unpaired_browser_is_sent_to_pairing_and_cannot_open_a_session(tmp_path):
    async def check(client, server):
        response = await client.get("/", allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/pair"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers={"Origin": own_origin(client)})
        assert refused.value.status == 403
        assert "Pairing code" in await (await client.get("/pair")).text()

    run(tmp_path, check, pairing=True)


def test_a_pairing_code_works_once_and_gives_a_private_cookie(tmp_path):
    async def check(client, server):
        code = server.devices.new_code("tablet-1")
        form = {"code": code.lower()[:5] + "-" + code.lower()[5:]}  # staff may type it any way
        response = await client.post("/pair", data=form, headers={"Origin": own_origin(client)},
                                     allow_redirects=False)
        assert response.status == 303
        cookie = response.cookies[COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and int(cookie["max-age"]) > 86400
        assert server.devices.device_for(cookie.value) == "tablet-1"
        assert (await client.get("/", allow_redirects=False)).status == 200  # the cookie jar sends it
        again = await client.post("/pair", data=form, headers={"Origin": own_origin(client)})
        assert again.status == 403
        stored = (tmp_path / "devices.json").read_text()
        assert cookie.value not in stored and code not in stored  # only hashes are kept
        assert (tmp_path / "devices.json").stat().st_mode & 0o777 == 0o600

    run(tmp_path, check, pairing=True)


def test_pairing_from_another_origin_is_refused(tmp_path):
    async def check(client, server):
        code = server.devices.new_code("tablet-1")
        response = await client.post("/pair", data={"code": code}, headers={"Origin": "http://evil.example"})
        assert response.status == 403
        assert server.devices.names() == []

    run(tmp_path, check, pairing=True)


def test_wrong_pairing_codes_are_rate_limited(tmp_path, monkeypatch):
    async def no_wait(seconds):
        return None

    async def check(client, server):
        monkeypatch.setattr("intake.serve.web.asyncio.sleep", no_wait)
        good = server.devices.new_code("tablet-1")
        statuses = []
        for _ in range(server.limiter.per_address):
            response = await client.post("/pair", data={"code": "WRONGCODE1"}, headers={"Origin": own_origin(client)})
            statuses.append(response.status)
        blocked = await client.post("/pair", data={"code": good}, headers={"Origin": own_origin(client)})
        assert statuses == [403] * server.limiter.per_address
        assert blocked.status == 429 and "Too many" in await blocked.text()
        assert server.devices.names() == []  # even the right code waits until the window has passed

    run(tmp_path, check, pairing=True)


def test_codes_expire(tmp_path):
    now = [1_000_000.0]
    devices = Devices(tmp_path / "devices.json", clock=lambda: now[0])
    code = devices.new_code("tablet-1")
    now[0] += 15 * 60 + 1
    assert devices.redeem(code) is None
    fresh = devices.new_code("tablet-1")
    name, token = devices.redeem(fresh)
    assert name == "tablet-1" and devices.device_for(token) == "tablet-1"
    assert devices.forget("tablet-1") == 1 and devices.device_for(token) is None
