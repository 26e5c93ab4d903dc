"""Rotating the records data key on a clinic group's PostgreSQL server: everything re-encrypted in one transaction,
writers of other processes waiting or refused with a plain message, a killed rotation finished by the next run,
and the other sites told to copy the new key file (and verifying once they have it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from intake.cli import main
from intake.records import StaffDirectory, rotate
from intake.records.crypto import load_keyring
from intake.records.errors import TamperedRecordError, WrongKeyError
from intake.records.postgres import PostgresStore
from intake.records.postgres.settings import ENV
from tests.conftest import PRACTITIONER_PIN
from tests.records.conftest import (
    SECRET_BIRTH,
    SECRET_NAME,
    STAFF,
    Clock,
    Doc,
    fill_draft,
    record_named,
    signed_new,
    submit_new,
)
from tests.records.pgserver import pg_database_fixture, pg_server_fixture  # noqa: F401 (fixtures)
from tests.records.test_postgres_sites import checkpoint_of, site_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def north(tmp_path, pg_database, monkeypatch):
    """The site that rotates ('north'), its server from $INTAKE_DATABASE_URL as `intake keys rotate` reads it."""
    monkeypatch.setenv(ENV, pg_database)
    return site_config(tmp_path / "north", "north")


def key_of(config) -> Path:
    return Path(str(config.path("security", "data_key_file")))


def open_at(config, engine, clock=None) -> PostgresStore:
    return PostgresStore.open(config, engine=engine, clock=clock or Clock())


def events(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [row[0] for row in conn.execute("SELECT event FROM intake.audit ORDER BY seq")]


def verified(config, engine) -> None:
    with open_at(config, engine) as store:
        report = store.verify_audit()
    assert report.ok, report.problems
    assert all("another data key" in note for note in report.notes), report.notes


def rotator(config, where: str) -> subprocess.Popen[str]:
    """A process rotating the key of `config`, stopped `where` (tests/records/pgrotator.py) once it says so."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "tests.records.pgrotator", str(config.source), where], cwd=ROOT,
                             env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    said = child.stdout.readline().strip()
    if said != where:
        child.kill()
        pytest.fail(f"the rotator did not reach {where!r}: {said} {child.communicate()[1]}")
    return child


def waiting_for_the_lock(dsn: str) -> bool:
    """Whether a connection waits for the writers' advisory lock (polled for up to five seconds)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(100):
            if conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_rotation_re_encrypts_everything_and_search_still_finds(north, engine, pg_database, capsys):
    with open_at(north, engine) as store:
        signed = submit_new(store, engine, record_named(example="clearance"))
        store.record_decision(signed, practitioner_id="ajordan", kind="override", reason="GP letter seen",
                              staff=STAFF, device="office")
        store.keep_signatures(signed, {"consent": {"method": "typed", "name": SECRET_NAME}}, staff=STAFF,
                              device="office")
        store.add_documents(signed, [Doc("consent")], staff=STAFF, device="office")
        course = signed_new(store, engine, record_named("Grace Hopper"))
        visit = store.visits.start(course, visit_date="2026-12-20", staff=STAFF, device="office")
        store.visits.rescreen(visit.visit_id, answers={"changes_since_last": "nothing_changed"},
                              assessment={"verdict": "suitable"}, outcome="ready", reasons=[], until=None,
                              staff=STAFF, device="office")
        StaffDirectory(store).add("ajordan", name="Alex Jordan", role="practitioner", practitioner_id="ajordan",
                                  pin=PRACTITIONER_PIN, by=STAFF, device="office")
        draft = fill_draft(store, engine, record_named("Ada Lovelace"), steps=2)
    with psycopg.connect(pg_database) as conn:
        before = conn.execute("SELECT answers FROM intake.intakes WHERE id = %s", (signed,)).fetchone()[0]
    old = load_keyring(north)
    assert main(["--config", str(north.source), "keys", "rotate", "--staff", "amy"]) == 0
    said = capsys.readouterr().out
    assert "Rotated the records data key" in said and "copy the new key file" in said
    assert load_keyring(north).key_id != old.key_id and not rotate.pending_path(key_of(north)).exists()
    verified(north, engine)
    with open_at(north, engine) as store:
        assert {r.intake_id for r in store.search(SECRET_NAME).rows} == {signed}
        assert {r.intake_id for r in store.search(f"{SECRET_NAME} {SECRET_BIRTH}").rows} == {signed}
        assert {r.intake_id for r in store.search("Ada").rows} == {draft}
        assert {r.intake_id for r in store.search("Grace Hopper").rows} == {course}
        view = store.load_intake(signed)
        assert view.decisions[0].reason == "GP letter seen" and view.documents[0].kind == "consent"
        loaded = store.visits.load(visit.visit_id)
        assert loaded.outcome["outcome"] == "ready" and loaded.answers == {"changes_since_last": "nothing_changed"}
        assert StaffDirectory(store).authenticate(PRACTITIONER_PIN, device="office").staff_id == "ajordan"
        assert store.load_intake(draft).status == "draft"
        rotated = [e for e in store.audit_trail() if e.event == "key_rotated"]
        assert [(e.staff, e.data["site"], e.data["old_key"]) for e in rotated] == [("amy", "north", old.key_id)]
    with psycopg.connect(pg_database) as conn:
        after = conn.execute("SELECT answers FROM intake.intakes WHERE id = %s", (signed,)).fetchone()[0]
        triggers = conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'audit_no_%' AND tgenabled = 'O'"
                                ).fetchone()[0]
    assert after != before and triggers == 2  # the trail's append-only protection is back on
    with pytest.raises(TamperedRecordError):
        old.open(after, f"intake:{signed}:answers", "answers")  # the old key opens nothing any more
    verified(north, engine)


def test_a_writer_waits_for_the_rotation_then_is_refused_plainly_and_loses_nothing(north, engine, pg_database):
    with open_at(north, engine) as store:
        kept = fill_draft(store, engine, record_named(), steps=1)
    writer = open_at(north, engine)  # a tablet of the same site, opened with the key of before
    child = rotator(north, "inside")  # another process holds the writers' lock, half-way through
    outcome: list[BaseException | str] = []

    def write() -> None:
        try:
            outcome.append(writer.start_intake(staff=STAFF, device="tablet", consultation_date="2026-11-20"))
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            outcome.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    assert waiting_for_the_lock(pg_database) and not outcome  # waiting for the rotation, not writing beside it
    out, err = child.communicate("go\n", timeout=30)
    thread.join(10)
    assert child.returncode == 0, err
    [refused] = outcome
    assert isinstance(refused, WrongKeyError), refused
    assert "while intake was open on this computer" in str(refused) and "start it again" in str(refused)
    writer.close()
    assert events(pg_database)[-1] == "key_rotated"  # nothing written after it with the retired key
    with open_at(north, engine) as store:  # started again: the new key from the key file
        store.start_intake(staff=STAFF, device="tablet", consultation_date="2026-11-20")
        assert store.load_intake(kept).status == "draft"
    verified(north, engine)


def test_a_rotation_killed_inside_its_transaction_leaves_the_old_key_and_runs_again(north, engine, pg_database):
    with open_at(north, engine) as store:
        draft = fill_draft(store, engine, record_named(), steps=1)
    before = load_keyring(north).key_id
    child = rotator(north, "inside")
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert load_keyring(north).key_id == before and "key_rotated" not in events(pg_database)
    verified(north, engine)  # the server rolled it back: the old key opens everything, the stray .new is ignored
    assert main(["--config", str(north.source), "keys", "rotate"]) == 0  # run again: done
    assert load_keyring(north).key_id != before
    verified(north, engine)
    with open_at(north, engine) as store:
        assert {r.intake_id for r in store.search(SECRET_NAME).rows} == {draft}


def test_a_rotation_killed_after_its_commit_is_finished_by_the_next_open(north, engine, pg_database):
    with open_at(north, engine) as store:
        draft = fill_draft(store, engine, record_named(), steps=1)
    before = load_keyring(north).key_id
    child = rotator(north, "committed")
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)
    key = key_of(north)
    assert rotate.pending_path(key).exists() and load_keyring(north).key_id == before
    verified(north, engine)  # opening took up the new key and finished the switch
    assert load_keyring(north).key_id != before and not rotate.pending_path(key).exists()
    assert [p.name.split("-")[0] for p in key.parent.glob("data.key.retired-*")] == ["data.key.retired"]
    with open_at(north, engine) as store:
        assert {r.intake_id for r in store.search(SECRET_NAME).rows} == {draft}


def test_another_site_is_told_to_copy_the_new_key_and_verifies_once_it_has(north, engine, pg_database, tmp_path,
                                                                           capsys):
    south = site_config(tmp_path / "south", "south", key=key_of(north))
    clock = Clock()
    with open_at(north, engine, clock) as store:
        fill_draft(store, engine, record_named(), steps=1)
    with open_at(south, engine, clock) as store:
        fill_draft(store, engine, record_named("Ada Lovelace"), steps=1)
    open_south = open_at(south, engine, clock)  # a kiosk at the south site, open while north rotates
    retired, first = rotate.rotate_data_key(north, staff="amy", device="office")
    rotate.rotate_data_key(north, staff="ben", device="office")  # and again, before south hears of the first
    written = events(pg_database)
    with pytest.raises(WrongKeyError) as refused:
        open_at(south, engine, clock)
    message = str(refused.value)
    assert f"new data key (key {first})" in message and f"(key {retired}), is the one that rotation retired" in message
    assert "from site 'north' by amy" in message and f"to {key_of(south)}" in message
    assert "Copy the new key file" in message and "Nothing was changed" in message
    with pytest.raises(WrongKeyError, match="Copy the new key file"):
        open_south.start_intake(staff=STAFF, device="south-kiosk", consultation_date="2026-11-20")
    with pytest.raises(WrongKeyError, match="Copy the new key file"):  # named, not taken for records tampered with
        open_south.search("Ada")
    open_south.close()
    capsys.readouterr()
    assert main(["--config", str(south.source), "audit", "verify"]) == 1  # the CLI says the same, plainly
    err = capsys.readouterr().err
    assert "Copy the new key file" in err and "Traceback" not in err, err
    assert events(pg_database) == written  # nothing written with the retired key
    south_lines = checkpoint_of(south).read_text(encoding="ascii")
    shutil.copyfile(key_of(north), key_of(south))  # staff copy the new key file to the south site
    verified(south, engine)  # its checkpoint, all of it under the retired key, is accepted
    with open_at(south, engine, clock) as store:
        fill_draft(store, engine, record_named("Grace Hopper"), steps=1)
        assert {r.intake_id for r in store.search("Ada").rows}
    assert checkpoint_of(south).read_text(encoding="ascii").startswith(south_lines)  # continued under the new key
    for site in (north, south):
        verified(site, engine)
