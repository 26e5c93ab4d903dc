"""Smoke runs of `intake start` in a real terminal (tmux), as staff would meet it: a kiosk by default."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import ROOT

# In a real terminal: slow (`make test-slow`, CI)
pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.slow]


class Pane:
    """A detached tmux session running one command."""

    def __init__(self, command: str, cwd, width: int = 80, height: int = 24) -> None:
        self.name = f"intake-smoke-{uuid.uuid4().hex[:8]}"
        # a tmux server of its own (-L): sessions of other tests ending cannot take its server down with them
        subprocess.run(["tmux", "-L", self.name, "new-session", "-d", "-s", self.name, "-x", str(width),
                        "-y", str(height),
                        "-c", str(cwd), f"{command}; echo EXITED-$?; sleep 60"], check=True)

    def text(self) -> str:
        return subprocess.run(["tmux", "-L", self.name, "capture-pane", "-p", "-t", self.name], capture_output=True,
                              text=True).stdout

    def wait_for(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if needle in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{needle!r} did not appear; the screen shows:\n{self.text()}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run(["tmux", "-L", self.name, "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.3)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True)


ENV = f"env -u INTAKE_CONFIG -u INTAKE_DATA_KEY PYTHONPATH={ROOT} TERM=xterm-256color"


def test_plain_start_is_a_kiosk_in_a_real_terminal(tmp_path, monkeypatch):
    pane = Pane(f"{ENV} {sys.executable} -m intake start", tmp_path)  # what `make run` starts
    try:
        pane.wait_for("Demo Skin Clinic")
        pane.wait_for("It takes about 10 minutes")  # loading finished, Start is ready
        pane.keys("Enter")
        pane.wait_for("Step 1 of 7")
        pane.keys("Ann Lee", "Tab")
        for key in ("C-q", "C-c", "C-z", "C-s", "C-p", "C-x", "C-v"):
            pane.keys(key)
        screen = pane.wait_for("Step 1 of 7")
        assert "EXITED" not in screen and "Traceback" not in screen and "Ann Lee" in screen
        # staff leave through the Staff button (F9: it is out of the client's Tab path) and the PIN
        pane.keys("F9")
        pane.wait_for("Enter the staff PIN")
        pane.keys("2468", "Enter")
        pane.wait_for("Return to the client's form")
        pane.keys("Tab", "Tab", "Enter")  # "Close the intake app"
        pane.wait_for("EXITED-0")
    finally:
        pane.close()
    monkeypatch.chdir(tmp_path)
    from intake.config import load_config
    from intake.records import Store

    with Store.open(load_config(None)) as store:
        drafts = store.drafts()
    assert [d.client_label[:5] for d in drafts] == ["Ann L"] and drafts[0].next_step == "about_you"


def test_staff_desk_window_quits_with_ctrl_q_and_keeps_the_draft(tmp_path, monkeypatch):
    pane = Pane(f"{ENV} {sys.executable} -m intake start --staff-desk", tmp_path)
    try:
        pane.wait_for("It takes about 10 minutes")
        pane.keys("Enter")
        pane.wait_for("Step 1 of 7")
        pane.keys("Bo Chan", "Tab", "C-q")
        screen = pane.wait_for("EXITED-0")
        assert "Traceback" not in screen
    finally:
        pane.close()
    monkeypatch.chdir(tmp_path)
    from intake.config import load_config
    from intake.records import Store

    with Store.open(load_config(None)) as store:
        assert [d.client_label for d in store.drafts()] == ["Bo C."]  # staff see initials


def test_a_question_brought_into_view_by_enter_is_what_the_terminal_shows(tmp_path):
    """Enter moves the focus to the next question and scrolls it to the top of the view; the terminal then shows
    exactly what a whole redraw shows. (It once kept the question left, with only the new answer's tile drawn over
    it: the focus move repainted only its two widgets, and the scroll's repaint was lost.)"""
    pane = Pane(f"{ENV} {sys.executable} -m intake start", tmp_path, width=100, height=32)
    try:
        pane.wait_for("It takes about 10 minutes")
        pane.keys("Enter")
        pane.wait_for("Step 1 of 7")
        for answer in ("Ingrid Solberg-Nakamura", "14/03/1988", "+44 7700 900123", "", "Daniel Smith",
                       "+44 7700 900456", ""):
            if answer:
                pane.keys(answer)
            pane.keys("Enter")
        pane.keys("n", "Enter")  # no GP named; Enter on Next
        pane.wait_for("Step 2 of 7")
        pane.keys("2", "Enter", "Tab")  # a goal; past the optional note to the areas
        pane.wait_for("Which areas would you like treated?")
        pane.keys("2", "3", "Enter")  # two areas; Enter: on to the skin type question, below the fold
        pane.wait_for("Which best describes your skin in the sun?")
        time.sleep(1.5)
        shown = pane.text()
        for width in (101, 100):  # a resize makes the wizard draw the whole screen afresh
            subprocess.run(["tmux", "-L", pane.name, "resize-window", "-t", pane.name, "-x", str(width), "-y", "32"],
                           check=True)
            time.sleep(1.5)
        assert pane.text() == shown
        assert "Traceback" not in shown
    finally:
        pane.close()
