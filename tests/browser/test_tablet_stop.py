"""A tablet by touch: Start tapped the moment it shows, the privacy screen, the kind stop closing the step.

A client taps Start as soon as it is drawn (while the wizard may still be getting ready: the press is
kept), types a name and walks away: the privacy screen comes, and a tap on it returns to the welcome
screen, not to a new form; the draft is kept for staff and no empty one is made. The next client
answers three steps by finger, then "Yes" to pregnancy: the rest of the step is closed and the box says
to tap Next (no key is named anywhere); the draft holds only the answers given up to the stop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from intake.engine import Engine
from intake.paths import DEMO_CONFIG
from tests.browser.conftest import Served
from tests.browser.tablet import LANDSCAPE, PORTRAIT, Tablet
from tests.browser.test_tablet import shot, touch_free
from tests.browser.walk import answer
from tests.conftest import ROOT, load_example

#: The shortest idle time a clinic may set (`[kiosk] idle_timeout_seconds`).
IDLE = 15


@pytest.fixture(scope="module")
def quick_idle_server(tmp_path_factory):
    """`intake serve` on a copy of the demo clinic whose kiosk goes idle after 15 seconds."""
    folder = tmp_path_factory.mktemp("idle")
    config = folder / "clinic.toml"
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace("idle_timeout_seconds = 180",
                                                           f"idle_timeout_seconds = {IDLE}")
    config.write_text(text.replace("[kiosk]", "[kiosk]\ndemo = true", 1), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TEXTUAL"))}
    subprocess.run([sys.executable, "-m", "intake", "--config", str(config), "keys", "init"], cwd=folder,
                   env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, check=True)
    server = Served(folder, "--config", str(config))
    yield server, config
    server.stop()


def _drafts(server, config, monkeypatch) -> list[dict]:
    """The answers of every draft in the served clinic's store, most recent first."""
    monkeypatch.chdir(server.folder)
    from intake.config import load_config
    from intake.records import Store

    with Store.open(load_config(config)) as store:
        return [store.load_intake(d.intake_id).answers for d in store.drafts()]


def test_a_tablet_walked_away_from_returns_to_welcome_then_stops_kindly_by_touch(browser, quick_idle_server,
                                                                                monkeypatch):
    server, config = quick_idle_server
    tablet = Tablet(browser, server.url, PORTRAIT)
    engine = Engine.load(config)
    record = {**load_example("suitable")["answers"], "pregnant_or_breastfeeding": True}
    tablet.open()
    first = tablet.wait_for("Start")  # tapped the moment it shows, ready or not
    was_getting_ready = "Getting ready" in first
    tablet.tap("Start")
    tablet.wait_for("Step 1 of", timeout=60)
    answer(tablet, engine, engine.questionnaire.by_id["full_name"], "Jo Walker")
    # nobody touches the tablet: the privacy screen, then a tap returns to the kiosk's welcome, not a new form
    privacy = tablet.wait_for("This session has been closed", timeout=IDLE + 30)
    assert "Tap anywhere to continue." in privacy and not touch_free(privacy)
    shot(tablet, "privacy-portrait")
    tablet.tap("closed")
    tablet.wait_for("It takes about 10 minutes", "Start")
    time.sleep(1)
    assert "Step 1 of" not in tablet.text()
    assert _drafts(server, config, monkeypatch) == [{"full_name": "Jo Walker"}]  # kept for staff; nothing else

    tablet.tap("Start")
    for number, step in enumerate(engine.questionnaire.steps[:4], 1):
        tablet.wait_for(f"Step {number} of")
        for question in engine.questionnaire.visible_in(step, record):
            if record.get(question.id) not in (None, [], ""):
                answer(tablet, engine, question, record[question.id])
            if question.id == "pregnant_or_breastfeeding":
                break  # the kind stop: nothing more to answer
        if number < 4:
            assert not touch_free(tablet.text())
            tablet.tap("Next", last=True)
    closed = tablet.wait_for("You do not need to answer the rest")
    assert "tap Next" in closed and not touch_free(closed), closed
    shot(tablet, "kind-stop-portrait")
    tablet.turn(LANDSCAPE)
    shot(tablet, "kind-stop-landscape")
    tablet.tap("Yes", after="Do you have haemophilia")  # closed: a tap there answers nothing
    time.sleep(0.5)
    assert "(●) Yes" not in tablet.text().split("Do you have haemophilia", 1)[-1][:400]
    tablet.tap("Next", last=True)
    tablet.wait_for("nothing more to fill in")
    stopped, walked_away = _drafts(server, config, monkeypatch)
    assert walked_away == {"full_name": "Jo Walker"}
    assert stopped["pregnant_or_breastfeeding"] is True and "clotting_disorder" not in stopped
    assert stopped == {k: v for k, v in record.items() if k in stopped}  # only what was chosen
    print(f"Start was tapped while the wizard was getting ready: {was_getting_ready}")
