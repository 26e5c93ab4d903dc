"""Drives the served wizard in a real Chromium as a tablet would: touch through the DevTools protocol."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if shutil.which(p)), None)
CHROMEDRIVER = "/usr/bin/chromedriver" if shutil.which("/usr/bin/chromedriver") else None
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio")
#: 10-inch tablets, in CSS pixels.
PORTRAIT, LANDSCAPE = (800, 1280), (1280, 800)

_SCREEN_JS = """
const c = window.intakeClient;
if (!c || !c.terminal) return null;
const buffer = c.terminal.buffer.active, lines = [];
for (let i = 0; i < c.terminal.rows; i++) {
  const l = buffer.getLine(i); lines.push(l ? l.translateToString(true) : '');
}
const box = document.querySelector('.xterm-screen').getBoundingClientRect();
return {lines: lines, cols: c.terminal.cols, rows: c.terminal.rows,
        left: box.left, top: box.top, width: box.width, height: box.height};
"""

#: Waits inside the page (one round trip, not one per poll) until every needle shows and the screen has not changed
#: for `quiet` ms, or until `budget` ms have passed; polls every 50 ms, as the tests did from Python.
_WAIT_JS = """
const needles = arguments[0], quiet = arguments[1], budget = arguments[2], done = arguments[arguments.length - 1];
const read = () => { try { SCREEN } catch (error) { return null; } };
const start = performance.now();
let seen = undefined, since = start;
const poll = () => {
  const now = performance.now(), screen = read(), key = JSON.stringify(screen);
  if (key !== seen) { seen = key; since = now; }
  const text = screen ? screen.lines.join("\\n") : "";
  if (needles.every((n) => text.includes(n)) && now - since >= quiet) { done({found: true, screen: screen}); }
  else if (now - start >= budget) { done({found: false, screen: screen}); }
  else { setTimeout(poll, 50); }
};
poll();
""".replace("SCREEN", _SCREEN_JS.strip())


def open_browser(size: tuple[int, int] = LANDSCAPE):
    """A headless Chromium (Debian's, through Debian's chromedriver) with a fresh profile and the network log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="intake-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(20)
    quit_browser = driver.quit

    def quit_and_remove_profile() -> None:
        # The profile holds the served wizard's pages (a client's answers among them): nothing is left in /tmp.
        try:
            quit_browser()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_remove_profile
    return driver


class Tablet:
    """One browser tab on the served wizard, used with a finger.

    Args:
        driver: from open_browser().
        url: the server's address.
        size: the tablet's screen in CSS pixels.
    """

    def __init__(self, driver, url: str, size: tuple[int, int] = LANDSCAPE) -> None:
        self.driver = driver
        self.url = url
        self.set_size(size)
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
        driver.execute_cdp_cmd("Network.enable", {})

    def set_size(self, size: tuple[int, int]) -> None:
        """Emulates a tablet screen of this size (mobile viewport, 2 device pixels per CSS pixel)."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": True,
            "screenOrientation": {"type": "portraitPrimary" if size[0] < size[1] else "landscapePrimary",
                                  "angle": 0 if size[0] < size[1] else 90}})

    def open(self) -> None:
        self.driver.get(self.url)

    # -- reading the screen ---------------------------------------------------------------------

    def screen(self) -> dict | None:
        return self.driver.execute_script(_SCREEN_JS)

    def text(self) -> str:
        screen = self.screen()
        return "\n".join(screen["lines"]) if screen else ""

    def _wait_in_page(self, needles: tuple[str, ...], quiet: float, timeout: float) -> tuple[bool, dict | None]:
        """(found, screen) once every needle shows on a screen unchanged for `quiet` seconds, or at the timeout.
        The page polls; the script runs in turns shorter than the driver's script timeout, and a page that is
        being replaced (pairing, a restart) is waited for again."""
        from selenium.common.exceptions import WebDriverException

        deadline = time.monotonic() + timeout
        while True:
            budget = max(0.0, min(deadline - time.monotonic(), 10.0))
            try:
                result = self.driver.execute_async_script(_WAIT_JS, list(needles), quiet * 1000, budget * 1000)
            except WebDriverException:
                result = None
                time.sleep(0.05)
            if result and result["found"]:
                return True, result["screen"]
            if time.monotonic() >= deadline:
                return False, result["screen"] if result else self.screen()

    def wait_for(self, *needles: str, timeout: float = 60) -> str:
        """Waits until every needle shows on the screen; returns the screen text."""
        found, screen = self._wait_in_page(needles, 0, timeout)
        if not found:
            raise AssertionError(f"{needles!r} did not appear; the screen shows:\n{self.text()}")
        return "\n".join(screen["lines"]) if screen else ""

    def settled(self, timeout: float = 5, quiet: float = 0.2) -> dict | None:
        """The screen once it has not changed for `quiet` seconds (scrolling and resizing repaint in steps)."""
        return self._wait_in_page((), quiet, timeout)[1]

    def turn(self, size: tuple[int, int]) -> None:
        """Turns the tablet and waits until the wizard has repainted for the new shape."""
        before = self.screen()
        self.set_size(size)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = self.screen()
            if now and before and (now["cols"], now["rows"]) != (before["cols"], before["rows"]):
                break
            time.sleep(0.05)
        self.settled(quiet=0.5)

    def find(self, needle: str, *, after: str | None = None, within: int = 200,
             last: bool = False) -> tuple[float, float] | None:
        """The centre (CSS pixels) of `needle` on screen, optionally on a row below the row showing `after`.

        `last`: the lowest, rightmost match (buttons sit at the bottom, below and after any text using the same
        word, such as a hint that names the button).
        """
        screen = self.settled()
        if not screen:
            return None
        lines = screen["lines"]
        start = 0
        if after is not None:
            rows = [i for i, line in enumerate(lines) if after in line]
            if not rows:
                return None
            start = rows[0] + 1
        pattern = re.compile(rf"(?<![\w]){re.escape(needle)}(?![\w])")
        rows = range(start, min(len(lines), start + within))
        for row in reversed(rows) if last else rows:
            matches = list(pattern.finditer(lines[row]))
            match = matches[-1] if matches and last else matches[0] if matches else None
            if match:
                cell_w, cell_h = screen["width"] / screen["cols"], screen["height"] / screen["rows"]
                column = (match.start() + match.end()) / 2
                return screen["left"] + column * cell_w, screen["top"] + (row + 0.5) * cell_h
        return None

    # -- touch -------------------------------------------------------------------------------------

    def _touch(self, kind: str, points: Iterable[tuple[float, float]]) -> None:
        self.driver.execute_cdp_cmd("Input.dispatchTouchEvent", {
            "type": kind, "touchPoints": [{"x": x, "y": y, "id": 1, "radiusX": 4, "radiusY": 4, "force": 1}
                                          for x, y in points]})

    def tap_at(self, x: float, y: float) -> None:
        self._touch("touchStart", [(x, y)])
        time.sleep(0.05)
        self._touch("touchEnd", [])

    def tap(self, needle: str, *, after: str | None = None, within: int = 6, last: bool = False,
            timeout: float = 45) -> None:
        """Taps `needle` (within a few rows below `after`) with a finger, swiping up until it shows."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            where = self.find(needle, after=after, within=within if after else 200, last=last)
            if where:
                self.tap_at(*where)
                return
            label_row = self.row_of(after) if after else None
            self.swipe_up(rows=max(1, label_row - 3) if label_row else 6)
            time.sleep(0.15)
        raise AssertionError(f"could not find {needle!r} (after {after!r}) to tap:\n{self.text()}")

    def reveal(self, needle: str, room: int = 12, timeout: float = 45) -> None:
        """Swipes until `needle` shows with `room` rows below it (or the page can scroll no further)."""
        deadline = time.monotonic() + timeout
        seen, before = False, None
        while time.monotonic() < deadline:
            text, row = self.text(), self.row_of(needle)
            rows = len(text.splitlines())
            if row is not None and (row <= rows - room or text == before):
                return
            if row is not None:
                seen = True
                self.swipe_up(rows=row - 3)
            else:
                self.swipe_up(rows=-4 if seen else 6)
            before = text
            time.sleep(0.2)
        raise AssertionError(f"could not bring {needle!r} into view:\n{self.text()}")

    def row_of(self, needle: str) -> int | None:
        """The first screen row showing `needle`."""
        screen = self.screen()
        return next((i for i, line in enumerate(screen["lines"]) if needle in line), None) if screen else None

    def drag(self, points: list[tuple[float, float]], pause: float = 0.01) -> None:
        """A finger pressed at the first point, moved through the others, lifted at the last."""
        self._touch("touchStart", points[:1])
        for point in points[1:]:
            time.sleep(pause)
            self._touch("touchMove", [point])
        self._touch("touchEnd", [])

    def swipe_up(self, rows: int = 10) -> None:
        """A finger pushing the page up by about `rows` rows (negative: pulling it down)."""
        screen = self.screen()
        cell_h = screen["height"] / screen["rows"]
        x = screen["left"] + screen["width"] * 0.5
        y0 = screen["top"] + screen["height"] * (0.8 if rows > 0 else 0.2)
        # The finger moves 4 rows between touch events (each event is a round trip of a frame or more; the page
        # turns however far the finger moved into wheel steps, so the page scrolls as far as with one per row).
        sign = 1 if rows > 0 else -1
        self.drag([(x, y0 - sign * i * cell_h) for i in range(0, abs(rows) + 1, 4)] + [
            (x, y0 - rows * cell_h - sign * 0.3 * cell_h)])

    def enter_pin(self, pin: str = "2468") -> None:
        """Taps a staff PIN on the PIN screen's pad, then OK (the demo clinic's shared PIN by default)."""
        self.wait_for("Enter the staff PIN")
        for digit in pin:
            self.tap(digit, last=True)
        self.tap("OK", last=True)

    # -- keyboard ----------------------------------------------------------------------------------

    def type(self, text: str) -> None:
        """Text as an on-screen keyboard commits it (an input method's insertText, no key codes)."""
        self.driver.execute_cdp_cmd("Input.insertText", {"text": text})

    def key(self, key: str, code: str, key_code: int, modifiers: int = 0) -> None:
        """One key press (modifiers: 2 = ctrl)."""
        for kind in ("rawKeyDown", "keyUp"):
            self.driver.execute_cdp_cmd("Input.dispatchKeyEvent", {
                "type": kind, "key": key, "code": code, "windowsVirtualKeyCode": key_code,
                "nativeVirtualKeyCode": key_code, "modifiers": modifiers})

    def inputmode(self, expected: str, timeout: float = 20, **others: str) -> None:
        """Waits until the hidden textarea asks for this on-screen keyboard ("text", "email", "tel"...) or none
        ("none"), with these other attributes (e.g. autocapitalize="words")."""
        wanted = {"inputmode": expected, **others}
        deadline = time.monotonic() + timeout
        script = ("const a = document.querySelector('.xterm-helper-textarea'); "
                  "return a && Object.fromEntries(arguments[0].map((n) => [n, a.getAttribute(n)]));")
        while time.monotonic() < deadline:
            if self.driver.execute_script(script, list(wanted)) == wanted:
                return
            time.sleep(0.05)
        raise AssertionError(f"the textarea has {self.driver.execute_script(script, list(wanted))!r}, "
                             f"expected {wanted!r}")

    def focused(self) -> str:
        return self.driver.execute_script("return document.activeElement && document.activeElement.className")

    # -- network -----------------------------------------------------------------------------------

    def requested_urls(self) -> list[str]:
        """Every URL the browser asked for since the last call (HTTP and websockets), from the DevTools log."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                urls.append(params["request"]["url"])
            elif message["method"] == "Network.webSocketCreated":
                urls.append(params["url"])
        return urls


def foreign(urls: Iterable[str], server: str) -> list[str]:
    """URLs that went to any host but the server (the browser's own chrome:// and data: pages aside)."""
    own = urlsplit(server).netloc
    return sorted({u for u in urls if urlsplit(u).scheme not in ("chrome", "data", "blob", "about", "devtools")
                   and urlsplit(u).netloc != own})
