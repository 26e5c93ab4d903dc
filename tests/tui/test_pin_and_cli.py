"""The staff PIN (hashing, checking, back-off) and the wizard's command-line entry points."""

from __future__ import annotations

import subprocess
import sys

import pytest

from intake.cli import main
from intake.engine import Engine
from intake.tui.pin import PinError, check_pin, hash_pin
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


def test_wrong_shared_pins_pause_entry_for_longer_each_time_across_restarts(tmp_path, monkeypatch):
    """The shared PIN's wrong tries are counted in the store, so a new process (or tablet page) starts paused."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from intake.config import load_config
    from intake.records import Store, create_data_key
    from intake.tui.pin import make_guard
    from tests.records.conftest import write_config

    monkeypatch.delenv("INTAKE_DATA_KEY", raising=False)
    base = load_config(write_config(tmp_path))
    create_data_key(base)
    config = replace(base, data={**base.data, "kiosk": {"staff_pin_hash": hash_pin("864213", iterations=1000),
                                                         "device": "kiosk-1"}})
    now = [datetime(2026, 11, 20, 9, tzinfo=UTC)]

    def reopened():
        return Store.open(config, clock=lambda: now[0])

    with reopened() as store:
        guard = make_guard(config, store)
        assert guard.authenticate("111111") is None and guard.authenticate("222222") is None
        assert guard.wait_seconds() == 0 and "1 try left" in guard.message
        assert guard.authenticate("333333") is None
        assert guard.wait_seconds() == 30
    with reopened() as store:  # the app restarted: still paused, even for the right PIN
        guard = make_guard(config, store)
        assert guard.wait_seconds() == 30 and guard.authenticate("864213") is None
        now[0] += timedelta(seconds=30)
        assert guard.authenticate("444444") is None and guard.wait_seconds() == 60
        now[0] += timedelta(seconds=60)
        assert guard.authenticate("864213").shared
        assert guard.wait_seconds() == 0


def test_pin_hash_prompts_twice_and_prints_the_config_line(monkeypatch, capsys):
    answers = iter(["864213", "864213"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["pin-hash"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("staff_pin_hash"))
    assert line.startswith('staff_pin_hash = "pbkdf2_sha256$')
    assert check_pin("864213", line.split('"')[1])


@pytest.mark.parametrize("typed", [["864213", "864214"], ["12"], ["8642"], ["123456"], ["000000"],
                                   ["correct horse"]])
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
