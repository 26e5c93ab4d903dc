"""The lifecycle from the command line: import, decide, sign and countersign, with plain refusals that write nothing."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest

from intake.cli import main
from intake.engine import Engine
from tests.conftest import PRACTITIONER_PIN
from tests.documents.personas import baseline, record, triggering

ENGINE = Engine.load()
AT = "2026-11-20T14:40:05+00:00"


@pytest.fixture
def desk(tmp_path, monkeypatch):
    """A front-desk folder for the demo clinic (keys, data and documents relative to it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    monkeypatch.setenv("INTAKE_DEVICE", "front-desk-pc")
    return tmp_path


def as_staff(monkeypatch, pin: str, *args: str) -> int:
    """Runs a staff command as a script would: the PIN on standard input (--pin-stdin)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    return main([*args, "--pin-stdin"])


@pytest.fixture
def staffed(desk, monkeypatch):
    """The desk's clinic with its practitioner's own account, added as on a clinic's first day."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(PRACTITIONER_PIN + "\n"))
    assert main(["staff", "add", "ajordan", "--name", "Alex Jordan", "--role", "practitioner", "--practitioner",
                 "ajordan", "--pin-stdin"]) == 0
    return desk


def write(desk, name: str, rec: dict):
    path = desk / name
    path.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    return str(path)


def imported(capsys) -> list[str]:
    return re.findall(r"imported as intake (\w+)", capsys.readouterr().out)


def rule_record(severity: str) -> dict:
    rule = next(r for r in ENGINE.rules.rules if r.severity == severity and r.severity_setting is None)
    return record(ENGINE, triggering(ENGINE, rule))


def test_import_decide_sign_countersign_and_verify(staffed, capsys, monkeypatch):
    desk = staffed
    files = [write(desk, f"{s}.json", rule_record(s)) for s in ("caution", "clearance", "defer")]
    assert main(["records", "import", *files]) == 0
    caution, clearance, defer = imported(capsys)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", clearance) == 1  # not signed yet
    for intake in (caution, clearance):
        assert main(["records", "sign", intake, "--typed-name", "JO  BLOGGS", "--signed-at", "2026-11-20T14:32"]) == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", clearance, "--signed-at", AT) == 1
    assert "needs clearance" in capsys.readouterr().err
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "decide", clearance, "--clearance-noted",
                    "Oncologist's letter of 12 November seen") == 0
    assert "recorded for ajordan" in capsys.readouterr().out  # the practitioner whose PIN was given
    for intake in (caution, clearance, defer):
        assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", intake, "--practitioner", "ajordan",
                        "--signed-at", AT) == 0
    out = capsys.readouterr().out
    pdfs = sorted(str(p) for p in (desk / "intake-documents").rglob("*.pdf"))
    assert len(pdfs) == 5 and out.count("_deferral_") == 1
    assert main(["verify", *pdfs]) == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "reprint", caution, "--out", str(desk / "again")) == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", caution) == 1  # done already
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()
    assert main(["records", "show", clearance]) == 0
    shown = capsys.readouterr().out
    assert "on front-desk-pc" in shown  # the device name, from INTAKE_DEVICE


def test_an_invalid_file_among_several_imports_nothing(desk, capsys):
    good = write(desk, "good.json", record(ENGINE, baseline(ENGINE)))
    bad_record = record(ENGINE, baseline(ENGINE))
    bad_record["answers"]["full_name"] = "Ann \ud800 Lee"
    bad = desk / "bad.json"
    bad.write_text(json.dumps(bad_record), encoding="utf-8")  # the escape \ud800 stays in the JSON text
    assert main(["records", "import", good, str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Your full name [full_name]" in err and "broken character" in err and "Nothing was imported" in err
    assert not (desk / "intake-data").exists() or main(["records", "list"]) == 0
    assert "No intakes found" in capsys.readouterr().out or not (desk / "intake-data").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--override", "x" * 1500], "1,500 characters"),
    (["--override", "  "], "give the reason"),
    (["--clearance-noted", "bad \u202e text"], "control or hidden formatting"),
])
def test_a_bad_reason_is_refused_plainly_and_records_nothing(staffed, capsys, args, message, monkeypatch):
    assert main(["records", "import", write(staffed, "c.json", rule_record("clearance"))]) == 0
    (intake,) = imported(capsys)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "decide", intake, "--practitioner", "ajordan", *args) == 1
    assert message in capsys.readouterr().err
    assert main(["records", "show", intake]) == 0
    assert "Decision" not in capsys.readouterr().out


def test_someone_elses_name_or_a_broken_character_cannot_sign(desk, capsys):
    assert main(["records", "import", write(desk, "s.json", record(ENGINE, baseline(ENGINE)))]) == 0
    (intake,) = imported(capsys)
    assert main(["records", "sign", intake, "--typed-name", "Someone Else"]) == 1
    assert "not the client's name" in capsys.readouterr().err
    assert main(["records", "sign", intake, "--typed-name", "Jo \udcff Bloggs"]) == 1
    assert "broken character" in capsys.readouterr().err


def test_import_reads_standard_input_in_a_real_process(desk):
    rec = json.dumps(rule_record("caution"))
    done = subprocess.run([sys.executable, "-m", "intake", "records", "import", "-", "--json"], input=rec,
                          capture_output=True, text=True, cwd=desk, timeout=120)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert row["file"] == "-" and row["status"] == "submitted" and row["verdict"] == "caution"
    assert "Traceback" not in done.stderr
