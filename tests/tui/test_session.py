"""The session gateway on its own: printing, partial saves and the clock."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest

from intake.config import load_config
from intake.engine import Engine
from intake.errors import IntakeError
from intake.paths import DEMO_CONFIG
from intake.records import Store, create_data_key
from intake.tui.clock import FrozenClock
from intake.tui.session import IntakeSession
from tests.tui.fakes import fake_documents


def session_with(tmp_path, extra: str = "", clock=None) -> IntakeSession:
    config = tmp_path / "clinic.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8").replace("[documents]", f"[documents]\n{extra}"),
                      encoding="utf-8")
    loaded = load_config(config)
    if not loaded.path("security", "data_key_file").exists():
        create_data_key(loaded)
    engine = Engine.load(loaded)
    return IntakeSession(engine, Store.open(loaded, engine=engine), fake_documents, clock)


def test_printing_runs_the_configured_command_per_file(tmp_path):
    script = f"{sys.executable} -c \"import shutil, sys; shutil.copy(sys.argv[1], 'printed-' + sys.argv[1])\""
    session = session_with(tmp_path, f"print_command = '''{script} {{file}}'''")
    (tmp_path / "a.pdf").write_bytes(b"%PDF-a")
    (tmp_path / "b.pdf").write_bytes(b"%PDF-b")
    assert session.print_documents(["a.pdf", "b.pdf"]) == "Sent 2 document(s) to the printer."
    assert (tmp_path / "printed-a.pdf").read_bytes() == b"%PDF-a" and (tmp_path / "printed-b.pdf").exists()
    session.close()


def test_a_failing_print_command_is_explained(tmp_path):
    session = session_with(tmp_path, "print_command = 'false'")
    with pytest.raises(IntakeError, match=r"Printing failed \(exit 1\)"):
        session.print_documents(["a.pdf"])
    session.close()
    without = session_with(tmp_path)
    with pytest.raises(IntakeError, match="No print command is configured"):
        without.print_documents(["a.pdf"])
    without.close()


def test_the_consultation_date_is_the_clinics_local_day(tmp_path):
    late = FrozenClock(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # already 1 July in London (BST)
    session = session_with(tmp_path, clock=late)
    session.begin()
    assert session.state.consultation_date == "2026-07-01"
    session.close()


def test_leaving_a_step_keeps_the_good_answers_and_drops_the_wrong_ones(tmp_path):
    session = session_with(tmp_path, clock=FrozenClock(datetime(2026, 11, 20, 10, tzinfo=UTC)))
    session.begin()
    step = session.steps[0]
    session.save_step(step, {"full_name": "Ann Lee", "phone": "call me", "date_of_birth": "2030-01-01"}, step.id,
                      partial=True)
    assert session.store.load_intake(session.state.intake_id).answers == {"full_name": "Ann Lee"}
    with pytest.raises(IntakeError):
        session.save_step(step, {"full_name": "Ann Lee", "phone": "call me"}, step.id)
    session.close()


async def test_a_broken_configuration_closes_the_app_with_the_reason():
    from intake.errors import DataFileError, FileProblem
    from intake.tui.app import IntakeApp

    def broken():
        raise DataFileError("clinic.toml", [FileProblem("clinic.timezone", "unknown time zone 'Mars/Olympus'")])

    app = IntakeApp(broken, lambda engine: None, clinic="Clinic")
    async with app.run_test() as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.is_running:
                break
    assert app.return_code == 1  # the reason is printed once the terminal is restored
