"""The client's signatures, kept (sealed) between signing and the practitioner's countersignature."""

from __future__ import annotations

import sqlite3

import pytest

from intake.records import Store, migrations
from intake.records.errors import StoreError, TamperedRecordError, WorkflowError
from tests.records.conftest import DEVICE, SECRET_NAME, STAFF, Doc, fill_draft, raw_bytes, record_named, submit_new

SIGNATURES = {
    "consent": {"method": "drawn", "name": SECRET_NAME, "intent_statement": "I agree.",
                "signed_at": "2026-11-20T10:05:00+00:00", "strokes": [[[0.1, 0.2], [0.3, 0.4]]], "aspect_ratio": 3.0},
    "photo_consent": {"method": "typed", "name": SECRET_NAME, "intent_statement": "Photos as chosen.",
                      "signed_at": "2026-11-20T10:06:00+00:00", "strokes": [], "aspect_ratio": 3.0},
}


def edit(clinic, sql: str, *params) -> None:
    with sqlite3.connect(clinic.data_dir / "intake.sqlite3") as other:
        other.execute(sql, params)
    other.close()


def test_signatures_are_kept_sealed_until_the_consent_holds_them(store, engine, clinic):
    intake_id = submit_new(store, engine, record_named())
    assert store.load_intake(intake_id).signatures is None
    store.keep_signatures(intake_id, SIGNATURES, staff=STAFF, device=DEVICE)
    assert store.load_intake(intake_id).signatures == SIGNATURES
    assert SECRET_NAME.lower().encode() not in raw_bytes(clinic.data_dir).lower()
    entry = store.audit_trail(intake_id)[-1]
    assert entry.event == "client_signed" and entry.data["kinds"] == ["consent", "photo_consent"]
    assert SECRET_NAME not in str(entry.data)

    store.keep_signatures(intake_id, {"consent": SIGNATURES["consent"]}, staff=STAFF, device=DEVICE)
    assert store.load_intake(intake_id).signatures == {"consent": SIGNATURES["consent"]}  # signed again: replaced

    store.add_documents(intake_id, [Doc("consent")], staff=STAFF, device=DEVICE)
    view = store.load_intake(intake_id)
    assert view.status == "signed" and view.signatures is None
    assert store.verify_audit().ok


def test_only_a_submitted_intake_keeps_signatures(store, engine):
    draft = fill_draft(store, engine, record_named(), steps=1)
    with pytest.raises(WorkflowError, match="still a draft"):
        store.keep_signatures(draft, SIGNATURES, staff=STAFF, device=DEVICE)
    deferred = submit_new(store, engine, record_named("Li Wei", example="defer", birth="1975-06-30"))
    with pytest.raises(WorkflowError, match="is deferred"):
        store.keep_signatures(deferred, SIGNATURES, staff=STAFF, device=DEVICE)


@pytest.mark.parametrize(("signatures", "message"), [
    ({}, "must be an object"),
    ({"witness": {}}, "must be an object"),
    ({"consent": "Zeph"}, "must be an object"),
    ({"consent": {"strokes": [[[0.5, 0.5]] * 200_000]}}, "the limit is"),
    ({"consent": {"at": object()}}, "cannot be stored as JSON"),
])
def test_malformed_signatures_are_refused(store, engine, signatures, message):
    intake_id = submit_new(store, engine, record_named())
    with pytest.raises(StoreError, match=message):
        store.keep_signatures(intake_id, signatures, staff=STAFF, device=DEVICE)
    assert store.load_intake(intake_id).signatures is None


def test_kept_signatures_edited_behind_the_tools_back_are_detected(store, engine, clinic):
    intake_id = submit_new(store, engine, record_named())
    store.keep_signatures(intake_id, SIGNATURES, staff=STAFF, device=DEVICE)
    edit(clinic, "UPDATE signatures SET at = '2020-01-01T00:00:00Z'")
    with pytest.raises(TamperedRecordError, match=f"signatures of intake {intake_id} was changed outside intake"):
        store.load_intake(intake_id)
    assert any("signatures table" in p.message for p in store.verify_audit().problems)


def test_erasing_the_client_removes_kept_signatures(store, engine, clinic):
    intake_id = submit_new(store, engine, record_named())
    store.keep_signatures(intake_id, SIGNATURES, staff=STAFF, device=DEVICE)
    report = store.erase_client(store.load_intake(intake_id).client_id, staff="manager", device="office")
    assert report.erased_intakes == [intake_id]
    assert store.conn.execute("SELECT count(*) FROM signatures").fetchone()[0] == 0


def test_a_store_made_before_kept_signatures_is_upgraded_in_place(clinic, engine):
    with Store.open(clinic, engine=engine) as store:
        intake_id = submit_new(store, engine, record_named())
    # What a version-1 store looks like: no signatures table, schema version 1.
    edit(clinic, "DROP TABLE signatures")
    edit(clinic, "DROP TABLE digests")
    edit(clinic, "DELETE FROM migrations WHERE version >= 2")
    edit(clinic, "PRAGMA user_version = 1")
    with Store.open(clinic, engine=engine) as store:
        assert migrations.current_version(store.conn) == migrations.LATEST >= 2
        store.keep_signatures(intake_id, SIGNATURES, staff=STAFF, device=DEVICE)
        assert store.load_intake(intake_id).signatures == SIGNATURES
        assert store.verify_audit().ok
