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


@pytest.fixture
def two_practitioners(staffed, monkeypatch):
    """The desk's clinic with a second practitioner's own account (added by the first, with her PIN)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PRACTITIONER_PIN}\n{SPATEL_PIN}\n"))
    assert main(["staff", "add", "spatel", "--name", "Sam Patel", "--role", "practitioner", "--practitioner",
                 "spatel", "--by", "ajordan", "--pin-stdin"]) == 0
    return staffed


SPATEL_PIN = "640275"


def test_two_practitioners_decide_supersede_and_countersign_each_named(two_practitioners, capsys, monkeypatch):
    desk = two_practitioners
    assert main(["records", "import", write(desk, "c.json", rule_record("clearance"))]) == 0
    (intake,) = imported(capsys)
    assert main(["records", "sign", intake, "--typed-name", "JO BLOGGS", "--signed-at", "2026-11-20T14:32"]) == 0
    assert as_staff(monkeypatch, SPATEL_PIN, "records", "decide", intake, "--clearance-noted", "GP letter seen") == 0
    assert "recorded for spatel" in capsys.readouterr().out
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "decide", intake, "--override", "Client insists") == 1
    assert "--supersede" in capsys.readouterr().err  # a second decision says it replaces the first, or nothing
    assert as_staff(monkeypatch, SPATEL_PIN, "records", "decide", intake, "--practitioner", "ajordan", "--override",
                    "x y z") == 1
    assert "not right" in capsys.readouterr().err  # nobody decides as somebody else: only ajordan's PIN would do
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "decide", intake, "--override", "Prescriber agreed",
                    "--supersede", "The letter was another client's") == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", intake, "--signed-at", AT) == 0
    capsys.readouterr()
    consent = next((desk / "intake-documents").rglob("*consent*.pdf"))
    text = " ".join(subprocess.run(["pdftotext", str(consent), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert re.search(r"Earlier decision, replaced: on \d+ \w+ \d{4}, Sam Patel \(Nurse practitioner\) noted the "
                     "clearance", text)  # the day it was recorded
    assert "because: The letter was another client's" in text
    assert "Alex Jordan (Aesthetic practitioner) decided to go ahead outside" in text
    assert main(["records", "show", intake]) == 0
    shown = capsys.readouterr().out
    assert "clearance noted by Sam Patel (spatel) (staff spatel): GP letter seen [replaced by decision" in shown
    assert "override by Alex Jordan (ajordan) (staff ajordan): Prescriber agreed [stands]" in shown
    assert "because: The letter was another client's" in shown


def test_a_correction_from_the_command_line_with_the_practitioners_pin(staffed, capsys, monkeypatch):
    assert main(["records", "import", write(staffed, "s.json", record(ENGINE, baseline(ENGINE)))]) == 0
    (intake,) = imported(capsys)
    assert main(["records", "sign", intake, "--typed-name", "JO BLOGGS"]) == 0
    refusals = [
        (["no_such_question", "yes"], "no question 'no_such_question'"),
        (["skin_type", "VII"], "not one of the choices"),
        (["blood_thinners", "maybe"], "with yes or no"),
        (["blood_thinners", "yes"], "Which one do you take? [blood_thinner_type]: This question needs an answer"),
        (["recent_scar_date", "01/02/2026"], "only applies when"),
    ]
    for changes, message in refusals:
        assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "correct", intake, *changes, "--reason",
                        "The client misread it") == 1
        assert message in capsys.readouterr().err, changes
    assert as_staff(monkeypatch, "999999", "records", "correct", intake, "blood_thinners", "yes",
                    "blood_thinner_type", "aspirin", "--reason", "Forgot the aspirin") == 1
    assert "not right" in capsys.readouterr().err
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "correct", intake, "blood_thinners", "yes",
                    "blood_thinner_type", "aspirin", "--reason", "Forgot the aspirin") == 0
    out = capsys.readouterr().out
    assert "Verdict: suitable -> clearance" in out and "The client signs again" in out
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", intake) == 1  # signatures dropped
    assert "waits for the client's signatures" in capsys.readouterr().err


def stored_intakes(desk) -> dict[str, str]:
    """Every intake in the desk's store, by id, with its status."""
    from intake.config import load_config
    from intake.records import Store

    with Store.open(load_config()) as store:
        return dict(store.conn.execute("SELECT id, status FROM intakes").fetchall())


def test_an_import_killed_midway_and_run_again_stores_each_file_once(desk):
    from tests.documents.personas import rule_records

    records = [(f"{rule.id}.json", rec) for rule, rec in rule_records(ENGINE)]
    records.append(("copy.json", {**records[-1][1], "record_id": "copy"}))  # the same content, another sender's id
    files = [write(desk, name, rec) for name, rec in records]
    contents = {json.dumps({k: v for k, v in rec.items() if k != "record_id"}, sort_keys=True) for _, rec in records}
    command = [sys.executable, "-m", "intake", "records", "import", *files]
    run = subprocess.Popen(command, cwd=desk, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed = [run.stdout.readline() for _ in range(3)]  # three files done, the rest still to come
    run.kill()
    run.wait(timeout=60)
    assert run.returncode == -9 and all("imported as intake" in line for line in printed)
    before = stored_intakes(desk)
    assert 2 <= len(before) < len(contents)
    again = subprocess.run(command, cwd=desk, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == files  # every file named, in order, with its intake
    ids = {line.split(":")[0]: re.search(r"as intake (\w+)", line).group(1) for line in lines}
    stored = stored_intakes(desk)
    assert set(ids.values()) == set(stored) and len(stored) == len(contents)  # one intake per content
    assert "draft" not in stored.values()
    assert ids[files[-1]] == ids[files[-2]]
    for line in printed:
        file, intake = line.split(":")[0], re.search(r"as intake (\w+)", line).group(1)
        assert ids[file] == intake and f"{file}: already imported as intake {intake}" in again.stdout
    third = subprocess.run(command, cwd=desk, capture_output=True, text=True, timeout=300)
    assert third.stdout.count("already imported") == len(files) and stored_intakes(desk) == stored
    assert main(["audit", "verify"]) == 0
