"""The PostgreSQL engine on a real (throwaway) server: its tables, what the server sees, refusals, damage, a lost link.

The contract every engine honours is in test_conformance.py; here is what is the PostgreSQL engine's own: only
it imports the driver, its tables are made from the one list of columns (the same SQLite's migrations make),
the server holds nothing in clear (the data key stays in the keys folder), a wrong key, a newer schema, a wrong
password or an unreachable server are refused in plain words with nothing written, changes made on the server
behind intake's back are found, a connection lost mid-write loses nothing committed and keeps nothing half-done,
and a writer kept waiting by another is told the records are busy.
"""

from __future__ import annotations

import base64
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from intake.config import load_config
from intake.records import Store, create_data_key
from intake.records.columns import TABLES
from intake.records.errors import DatabaseLockedError, NewerDatabaseError, WrongKeyError
from intake.records.postgres import ConnectionLostError, PostgresStore, ServerUnavailableError
from intake.records.postgres.schema import LOCK_KEY, VERSION
from tests.records.conftest import DEVICE, SECRET_BIRTH, SECRET_NAME, STAFF, record_named, signed_new, write_config
from tests.records.pgserver import PASSWORD_ROLE, Server, pg_database_fixture, pg_server_fixture  # noqa: F401
from tests.records.test_engine_contract import imported

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "intake" / "records" / "postgres"


def test_only_the_postgres_engine_imports_the_driver():
    modules = sorted((ROOT / "intake").rglob("*.py"))
    outside = [str(p.relative_to(ROOT)) for p in modules if PACKAGE not in p.parents and "psycopg" in imported(p)]
    assert outside == []
    assert any("psycopg" in imported(p) for p in PACKAGE.glob("*.py"))  # the check looks where it should


def test_the_sqlite_engine_and_the_command_line_never_load_the_driver(clinic):
    code = ("import sys, intake.cli, intake.config, intake.records; intake.cli.build_parser(); "
            f"intake.records.open_store(intake.config.load_config({str(clinic.source)!r})).close(); "
            "print('psycopg' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "False", result.stderr


def _sqlite_columns(path: Path) -> dict[str, dict[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return {table: {name: kind.lower() for _, name, kind, *_ in conn.execute(f"PRAGMA table_info({table})")}
                for table in TABLES}
    finally:
        conn.close()


def test_every_engine_makes_the_tables_from_the_one_list_of_columns(clinic, engine, pg_database):
    with Store.open(clinic, engine=engine) as store:
        path = store.path
    assert _sqlite_columns(path) == TABLES  # the SQLite migrations make exactly the listed columns and kinds
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine):
        pass
    kinds = {"text": "text", "bigint": "integer", "bytea": "blob"}
    with psycopg.connect(pg_database) as conn:
        rows = conn.execute("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE "
                            "table_schema = 'intake' ORDER BY table_name, ordinal_position").fetchall()
    made: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        made.setdefault(table, {})[column] = kinds.get(data_type, data_type)
    assert {table: made[table] for table in TABLES} == TABLES
    assert set(made) - set(TABLES) == {"audit", "anchors", "meta", "digests", "migrations", "intake_tokens"}


def _server_text(dsn: str) -> str:
    """Every row of every table of intake's schema, as the server would show it (bytea in hex)."""
    with psycopg.connect(dsn) as conn:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE "
                                             "table_schema = 'intake'")]
        return "\n".join(str(row[0]) for table in tables
                         for row in conn.execute(f"SELECT t::text FROM intake.{table} t"))


def test_records_survive_reopening_and_the_server_never_sees_a_name_or_the_key(clinic, engine, clock, pg_database):
    with PostgresStore.open(clinic, dsn=pg_database, clock=clock, engine=engine) as store:
        intake_id = signed_new(store, engine, record_named())
    with PostgresStore.open(clinic, dsn=pg_database, clock=clock, engine=engine) as store:
        assert store.load_intake(intake_id).answers["full_name"] == SECRET_NAME
        assert [r.intake_id for r in store.search("quillfeather").rows] == [intake_id]
        assert store.verify_audit().ok
    seen = _server_text(pg_database)
    key = base64.b64decode(clinic.path("security", "data_key_file").read_text().strip())
    assert intake_id in seen  # the check reads what it should
    for secret in (SECRET_NAME, SECRET_NAME.encode().hex(), SECRET_BIRTH, key.hex()):
        assert secret.lower() not in seen.lower()


def test_another_key_is_refused_before_anything_is_written(tmp_path, clinic, engine, pg_database):
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as store:
        signed_new(store, engine, record_named())
        entries = len(store.audit_trail())
    (tmp_path / "other").mkdir()
    other = load_config(write_config(tmp_path / "other"))
    create_data_key(other)
    with pytest.raises(WrongKeyError, match="does not open database"):
        PostgresStore.open(other, dsn=pg_database, engine=engine)
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as store:
        assert len(store.audit_trail()) == entries and store.verify_audit().ok


def test_a_schema_from_a_newer_intake_is_refused(clinic, engine, pg_database):
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine):
        pass
    with psycopg.connect(pg_database) as conn:
        conn.execute("INSERT INTO intake.migrations VALUES (99, 'later', 'a later intake')")
    with pytest.raises(NewerDatabaseError,
                       match=rf"newer version of intake \(schema 99; this version knows up to {VERSION}\)"):
        PostgresStore.open(clinic, dsn=pg_database, engine=engine)


def test_a_wrong_password_a_missing_database_and_an_unreachable_server_are_named(clinic, pg_server: Server):
    pg_server.sql(f"DO $$ BEGIN CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'right horse'; "
                  "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    with pytest.raises(ServerUnavailableError, match="refused the password") as refused:
        PostgresStore.open(clinic, dsn=pg_server.dsn("postgres", PASSWORD_ROLE, "wrong battery"))
    assert "wrong battery" not in str(refused.value)
    with pytest.raises(ServerUnavailableError, match="no such database or user"):
        PostgresStore.open(clinic, dsn=pg_server.dsn("no_such_database"))
    with pytest.raises(ServerUnavailableError, match="cannot reach the records server") as unreachable:
        PostgresStore.open(clinic, dsn=f"host={pg_server.root}/gone port=5432 dbname=intake user=intake "
                                       "password=sekrit")
    assert "sekrit" not in str(unreachable.value) and "Nothing was changed" in str(unreachable.value)
    with pytest.raises(ServerUnavailableError, match="setting cannot be read") as malformed:
        PostgresStore.open(clinic, dsn="host=db.example.org password=correct horse")
    assert "horse" not in str(malformed.value)


def test_changes_made_on_the_server_behind_intakes_back_are_found(clinic, engine, pg_database):
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as store:
        intake_id = signed_new(store, engine, record_named())
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("UPDATE intake.intakes SET retained_until = '2099-01-01' WHERE id = %s", (intake_id,))
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM intake.audit WHERE seq = 1")
        conn.execute("ALTER TABLE intake.audit DISABLE TRIGGER audit_no_delete")
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as store:
        report = store.verify_audit()
    kinds = {p.kind for p in report.problems}
    assert {"row changed", "protection"} <= kinds, report.problems
    assert any(intake_id in p.message for p in report.problems if p.kind == "row changed")


def _drop_connection(dsn: str, store: PostgresStore) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (store.backend.conn.info.backend_pid,))


def test_a_connection_lost_mid_write_keeps_nothing_half_done_and_the_next_write_connects_again(
        clinic, engine, pg_database):
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as store:
        intake_id = signed_new(store, engine, record_named())
        before = store.audit_trail()
        with pytest.raises(ConnectionLostError, match="was lost while opening an intake.*not saved"), \
                store.write("opening an intake"):
            store.audit("viewed", staff=STAFF, device=DEVICE, intake_id=intake_id)
            _drop_connection(pg_database, store)
            store.audit("viewed", staff=STAFF, device=DEVICE, intake_id=intake_id)
        assert store.audit_trail() == before  # the first entry of the lost transaction was not kept
        _drop_connection(pg_database, store)  # dropped while idle (a server restart): the next write reconnects
        store.view(intake_id, staff=STAFF, device=DEVICE)
        assert len(store.audit_trail()) == len(before) + 1
        assert store.verify_audit().ok


def test_a_writer_kept_waiting_longer_than_the_busy_timeout_is_told_the_records_are_busy(tmp_path, engine,
                                                                                         pg_database):
    (tmp_path / "busy").mkdir()
    clinic = load_config(write_config(tmp_path / "busy", busy=0.3))
    create_data_key(clinic)
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as store, \
            psycopg.connect(pg_database, autocommit=True) as other:
        intake_id = store.start_intake(staff=STAFF, device=DEVICE, consultation_date="2026-11-20")
        other.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # another computer in the middle of a write
        with pytest.raises(DatabaseLockedError, match="busy.*0.3 seconds while opening an intake.*Nothing was"):
            store.view(intake_id, staff=STAFF, device=DEVICE)
        other.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        store.view(intake_id, staff=STAFF, device=DEVICE)
        assert [e.event for e in store.audit_trail()] == ["started", "viewed"]


def test_the_server_killed_mid_write_and_started_again_loses_nothing_committed(clinic, engine, pg_server: Server,
                                                                               pg_database):
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as store:
        intake_id = signed_new(store, engine, record_named())
        before = store.audit_trail()
        try:
            with pytest.raises(ConnectionLostError, match="not saved"), store.write("opening an intake"):
                store.audit("viewed", staff=STAFF, device=DEVICE, intake_id=intake_id)
                pg_server.crash()
                store.audit("viewed", staff=STAFF, device=DEVICE, intake_id=intake_id)
        finally:
            pg_server.restart()
        store.view(intake_id, staff=STAFF, device=DEVICE)  # the next change connects again
        assert store.audit_trail()[:-1] == before and store.audit_trail()[-1].event == "viewed"
        assert store.load_intake(intake_id).status == "signed"
        assert store.verify_audit().ok


def test_a_server_that_cannot_start_fails_the_tests_with_the_reason(monkeypatch, tmp_path):
    from tests.records import pgserver

    monkeypatch.setattr(pgserver, "bin_dir", lambda: tmp_path)  # no initdb there
    monkeypatch.setattr(pgserver, "RUNNING", [])
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL tests cannot run: .*initdb"):
        pgserver.shared_server()
    assert pgserver.RUNNING == []
