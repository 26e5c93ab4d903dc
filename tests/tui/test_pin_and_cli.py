"""The staff PIN (hashing, checking, back-off) and the wizard's command-line entry points."""

from __future__ import annotations

import subprocess
import sys

import pytest

from intake.cli import main
from intake.engine import Engine
from intake.tui.pin import PinError, PinGuard, check_pin, hash_pin
from tests.conftest import ROOT

DEMO_HASH = Engine.load().config.section("kiosk")["staff_pin_hash"]


def test_the_demo_pin_is_2468():
    assert check_pin("2468", DEMO_HASH)
    assert not check_pin("2469", DEMO_HASH)
    assert not check_pin("", DEMO_HASH)
    assert not check_pin("2468\n", DEMO_HASH)


def test_hashes_are_salted_and_checked():
    first, second = hash_pin("13579"), hash_pin("13579")
    assert first != second and first.startswith("pbkdf2_sha256$200000$")
    assert check_pin("13579", first) and check_pin("13579", second)
    with pytest.raises(PinError):
        hash_pin("12ab")
    with pytest.raises(PinError, match="intake pin-hash"):
        check_pin("1234", "plain-text-pin")


def test_wrong_pins_pause_entry_for_longer_each_time():
    now = [1000.0]
    guard = PinGuard(hash_pin("2468", iterations=1000), clock=lambda: now[0])
    assert not guard.attempt("1") and not guard.attempt("2")
    assert guard.tries_left() == 1 and guard.wait_seconds() == 0
    assert not guard.attempt("3")
    assert guard.wait_seconds() == 30
    assert not guard.attempt("2468")  # refused during the pause, even when right
    now[0] += 30
    assert not guard.attempt("4")
    assert guard.wait_seconds() == 60
    now[0] += 60
    assert guard.attempt("2468") and guard.failures == 0


def test_pin_hash_prompts_twice_and_prints_the_config_line(monkeypatch, capsys):
    answers = iter(["8642", "8642"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["pin-hash"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith('staff_pin_hash = "pbkdf2_sha256$')
    assert check_pin("8642", line.split('"')[1])


@pytest.mark.parametrize("typed", [["8642", "8641"], ["12"]])
def test_pin_hash_refuses_short_or_different_pins(monkeypatch, capsys, typed):
    answers = iter(typed)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["pin-hash"]) == 1
    assert "Nothing was changed" in capsys.readouterr().err


def test_start_without_a_terminal_refuses_clearly():
    done = subprocess.run([sys.executable, "-m", "intake", "start", "--kiosk"], cwd=ROOT, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr and "Traceback" not in done.stderr


def test_help_imports_no_textual():
    code = "import sys; from intake.cli import build_parser; build_parser(); print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False"


def test_the_core_and_the_pin_module_import_no_textual():
    code = ("import sys, intake.engine, intake.tui.pin, intake.consent_info, intake.tui.state, intake.tui.clock; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'questionary')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("argv", "kiosk"), [(["start"], True), (["start", "--kiosk"], True),
                                             (["start", "--staff-desk"], False)])
def test_start_is_a_kiosk_unless_staff_ask_for_their_desk(monkeypatch, argv, kiosk):
    made: list[dict] = []

    class FakeApp:
        def __init__(self, *args, **kwargs):
            made.append(kwargs)
            self.session, self.return_code = None, 0

        def run(self):
            return None

    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    monkeypatch.setattr("intake.tui.app.IntakeApp", FakeApp)
    assert main(argv) == 0
    assert made[0]["kiosk"] is kiosk


def test_start_refuses_kiosk_and_staff_desk_together(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["start", "--kiosk", "--staff-desk"])
    assert stopped.value.code == 2
