"""Encryption at rest and file safety: private files, no names in raw bytes, keys that fail loudly."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import stat

import pytest

from intake.config import load_config
from intake.records import Store, create_data_key
from intake.records.crypto import KEY_ENV
from intake.records.errors import KeyFileError, MissingKeyError, TamperedRecordError, WrongKeyError
from tests.records.conftest import (
    SECRET_NAME,
    Doc,
    fill_draft,
    raw_bytes,
    record_named,
    submit_new,
    write_config,
)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def digest(folder) -> str:
    return hashlib.sha256(raw_bytes(folder)).hexdigest()


def test_data_folder_and_every_database_file_are_private(store, engine, clinic):
    fill_draft(store, engine, record_named(), steps=1)
    folder = clinic.data_dir
    assert mode(folder) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["intake.sqlite3", "intake.sqlite3-shm", "intake.sqlite3-wal"]
    assert all(mode(folder / name) == 0o600 for name in names)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_clients_name_and_details_never_appear_in_the_raw_files(store, engine, clinic):
    record = record_named()
    record["answers"]["phone"] = "+44 7700 900987"
    intake_id = submit_new(store, engine, record)
    fill_draft(store, engine, record_named(), steps=2)  # a draft too: answers, label and client link
    store.add_documents(intake_id, [Doc("consent", pdf=b"%PDF-1.7 " + SECRET_NAME.encode(),
                                        filename=f"{SECRET_NAME}.pdf")], staff="amy", device="kiosk-1")
    store.record_decision  # noqa: B018 - decisions are covered in test_lifecycle; names are what matters here
    raw = raw_bytes(clinic.data_dir).lower()
    assert (clinic.data_dir / "intake.sqlite3-wal").stat().st_size > 0
    for secret in ("zephyrine", "quillfeather", "okafor", "1988-03-14", "7700 900987", "maria@example.com",
                   "smoother skin"):
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-16-le") not in raw, secret
    assert store.search("quillfeather").rows[0].client_name == SECRET_NAME  # yet staff can find the client


def test_a_missing_key_fails_before_anything_is_created(tmp_path, engine):
    config = load_config(write_config(tmp_path))
    with pytest.raises(MissingKeyError, match="does not exist.*intake keys init.*restore"):
        Store.open(config, engine=engine)
    assert not (tmp_path / "data").exists()


def test_a_missing_or_wrong_key_changes_nothing_in_an_existing_database(clinic, engine, config_path):
    with Store.open(clinic, engine=engine) as store:
        submit_new(store, engine, record_named())
    before = digest(clinic.data_dir)
    key = clinic.path("security", "data_key_file")
    create_data_key(clinic, force=True)  # a new key: the old one is kept beside it
    kept = [p for p in key.parent.iterdir() if p.name.startswith("data.key.replaced-")]
    assert len(kept) == 1 and mode(kept[0]) == 0o600
    with pytest.raises(WrongKeyError, match=r"does not open .*intake\.sqlite3.*created with key [0-9a-f]{8}"):
        Store.open(clinic, engine=engine)
    key.unlink()
    with pytest.raises(MissingKeyError):
        Store.open(clinic, engine=engine)
    assert digest(clinic.data_dir) == before
    kept[0].rename(key)
    with Store.open(clinic, engine=engine) as store:
        assert len(store.search().rows) == 1


def test_the_key_can_come_from_the_environment(tmp_path, engine, monkeypatch):
    config = load_config(write_config(tmp_path))
    raw = base64.b64encode(bytes(range(32))).decode()
    monkeypatch.setenv(KEY_ENV, raw)
    with Store.open(config, engine=engine) as store:
        fill_draft(store, engine, record_named(), steps=1)
    assert not (tmp_path / "keys").exists()
    monkeypatch.setenv(KEY_ENV, "not-a-key")
    with pytest.raises(KeyFileError, match=r"\$INTAKE_DATA_KEY is not an intake data key"):
        Store.open(config, engine=engine)
    monkeypatch.setenv(KEY_ENV, base64.b64encode(bytes(32)).decode())
    with pytest.raises(WrongKeyError):
        Store.open(config, engine=engine)


def test_a_key_inside_the_data_folder_is_refused(tmp_path, engine):
    config = load_config(write_config(tmp_path, key=tmp_path / "data" / "data.key"))
    with pytest.raises(KeyFileError, match="inside the data folder"):
        create_data_key(config)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "data.key").write_text(base64.b64encode(bytes(32)).decode())
    with pytest.raises(KeyFileError, match="inside the data folder"):
        Store.open(config, engine=engine)


def test_key_files_are_private_and_never_overwritten_by_accident(clinic, engine):
    key = clinic.path("security", "data_key_file")
    assert mode(key) == 0o600 and mode(key.parent) == 0o700
    original = key.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        create_data_key(clinic)
    assert key.read_bytes() == original
    key.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        Store.open(clinic, engine=engine)
    key.chmod(0o600)
    key.write_text("-----BEGIN PRIVATE KEY-----\nMIIB\n")
    with pytest.raises(KeyFileError, match="not an intake data key"):
        Store.open(clinic, engine=engine)


def test_the_demo_clinic_creates_its_key_on_first_use_outside_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = load_config(None)
    assert demo.is_demo
    with Store.open(demo) as store:
        assert store.keyring.source.endswith("data.key")
    assert mode(tmp_path / "intake-keys" / "data.key") == 0o600
    assert (tmp_path / "intake-data" / "intake.sqlite3").exists()


def test_sealed_values_are_bound_to_their_record_and_column(store):
    blob = store.keyring.seal_json({"full_name": SECRET_NAME}, "intake:aaaa:answers")
    assert store.keyring.open_json(blob, "intake:aaaa:answers", "x") == {"full_name": SECRET_NAME}
    for elsewhere in ("intake:bbbb:answers", "intake:aaaa:record"):
        with pytest.raises(TamperedRecordError, match="the answers of intake bbbb does not match its seal"):
            store.keyring.open(blob, elsewhere, "the answers of intake bbbb")
    flipped = bytearray(blob)
    flipped[20] ^= 1
    with pytest.raises(TamperedRecordError):
        store.keyring.open(bytes(flipped), "intake:aaaa:answers", "x")
    with pytest.raises(TamperedRecordError, match="not a sealed value"):
        store.keyring.open(b"\x00", "intake:aaaa:answers", "x")
    assert blob != store.keyring.seal_json({"full_name": SECRET_NAME}, "intake:aaaa:answers")  # fresh nonce


def edit(clinic, sql: str, *params) -> None:
    """Changes a row with another tool, as someone with the sqlite3 shell would."""
    with sqlite3.connect(clinic.data_dir / "intake.sqlite3") as other:
        other.execute(sql, params)
    other.close()


def test_a_sealed_value_moved_between_records_is_detected_and_named(store, engine, clinic):
    first = submit_new(store, engine, record_named())
    second = submit_new(store, engine, record_named("Another Person"))
    edit(clinic, "UPDATE intakes SET record = (SELECT record FROM intakes WHERE id = ?) WHERE id = ?", first, second)
    with pytest.raises(TamperedRecordError, match=f"intake {second} was changed outside intake"):
        store.load_intake(second)
    assert store.load_intake(first).status == "submitted"


@pytest.mark.parametrize(("sql", "what"), [
    ("UPDATE intakes SET status = 'submitted'", "intake"),
    ("UPDATE intakes SET consultation_date = '2026-01-01'", "intake"),
    ("UPDATE intakes SET client_id = NULL", "intake"),
    ("UPDATE documents SET sha256 = lower(hex(zeroblob(32)))", "document"),
    ("UPDATE documents SET template_versions = '{\"consent\": \"0.9\"}'", "document"),
    ("UPDATE decisions SET kind = 'override'", "decision"),
])
def test_plain_columns_edited_behind_the_tools_back_are_detected(store, engine, clinic, sql, what):
    intake_id = submit_new(store, engine, record_named(example="defer"))
    clearance = submit_new(store, engine, record_named(example="clearance"))
    store.record_decision(clearance, practitioner_id="ajordan", kind="clearance_noted", reason="",
                          staff="alex", device="office")
    store.add_documents(intake_id, [Doc("deferral_letter")], staff="amy", device="kiosk-1")
    edit(clinic, sql)
    with pytest.raises(TamperedRecordError, match=f"{what} [0-9a-z-]+ was changed outside intake"):
        store.load_intake(clearance if what == "decision" else intake_id)
    problems = store.verify_audit().problems
    assert problems and all(p.kind == "row changed" for p in problems)
    assert any(f"{what} " in p.message for p in problems)


def test_rows_deleted_behind_the_tools_back_are_found_by_verify(store, engine, clinic):
    kept = submit_new(store, engine, record_named())
    store.add_documents(kept, [Doc("consent")], staff="amy", device="kiosk-1")
    gone = submit_new(store, engine, record_named("Another Person"))
    edit(clinic, "DELETE FROM documents WHERE intake_id = ?", kept)
    edit(clinic, "DELETE FROM intakes WHERE id = ?", gone)
    messages = [p.message for p in store.verify_audit().problems]
    assert any(m.startswith(f"intake {gone}, started in audit entry #") and "deleted" in m for m in messages)
    assert any(m.startswith("document 1 of intake") and "was deleted outside intake" in m for m in messages)


def test_clearing_an_erasure_request_by_hand_is_detected(store, engine, clinic):
    from tests.records.conftest import signed_new

    signed = signed_new(store, engine, record_named())
    store.erase_client(store.load_intake(signed).client_id, staff="manager", device="office")
    edit(clinic, "UPDATE clients SET erasure_requested_at = NULL")
    with pytest.raises(TamperedRecordError, match="client c-[0-9a-z]+ was changed outside intake"):
        store.find_returning(SECRET_NAME, "1988-03-14")
