"""Tablets beyond what the server holds, and a wizard that cannot start, as a person at the tablet sees them.

A server that holds one tablet: the second tablet is shown, in words, that all tablets are in use, and
gets its wizard once the first has gone. Then the clinic's data key goes missing while the server runs:
the tablet says in words that the intake could not start and to let staff know, and tries again by
itself with growing pauses, not in a tight loop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from intake.paths import DEMO_CONFIG
from tests.browser.conftest import Served
from tests.browser.tablet import LANDSCAPE, Tablet, open_browser
from tests.browser.test_tablet import shot
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def one_tablet_server(tmp_path_factory):
    """`intake serve` on a copy of the demo clinic that holds one tablet at a time."""
    folder = tmp_path_factory.mktemp("one-tablet")
    config = folder / "clinic.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8") + "\n[serve]\nmax_sessions = 1\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TEXTUAL"))}
    subprocess.run([sys.executable, "-m", "intake", "--config", str(config), "keys", "init"], cwd=folder,
                   env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, check=True)
    server = Served(folder, "--config", str(config))
    yield server
    server.stop()


def _wait_for(driver, script: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not seen within {timeout} s: {script}")


def test_the_second_tablet_is_told_in_words_then_a_wizard_that_cannot_start_is_reported(browser, one_tablet_server):
    server = one_tablet_server
    first = Tablet(browser, server.url)
    first.open()
    first.wait_for("Welcome", timeout=60)
    second = Tablet(open_browser(LANDSCAPE), server.url)
    try:
        second.open()
        text = second.driver.find_element("tag name", "body").text
        assert "All our tablets are in use just now" in text and "ask a member of staff" in text
        shot(second, "all-tablets-in-use")
        browser.get("about:blank")  # the first tablet goes; the second's page tries again by itself
        second.wait_for("Welcome", timeout=60)
    finally:
        second.driver.quit()
    key = server.folder / "intake-keys" / "data.key"
    shutil.move(key, server.folder / "data.key.away")
    try:
        browser.get(server.url)
        _wait_for(browser, "return !document.getElementById('notice').hidden", timeout=60)
        notice = browser.find_element("id", "notice")
        assert notice.is_displayed()
        assert "could not start on this tablet" in notice.text and "let a member of staff know" in notice.text
        shot(first, "wizard-failed")
        _wait_for(browser, "return Number(sessionStorage.getItem('intake-failures')) >= 2", timeout=60)
    finally:
        shutil.move(server.folder / "data.key.away", key)
    # With the key back the next attempt starts the wizard, and the failures are forgotten.
    _wait_for(browser, "return document.body.classList.contains('-first-byte') && "
                       "document.getElementById('notice') && document.getElementById('notice').hidden", timeout=90)
