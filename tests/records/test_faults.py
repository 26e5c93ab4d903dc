"""Bad database files and faults: corrupt, foreign, newer, locked, full disk, failed migration."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from intake.config import load_config
from intake.records import Store, migrations
from intake.records.errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    ForeignDatabaseError,
    NewerDatabaseError,
    StorageFullError,
)
from tests.records.conftest import STAFF, fill_draft, record_named, step_answers, submit_new, write_config


def db_file(config):
    return config.data_dir / "intake.sqlite3"


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(clinic, engine):
    clinic.data_dir.mkdir()
    db_file(clinic).write_bytes(os.urandom(8192))
    before = sha(db_file(clinic))
    with pytest.raises(CorruptDatabaseError, match="not an intake database.*Nothing was changed"):
        Store.open(clinic, engine=engine)
    assert sha(db_file(clinic)) == before
    assert sorted(p.name for p in clinic.data_dir.iterdir()) == ["intake.sqlite3"]


def test_a_damaged_database_gives_a_clear_error(clinic, engine):
    with Store.open(clinic, engine=engine) as store:
        for n in range(20):
            submit_new(store, engine, record_named(f"Person Number {'abcdefghijklmnopqrst'[n]}"))
    data = bytearray(db_file(clinic).read_bytes())
    data[4096:len(data)] = os.urandom(len(data) - 4096)  # every page but the header page
    db_file(clinic).write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError, match="damaged.*Restore"), Store.open(clinic, engine=engine) as store:
        store.search()


def test_another_programs_database_is_refused_and_not_touched(clinic, engine):
    clinic.data_dir.mkdir()
    with sqlite3.connect(db_file(clinic)) as other:
        other.execute("CREATE TABLE customers (name TEXT)")
        other.execute("INSERT INTO customers VALUES ('someone')")
    other.close()
    before = sha(db_file(clinic))
    with pytest.raises(ForeignDatabaseError, match="another program"):
        Store.open(clinic, engine=engine)
    assert sha(db_file(clinic)) == before  # not even switched to WAL
    with sqlite3.connect(db_file(clinic)) as other:
        other.execute("PRAGMA application_id = 1234")
    other.close()
    with pytest.raises(ForeignDatabaseError):
        Store.open(clinic, engine=engine)


def test_a_database_from_a_newer_intake_is_refused(clinic, engine):
    Store.open(clinic, engine=engine).close()
    with sqlite3.connect(db_file(clinic)) as other:
        other.execute("PRAGMA user_version = 99")
    other.close()
    with pytest.raises(NewerDatabaseError, match="newer version of intake.*schema 99"):
        Store.open(clinic, engine=engine)


def test_migrations_run_once_in_order_and_a_failing_one_changes_nothing(clinic, engine, monkeypatch):
    with Store.open(clinic, engine=engine) as store:
        assert migrations.current_version(store.conn) == migrations.LATEST
        rows = store.conn.execute("SELECT version, description FROM migrations").fetchall()
        assert [r[0] for r in rows] == [m.version for m in migrations.MIGRATIONS]
        intake_id = fill_draft(store, engine, record_named(), steps=1)
        assert store._migrate() == 0  # nothing left to apply
    failing = migrations.Migration(migrations.LATEST + 1, "a change that fails half-way", (
        "ALTER TABLE intakes ADD COLUMN colour TEXT", "UPDATE intakes SET colour = 'red'", "SELECT * FROM nowhere"))
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, failing))
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        Store.open(clinic, engine=engine)
    monkeypatch.undo()
    with Store.open(clinic, engine=engine) as store:
        assert migrations.current_version(store.conn) == migrations.LATEST
        columns = [r[1] for r in store.conn.execute("PRAGMA table_info(intakes)")]
        assert "colour" not in columns
        assert store.load_intake(intake_id).answers["full_name"].startswith("Zephyrine")
    added = migrations.Migration(migrations.LATEST + 1, "a working change", (
        "ALTER TABLE intakes ADD COLUMN colour TEXT",))
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, added))
    monkeypatch.setattr(migrations, "LATEST", added.version)
    with Store.open(clinic, engine=engine) as store:
        assert migrations.current_version(store.conn) == added.version
        assert "colour" in [r[1] for r in store.conn.execute("PRAGMA table_info(intakes)")]


def test_a_locked_database_says_so_and_loses_nothing(tmp_path, engine):
    config = load_config(write_config(tmp_path, busy=0.2))
    from intake.records import create_data_key

    create_data_key(config)
    record = record_named()
    with Store.open(config, engine=engine) as store:
        intake_id = fill_draft(store, engine, record, steps=1)
        blocker = sqlite3.connect(db_file(config), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseLockedError, match="busy.*Another intake program.*Nothing was lost"):
                store.save_step(intake_id, step_id="your_skin", answers=step_answers(engine, record, "your_skin"),
                                next_step="skin_today", staff=STAFF, device="kiosk-2")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        store.save_step(intake_id, step_id="your_skin", answers=step_answers(engine, record, "your_skin"),
                        next_step="skin_today", staff=STAFF, device="kiosk-2")
        assert store.load_intake(intake_id).step_id == "your_skin"
        assert store.verify_audit().ok


def test_a_full_disk_keeps_everything_saved_before(store, engine):
    record = record_named()
    intake_id = fill_draft(store, engine, record, steps=2)
    saved = store.load_intake(intake_id).answers
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now full
    long_goal = dict(step_answers(engine, record, "your_skin"), goals="Clearer skin. " * 70)
    with pytest.raises(StorageFullError, match="disk .* is full.*not saved.*Everything saved before is safe"):
        for _ in range(40):  # keep writing until a new page is needed
            store.start_intake(staff=STAFF, device="kiosk-1", consultation_date="2026-11-20")
            store.save_step(intake_id, step_id="your_skin", answers=long_goal, next_step="skin_today",
                            staff=STAFF, device="kiosk-1")
    assert not store.conn.in_transaction
    store.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    view = store.load_intake(intake_id)
    assert view.answers.keys() == saved.keys()
    assert store.verify_audit().ok
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.save_step(intake_id, step_id="your_skin", answers=long_goal, next_step="skin_today", staff=STAFF,
                    device="kiosk-1")
    assert store.load_intake(intake_id).answers["goals"].startswith("Clearer skin.")


def test_a_data_folder_that_is_a_file_is_explained(tmp_path, engine):
    config = load_config(write_config(tmp_path))
    from intake.records import create_data_key
    from intake.records.errors import StorageIOError

    create_data_key(config)
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(StorageIOError, match="data is a file, not a folder"):
        Store.open(config, engine=engine)
