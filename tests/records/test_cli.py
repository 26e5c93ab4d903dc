"""The staff commands: plain words, exit 1 with a reason on failure, audit entries for views and exports."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from intake.cli import main
from intake.records import Store, fhir
from tests.conftest import FRONT_DESK_PIN, PRACTITIONER_PIN, add_staff
from tests.records.conftest import SECRET_NAME, Doc, fill_draft, record_named, signed_new, submit_new

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def filled(clinic, engine):
    """One signed clearance intake, one deferred intake and one draft; returns their ids."""
    with Store.open(clinic, engine=engine) as store:
        add_staff(store)  # the clinic's practitioner and front desk, each with their own PIN
        signed = signed_new(store, engine, record_named(example="clearance"))
        deferred = submit_new(store, engine, record_named("Li Wei", example="defer", birth="1975-06-30"))
        draft = fill_draft(store, engine, record_named("Quentin Zephyr"), steps=2)
        client = store.load_intake(signed).client_id
    return {"signed": signed, "deferred": deferred, "draft": draft, "client": client}


def run(config_path, *args: str) -> int:
    return main(["--config", str(config_path), *args])


def run_as(config_path, monkeypatch, pin: str, *args: str) -> int:
    """A staff command with the person's PIN on standard input, as a script gives it."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    return run(config_path, *args, "--pin-stdin")


def last_event(clinic, engine, intake_id):
    with Store.open(clinic, engine=engine) as store:
        return store.audit_trail(intake_id)[-1]


def test_list_shows_newest_first_and_searches(config_path, filled, capsys):
    assert run(config_path, "records", "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "STATUS", "CONSULTED", "LAST", "CHANGE", "CLIENT"]
    assert out[1].startswith(filled["draft"]) and "Quentin Zephyr" in out[1]
    assert out[-1] == "3 intakes shown."
    assert run(config_path, "records", "list", "--search", "zeph", "--status", "signed") == 0
    out = capsys.readouterr().out
    assert filled["signed"] in out and filled["draft"] not in out and f"{SECRET_NAME} (born 1988-03-14)" in out
    assert run(config_path, "records", "list", "--search", "nobody") == 0
    assert "No intakes found" in capsys.readouterr().out


def test_show_prints_the_record_for_staff_and_audits_the_view(config_path, clinic, engine, filled, capsys):
    assert run(config_path, "records", "show", filled["signed"][:6], "--staff", "dr-jones") == 0
    out = capsys.readouterr().out
    assert f"Intake {filled['signed']}: signed" in out
    assert f"Client: {SECRET_NAME}, born 1988-03-14 (client {filled['client']})" in out
    assert "Verdict: CLEARANCE NEEDED" in out
    assert "clearance noted by Alex Jordan (ajordan) (staff alex): GP letter seen [stands]" in out
    assert f"Document consent: consent.pdf, 25 bytes, sha256 {Doc('consent').sha256}" in out
    assert "Your full name: Zephyrine Quillfeather-Okafor" in out
    assert "Have you ever had any of these in the areas to be treated? (choose any that apply): None" in out
    assert "History:" in out and "signed by amy on kiosk-1" in out
    event = last_event(clinic, engine, filled["signed"])
    assert (event.event, event.staff) == ("viewed", "dr-jones")
    assert run(config_path, "records", "show", filled["deferred"], "--no-answers") == 0
    assert "Your full name" not in capsys.readouterr().out


def test_unknown_ids_exit_1_with_a_reason(config_path, filled, capsys, monkeypatch):
    assert run(config_path, "records", "show", "zzzzzz") == 1
    assert "no intake 'zzzzzz'" in capsys.readouterr().err
    assert run_as(config_path, monkeypatch, FRONT_DESK_PIN, "records", "erase", "c-nobody", "--yes") == 1
    assert "no client 'c-nobody'" in capsys.readouterr().err


def test_export_to_a_private_file_and_to_the_screen(config_path, clinic, engine, filled, tmp_path, capsys,
                                                    monkeypatch):
    target = tmp_path / "export.fhir.json"
    export = ("records", "export", filled["signed"], "--format", "fhir", "--out", str(target))
    assert run(config_path, *export) == 1  # no PIN, no export
    assert "needs a staff PIN" in capsys.readouterr().err and not target.exists()
    assert run_as(config_path, monkeypatch, FRONT_DESK_PIN, *export) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert fhir.problems(json.loads(target.read_text())) == []
    event = last_event(clinic, engine, filled["signed"])
    assert (event.event, event.staff) == ("exported", "frontdesk")  # the person whose PIN it was
    assert run_as(config_path, monkeypatch, FRONT_DESK_PIN, *export) == 1
    assert "already exists" in capsys.readouterr().err
    assert last_event(clinic, engine, filled["signed"]) == event  # a refused export is not recorded as made
    assert run_as(config_path, monkeypatch, FRONT_DESK_PIN, "records", "export", filled["draft"], "--format",
                  "csv") == 0
    assert capsys.readouterr().out.startswith("\"intake_id\",\"status\",\"consultation_date\"")
    event = last_event(clinic, engine, filled["draft"])
    assert (event.event, event.data) == ("exported", {"format": "csv"})


def test_a_full_disk_while_exporting_leaves_no_half_file_and_no_export_recorded(config_path, clinic, engine, filled,
                                                                               tmp_path, capsys, monkeypatch):
    before = last_event(clinic, engine, filled["signed"])
    real_fsync = os.fsync

    def no_space(fd):  # the export is written beside its name first, then put in place whole
        if os.fstat(fd).st_size and os.readlink(f"/proc/self/fd/{fd}").startswith(f"{target.parent}/.{target.name}."):
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", no_space)
    target = tmp_path / "export.json"
    assert run_as(config_path, monkeypatch, FRONT_DESK_PIN, "records", "export", filled["signed"], "--format", "json",
                  "--out", str(target)) == 1
    assert "the disk is full" in capsys.readouterr().err and not target.exists()
    assert last_event(clinic, engine, filled["signed"]) == before  # nothing was exported, so nothing is audited


def test_reprint_writes_the_stored_pdf_byte_for_byte(config_path, filled, tmp_path, capsys, monkeypatch):
    assert run_as(config_path, monkeypatch, PRACTITIONER_PIN, "records", "reprint", filled["signed"], "--out",
                  str(tmp_path / "copies")) == 0
    copy = tmp_path / "copies" / "consent.pdf"
    assert copy.read_bytes() == Doc("consent").pdf and stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert "SHA-256" in capsys.readouterr().out
    single = tmp_path / "one.pdf"
    assert run_as(config_path, monkeypatch, PRACTITIONER_PIN, "records", "reprint", filled["signed"], "--kind",
                  "consent", "--out", str(single)) == 0
    assert single.read_bytes() == Doc("consent").pdf
    assert run_as(config_path, monkeypatch, PRACTITIONER_PIN, "records", "reprint", filled["draft"]) == 1
    assert "has no stored documents" in capsys.readouterr().err


def test_erase_asks_first_and_reports_what_is_kept(config_path, clinic, engine, filled, capsys, monkeypatch):
    with Store.open(clinic, engine=engine) as store:
        signed_on = date.fromisoformat(store.load_intake(filled["signed"]).signed_at[:10])
    kept_until = signed_on.replace(year=signed_on.year + 8)  # the demo clinic keeps consent evidence 8 years
    assert run_as(config_path, monkeypatch, FRONT_DESK_PIN, "records", "erase", filled["client"]) == 1
    assert "needs confirmation" in capsys.readouterr().err
    assert run_as(config_path, monkeypatch, FRONT_DESK_PIN, "records", "erase", filled["signed"], "--yes") == 0
    out = capsys.readouterr().out
    assert f"Client {filled['client']}: erased 0 intake(s)." in out
    assert f"Kept intake {filled['signed']} (signed consent evidence) until {kept_until.isoformat()}" in out


def test_expire_and_audit_verify(config_path, filled, capsys):
    assert run(config_path, "records", "expire") == 0
    assert "Erased 0 draft(s) not saved for 30 days" in capsys.readouterr().out
    assert run(config_path, "audit", "verify") == 0


def run_process(config_path, *args, env=None):
    environment = {k: v for k, v in os.environ.items() if k != "INTAKE_DATA_KEY"}
    environment.update(PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "intake", "--config", str(config_path), *args], cwd=ROOT,
                          capture_output=True, text=True, env=environment, timeout=60)


def test_faults_reach_staff_as_plain_words_not_tracebacks(config_path, clinic, filled):
    key = clinic.path("security", "data_key_file")
    key.rename(key.with_name("moved.key"))
    result = run_process(config_path, "records", "list")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "intake: the data key file" in result.stderr and "does not exist" in result.stderr
    key.with_name("moved.key").rename(key)
    db = clinic.data_dir / "intake.sqlite3"
    db.write_bytes(b"garbage" * 5000)
    result = run_process(config_path, "records", "show", filled["signed"])
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not an intake database" in result.stderr


def test_help_stays_light_and_the_records_core_imports_no_ui():
    code = ("import sys, intake.cli; intake.cli.build_parser(); import intake.records.store, intake.records.fhir, "
            "intake.records.export, intake.records.erase; heavy = ('textual', 'questionary', 'weasyprint'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
    code = ("import sys, intake.cli; intake.cli.build_parser(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'cryptography', 'jsonschema'}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_erased_intakes_are_listed_without_any_detail(config_path, clinic, engine, filled, capsys):
    with Store.open(clinic, engine=engine) as store:
        store.erase_client(store.load_intake(filled["deferred"]).client_id, staff="manager", device="office")
    assert run(config_path, "records", "list", "--status", "erased") == 0
    out = capsys.readouterr().out
    assert filled["deferred"] in out and "(erased: nothing kept)" in out and "Li Wei" not in out
    assert run(config_path, "records", "show", filled["deferred"]) == 0
    out = capsys.readouterr().out
    assert "Client: (erased; only the dates and the audit trail are kept)" in out and "Your full name" not in out
