"""Further sessions from the command line: `intake records visit start|rescreen|record|countersign|list`, each act
under the credential of the person doing it, with plain refusals (exit 1) that write nothing."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

from intake.cli import main
from tests.conftest import PRACTITIONER_PIN
from tests.course.test_rescreen import visit as rescreen_answers
from tests.documents.personas import baseline, record
from tests.lifecycle.test_cli import AT, ENGINE, as_staff, imported, staffed, write

__all__ = ["staffed"]  # the fixture, used by name


def _countersigned(desk, capsys, monkeypatch) -> str:
    assert main(["records", "import", write(desk, "client.json", record(ENGINE, baseline(ENGINE)))]) == 0
    (intake,) = imported(capsys)
    assert main(["records", "sign", intake, "--typed-name", "JO  BLOGGS", "--signed-at", "2026-11-20T14:32"]) == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", intake, "--signed-at", AT) == 0
    capsys.readouterr()
    return intake


def _trail(desk) -> list[str]:
    """The audit trail's events, but for the proofs of who acted (each PIN given is audited, taken or refused)."""
    from intake.config import load_config
    from intake.records import Store

    with Store.open(load_config(None)) as store:
        return [e.event for e in store.audit_trail() if e.event not in ("staff_unlocked", "pin_refused")]


def at_session_one(answers: dict) -> dict:
    """What a client answers at the first treatment after a consultation day without one: not how the skin healed."""
    asked = ENGINE.rescreen.asked(treated_before=False).by_id
    return {k: v for k, v in answers.items() if k in asked}


def test_a_further_session_from_start_to_countersignature(staffed, capsys, monkeypatch):
    desk = staffed
    intake = _countersigned(desk, capsys, monkeypatch)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "start", intake, "--date", "2026-12-20") == 0
    visit = re.search(r"Visit (v-\w+): session 1 on 2026-12-20", capsys.readouterr().out).group(1)  # none given yet
    answers = write(desk, "rescreen.json", at_session_one(rescreen_answers(False)))
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "rescreen", visit, "--answers", answers) == 0
    assert "ready for treatment" in capsys.readouterr().out
    assert main(["records", "visit", "list", intake]) == 0
    plan = dict(re.findall(r"(\w+) ([\d.]+)-[\d.]+ mm", capsys.readouterr().out))
    treatment = {"areas": {area: float(low) for area, low in plan.items()}, "device": "Dr. Pen A6", "needles": 12,
                 "cartridge_lot": "LOT-2611-A", "cartridge_expiry": "2026-12-19", "numbing": "none", "serum": "none",
                 "skin_response": "mild redness", "adverse_events": "none", "advice": "aftercare sheet"}
    expired = write(desk, "expired.json", treatment)
    head = _trail(desk)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "record", visit, "--treatment", expired) == 1
    assert "the cartridge expired on 2026-12-19" in capsys.readouterr().err
    assert _trail(desk) == head
    good = write(desk, "treatment.json", {**treatment, "cartridge_expiry": "2027-08-31"})
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "record", visit, "--treatment", good) == 0
    assert "cartridge lot LOT-2611-A" in capsys.readouterr().out
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "countersign", visit, "--out",
                    str(desk / "docs")) == 0
    printed = capsys.readouterr().out
    assert "countersigned by ajordan" in printed
    paths = [Path(p) for p in re.findall(r"Wrote (\S+\.pdf)", printed)]
    assert [p.name.split("_")[1] for p in paths] == ["session", "session"] and len(paths) == 2
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in paths)
    assert main(["verify", *map(str, paths)]) == 0
    verified = capsys.readouterr().out
    assert "session_record for Jo Bloggs" in verified and "session_aftercare for Jo Bloggs" in verified
    assert "about:       session 1 of" in verified and f"visit {visit} of the course of intake {intake}" in verified
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "reprint", visit, "--kind", "session_record",
                    "--out", str(desk / "again")) == 0
    (again,) = [Path(p) for p in re.findall(r"Wrote (\S+\.pdf)", capsys.readouterr().out)]
    assert again.read_bytes() == paths[0].read_bytes() and again.stat().st_mode & 0o777 == 0o600
    assert main(["records", "show", intake, "--no-answers"]) == 0
    assert f"Visit {visit}: session 1 on 2026-12-20, countersigned" in capsys.readouterr().out
    assert main(["records", "visit", "list", intake, "--json"]) == 0
    (kept,) = json.loads(capsys.readouterr().out)
    assert kept["treatment"]["cartridge_expiry"] == "2027-08-31" and kept["countersigned_by"] == "ajordan"
    out = desk / "visit.json"
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "export", visit, "--format", "fhir", "--out",
                    str(out)) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["entry"][0]["resource"]["resourceType"] == "Procedure"
    assert main(["audit", "verify"]) == 0


def test_visit_acts_need_a_credential_and_refusals_write_nothing(staffed, capsys, monkeypatch):
    desk = staffed
    intake = _countersigned(desk, capsys, monkeypatch)
    head = _trail(desk)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal, no --pin-stdin
    assert main(["records", "visit", "start", intake]) == 1
    assert "needs a staff PIN" in capsys.readouterr().err
    assert as_staff(monkeypatch, "000000", "records", "visit", "start", intake) == 1
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "start", intake, "--date", "2026-13-40") == 1
    assert "is not a date" in capsys.readouterr().err
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "start", intake, "--date", "2026-11-01") == 1
    assert "before the course's last session" in capsys.readouterr().err
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "rescreen", "v-nosuchvisit", "--answers",
                    write(desk, "a.json", rescreen_answers(False))) == 1
    assert "there is no visit v-nosuchvisit" in capsys.readouterr().err
    assert _trail(desk) == head


def test_the_practitioner_sees_the_changes_reported_and_the_earlier_sessions(staffed, capsys, monkeypatch):
    desk = staffed
    intake = _countersigned(desk, capsys, monkeypatch)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "start", intake, "--date", "2026-12-20") == 0
    visit = re.search(r"Visit (v-\w+)", capsys.readouterr().out).group(1)
    asked_again = set(ENGINE.rescreen.asked_again)
    given = {**baseline(ENGINE), "retinoids": "stopped", "retinoids_last_use": "2026-12-01"}
    answers = write(desk, "changed.json",
                    at_session_one(rescreen_answers(True, {k: v for k, v in given.items() if k in asked_again})))
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "rescreen", visit, "--answers", answers) == 0
    capsys.readouterr()
    assert main(["records", "visit", "show", visit]) == 0
    shown = capsys.readouterr().out
    assert "Changes the client reported since the consultation:" in shown
    assert re.search(r">> .*retinoid.*: No -> Yes, but I have stopped", shown), shown
    assert re.search(r">> When did you last use them\?: \(not given\) -> ", shown), shown
    assert "Consultation on 2026-11-20" in shown


def test_a_deferred_visit_gets_its_sealed_letter_and_nothing_else(staffed, capsys, monkeypatch):
    desk = staffed
    intake = _countersigned(desk, capsys, monkeypatch)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "start", intake, "--date", "2026-12-20") == 0
    visit = re.search(r"Visit (v-\w+)", capsys.readouterr().out).group(1)
    answers = write(desk, "pregnant.json", at_session_one(rescreen_answers(True, {
        k: v for k, v in {**baseline(ENGINE), "pregnant_or_breastfeeding": True}.items()
        if k in set(ENGINE.rescreen.asked_again)})))
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "rescreen", visit, "--answers", answers) == 0
    assert "DEFERRED" in capsys.readouterr().out
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "countersign", visit) == 1
    assert "deferred by the re-screen" in capsys.readouterr().err
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "letter", visit, "--out",
                    str(desk / "docs")) == 0
    (letter,) = [Path(p) for p in re.findall(r"Wrote (\S+\.pdf)", capsys.readouterr().out)]
    assert letter.stat().st_mode & 0o777 == 0o600 and "visit_deferral" in letter.name
    assert main(["verify", str(letter)]) == 0
    assert "visit_deferral for Jo Bloggs" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0


def test_countersign_takes_the_plans_sessions_within_treatment_json(staffed, capsys, monkeypatch):
    """`records countersign --sessions N --interval-weeks W`: outside treatment.json's ranges it is refused and
    nothing is countersigned (the walk in tests/course/test_whole_course.py countersigns a plan of 5)."""
    desk = staffed
    assert main(["records", "import", write(desk, "client.json", record(ENGINE, baseline(ENGINE)))]) == 0
    (intake,) = imported(capsys)
    assert main(["records", "sign", intake, "--typed-name", "JO  BLOGGS", "--signed-at", "2026-11-20T14:32"]) == 0
    capsys.readouterr()
    head = _trail(desk)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", intake, "--sessions", "9",
                    "--interval-weeks", "2", "--signed-at", AT) == 1
    refused = capsys.readouterr().err
    assert "Sessions: choose 3 to 6." in refused and "Weeks between sessions: choose 4 to 6." in refused
    assert "Nothing was countersigned" in refused and _trail(desk) == head


def test_the_consultation_days_treatment_is_session_1_and_the_list_shows_every_course(staffed, capsys, monkeypatch):
    """`records visit record INTAKE` keeps session 1 (refused a second time); `visit countersign --signed-at` is
    refused in the future and before the record, nothing written; after a second consultation of the same client,
    `visit list` and `records show` list both courses."""
    from datetime import UTC, date, datetime

    desk = staffed
    intake = _countersigned(desk, capsys, monkeypatch)
    assert main(["records", "visit", "list", intake]) == 0
    listed = capsys.readouterr().out
    status = ("current: consent valid until 2027-11-20" if date.today() <= date(2027, 11, 20) else
              "consent expired on 2027-11-20: a new consent is needed")  # consented 2026-11-20, valid a year
    assert status in listed and "(session 1) any day" in listed
    plan = dict(re.findall(r"(\w+) ([\d.]+)-[\d.]+ mm", listed))
    given = write(desk, "treatment.json", {
        "areas": {area: float(low) for area, low in plan.items()}, "device": "Dr. Pen A6", "needles": 12,
        "cartridge_lot": "LOT-2611-A", "cartridge_expiry": "2027-08-31", "numbing": "none", "serum": "none",
        "skin_response": "mild redness", "adverse_events": "none", "advice": "aftercare sheet"})
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "record", intake, "--treatment", given) == 0
    out = capsys.readouterr().out
    visit = re.search(r"Visit (v-\w+): session 1 on 2026-11-20, treated, waiting for the countersignature \(the "
                      r"consultation's day", out).group(1)
    head = _trail(desk)
    for when, refused in (("2099-01-01T10:00", "is in the future"), ("2026-11-20T14:45", "before the treatment "
                                                                                        "record was kept")):
        assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "countersign", visit, "--signed-at",
                        when) == 1
        assert refused in capsys.readouterr().err
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "record", intake, "--treatment", given) == 1
    assert "already has visit" in capsys.readouterr().err and _trail(desk) == head
    now = datetime.now(UTC).replace(microsecond=0)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "countersign", visit, "--signed-at",
                    now.isoformat(), "--out", str(desk / "docs")) == 0
    paths = re.findall(r"Wrote (\S+\.pdf)", capsys.readouterr().out)
    assert main(["verify", *paths]) == 0 and "about:       session 1 of" in capsys.readouterr().out
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "record", intake, "--treatment", given) == 1
    assert "recorded already" in capsys.readouterr().err

    again = baseline(ENGINE, phone="+44 20 7946 0999")  # the same client's new consultation: a new consent
    assert main(["records", "import", write(desk, "again.json", record(ENGINE, again))]) == 0
    (renewed,) = imported(capsys)
    assert main(["records", "sign", renewed, "--typed-name", "JO  BLOGGS", "--signed-at", "2026-11-20T14:32"]) == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", renewed, "--signed-at", AT) == 0
    capsys.readouterr()
    assert main(["records", "visit", "list", intake]) == 0
    listed = capsys.readouterr().out
    assert f"Course {intake} " in listed and "ended: a later consent followed it" in listed
    assert f"Course {renewed} " in listed and f"a new consent following the course {intake}" in listed
    assert listed.index(f"Course {intake} ") < listed.index(f"Visit {visit}") < listed.index(f"Course {renewed} ")
    assert main(["records", "visit", "show", visit]) == 0
    assert f"Course {intake} " in capsys.readouterr().out
    assert main(["records", "show", renewed, "--no-answers"]) == 0
    assert f"Sessions of the course of intake {intake} (1):" in capsys.readouterr().out
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "record", renewed, "--treatment", given) == 0
    first = re.search(r"Visit (v-\w+): session 1 on ", capsys.readouterr().out).group(1)  # the new course's
    assert main(["records", "visit", "show", first]) == 0
    shown = capsys.readouterr().out  # the earlier course's session, marked as such, with how the skin reacted
    assert f"Earlier course {intake}: Visit {visit}: session 1 on 2026-11-20, countersigned" in shown
    assert "skin: mild redness" in shown


def test_a_visit_not_treated_is_ended_with_its_reason_and_the_next_one_starts(staffed, capsys, monkeypatch):
    desk = staffed
    intake = _countersigned(desk, capsys, monkeypatch)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "start", intake, "--date", "2026-12-20") == 0
    visit = re.search(r"Visit (v-\w+)", capsys.readouterr().out).group(1)
    head = _trail(desk)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "end", visit, "--reason", " ok ") == 1
    assert "say why the visit ends without treatment" in capsys.readouterr().err
    assert as_staff(monkeypatch, "000000", "records", "visit", "end", visit, "--reason", "the client left") == 1
    assert _trail(desk) == head  # refused: nothing written
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "end", visit, "--reason",
                    "the client had to leave before the re-screen") == 0
    said = capsys.readouterr().out
    assert f"Visit {visit}: session 1 on 2026-12-20, ended without treatment" in said and "can start" in said
    assert main(["records", "visit", "show", visit]) == 0
    assert re.search(r"Ended without treatment by \S+ at \S+ \(it was open\): the client had to leave before the "
                     r"re-screen", capsys.readouterr().out)
    assert main(["records", "visit", "export", visit, "--format", "fhir"]) == 1  # exports need a credential too
    capsys.readouterr()
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "export", visit, "--format", "fhir") == 0
    from fhir.resources.R4B.bundle import Bundle

    bundle = json.loads(capsys.readouterr().out)
    Bundle.model_validate(bundle)
    (procedure,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure"]
    assert procedure["status"] == "not-done"
    assert procedure["statusReason"]["text"] == "Ended without treatment: the client had to leave before the re-screen"
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "visit", "start", intake, "--date", "2026-12-21") == 0
    assert "session 1 on 2026-12-21" in capsys.readouterr().out
