"""A store written before schema 8 (seals computed in SQLite) opens, is verified, upgraded, and verifies clean."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from intake.config import load_config
from intake.records import Store
from intake.records.sqlite import migrations
from intake.records.sqlite.upgrade import UpgradeRefusedError
from tests.records.conftest import write_config

OLD = Path(__file__).parent / "data" / "schema7"


@pytest.fixture
def old_clinic(tmp_path):
    """The schema-7 store, its key and its checkpoint, copied where a clinic configured in tmp_path finds them."""
    (tmp_path / "data").mkdir(mode=0o700)
    (tmp_path / "keys").mkdir(mode=0o700)
    shutil.copy(OLD / "intake.sqlite3", tmp_path / "data" / "intake.sqlite3")
    for name in ("data.key", "data.key.checkpoint"):
        shutil.copy(OLD / name, tmp_path / "keys" / name)
    for path in [*(tmp_path / "data").iterdir(), *(tmp_path / "keys").iterdir()]:
        path.chmod(0o600)
    return load_config(write_config(tmp_path))


def version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_the_fixture_is_a_schema_7_store(old_clinic):
    assert version(old_clinic.data_dir / "intake.sqlite3") == 7


def test_an_older_store_opens_upgrades_and_verifies_clean(old_clinic, engine, clock):
    with Store.open(old_clinic, clock=clock, engine=engine) as store:
        assert migrations.current_version(store.conn) == migrations.LATEST
        report = store.verify_audit()
        assert report.ok, report.problems
        trail = store.audit_trail()
        assert trail[-1].event == "store_upgraded" and trail[-1].data["verified"] is True
        rows = {r.client_name: r for r in store.search().rows}
        assert {n: r.status for n, r in rows.items()} == {
            "Zephyrine Quillfeather-Okafor": "signed", "Clara Clearance": "signed", "Dana Deferral": "deferred",
            "Drew Draft": "draft"}
        [(_, pdf)] = store.reprint(rows["Clara Clearance"].intake_id, kind="consent", staff="amy", device="office")
        assert pdf.startswith(b"%PDF")
        assert store.staff.authenticate("731904", device="office").staff_id == "ajordan"
        draft = rows["Drew Draft"].intake_id
        # Drafts kept before the languages were (schema 11) read as none chosen: the clinic's language.
        assert store.load_intake(draft).languages == {} and [d.languages for d in store.drafts()] == [{}]
        store.save_step(draft, step_id=engine.questionnaire.steps[2].id, answers={}, next_step=None, staff="amy",
                        device="kiosk-1")
        assert store.verify_audit().ok
    with Store.open(old_clinic, clock=clock, engine=engine) as again:  # upgraded once: nothing more to do
        assert [e.event for e in again.audit_trail()].count("store_upgraded") == 1
        assert again.verify_audit().ok


def test_a_store_that_does_not_verify_is_not_upgraded_and_not_changed(old_clinic, engine, clock):
    path = old_clinic.data_dir / "intake.sqlite3"
    with sqlite3.connect(path) as conn:  # as an attacker with sqlite3 would: the row's seal no longer matches
        conn.execute("UPDATE intakes SET status = 'signed' WHERE status = 'deferred'")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(UpgradeRefusedError, match="before the upgrade they do not verify") as refused:
        Store.open(old_clinic, clock=clock, engine=engine)
    assert "was changed or added outside intake" in str(refused.value)
    assert version(path) == 7 and hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_schema_11_store_with_visits_upgrades_to_visits_that_may_end_untreated(clinic, engine, clock):
    """Schema 12 makes the visits table again (SQLite keeps a CHECK in the table): every row is kept byte for byte,
    its seal and the table's digest stay valid, and a visit may then end without treatment."""
    from tests.records.conftest import DEVICE, STAFF, record_named, signed_new

    with Store.open(clinic, clock=clock, engine=engine) as store:
        signed = signed_new(store, engine, record_named())
        day = store.load_intake(signed).consultation_date
        visit = store.visits.start(signed, visit_date=day, staff=STAFF, device=DEVICE)
    path = clinic.data_dir / "intake.sqlite3"
    with sqlite3.connect(path) as conn:  # as schema 11 left it: the table without the new status
        before = conn.execute("SELECT * FROM visits").fetchall()
        made = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'visits'").fetchone()[0]
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.executescript(f"""ALTER TABLE visits RENAME TO visits_new_status;
            {made.replace(", 'not_treated'", "")};
            INSERT INTO visits SELECT * FROM visits_new_status; DROP TABLE visits_new_status;
            PRAGMA user_version = 11;""")
        assert "not_treated" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'visits'").fetchone()[0]
    with Store.open(clinic, clock=clock, engine=engine) as store:
        assert migrations.current_version(store.conn) == migrations.LATEST >= 12
        assert store.conn.execute("SELECT * FROM visits").fetchall() == before
        assert store.verify_audit().ok
        ended = store.visits.end_untreated(visit.visit_id, reason="the client had to leave", staff=STAFF,
                                           device=DEVICE)
        assert ended.status == "not_treated" and store.verify_audit().ok
