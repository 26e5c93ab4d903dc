"""Drives a warm headless Chromium over the DevTools protocol (pipe transport) to print HTML to PDF, for comparison.

How the HTML reaches the page matters as much as the print: navigating to a new `data:` URL per document
starts new renderer processes each time (2-3 per packet), which doubled Chromium's cost. A warm web product
would do neither, so the baseline loads each document as one of these (`LOADS`), and the bench names which:
`file`, a file in a scratch folder, navigated to (file:// pages share one renderer process); `content`,
Page.setDocumentContent on the open page (no navigation at all), then waiting for its fonts and images.
`data-url` is kept to show what the old baseline cost.

No extra Python package: Chromium reads protocol messages on fd 3 and writes replies on fd 4, each
ended by a NUL byte (--remote-debugging-pipe). CPU time is read from /proc for every process of
the browser (browser, renderer, utility processes), since the work happens outside this process.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
#: The ways a document can be loaded into the warm page (see the module's docstring).
LOADS = ("file", "content", "data-url")
#: Resolves once every font and image of the page has loaded (what a load event would wait for).
_READY = ("Promise.all([document.fonts.ready, ...Array.from(document.images, i => i.complete ? null : "
          "new Promise(r => { i.onload = i.onerror = r; }))]).then(() => true)")


def find() -> str | None:
    """The Chromium executable on PATH, if any."""
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


class Chromium:
    """One headless browser with one page, kept open between prints (warm)."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="bench-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        os.set_inheritable(to_child_r, True)
        os.set_inheritable(from_child_w, True)

        def wire() -> None:  # the browser expects the pipe on fds 3 and 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=wire,
            close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._id = 0
        self._files = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.frame = self.call("Page.getFrameTree", session=True)["frameTree"]["frame"]["id"]

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, until: str | None = None, **params) -> dict:
        """Sends one command and returns its result (after the event `until`, when given)."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        result, seen = None, until is None
        while result is None or not seen:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result = reply["result"]
            elif until and reply.get("method") == until:
                seen = True
        return result

    def load(self, html: str, how: str = "file") -> None:
        """Puts the HTML in the page, as `how` (one of LOADS) says, and waits until it has loaded."""
        if how == "content":
            self.call("Page.setDocumentContent", session=True, frameId=self.frame, html=html)
            self.call("Runtime.evaluate", session=True, expression=_READY, awaitPromise=True)
            return
        if how == "file":
            self._files += 1
            path = Path(self.profile) / f"page-{self._files % 2}.html"  # a new URL each time: a real navigation
            path.write_text(html, encoding="utf-8")
            url = path.as_uri()
        elif how == "data-url":
            url = "data:text/html;base64," + base64.b64encode(html.encode("utf-8")).decode()
        else:
            raise ValueError(f"unknown way to load a page: {how!r} (one of {', '.join(LOADS)})")
        self.call("Page.navigate", session=True, until="Page.loadEventFired", url=url)

    def print_pdf(self, html: str, how: str = "file") -> bytes:
        """Loads the HTML (see load) and prints it with the page size its CSS asks for."""
        self.load(html, how)
        result = self.call("Page.printToPDF", session=True, printBackground=True, preferCSSPageSize=True)
        return base64.b64decode(result["data"])

    def cpu_seconds(self) -> float:
        """User + system CPU time of every process of this browser so far."""
        tick = os.sysconf("SC_CLK_TCK")
        parents: dict[int, int] = {}
        times: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            # own user + system time, plus that of its children already ended and reaped
            times[int(entry.name)] = sum(int(f) for f in fields[11:15]) / tick
        total, family = 0.0, {self.process.pid}
        changed = True
        while changed:
            grown = {pid for pid, parent in parents.items() if parent in family} - family
            changed = bool(grown)
            family |= grown
        for pid in family:
            total += times.get(pid, 0.0)
        return total

    def close(self) -> None:
        """Ends the browser (only the process this object started) and removes its profile."""
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child)
        os.close(self._from_child)
        shutil.rmtree(self.profile, ignore_errors=True)
