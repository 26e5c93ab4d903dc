"""The audit trail is append-only and hash-chained; `verify` names each changed, deleted, added or moved entry."""

from __future__ import annotations

import sqlite3

import pytest

from intake.cli import main
from intake.records.audit import TRIGGERS
from tests.records.conftest import SECRET_NAME, Doc, fill_draft, record_named, submit_new

TRIGGER_SQL = {
    "audit_no_update": "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
                       "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "audit_no_delete": "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
                       "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
}


@pytest.fixture
def trail(store, engine):
    """A store with 12 audit entries: one submitted intake (10) and a two-step draft (3) less one."""
    submit_new(store, engine, record_named())
    fill_draft(store, engine, record_named("Another Person"), steps=1)
    assert len(store.audit_trail()) == 12
    return store


def tamper(store, *statements: str, keep_triggers_off: bool = False) -> None:
    """Changes the audit table behind the tool's back, the way someone with the sqlite3 shell would."""
    with sqlite3.connect(store.path, isolation_level=None) as other:
        for trigger in TRIGGERS:
            other.execute(f"DROP TRIGGER {trigger}")
        for statement in statements:
            other.execute(statement)
        if not keep_triggers_off:
            for trigger in TRIGGERS:
                other.execute(TRIGGER_SQL[trigger])
    other.close()


def kinds(store) -> list[tuple[str, int | None]]:
    return [(p.kind, p.seq) for p in store.verify_audit().problems]


def test_an_untouched_trail_verifies(trail):
    report = trail.verify_audit()
    assert report.ok and report.entries == 12 and len(report.head) == 64


def test_each_entry_links_to_the_one_before(trail):
    entries = trail.audit_trail()
    assert entries[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))


def test_the_store_itself_cannot_change_or_delete_entries(trail):
    for statement in ("UPDATE audit SET staff = 'mallory' WHERE seq = 1", "DELETE FROM audit WHERE seq = 1"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            trail.conn.execute(statement)


def test_an_edited_entry_is_named(trail):
    tamper(trail, "UPDATE audit SET staff = 'mallory' WHERE seq = 5")
    assert kinds(trail) == [("edited", 5)]
    assert "#5 (step saved" in trail.verify_audit().problems[0].message


def test_an_edited_entry_with_a_recomputed_plain_hash_is_still_named(trail):
    tamper(trail, "UPDATE audit SET event = 'viewed', hash = lower(hex(randomblob(32))) WHERE seq = 5")
    assert kinds(trail) == [("edited", 5)]


def test_a_deleted_entry_is_named(trail):
    tamper(trail, "DELETE FROM audit WHERE seq = 4")
    [problem] = trail.verify_audit().problems
    assert (problem.kind, problem.seq) == ("deleted", 5)
    assert problem.message.startswith("entry #4 before entry #5")


def test_a_deletion_hidden_by_renumbering_is_found(trail):
    tamper(trail, "DELETE FROM audit WHERE seq = 4", "UPDATE audit SET seq = seq - 1 WHERE seq > 4")
    problem, shorter = trail.verify_audit().problems
    assert (problem.kind, problem.seq) == ("deleted", 4)
    assert (shorter.kind, shorter.seq) == ("rolled back", 12)  # the checkpoint outside the folder knows #12
    assert "an entry before entry #4" in problem.message


def test_deleting_the_latest_entries_is_found(trail):
    tamper(trail, "DELETE FROM audit WHERE seq > 10")
    deleted, orphan = trail.verify_audit().problems
    assert deleted.kind == "deleted" and "should run to entry #12 but now ends at #10" in deleted.message
    assert orphan.kind == "row added" and "has no 'started' audit entry" in orphan.message  # the draft's start


def test_an_inserted_entry_is_named(trail):
    forged = ("INSERT INTO audit (seq, at, event, intake_id, client_id, staff, device, details, prev_hash, hash) "
              "SELECT 5, at, 'viewed', intake_id, client_id, 'mallory', device, '{}', prev_hash, "
              "lower(hex(randomblob(32))) FROM audit WHERE seq = 1005")
    tamper(trail, "UPDATE audit SET seq = seq + 1000 WHERE seq >= 5", forged,
           "UPDATE audit SET seq = seq - 999 WHERE seq > 1000")
    assert kinds(trail) == [("inserted", 5)]


def test_an_entry_appended_by_hand_is_named(trail):
    tamper(trail, "INSERT INTO audit (seq, at, event, intake_id, client_id, staff, device, details, prev_hash, hash)"
                  " SELECT 13, at, 'exported', intake_id, client_id, staff, device, '{}', hash, "
                  "lower(hex(randomblob(32))) FROM audit WHERE seq = 12")
    assert kinds(trail) == [("inserted", 13)]


def test_a_copied_entry_is_named(trail):
    tamper(trail, "INSERT INTO audit SELECT 13, at, event, intake_id, client_id, staff, device, details, "
                  "prev_hash, hash FROM audit WHERE seq = 7")
    [problem] = trail.verify_audit().problems
    assert (problem.kind, problem.seq) == ("inserted", 13) and "a copy of another entry" in problem.message


def test_reordered_entries_are_named(trail):
    tamper(trail, "UPDATE audit SET seq = -1 WHERE seq = 6", "UPDATE audit SET seq = 6 WHERE seq = 7",
           "UPDATE audit SET seq = 7 WHERE seq = -1")
    [problem] = trail.verify_audit().problems
    assert problem.kind == "reordered" and problem.seq in (6, 7) and "was moved" in problem.message


def test_an_entry_moved_far_is_named(trail):
    tamper(trail, "UPDATE audit SET seq = 100 WHERE seq = 3")
    assert kinds(trail) == [("reordered", 100)]
    assert "written right after entry #2" in trail.verify_audit().problems[0].message


def test_removing_the_protection_is_reported(trail):
    tamper(trail, keep_triggers_off=True)
    assert [p.kind for p in trail.verify_audit().problems] == ["protection", "protection"]


def test_a_rolled_back_or_forged_head_is_reported(trail):
    tamper(trail, "UPDATE meta SET value = replace(value, '\"seq\": 12', '\"seq\": 11') WHERE key = 'audit_head'")
    [problem] = trail.verify_audit().problems
    assert problem.kind == "head" and "changed outside intake" in problem.message


def test_entries_hold_no_names_or_answers(store, engine):
    intake_id = submit_new(store, engine, record_named())
    store.add_documents(intake_id, [Doc("consent", filename=f"{SECRET_NAME}.pdf")], staff="amy", device="kiosk-1")
    store.export(intake_id, "json", staff="amy", device="kiosk-1")
    text = repr([(e.details, e.staff, e.device) for e in store.audit_trail()]).lower()
    assert "zephyrine" not in text and "1988-03-14" not in text
    assert [e.event for e in store.audit_trail(intake_id)] == [
        "started", *["step_saved"] * 7, "submitted", "assessed", "rendered", "signed", "exported"]


def test_audit_verify_command(trail, config_path, capsys):
    assert main(["--config", str(config_path), "audit", "verify"]) == 0
    assert "Audit trail OK: 12 entries" in capsys.readouterr().out
    tamper(trail, "UPDATE audit SET device = 'elsewhere' WHERE seq = 2", "DELETE FROM audit WHERE seq = 9")
    assert main(["--config", str(config_path), "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "AUDIT TRAIL DAMAGED: 2 problem(s)" in out
    assert "EDITED: entry #2" in out and "DELETED: entry #9 before entry #10" in out


def test_any_single_change_anywhere_is_detected(trail):
    import random

    from intake.records import audit

    rng = random.Random(20261120)
    columns = ("at", "event", "intake_id", "client_id", "staff", "device", "details", "prev_hash", "hash")
    for _ in range(60):
        copy = sqlite3.connect(":memory:", isolation_level=None)
        trail.conn.backup(copy)
        for trigger in TRIGGERS:
            copy.execute(f"DROP TRIGGER {trigger}")
        seq, other = rng.sample(range(1, 13), 2)
        operation = rng.choice(["edit", "delete", "swap", "move", "copy"])
        if operation == "edit":
            copy.execute(f"UPDATE audit SET {rng.choice(columns)} = 'x' || {rng.choice(columns)} WHERE seq = ?",
                         (seq,))
        elif operation == "delete":
            copy.execute("DELETE FROM audit WHERE seq = ?", (seq,))
        elif operation == "swap":
            copy.execute("UPDATE audit SET seq = -1 WHERE seq = ?", (seq,))
            copy.execute("UPDATE audit SET seq = ? WHERE seq = ?", (seq, other))
            copy.execute("UPDATE audit SET seq = ? WHERE seq = -1", (other,))
        elif operation == "move":
            copy.execute("UPDATE audit SET seq = 50 WHERE seq = ?", (min(seq, other),))
        else:
            copy.execute("INSERT INTO audit SELECT 60, at, event, intake_id, client_id, staff, device, details, "
                         "prev_hash, hash FROM audit WHERE seq = ?", (seq,))
        for trigger in TRIGGERS:
            copy.execute(TRIGGER_SQL[trigger])
        report = audit.verify(copy, trail.keyring)
        assert not report.ok, (operation, seq, other)
        assert all(p.kind != "protection" for p in report.problems)
        copy.close()
