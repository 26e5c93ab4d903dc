"""Rollback and omission: each attack from issue 12 on a real store, caught by the checkpoint outside the folder.

The attacker holds the data folder (copies, restores, edits it with the sqlite3 shell) but not the keys
folder, where the data key and the audit checkpoint live.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from intake.cli import main
from intake.config import load_config
from intake.records import Store
from intake.records import anchor as anchor_module
from intake.records.errors import KeyFileError
from tests.records.conftest import DEVICE, STAFF, fill_draft, record_named, step_answers, submit_new, write_config

DB = "intake.sqlite3"


def kinds(store: Store) -> list[str]:
    return [p.kind for p in store.verify_audit().problems]


def sqlite_shell(clinic, *statements: str, params: tuple = ()) -> None:
    """What someone with the data folder and the sqlite3 shell does (no key, no intake)."""
    with sqlite3.connect(clinic.data_dir / DB, isolation_level=None) as other:
        other.execute("DROP TRIGGER IF EXISTS audit_no_update")
        other.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        for statement in statements:
            other.execute(statement, params if "?" in statement else ())
        other.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
                      "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")
        other.execute("CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
                      "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")
    other.close()


def backup(clinic, to: Path) -> None:
    """A consistent copy of the database, as a backup tool makes it."""
    with sqlite3.connect(clinic.data_dir / DB) as source, sqlite3.connect(to) as target:
        source.backup(target)
    source.close()
    target.close()


def restore(clinic, copy: Path) -> None:
    for sidecar in ("-wal", "-shm"):
        (clinic.data_dir / (DB + sidecar)).unlink(missing_ok=True)
    shutil.copyfile(copy, clinic.data_dir / DB)


def test_an_honest_store_verifies_and_its_checkpoint_lives_beside_the_key(store, engine, clinic):
    submit_new(store, engine, record_named())
    report = store.verify_audit()
    assert report.ok and not report.notes
    checkpoint = store.checkpoint.path
    assert checkpoint.parent == clinic.path("security", "data_key_file").parent
    assert not checkpoint.resolve().is_relative_to(clinic.data_dir.resolve())
    assert checkpoint.stat().st_mode & 0o777 == 0o600


def test_every_table_a_reader_sees_is_covered(store):
    tables = {name for (name,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(anchor_module.DIGESTED) | set(anchor_module.UNDIGESTED)


def test_an_older_database_restored_is_named(clinic, engine, tmp_path):
    with Store.open(clinic, engine=engine) as store:
        submit_new(store, engine, record_named())
    backup(clinic, tmp_path / "monday.sqlite3")
    with Store.open(clinic, engine=engine) as store:
        submit_new(store, engine, record_named("Another Person"))
    restore(clinic, tmp_path / "monday.sqlite3")
    with Store.open(clinic, engine=engine) as store:
        report = store.verify_audit()
    assert [p.kind for p in report.problems] == ["rolled back"]
    assert "the database is older than its checkpoint" in report.problems[0].message


def test_newest_entries_dropped_with_the_head_put_back_are_named(store, engine, clinic):
    submit_new(store, engine, record_named())
    head_before = store.conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()[0]
    last_before = store.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    newest = submit_new(store, engine, record_named("Another Person"))
    client = store.conn.execute("SELECT client_id FROM intakes WHERE id = ?", (newest,)).fetchone()[0]
    sqlite_shell(clinic, f"DELETE FROM audit WHERE seq > {last_before}",
                 f"DELETE FROM intakes WHERE id = '{newest}'",
                 f"DELETE FROM search_tokens WHERE client_id = '{client}'",
                 f"DELETE FROM clients WHERE id = '{client}'",
                 "UPDATE meta SET value = ? WHERE key = 'audit_head'", params=(head_before,))
    problems = store.verify_audit().problems
    assert [p.kind for p in problems] == ["rolled back"]
    assert f"the trail ends at #{last_before}" in problems[0].message


def test_a_deferred_intakes_earlier_draft_row_put_back_is_named(store, engine, clinic):
    record = record_named(example="defer")
    intake_id = fill_draft(store, engine, record)
    draft_row = store.conn.execute("SELECT * FROM intakes WHERE id = ?", (intake_id,)).fetchone()
    columns = [c[1] for c in store.conn.execute("PRAGMA table_info(intakes)")]
    assert store.submit(intake_id, record=record, assessment=engine.assess(record).to_dict(), staff=STAFF,
                        device=DEVICE) == "deferred"
    assert store.verify_audit().ok
    sets = ", ".join(f"{c} = ?" for c in columns)
    sqlite_shell(clinic, f"UPDATE intakes SET {sets} WHERE id = '{intake_id}'", params=tuple(draft_row))
    assert store.load_intake(intake_id).status == "draft"  # its own seal is valid: it is a real old row
    assert kinds(store) == ["rows replaced"]
    assert "table intakes" in store.verify_audit().problems[0].message
    # The store cannot tell at once, and takes new answers; the deferral undone still shows afterwards.
    first = engine.questionnaire.steps[0].id
    store.save_step(intake_id, step_id=first, answers=step_answers(engine, record, first), next_step=None,
                    staff=STAFF, device=DEVICE)
    assert kinds(store) == ["rows replaced"]


def test_deleted_search_tokens_are_named(store, engine, clinic):
    intake_id = submit_new(store, engine, record_named())
    client = store.conn.execute("SELECT client_id FROM intakes WHERE id = ?", (intake_id,)).fetchone()[0]
    sqlite_shell(clinic, f"DELETE FROM search_tokens WHERE client_id = '{client}'")
    assert store.search("Zephyrine").rows == []  # hidden from search...
    [problem] = store.verify_audit().problems  # ...but not from verify
    assert problem.kind == "rows deleted" and "search_tokens" in problem.message
    assert "can no longer be found by search" in problem.message


@pytest.mark.parametrize("table", ["decisions", "documents", "clients"])
def test_a_deleted_row_of_any_table_is_named(store, engine, clinic, table):
    from tests.records.conftest import signed_new

    signed_new(store, engine, record_named(example="clearance"))
    sqlite_shell(clinic, f"DELETE FROM {table} WHERE rowid = (SELECT max(rowid) FROM {table})")
    found = store.verify_audit().problems
    assert any(p.kind == "rows deleted" and f"table {table}" in p.message for p in found), found


def test_a_crash_between_commit_and_checkpoint_is_accepted_and_anchored_by_the_next_change(
        store, engine, monkeypatch):
    intake_id = fill_draft(store, engine, record_named(), steps=1)
    real = anchor_module.Checkpoint.append
    monkeypatch.setattr(anchor_module.Checkpoint, "append", lambda *a, **k: None)  # the process died here
    step = engine.questionnaire.steps[1].id
    store.save_step(intake_id, step_id=step, answers=step_answers(engine, record_named(), step), next_step=None,
                    staff=STAFF, device=DEVICE)
    report = store.verify_audit()
    assert report.ok and any("not anchored in the audit checkpoint" in note for note in report.notes)
    monkeypatch.setattr(anchor_module.Checkpoint, "append", real)
    store.view(intake_id, staff=STAFF, device=DEVICE)
    report = store.verify_audit()
    assert report.ok and not report.notes


def test_an_edited_checkpoint_line_is_named(store, engine):
    fill_draft(store, engine, record_named(), steps=1)
    path = store.checkpoint.path
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace('"seq":', '"seq":1', 1)
    path.write_text("\n".join(lines) + "\n")
    assert "checkpoint" in kinds(store)


def test_a_torn_last_line_is_ignored(store, engine):
    fill_draft(store, engine, record_named(), steps=1)
    with store.checkpoint.path.open("a") as handle:
        handle.write('{"v":1,"seq":99')  # a crash in the middle of writing
    assert store.verify_audit().ok


def test_the_checkpoint_may_not_live_in_the_data_folder(tmp_path, engine):
    path = write_config(tmp_path)
    text = path.read_text().replace("[security]\n", f"[security]\naudit_checkpoint_file = \"{tmp_path}/data/cp\"\n")
    path.write_text(text)
    clinic = load_config(path)
    from intake.records import create_data_key

    create_data_key(clinic)
    with pytest.raises(KeyFileError, match="audit checkpoint"):
        Store.open(clinic, engine=engine)


def test_the_cli_names_a_rollback(clinic, engine, tmp_path, capsys):
    with Store.open(clinic, engine=engine) as store:
        submit_new(store, engine, record_named())
    backup(clinic, tmp_path / "old.sqlite3")
    with Store.open(clinic, engine=engine) as store:
        submit_new(store, engine, record_named("Another Person"))
    restore(clinic, tmp_path / "old.sqlite3")
    code = main(["--config", str(clinic.source), "audit", "verify"])
    out = capsys.readouterr().out
    assert code == 1 and "ROLLED BACK" in out and "older than its checkpoint" in out
