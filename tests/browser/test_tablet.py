"""The served wizard in a real headless Chromium, used by touch like a clinic tablet.

One walk per module: a paired tablet walks a complete intake by finger to sealed documents, and the
network log, the kiosk keys, the audit trail and the return to the welcome screen are checked on it.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from intake.engine import Engine
from intake.paths import DEMO_CONFIG
from tests.browser.conftest import Served
from tests.browser.tablet import LANDSCAPE, PORTRAIT, Tablet, foreign
from tests.browser.walk import answer
from tests.conftest import ROOT, load_example

DEVICE = "tablet-3"
SHOTS = Path(os.environ.get("INTAKE_SCREENSHOTS", "")) if os.environ.get("INTAKE_SCREENSHOTS") else None


def shot(tablet: Tablet, name: str) -> None:
    """Keeps a screenshot when INTAKE_SCREENSHOTS names a folder (to look at the page)."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        tablet.driver.save_screenshot(str(SHOTS / f"{name}.png"))


@pytest.fixture(scope="module")
def paired_server(tmp_path_factory):
    """`intake serve` on loopback with pairing switched on, and a code for one tablet."""
    folder = tmp_path_factory.mktemp("paired")
    config = folder / "clinic.toml"
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace("[kiosk]", "[kiosk]\ndemo = true  # the demo PIN unlocks", 1)
    config.write_text(text + "\n[serve]\npairing = true\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TEXTUAL"))}

    def intake(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "intake", "--config", str(config), *args], cwd=folder,
                              env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    intake("keys", "init")
    code = intake("serve", "pair", DEVICE).split(": ", 1)[1].split()[0]
    server = Served(folder, "--config", str(config))
    yield server, code, config
    server.stop()


def pair(tablet: Tablet, code: str) -> None:
    """Types the pairing code into the pairing page, as staff would once per tablet."""
    from selenium.webdriver.common.by import By

    tablet.open()
    assert "/pair" in tablet.driver.current_url
    field = tablet.driver.find_element(By.ID, "code")
    field.send_keys(code)
    field.submit()


def sign(tablet: Tablet) -> None:
    """A finger writes a wavy signature across the pad."""
    screen = tablet.settled()
    cell_w, cell_h = screen["width"] / screen["cols"], screen["height"] / screen["rows"]
    top, bottom = tablet.row_of("╭"), tablet.row_of("╰")
    middle = (top + bottom) / 2
    points = [(screen["left"] + cell_w * (8 + i * 1.5), screen["top"] + cell_h * (middle + 2.5 * math.sin(i / 3)))
              for i in range(40)]
    tablet.drag(points, pause=0.01)


#: Words that name a key: a tablet's screen names none of them.
KEY_WORDS = ("Enter", "Space", "Tab:", "Page Down", "↑", "↓", "Press ", "press ")


def touch_free(text: str) -> list[str]:
    """The key words on a screen (none, on a tablet)."""
    return [word for word in KEY_WORDS if word in text]


def ink_cells(text: str) -> int:
    """How many cells of the screen show ink (braille dots)."""
    return sum(1 for ch in text if 0x2801 <= ord(ch) <= 0x28FF)


def test_a_paired_tablet_walks_a_complete_intake_by_touch(browser, paired_server, monkeypatch):
    server, code, config = paired_server
    tablet = Tablet(browser, server.url, LANDSCAPE)
    tablet.requested_urls()
    engine = Engine.load(config)
    record = load_example("suitable")["answers"]
    record.update(photo_consent=False)
    record.pop("photo_uses")

    pair(tablet, code)
    tablet.wait_for("It takes about 10 minutes", "Start")
    assert browser.title == "Demo Skin Clinic"
    shot(tablet, "welcome-landscape")
    tablet.turn(PORTRAIT)  # the tablet is turned: the page refits, and the client fills in upright
    tablet.wait_for("It takes about 10 minutes")
    assert tablet.screen()["rows"] > tablet.screen()["cols"] / 2  # upright: many more rows than on its side
    shot(tablet, "welcome-portrait")

    tablet.tap("Start")
    tablet.wait_for("Step 1 of")
    # the kiosk keys do nothing in the browser either
    for key, code_name, key_code in (("q", "KeyQ", 81), ("c", "KeyC", 67), ("p", "KeyP", 80), ("z", "KeyZ", 90),
                                     ("s", "KeyS", 83), ("x", "KeyX", 88)):
        tablet.key(key, code_name, key_code, modifiers=2)
    time.sleep(0.5)
    assert "Step 1 of" in tablet.text() and "Staff only" not in tablet.text()

    for number, step in enumerate(engine.questionnaire.steps, 1):
        tablet.wait_for(f"Step {number} of")
        for question in engine.questionnaire.visible_in(step, record):
            if record.get(question.id) not in (None, [], ""):
                answer(tablet, engine, question, record[question.id])
        shot(tablet, f"step-{number}")
        assert not touch_free(tablet.text()), tablet.text()  # no key named, and no key drawn on an option
        tablet.tap("Next", last=True)

    review = tablet.wait_for("Please check your answers", "Maria Okonkwo-Smith")
    assert "Tap an answer or Change to correct it" in review and not touch_free(review)  # taps, no keys named
    shot(tablet, "review")
    tablet.tap("My answers are true", last=True)
    information = tablet.wait_for("About your treatment")
    # the tablet's own words: scroll on while there is more (a tall portrait screen may show it all at once)
    assert ("Please scroll to the end to continue." in information or "Read to the end: tap I have read this."
            in information) and not touch_free(information), information
    shot(tablet, "information")
    tablet.inputmode("none", autocorrect="off")  # no text field here: a tap raises no keyboard
    assert "xterm-helper-textarea" in tablet.focused()  # (the textarea keeps the focus for the next field)
    tablet.tap("I have read this", last=True)
    signing = tablet.wait_for("Sign here")
    assert "Use your finger." in signing and "mouse" not in signing
    sign(tablet)
    assert ink_cells("".join(tablet.settled()["lines"])) > 30
    shot(tablet, "signature")
    tablet.tap("Sign", last=True)

    tablet.wait_for("hand the tablet back")
    tablet.tap("Staff: continue")
    tablet.enter_pin()
    tablet.wait_for("Practitioner review", "Verdict: Suitable")
    tablet.tap("Who is countersigning?")
    tablet.tap("Alex Jordan")
    tablet.reveal("I have reviewed the answers")
    tablet.tap("I have reviewed the answers")
    tablet.tap("Countersign and create documents", last=True)
    done = tablet.wait_for("The documents are ready", timeout=60)
    shot(tablet, "documents")
    assert "consent" in done and "aftercare" in done

    # nothing left the server: every request the page made went to it
    urls = tablet.requested_urls()
    assert any(u.startswith(server.url.replace("http", "ws")) for u in urls)
    assert foreign(urls, server.url) == []

    tablet.tap("Finish: ready for the next client", last=True)
    tablet.wait_for("Record today's treatment")
    tablet.tap("Not treated today", last=True)
    tablet.wait_for("It takes about 10 minutes", "Start")

    folder = Path(server.folder)
    papers = sorted((folder / "intake-documents").rglob("*.pdf"))
    assert [p.name.split("_")[1] for p in papers] == ["aftercare", "consent"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in papers)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TEXTUAL"))}
    verified = subprocess.run([sys.executable, "-m", "intake", "--config", str(config), "verify", *map(str, papers)],
                              cwd=folder, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # the tablet's paired name is the device in the audit trail of everything it did
    monkeypatch.chdir(folder)
    from intake.config import load_config
    from intake.records import Store

    with Store.open(load_config(config)) as store:
        trail = store.audit_trail()
    kiosk_events = [e for e in trail if e.intake_id]
    assert kiosk_events and {e.device for e in kiosk_events} == {DEVICE}


def test_another_origin_cannot_open_a_session_and_a_closed_wizard_restarts_at_welcome(browser, served):
    # a page from elsewhere (here a data: page, whose origin is opaque) tries to open a wizard session
    browser.get("data:text/html,<p>another site</p>")
    outcome = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        try {
            const socket = new WebSocket(arguments[0]);
            socket.onopen = () => done("opened");
            socket.onclose = () => done("refused");
        } catch (error) { done("blocked: " + error); }
    """, served.url.replace("http://", "ws://") + "ws")
    assert outcome == "refused"

    tablet = Tablet(browser, served.url, LANDSCAPE)
    tablet.requested_urls()
    tablet.open()
    tablet.wait_for("It takes about 10 minutes", "Start")
    # staff close the wizard: the page starts a fresh one by itself, at the welcome screen
    browser.execute_script("window.beforeRestart = true;")
    tablet.tap("Staff", last=True)
    tablet.enter_pin()
    tablet.wait_for("Close the intake app")
    tablet.tap("Close the intake app")
    deadline = time.monotonic() + 30
    while browser.execute_script("return window.beforeRestart === true;") and time.monotonic() < deadline:
        time.sleep(0.1)
    tablet.wait_for("It takes about 10 minutes", "Start")
    assert browser.execute_script("return window.beforeRestart === undefined;")
    assert "Session ended" not in browser.page_source and "Restart" not in tablet.text()
    assert foreign(tablet.requested_urls(), served.url) == []
