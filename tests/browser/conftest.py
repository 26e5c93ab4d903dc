"""Fixtures for the browser tests: `intake serve` on loopback in a scratch folder, and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.browser.tablet import CHROMEDRIVER, CHROMIUM, LANDSCAPE, Tablet, open_browser
from tests.conftest import ROOT

_MISSING = ("Chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver; "
            "`make setup` does this as root)")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: a browser test is a slow one (`make test-slow`, CI)
def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            if CHROMIUM is None or CHROMEDRIVER is None:
                item.add_marker(pytest.mark.skip(reason=_MISSING))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A running `intake serve` (its own process group), in `folder`."""

    def __init__(self, folder, *args: str, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TEXTUAL"))}
        environment.update(PYTHONPATH=str(ROOT), **(env or {}))
        self.process = subprocess.Popen([sys.executable, "-m", "intake", *args, "serve", "--port", str(self.port)],
                                        cwd=folder, env=environment, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError(f"intake serve stopped: {self.process.stdout.read().decode()}") from None
                time.sleep(0.1)
        raise AssertionError("intake serve did not start listening")

    def stop(self) -> str:
        """Stops the server and every wizard it started; returns what it printed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        return self.process.stdout.read().decode(errors="replace")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("served"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    driver = open_browser(LANDSCAPE)
    yield driver
    driver.quit()


@pytest.fixture
def tablet(browser, served) -> Tablet:
    tablet = Tablet(browser, served.url, LANDSCAPE)
    tablet.requested_urls()  # forget the browser's start page
    return tablet
