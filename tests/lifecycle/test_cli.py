"""The lifecycle from the command line: import, decide, sign and countersign, with plain refusals that write nothing."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from intake.cli import main
from intake.engine import Engine
from tests.documents.personas import baseline, record, triggering

ENGINE = Engine.load()
AT = "2026-11-20T14:40:05+00:00"


def write(desk, name: str, rec: dict):
    path = desk / name
    path.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    return str(path)


def imported(capsys) -> list[str]:
    return re.findall(r"imported as intake (\w+)", capsys.readouterr().out)


def rule_record(severity: str) -> dict:
    rule = next(r for r in ENGINE.rules.rules if r.severity == severity and r.severity_setting is None)
    return record(ENGINE, triggering(ENGINE, rule))


def test_import_decide_sign_countersign_and_verify(desk, capsys):
    files = [write(desk, f"{s}.json", rule_record(s)) for s in ("caution", "clearance", "defer")]
    assert main(["records", "import", *files]) == 0
    caution, clearance, defer = imported(capsys)
    assert main(["records", "countersign", clearance, "--practitioner", "ajordan"]) == 1  # not signed yet
    for intake in (caution, clearance):
        assert main(["records", "sign", intake, "--typed-name", "JO  BLOGGS", "--signed-at", "2026-11-20T14:32"]) == 0
    assert main(["records", "countersign", clearance, "--practitioner", "ajordan", "--signed-at", AT]) == 1
    assert "needs clearance" in capsys.readouterr().err
    assert main(["records", "decide", clearance, "--practitioner", "ajordan", "--clearance-noted",
                 "Oncologist's letter of 12 November seen"]) == 0
    for intake in (caution, clearance, defer):
        assert main(["records", "countersign", intake, "--practitioner", "ajordan", "--signed-at", AT]) == 0
    out = capsys.readouterr().out
    pdfs = sorted(str(p) for p in (desk / "intake-documents").rglob("*.pdf"))
    assert len(pdfs) == 5 and out.count("_deferral_") == 1
    assert main(["verify", *pdfs]) == 0
    assert main(["records", "reprint", caution, "--out", str(desk / "again")]) == 0
    assert main(["records", "countersign", caution, "--practitioner", "ajordan"]) == 1  # done already
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
def test_a_bad_reason_is_refused_plainly_and_records_nothing(desk, capsys, args, message):
    assert main(["records", "import", write(desk, "c.json", rule_record("clearance"))]) == 0
    (intake,) = imported(capsys)
    assert main(["records", "decide", intake, "--practitioner", "ajordan", *args]) == 1
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
