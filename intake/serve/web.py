"""Provides TabletServer: textual-serve's server closed for a clinic network.

Compared with textual-serve as shipped: a page with the clinic's name that loads nothing from any
other host; a fixed list of static files (no folder listing); security headers with a
Content-Security-Policy of 'self' on every response (redirects and errors too); the websocket refuses
other origins (and, on loopback, host names that are not loopback, against DNS rebinding); tablets
beyond loopback must be paired; no downloads. Sessions are held within the machine: at most
[serve] max_sessions at once (the next tablet gets a page saying all are in use), a few per network
address, idle ones ended; a wizard that fails is reported to its tablet in words.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from intake.i18n import N_, intake_words
from intake.serve.admission import Admission, Refusal
from intake.serve.pairing import Devices, FailureLimiter
from intake.serve.process import WizardProcess
from intake.serve.renderer import RenderRelay
from intake.serve.settings import ServeSettings, host_name, is_loopback
from intake.serve.spawner import WizardTemplate
from intake.serve.statics import Statics

log = logging.getLogger("intake.serve")
COOKIE = "intake_device"
COOKIE_AGE = 400 * 24 * 3600
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
#: Websocket close codes that tell the page why the server ended a session (see static/page.js).
CLOSED_IDLE, CLOSED_BUSY, CLOSED_FAILED = 4000, 4001, 4002
#: Seconds after which the "all tablets are in use" page asks again.
BUSY_RETRY = 15
#: Seconds between two looks for idle sessions.
IDLE_CHECK = 30
#: Seconds a page, and then its websocket, wait for a session to end before being told all are in use: a
#: tablet that reloads its page asks for a new session a moment before its old one has ended.
PAGE_WAIT, SOCKET_WAIT = 0.5, 2.0
#: Seconds between two attempts to start the wizard template again after it has gone.
TEMPLATE_RETRY = 30


#: The tablet page's own words, shown by the browser while no wizard is on screen (between two clients).
PAGE_WORDS = {
    "moment": N_("One moment…"),
    "idle": N_("This tablet was not used for a while, so it was put to rest. Any answers already given are kept. "
               "Tap the screen to start."),
    "failed": N_("The intake could not start on this tablet just now. Please let a member of staff know. This page "
                 "tries again by itself."),
    "busy": N_("All our tablets are in use just now."),
    "retry": N_("This page tries again by itself every {seconds} seconds, so you can simply wait here. If you are in "
                "a hurry, please ask a member of staff."),
}


def page_words(language: str) -> dict[str, str]:
    """The tablet page's own words in a language (the "intake" catalogue), with the language's code as `lang`."""
    gettext = intake_words(language).gettext
    words = {name: gettext(message) for name, message in PAGE_WORDS.items()}
    words["retry"] = words["retry"].format(seconds=BUSY_RETRY)
    return {**words, "lang": language}


def _template_environment(command: str) -> dict[str, str]:
    """The environment the wizard template is started with: a wizard's, without a device or a renderer."""
    async def nothing(*args: object) -> None:
        return None

    probe = WizardProcess(command, device=None, write_bytes=nothing, write_str=nothing, close=nothing,
                          download_manager=None)
    return probe.environment()


class TabletServer(Server):
    """Serves one kiosk wizard per browser connection.

    Args:
        command: the wizard command (process.wizard_command).
        settings: where to listen, TLS and pairing.
        clinic: the clinic's name (title, icon, loading screen).
        renderer: the clinic configuration for one document renderer shared by every wizard
            (None: each wizard starts its own).
        languages: those the clinic offers its clients: the page's own words (between two clients) in each.
        template: the clinic configuration for a warm template process each wizard is forked from (imported
            code and clinic data shared between wizards); None: each wizard is a process started anew.
    """

    def __init__(self, command: str, settings: ServeSettings, clinic: str,
                 renderer: str | Path | None = None, languages: Sequence[str] = ("en",),
                 template: str | Path | None = None) -> None:
        super().__init__(command, host=settings.host, port=settings.port, title=clinic)
        self.settings = settings
        self.clinic = clinic
        self.words = [page_words(language) for language in languages]
        self.devices = Devices(settings.devices_file)
        self.limiter = FailureLimiter()
        self.statics = Statics()
        folder = resources.files("intake.serve") / "pages"
        self.pages = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
        self.admission: Admission[WizardProcess] = Admission(
            settings.max_sessions, settings.per_address, settings.idle_minutes * 60)
        self.sockets: dict[WizardProcess, web.WebSocketResponse] = {}
        self.renderer = RenderRelay(renderer) if renderer is not None else None
        self.template = WizardTemplate(Path(template), _template_environment(command)) if template else None
        self._template_started = -float(TEMPLATE_RETRY)
        self._template_task: asyncio.Task[None] | None = None
        self._reaper: asyncio.Task[None] | None = None

    # -- the application ----------------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers], client_max_size=16 * 1024)
        app.add_routes([
            web.get("/", self.handle_index), web.get("/ws", self.handle_websocket),
            web.get("/icon.svg", self.handle_icon), web.get("/static/{name}", self.handle_static),
            web.get("/pair", self.handle_pair), web.post("/pair", self.handle_pair),
        ])
        app.on_startup.append(self.on_startup)
        app.on_cleanup.append(self.on_cleanup)
        return app

    @web.middleware
    async def _headers(self, request: web.Request, handler) -> web.StreamResponse:
        """Adds the security headers to every response: pages, redirects and errors alike."""
        try:
            if not self._host_allowed(request):
                raise web.HTTPMisdirectedRequest(text="This server answers only to its own address.")
            response = await handler(request)
        except web.HTTPException as refused:  # redirects and errors are raised; they get the headers too
            self._secure(refused)
            raise
        self._secure(response)
        return response

    def _secure(self, response: web.StreamResponse) -> None:
        if response.prepared:  # a websocket: its handshake went out with the headers already added below
            return
        response.headers.update(SECURITY_HEADERS)
        response.headers.setdefault("Cache-Control", "no-store")
        if self.settings.tls:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"

    def _host_allowed(self, request: web.Request) -> bool:
        """On loopback, only loopback host names (a DNS-rebinding page names its own host)."""
        if not is_loopback(self.settings.host):
            return True
        return is_loopback(host_name(request.host or ""))

    def _origin_ok(self, request: web.Request) -> bool:
        return request.headers.get("Origin") == f"{self.settings.scheme}://{request.host}"

    def _device(self, request: web.Request) -> str | None:
        """The paired device's name, or None if it is not paired."""
        return self.devices.device_for(request.cookies.get(COOKIE))

    # -- pages ------------------------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.settings.pairing and self._device(request) is None:
            raise web.HTTPSeeOther("/pair")
        if await self._refusal(request.remote or "?", PAGE_WAIT) is not None:
            page = self.pages.get_template("busy.html").render(clinic=self.clinic, retry=BUSY_RETRY,
                                                                words=self.words)
            return web.Response(text=page, content_type="text/html", status=503,
                                headers={"Retry-After": str(BUSY_RETRY)})
        scheme = "wss" if self.settings.tls else "ws"
        page = self.pages.get_template("index.html").render(
            clinic=self.clinic, websocket_url=f"{scheme}://{request.host}/ws",
            font_size=to_int(request.query.get("fontsize", "0"), 0), words=self.words)
        return web.Response(text=page, content_type="text/html")

    async def handle_icon(self, request: web.Request) -> web.StreamResponse:
        initials = "".join(word[0] for word in self.clinic.split()[:2]).upper() or "+"
        svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" '
               'fill="#0f4c5c"/><text x="32" y="42" font-family="sans-serif" font-size="28" text-anchor="middle" '
               f'fill="#ffffff">{html.escape(initials)}</text></svg>')
        return web.Response(text=svg, content_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})

    async def handle_static(self, request: web.Request) -> web.StreamResponse:
        found = self.statics.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, content_type=content_type, headers={"Cache-Control": "max-age=3600"})

    async def handle_pair(self, request: web.Request) -> web.StreamResponse:
        message, status = "", 200
        if request.method == "POST":
            address = request.remote or "?"
            if not self._origin_ok(request):
                raise web.HTTPForbidden(text="Pairing must come from this server's own page.")
            if self.limiter.blocked(address):
                message, status = "Too many wrong codes. Wait ten minutes, then try again.", 429
            else:
                form = await request.post()
                paired = self.devices.redeem(str(form.get("code", ""))[:40])
                if paired is None:
                    self.limiter.failed(address)
                    await asyncio.sleep(1)  # slows guessing further
                    message, status = "That code is not valid (codes work once, for 15 minutes).", 403
                else:
                    name, token = paired
                    log.info("paired device %r", name)
                    response = web.HTTPSeeOther("/")
                    response.set_cookie(COOKIE, token, max_age=COOKIE_AGE, secure=self.settings.tls,
                                        httponly=True, samesite="Strict", path="/")
                    raise response
        page = self.pages.get_template("pair.html").render(clinic=self.clinic, message=message)
        return web.Response(text=page, content_type="text/html", status=status)

    # -- the wizard -------------------------------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self._origin_ok(request):
            log.warning("refused a websocket from origin %r", request.headers.get("Origin"))
            raise web.HTTPForbidden(text="This page may only be opened from the clinic's own server.")
        device = self._device(request)
        if self.settings.pairing and device is None:
            raise web.HTTPForbidden(text="This tablet is not paired.")
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=64 * 1024)
        self._secure(websocket)
        width = min(max(to_int(request.query.get("width", "80"), 80), 20), 400)
        height = min(max(to_int(request.query.get("height", "24"), 24), 10), 200)
        await websocket.prepare(request)
        address = request.remote or "?"
        refusal = await self._refusal(address, SOCKET_WAIT)
        if refusal is not None:  # the page then loads "/", which says all tablets are in use
            log.info("refused a tablet session from %s: %s", address, refusal)
            await websocket.close(code=CLOSED_BUSY, message=b"all tablets are in use")
            return websocket
        service = WizardProcess(self.command, device=device,
                                renderer=self.renderer.path if self.renderer is not None else None,
                                write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                close=websocket.close, download_manager=self.download_manager,
                                failed=lambda: websocket.close(code=CLOSED_FAILED, message=b"the wizard failed"),
                                template=self._running_template())
        self.admission.add(service, address)
        self.sockets[service] = websocket
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # noqa: BLE001 - one broken connection must not stop the others
            log.exception("a tablet session failed")
        finally:
            self.admission.discard(service)
            self.sockets.pop(service, None)
            await service.stop()
        return websocket

    def _running_template(self) -> WizardTemplate | None:
        """The wizard template if it is running. If it has not started yet or has gone, it is started (again: at
        most once per TEMPLATE_RETRY seconds) in the background, and meanwhile wizards start as processes of
        their own."""
        template = self.template
        if template is None or template.running:
            return template
        loop = asyncio.get_running_loop()
        if (self._template_task is None or self._template_task.done()) \
                and loop.time() - self._template_started >= TEMPLATE_RETRY:
            self._template_started = loop.time()
            self._template_task = loop.create_task(self._start_template(template))
        return None

    @staticmethod
    async def _start_template(template: WizardTemplate) -> None:
        await template.close()
        await template.start()

    async def _refusal(self, address: str, wait: float) -> Refusal | None:
        """Why a session from `address` cannot start, after waiting up to `wait` seconds for one to end."""
        deadline = asyncio.get_running_loop().time() + wait
        while (refusal := self.admission.refusal(address)) is not None:
            if asyncio.get_running_loop().time() >= deadline:
                return refusal
            await asyncio.sleep(0.05)
        return None

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
        """The page's keys, taps, sizes and focus, passed to the wizard; anything malformed is dropped."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            except (ValueError, TypeError, IndexError, KeyError):
                continue
            if kind == "ping":
                await websocket.send_json(["pong", data])
                continue
            if isinstance(app_service, WizardProcess):  # every session here is one (the signature is the base's)
                self.admission.touch(app_service)
            if kind == "stdin" and isinstance(data, str):
                await app_service.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await app_service.set_terminal_size(to_int(str(data.get("width")), 80),
                                                    to_int(str(data.get("height")), 24))
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()

    async def _reap_idle(self) -> None:
        """Ends sessions with no key or tap for [serve] idle_minutes; each wizard saves its draft as it quits."""
        while True:
            await asyncio.sleep(min(IDLE_CHECK, self.admission.idle_seconds))
            for service in self.admission.idle():
                websocket = self.sockets.get(service)
                self.admission.discard(service)
                if websocket is not None:
                    log.info("ended a tablet session idle for %s minutes", self.settings.idle_minutes)
                    await websocket.close(code=CLOSED_IDLE, message=b"idle")

    async def on_startup(self, app: web.Application) -> None:
        if self.renderer is not None:
            await self.renderer.start()
        self._running_template()  # started in the background: the first tablets may get wizards of their own
        self._reaper = asyncio.create_task(self._reap_idle())
        where = f"{self.settings.scheme}://{self.settings.host}:{self.settings.port}/"
        paired = "tablets must be paired (`intake serve pair NAME`)" if self.settings.pairing else "no pairing"
        self.console.print(f"intake serve: {self.clinic} at {where} ({paired}). Press Ctrl+C to stop.",
                           highlight=False, markup=False)

    async def on_cleanup(self, app: web.Application) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        if self.renderer is not None:
            await self.renderer.close()
        if self._template_task is not None:
            self._template_task.cancel()
        if self.template is not None:
            await self.template.close()

    def run(self) -> None:
        """Serves until interrupted (Ctrl+C or SIGTERM)."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for name in ("SIGINT", "SIGTERM"):
            import signal

            loop.add_signal_handler(getattr(signal, name), self.request_exit)
        web.run_app(self._make_app(), host=self.settings.host, port=self.settings.port, handle_signals=False,
                    loop=loop, ssl_context=self.settings.ssl_context(), print=lambda *args: None,
                    access_log=None)

