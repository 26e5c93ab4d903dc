"""Every act names who did it: decisions kept as a history, corrections with the original answer, proven people.

Cases come from the data: a correction for every question type, a correction into every severity, every
staff act with every kind of credential.
"""

from __future__ import annotations

import json

import pytest

from intake.errors import InvalidRecordError
from intake.lifecycle import LifecycleError
from intake.lifecycle.auth import PRACTITIONER_ACTS, STAFF_ACTS, Authenticated, AuthenticationError, authenticate
from intake.lifecycle.visits import Visits
from intake.records import Store
from intake.records.staff import StaffDirectory
from tests.conftest import FRONT_DESK_PIN, PRACTITIONER_PIN, add_staff
from tests.documents.personas import baseline, record, triggering
from tests.lifecycle.conftest import AJORDAN, DESK, fold, fresh, text_of
from tests.lifecycle.test_lifecycle import rule, signatures

SPATEL = Authenticated("spatel", "Sam Patel", "practitioner", "spatel", "test-tablet")
FRONT_DESK = Authenticated("frontdesk", "Front Desk", "front_desk", None, "test-tablet")


def clearance_intake(life):
    intake = fresh(life, record(life.engine, triggering(life.engine, rule(life, "clearance"))))
    life.sign(intake, signatures(life, intake), DESK)
    return intake


# -- decisions as a history -------------------------------------------------------------------------


def test_the_consent_names_who_decided_apart_from_who_countersigned(life):
    intake = clearance_intake(life)
    life.decide(intake, SPATEL, "clearance_noted", "GP letter of 19 November seen")
    packet = life.render(intake, life.countersignature(intake, AJORDAN, life.default_plan(intake)))
    consent = next(d for d in packet.documents if d.kind == "consent")
    text = text_of(consent.pdf)
    assert "Decision recorded: on 20 November 2026, Sam Patel (Nurse practitioner) noted that" in text
    assert "GP letter of 19 November seen" in text
    signature_block = text[text.index("PRACTITIONER (COUNTERSIGNATURE)"):]
    assert signature_block.startswith("PRACTITIONER (COUNTERSIGNATURE) Alex Jordan Alex Jordan, Aesthetic practitioner")
    assert "Sam Patel" not in signature_block
    data = json.loads(packet.attachment)["signatures"]["practitioner"]
    assert data["id"] == "ajordan" and data["decided_by"]["id"] == "spatel" and data["decision"] == "clearance_noted"


def test_a_contradicting_decision_must_say_it_replaces_the_one_that_stands_and_both_are_kept(life):
    intake = clearance_intake(life)
    life.decide(intake, SPATEL, "clearance_noted", "GP letter seen")
    for kind in ("override", "clearance_noted"):  # another kind, or the same again: refused without a reason
        with pytest.raises(LifecycleError, match="replaces it"):
            life.decide(intake, AJORDAN, kind, "Client insists")
    assert [d.kind for d in life.decisions(intake.intake_id)] == ["clearance_noted"]
    life.decide(intake, AJORDAN, "override", "Prescriber confirmed by phone", supersede="The GP letter was for "
                "another client")
    first, second = life.decisions(intake.intake_id)
    assert first.superseded_by == second.decision_id and second.supersedes == first.decision_id
    assert second.in_force and not first.in_force
    assert second.supersede_reason == "The GP letter was for another client"
    packet = life.render(intake, life.countersignature(intake, AJORDAN, life.default_plan(intake)))
    text = text_of(next(d for d in packet.documents if d.kind == "consent").pdf)
    assert "Earlier decision, replaced: on 20 November 2026, Sam Patel (Nurse practitioner) noted the clearance" in text
    assert "GP letter seen" in text and "because: The GP letter was for another client" in text
    assert "Alex Jordan (Aesthetic practitioner) decided to go ahead outside" in text
    events = [e for e in life.store.audit_trail(intake.intake_id) if e.event == "decision"]
    assert [json.loads(e.details).get("supersedes") for e in events] == [None, first.decision_id]
    assert life.store.verify_audit().ok


def test_nothing_stands_so_nothing_can_be_superseded(life):
    intake = clearance_intake(life)
    with pytest.raises(LifecycleError, match="nothing to replace"):
        life.decide(intake, AJORDAN, "override", "Client insists", supersede="no reason")
    assert life.decisions(intake.intake_id) == []


@pytest.mark.parametrize("act", sorted(PRACTITIONER_ACTS))
def test_front_desk_staff_cannot_do_a_practitioners_act_and_nobody_acts_as_another(life, act):
    intake = clearance_intake(life)
    call = {"decide": lambda who, **k: life.decide(intake, who, "override", "a reason", **k),
            "correct": lambda who, **k: life.correct(intake, who, {"sensitive_skin": True}, "misread", **k),
            "countersign": lambda who, **k: life.countersignature(intake, who, **k),
            # a further session's treatment record: who may record it is checked before the visit is even read
            "treat": lambda who, **k: Visits(life).record("v-not-read", who, {}, **k)}[act]
    with pytest.raises(AuthenticationError, match="front-desk staff"):
        call(FRONT_DESK)
    with pytest.raises(AuthenticationError, match="only spatel's own PIN"):
        call(AJORDAN, practitioner_id="spatel")
    assert life.decisions(intake.intake_id) == []


# -- corrections -----------------------------------------------------------------------------------


def _other_value(engine, question, current):
    """A valid answer to a question that differs from the current one, taken from the data."""
    if question.type == "yes_no":
        return not current
    if question.type == "choice":
        return next(o.id for o in question.options if o.id != current)
    if question.type == "multi_choice":
        return [next(o.id for o in question.options if not o.exclusive and [o.id] != current)]
    if question.type == "date":
        return "1980-02-29"
    if question.kind == "phone":
        return "+44 7700 900123"
    return "Corrected with the client"


def _types(engine):
    """For each question type, the first question a neutral client answers that no other question follows up on."""
    from intake import conditions

    answers = baseline(engine)
    parents = {p for q in engine.questionnaire.questions() if q.show_if
               for p in conditions.referenced_questions(q.show_if)}
    found = {}
    for question in engine.questionnaire.visible(answers, engine.facts(answers, "2026-11-20")):
        if question.type not in found and question.type != "acknowledgement" and not question.show_if \
                and question.id not in parents | {"full_name"}:
            found[question.type] = question
    return found


QUESTION_TYPES = ("text", "long_text", "date", "yes_no", "choice", "multi_choice")


@pytest.mark.parametrize("question_type", QUESTION_TYPES)
def test_a_correction_of_every_question_type_keeps_the_original_and_the_client_signs_again(life, question_type):
    engine = life.engine
    question = _types(engine)[question_type]
    intake = fresh(life, record(engine, baseline(engine)))
    life.sign(intake, signatures(life, intake), DESK)
    before = intake.answers.get(question.id)
    after = _other_value(engine, question, before)
    life.correct(intake, AJORDAN, {question.id: after}, "The client misread the question")
    view = life.store.load_intake(intake.intake_id)
    assert view.record["answers"][question.id] == after and intake.answers[question.id] == after
    (correction,) = view.decisions
    assert correction.kind == "correction" and correction.practitioner_id == "ajordan"
    assert [(c.question_id, c.before, c.after) for c in correction.changes if c.question_id == question.id] == \
        [(question.id, before, after)]
    assert view.signatures is None and intake.signatures is None  # they signed other answers
    assert life.resume(intake.intake_id).stage == "sign"
    life.sign(intake, signatures(life, intake), DESK)
    packet = life.render(intake, life.countersignature(intake, AJORDAN, life.default_plan(intake)))
    text = text_of(next(d for d in packet.documents if d.kind == "consent").pdf)
    label = fold(question.label["en"])
    assert "Answer corrected with you: on 20 November 2026, Alex Jordan (Aesthetic practitioner)" in text
    assert f"{label} — you had answered" in text and "The client misread the question" in text
    data = json.loads(packet.attachment)
    assert data["record"]["answers"][question.id] == after
    (note,) = data["signatures"]["practitioner"]["history"]
    assert note["kind"] == "correction" and note["changes"][0]["from"] == before
    assert life.store.verify_audit().ok


@pytest.mark.parametrize("severity", ["caution", "clearance", "defer"])
def test_a_correction_reassesses_into_every_severity(life, severity):
    engine = life.engine
    target = rule(life, severity)
    intake = fresh(life, record(engine, baseline(engine)))
    assert intake.verdict == "suitable"
    wanted = triggering(engine, target)
    changes = {q: v for q, v in wanted.items() if intake.answers.get(q) != v}
    life.correct(intake, AJORDAN, changes, "Remembered with the practitioner")
    assert intake.verdict == severity
    view = life.store.load_intake(intake.intake_id)
    assert view.status == ("deferred" if severity == "defer" else "submitted")
    assert target.id in {f["rule"] for f in view.assessment["findings"]}
    if severity == "defer":
        packet = life.render(intake, life.countersignature(intake, AJORDAN))
        assert [d.kind for d in packet.documents] == ["deferral"]


def test_a_correction_supersedes_the_decision_made_on_the_old_answers(life):
    intake = clearance_intake(life)
    life.decide(intake, SPATEL, "clearance_noted", "GP letter seen")
    life.correct(intake, AJORDAN, {"sensitive_skin": not intake.answers["sensitive_skin"]}, "misread")
    noted, correction = life.decisions(intake.intake_id)
    assert noted.superseded_by == correction.decision_id and not noted.in_force
    with pytest.raises(LifecycleError, match="needs clearance"):
        life.countersignature(intake, AJORDAN)  # decided again on the corrected answers


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"no_such_question": True}, LifecycleError, "no question 'no_such_question'"),
    ({"blood_thinner_type": "warfarin"}, LifecycleError, "only applies when"),  # hidden: blood_thinners is No
    ({"skin_type": "VII"}, InvalidRecordError, "problem"),
    ({"date_of_birth": "2030-01-01"}, InvalidRecordError, "problem"),
    ({"ack_aftercare": True}, LifecycleError, "already as given"),
])
def test_a_correction_that_does_not_fit_is_refused_and_writes_nothing(life, changes, error, message):
    intake = fresh(life, record(life.engine, baseline(life.engine)))
    entries = len(life.store.audit_trail(intake.intake_id))
    with pytest.raises(error, match=message):
        life.correct(intake, AJORDAN, changes, "The client misread it")
    assert life.decisions(intake.intake_id) == []
    assert len(life.store.audit_trail(intake.intake_id)) == entries


def test_a_correction_brings_up_its_follow_up_questions(life):
    intake = fresh(life, record(life.engine, baseline(life.engine)))
    with pytest.raises(InvalidRecordError) as refused:
        life.correct(intake, AJORDAN, {"blood_thinners": True}, "Forgot the aspirin")
    assert "blood_thinner_type" in {p.field for p in refused.value.problems}
    life.correct(intake, AJORDAN, {"blood_thinners": True, "blood_thinner_type": "aspirin"}, "Forgot the aspirin")
    assert intake.verdict == "clearance"


def test_documents_sealed_are_never_corrected(life):
    intake = fresh(life, record(life.engine, baseline(life.engine)))
    life.sign(intake, signatures(life, intake), DESK)
    packet = life.render(intake, life.countersignature(intake, AJORDAN, life.default_plan(intake)))
    life.keep_documents(intake, packet, AJORDAN.actor)
    intake, _ = life.load(intake.intake_id)
    with pytest.raises(LifecycleError, match="signed"):
        life.correct(intake, AJORDAN, {"sensitive_skin": True}, "too late")


# -- every staff act, proved ------------------------------------------------------------------------


@pytest.fixture
def team(life):
    store = life.store
    with store.read("x"):
        has = store.conn.execute("SELECT 1 FROM staff WHERE id = 'ajordan'").fetchone()
    if not has:
        add_staff(store, practitioners=("ajordan", "spatel"))
    return store


CREDENTIALS = {"right": None, "wrong": "999000", "empty": "", "huge": "9" * 5000, "surrogate": "12\ud80034",
               "front desk": FRONT_DESK_PIN}


@pytest.mark.parametrize("act", STAFF_ACTS)
@pytest.mark.parametrize("credential", CREDENTIALS)
def test_every_staff_act_with_every_kind_of_credential(team, act, credential):
    device = f"tablet-{act}-{credential.replace(' ', '-')}"
    given = CREDENTIALS[credential] if CREDENTIALS[credential] is not None else PRACTITIONER_PIN
    before = len(team.audit_trail())
    if credential == "right" or (credential == "front desk" and act not in PRACTITIONER_ACTS):
        who = authenticate(team, given, act, device, practitioner_id="ajordan" if credential == "right" else None)
        assert who.staff_id == ("ajordan" if credential == "right" else "frontdesk")
        assert team.audit_trail()[-1].event == "staff_unlocked"
        return
    with pytest.raises(AuthenticationError) as refused:
        authenticate(team, given, act, device, practitioner_id="ajordan" if act in PRACTITIONER_ACTS else None)
    assert "Traceback" not in str(refused.value)
    last = team.audit_trail()[-1]
    # a refused attempt is audited and nothing else is written (front desk staff did unlock, then were refused)
    assert len(team.audit_trail()) == before + (2 if credential == "front desk" else 1)
    assert last.event == ("act_refused" if credential == "front desk" else "pin_refused")
    assert json.loads(last.details)["act"] == act


def test_an_unknown_or_disabled_person_is_refused(team):
    with pytest.raises(AuthenticationError, match="not right"):
        authenticate(team, PRACTITIONER_PIN, "countersign", "desk-x", staff_id="nobody")
    directory = StaffDirectory(team)
    directory.add("leaver", name="Lee Ver", role="front_desk", pin="80264153", by="owner", device="office")
    assert authenticate(team, "80264153", "reprint", "desk-x").staff_id == "leaver"
    directory.disable("leaver", by="owner", device="office")
    with pytest.raises(AuthenticationError, match="not right"):
        authenticate(team, "80264153", "reprint", "desk-x")


def test_wrong_pins_for_a_person_pause_them_on_every_device(team):
    for device in ("desk-a", "desk-b"):
        with pytest.raises(AuthenticationError):
            authenticate(team, "000111", "decide", device, staff_id="spatel")
    with pytest.raises(AuthenticationError, match="Too many"):
        authenticate(team, "000112", "decide", "desk-c", staff_id="spatel")  # a third device: spatel is paused
    with pytest.raises(AuthenticationError, match="Too many"):
        authenticate(team, f"{int(PRACTITIONER_PIN) + 7919:06d}", "decide", "desk-d", staff_id="spatel")
    # another person on those devices is not paused by spatel's tries (each device saw fewer than three)
    assert authenticate(team, PRACTITIONER_PIN, "decide", "desk-a", staff_id="ajordan").staff_id == "ajordan"


def test_the_pause_is_kept_in_the_store_for_new_processes(team, life):
    import subprocess
    import sys

    config = life.engine.config.source
    for _ in range(3):
        done = subprocess.run([sys.executable, "-m", "intake", "--config", str(config), "records", "reprint",
                               "zzzzzzzzzz", "--staff", "frontdesk", "--pin-stdin"], input="000999\n",
                              capture_output=True, text=True, timeout=120, env={"INTAKE_DEVICE": "shell-1",
                                                                                   "PATH": "/usr/bin:/bin"})
        assert done.returncode == 1 and "Traceback" not in done.stderr
    again = subprocess.run([sys.executable, "-m", "intake", "--config", str(config), "records", "reprint",
                            "zzzzzzzzzz", "--staff", "frontdesk", "--pin-stdin"], input=FRONT_DESK_PIN + "\n",
                           capture_output=True, text=True, timeout=120, env={"INTAKE_DEVICE": "shell-2",
                                                                                "PATH": "/usr/bin:/bin"})
    assert again.returncode == 1 and "Too many wrong PINs" in again.stderr  # a new process, another device


def test_reopening_the_store_keeps_the_pause(team, life):
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            authenticate(team, "000777", "export", "desk-r")
    reopened = Store.open(life.engine.config, engine=life.engine, clock=team.clock)
    try:
        with pytest.raises(AuthenticationError, match="Too many"):
            authenticate(reopened, FRONT_DESK_PIN, "export", "desk-r")
    finally:
        reopened.close()


def test_a_deferral_letter_lists_a_correction_made_with_the_client(life):
    engine = life.engine
    intake = fresh(life, record(engine, triggering(engine, rule(life, "defer"))))
    question = next(q for q in engine.questionnaire.questions() if q.id == "sensitive_skin")
    life.correct(intake, AJORDAN, {question.id: not intake.answers[question.id]}, "The client misread it")
    assert intake.verdict == "defer"
    packet = life.render(intake, life.countersignature(intake, AJORDAN))
    text = text_of(packet.documents[0].pdf)
    assert "Alex Jordan corrected an answer with you (The client misread it):" in text
    assert f"{fold(question.label['en'])} — you had answered" in text
