"""Imports store each answers file's content once: found again by a keyed fingerprint, after a crash, a mistake,
an erasure or a key rotation."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from intake.lifecycle import Actor, Lifecycle
from intake.records import Store, rotate
from intake.records.errors import TamperedRecordError
from intake.records.imports import Imports, fingerprint
from tests.records.conftest import STAFF, record_named

DESK = Actor(STAFF, "office")


def count(store: Store, status: str | None = None) -> int:
    sql = "SELECT count(*) FROM intakes" + (" WHERE status = ?" if status else "")
    return store.conn.execute(sql, (status,) if status else ()).fetchone()[0]


@pytest.fixture
def life(store, engine):
    return Lifecycle(engine, store)


def test_the_same_content_is_stored_once_whatever_its_id_spacing_or_key_order(life, store):
    record = record_named()
    first = life.import_answers(record, DESK)
    assert first.new and first.intake.status == "submitted"
    same = json.loads(json.dumps(dict(reversed(list(copy.deepcopy(record).items()))), indent=4))
    same["record_id"] = "the-senders-own-id"
    again = life.import_answers(same, DESK)
    assert not again.new and again.intake.intake_id == first.intake.intake_id
    assert again.intake.status == "submitted" and again.intake.verdict == first.intake.verdict
    assert count(store) == 1
    assert [e.event for e in store.audit_trail()].count("started") == 1
    other = life.import_answers(record_named("Ada Lovelace"), DESK)  # another client's answers
    assert other.new and count(store) == 2


def test_an_import_interrupted_after_its_claim_is_finished_not_repeated(life, store, engine):
    record = record_named()
    claim = Imports(store).claim(record, staff=STAFF, device="office")  # then the process was killed
    assert claim.new and claim.status == "draft" and count(store, "draft") == 1
    done = life.import_answers(record, DESK)
    assert done.new and done.intake.intake_id == claim.intake_id and done.intake.status == "submitted"
    assert count(store) == 1 and count(store, "draft") == 0
    assert not life.import_answers(record, DESK).new


def test_the_fingerprint_is_keyed_so_the_database_alone_tests_no_guess(life, store, clinic):
    record = record_named()
    life.import_answers(record, DESK)
    [(stored,)] = store.conn.execute("SELECT id FROM imports").fetchall()
    assert stored == fingerprint(store.keyring, record)
    canonical = json.dumps(["import", {k: v for k, v in record.items() if k != "record_id"}], ensure_ascii=False,
                           sort_keys=True, separators=(",", ":")).encode("utf-8")
    assert stored != hashlib.sha256(canonical).hexdigest()
    assert record["answers"]["full_name"].encode() not in stored.encode()
    assert store.verify_audit().ok


def test_an_edited_claim_is_named_not_trusted(life, store):
    record = record_named()
    first = life.import_answers(record, DESK)
    other = life.import_answers(record_named("Ada Lovelace"), DESK).intake.intake_id
    store.conn.execute("DROP TRIGGER IF EXISTS temp.seal_imports_update")
    store.conn.execute("UPDATE imports SET intake_id = ? WHERE intake_id = ?", (other, first.intake.intake_id))
    with pytest.raises(TamperedRecordError, match="import record"):
        life.import_answers(record, DESK)
    assert not store.verify_audit().ok


def test_an_erased_intake_can_be_imported_again(life, store):
    record = record_named()
    first = life.import_answers(record, DESK).intake
    store.erase_client(store.load_intake(first.intake_id).client_id, staff=STAFF, device="office")
    assert store.conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
    again = life.import_answers(record, DESK)
    assert again.new and again.intake.intake_id != first.intake_id


def test_a_key_rotation_keeps_every_import_found(clinic, engine):
    record, pending = record_named(), record_named("Ada Lovelace")
    with Store.open(clinic, engine=engine) as store:
        first = Lifecycle(engine, store).import_answers(record, DESK).intake.intake_id
        Imports(store).claim(pending, staff=STAFF, device="office")  # interrupted before its submission
    rotate.rotate_data_key(clinic, staff=STAFF, device="office")
    with Store.open(clinic, engine=engine) as store:
        life = Lifecycle(engine, store)
        again = life.import_answers(record, DESK)
        assert not again.new and again.intake.intake_id == first
        assert life.import_answers(pending, DESK).new  # its claim could not be remade: a new intake
        assert store.verify_audit().ok
