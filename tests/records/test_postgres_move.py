"""`intake records migrate --to postgresql`: a clinic's SQLite store moved to the server with its audit trail unbroken.

Every row and entry arrives as it was (the same data key, so the same seals and hashes), one 'store_upgraded'
entry names who moved it, the copy verifies (the checkpoint beside the key included), a second run moves nothing
twice, and a store that does not verify, a missing store or a server already holding other records are refused
with nothing changed.
"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from intake.cli import main
from intake.config import load_config
from intake.records import Store
from intake.records.postgres import PostgresStore
from intake.records.postgres.settings import ENV
from tests.conftest import add_staff
from tests.records.conftest import fill_draft, record_named, signed_new, submit_new
from tests.records.pgserver import pg_database_fixture, pg_server_fixture  # noqa: F401 (fixtures)


@pytest.fixture
def filled(clinic, engine):
    with Store.open(clinic, engine=engine) as store:
        add_staff(store)
        ids = [signed_new(store, engine, record_named(example="clearance")),
               submit_new(store, engine, record_named("Li Wei", example="defer", birth="1975-06-30")),
               fill_draft(store, engine, record_named("Quentin Zephyr"), steps=2)]
        visit = store.visits.start(ids[0], visit_date="2026-12-01", staff="amy", device="kiosk-1")
        return {"ids": ids, "visit": visit.visit_id, "trail": store.audit_trail(), "digests": store.backend.digests()}


def migrate(config_path, *more: str) -> int:
    return main(["--config", str(config_path), "records", "migrate", "--to", "postgresql", "--staff", "manager",
                 *more])


def use_postgresql(config_path) -> None:
    text = config_path.read_text(encoding="utf-8").replace("[storage]\n", '[storage]\nengine = "postgresql"\n')
    config_path.write_text(text, encoding="utf-8")


def test_a_clinic_moves_to_postgresql_with_its_trail_unbroken_and_a_second_run_moves_nothing(
        config_path, clinic, engine, filled, pg_database, monkeypatch, capsys):
    monkeypatch.setenv(ENV, pg_database)
    assert migrate(config_path) == 0
    out = capsys.readouterr().out
    host, port = pg_database.split()[0][5:], pg_database.split()[1][5:]
    assert f"Moved the records to database intake_tests on {host}:{port}" in out
    assert f"{len(filled['trail'])} audit entries" in out and "3 intakes" in out and "1 visits" in out
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as moved:
        trail = moved.audit_trail()
        assert trail[:-1] == filled["trail"]
        assert (trail[-1].event, trail[-1].staff, trail[-1].data["entries"]) == (
            "store_upgraded", "manager", len(filled["trail"]))
        digests = moved.backend.digests()
        assert {table: digests[table] for table in filled["digests"]} == filled["digests"]
        assert moved.load_intake(filled["ids"][0]).status == "signed"
        assert [r.intake_id for r in moved.search("li wei").rows] == [filled["ids"][1]]
        assert moved.visits.load(filled["visit"]).number == 1
        assert moved.verify_audit().ok
    assert migrate(config_path) == 0  # again: nothing moves twice
    assert "Nothing to move" in capsys.readouterr().out
    use_postgresql(config_path)
    assert main(["--config", str(config_path), "audit", "verify"]) == 0
    assert "Audit trail OK" in capsys.readouterr().out
    with PostgresStore.open(load_config(config_path), engine=engine) as moved:
        assert len(moved.audit_trail()) == len(filled["trail"]) + 1


def test_a_store_used_after_the_move_is_not_merged_into_the_server(config_path, clinic, engine, filled, pg_database,
                                                                   monkeypatch, capsys):
    monkeypatch.setenv(ENV, pg_database)
    assert migrate(config_path) == 0
    with Store.open(clinic, engine=engine) as store:
        submit_new(store, engine, record_named("Late Arrival"))
    capsys.readouterr()
    assert migrate(config_path) == 1
    assert "already holds other records" in capsys.readouterr().err
    with PostgresStore.open(clinic, dsn=pg_database, engine=engine) as moved:
        assert len(moved.audit_trail()) == len(filled["trail"]) + 1


def test_a_store_that_does_not_verify_or_is_not_there_is_not_moved(config_path, clinic, filled, pg_database,
                                                                   monkeypatch, capsys):
    monkeypatch.setenv(ENV, pg_database)
    conn = sqlite3.connect(clinic.data_dir / "intake.sqlite3")
    with conn:
        conn.execute("UPDATE intakes SET retained_until = '2099-01-01' WHERE id = ?", (filled["ids"][0],))
    conn.close()
    assert migrate(config_path) == 1
    err = capsys.readouterr().err
    assert "do not verify" in err and filled["ids"][0] in err and "Traceback" not in err
    with psycopg.connect(pg_database) as server:
        assert server.execute("SELECT count(*) FROM intake.audit").fetchone() == (0,)
    for name in ("intake.sqlite3", "intake.sqlite3-wal", "intake.sqlite3-shm"):
        (clinic.data_dir / name).unlink(missing_ok=True)
    assert migrate(config_path) == 1
    assert "there is no SQLite store to move" in capsys.readouterr().err
    assert not (clinic.data_dir / "intake.sqlite3").exists()
