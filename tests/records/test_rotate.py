"""Records data-key rotation: everything re-encrypted under the new key, and safe to interrupt at any point."""

from __future__ import annotations

import pytest

from intake.cli import main
from intake.records import Store, rotate
from intake.records.crypto import load_keyring
from intake.records.errors import TamperedRecordError
from tests.records.conftest import SECRET_NAME, STAFF, Doc, fill_draft, record_named, submit_new


@pytest.fixture
def filled(clinic, engine):
    with Store.open(clinic, engine=engine) as store:
        signed = submit_new(store, engine, record_named(example="clearance"))
        store.record_decision(signed, practitioner_id="ajordan", kind="override", reason="GP letter seen",
                              staff=STAFF, device="office")
        store.keep_signatures(signed, {"consent": {"method": "typed", "name": SECRET_NAME}}, staff=STAFF,
                              device="office")
        store.add_documents(signed, [Doc("consent")], staff=STAFF, device="office")
        draft = fill_draft(store, engine, record_named("Ada Lovelace"), steps=2)
        answers = store.conn.execute("SELECT answers FROM intakes WHERE id = ?", (signed,)).fetchone()[0]
    return signed, draft, answers


def everything_reads(clinic, engine, ids) -> None:
    with Store.open(clinic, engine=engine) as store:
        assert store.verify_audit().ok, store.verify_audit().problems
        notes = store.verify_audit().notes
        assert all("written with another data key" in n for n in notes), notes
        views = [store.load_intake(i) for i in ids]
        assert views[0].decisions[0].reason == "GP letter seen" and views[0].documents[0].kind == "consent"
        assert {r.intake_id for r in store.search("Zephyrine").rows} == {ids[0]}
        assert {r.intake_id for r in store.search("Ada").rows} == {ids[1]}
        store.reprint(ids[0], staff=STAFF, device="office")


def test_rotation_re_encrypts_everything_and_keeps_the_old_key(clinic, engine, filled):
    old = load_keyring(clinic)
    old_id, new_id = rotate.rotate_data_key(clinic, staff=STAFF, device="office")
    assert old_id == old.key_id != new_id == load_keyring(clinic).key_id
    key_path = clinic.path("security", "data_key_file")
    [retired] = list(key_path.parent.glob("data.key.retired-*"))
    assert load_keyring(rotate._PendingConfig(clinic, retired)).key_id == old_id
    assert not rotate.pending_path(key_path).exists()
    everything_reads(clinic, engine, filled[:2])
    with Store.open(clinic, engine=engine) as store:
        blob = store.conn.execute("SELECT answers FROM intakes WHERE id = ?", (filled[0],)).fetchone()[0]
        assert blob != filled[2]
        with pytest.raises(TamperedRecordError):
            old.open(blob, f"intake:{filled[0]}:answers", "answers")  # the old key opens nothing any more
        assert "key_rotated" in [e.event for e in store.audit_trail()]


def test_a_crash_before_the_commit_leaves_the_old_key_working(clinic, engine, filled, monkeypatch):
    real = rotate._rekey

    def dies_half_way(store, old, new, *args):
        store.conn.execute("UPDATE intakes SET answers = NULL")  # some work done inside the transaction...
        raise KeyboardInterrupt  # ...then the process is stopped

    monkeypatch.setattr(rotate, "_rekey", dies_half_way)
    before = load_keyring(clinic).key_id
    with pytest.raises(KeyboardInterrupt):
        rotate.rotate_data_key(clinic, staff=STAFF, device="office")
    monkeypatch.setattr(rotate, "_rekey", real)
    assert load_keyring(clinic).key_id == before
    everything_reads(clinic, engine, filled[:2])


def test_a_crash_after_the_commit_is_finished_by_the_next_open(clinic, engine, filled, monkeypatch):
    before = load_keyring(clinic).key_id

    def killed(key_path):
        raise SystemExit(137)  # kill -9 between the commit and moving the key files

    monkeypatch.setattr(rotate, "finish_switch", killed)
    with pytest.raises(SystemExit):
        rotate.rotate_data_key(clinic, staff=STAFF, device="office")
    monkeypatch.undo()
    key_path = clinic.path("security", "data_key_file")
    assert rotate.pending_path(key_path).exists() and load_keyring(clinic).key_id == before
    everything_reads(clinic, engine, filled[:2])  # opening took up the new key and finished the switch
    assert load_keyring(clinic).key_id != before and not rotate.pending_path(key_path).exists()


def test_the_cli_rotates(clinic, engine, filled, capsys):
    assert main(["--config", str(clinic.source), "keys", "rotate", "--staff", "amy"]) == 0
    assert "Rotated the records data key" in capsys.readouterr().out
    everything_reads(clinic, engine, filled[:2])
