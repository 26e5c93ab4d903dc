"""Erasing a client: everything that may go goes; signed consent evidence stays for the retention period."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake.records.errors import RecordNotFoundError, WorkflowError
from tests.records.conftest import STAFF, Doc, fill_draft, raw_bytes, record_named, signed_new, submit_new


def test_a_client_without_signed_consent_is_erased_completely(store, engine, clinic):
    kept_other = submit_new(store, engine, record_named("Another Person"))
    submitted = submit_new(store, engine, record_named())
    deferred = submit_new(store, engine, record_named(example="defer"))
    store.add_documents(deferred, [Doc("deferral_letter")], staff=STAFF, device="k")
    draft = fill_draft(store, engine, record_named(), steps=2)
    client_id = store.load_intake(submitted).client_id
    identity = store.conn.execute("SELECT identity FROM clients WHERE id = ?", (client_id,)).fetchone()[0]
    answers = store.conn.execute("SELECT answers FROM intakes WHERE id = ?", (submitted,)).fetchone()[0]

    report = store.erase_client(client_id, staff="manager", device="office")

    assert report.client_removed and report.kept_intakes == {}
    assert sorted(report.erased_intakes) == sorted([submitted, deferred, draft])
    for intake_id in (submitted, deferred, draft):
        view = store.load_intake(intake_id)
        assert view.status == "erased" and view.answers == {} and view.record is None and view.documents == []
    assert store.load_intake(kept_other).status == "submitted"
    assert store.search("zephyrine").rows == [] and store.find_returning(
        "Zephyrine Quillfeather-Okafor", "1988-03-14") is None
    store.close()
    raw = raw_bytes(clinic.data_dir)
    assert identity not in raw and answers not in raw  # even the sealed bytes are gone (secure_delete)


def test_signed_consent_is_kept_until_the_retention_period_ends(store, engine, clock):
    signed = signed_new(store, engine, record_named(example="clearance"))
    store.add_documents(signed, [Doc("aftercare")], staff=STAFF, device="k")
    clock.advance(days=10)
    later = submit_new(store, engine, record_named())
    client_id = store.load_intake(signed).client_id
    assert store.load_intake(later).client_id == client_id

    report = store.erase_client(client_id, staff="manager", device="office")

    assert report.erased_intakes == [later] and not report.client_removed
    assert report.kept_intakes == {signed: "2034-11-20"}
    kept = store.load_intake(signed)
    assert kept.status == "signed" and kept.retained_until == "2034-11-20"
    assert kept.answers == {} and kept.record is not None and kept.decisions
    assert [d.kind for d in kept.documents] == ["consent"]  # the aftercare sheet is not consent evidence
    assert store.reprint(signed, staff="manager", device="office")[0][1] == Doc("consent").pdf
    erased = store.audit_trail()[-2]
    assert erased.event == "erased" and erased.client_id == client_id
    assert erased.data["kept_until"] == {signed: "2034-11-20"} and erased.data["erased"] == [later]
    assert "signed consent documents" in erased.data["kept"]
    assert store.find_returning("Zephyrine Quillfeather-Okafor", "1988-03-14") is None
    again = submit_new(store, engine, record_named())  # the client comes back: a fresh client record
    assert store.load_intake(again).client_id != client_id

    clock.now = datetime(2034, 11, 19, 23, 0, tzinfo=UTC)
    assert store.purge_retention() == 0
    clock.advance(hours=2)
    assert store.purge_retention() == 1
    assert store.load_intake(signed).status == "erased"
    assert store.conn.execute("SELECT count(*) FROM clients WHERE id = ?", (client_id,)).fetchone()[0] == 0
    assert store.audit_trail(signed)[-1].data["reason"] == "retention period ended"
    with pytest.raises(WorkflowError, match="nothing left to export"):
        store.export(signed, "json", staff="x", device="y")
    assert store.verify_audit().ok


def test_old_consent_past_retention_is_erased_at_once(store, engine, clock):
    signed = signed_new(store, engine, record_named())
    clock.advance(days=365 * 9)
    report = store.erase_client(store.load_intake(signed).client_id, staff="manager", device="office")
    assert report.erased_intakes == [signed] and report.client_removed


def test_erasing_an_unknown_client_is_explained(store):
    with pytest.raises(RecordNotFoundError, match="no client 'c-nobody'"):
        store.erase_client("c-nobody", staff="manager", device="office")
