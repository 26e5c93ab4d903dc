"""Sealed documents witness the audit trail: each carries, inside its seal, where the trail stood at sealing.

The insider's attack: put the records folder and its checkpoint back to an older copy. The trail alone
then checks clean (it is a genuine older trail); the documents sealed since name entries it no longer
has, and `intake audit verify --documents` says so, naming the document that proves it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from intake.config import load_config
from intake.documents import verify_pdf
from intake.documents.model import AuditWitness
from intake.engine import Engine
from intake.lifecycle import Lifecycle
from intake.lifecycle.witnesses import check_documents, read_witness
from intake.records import Store, create_data_key
from tests.conftest import ROOT
from tests.documents.conftest import CERT_FROM, write_config
from tests.documents.personas import baseline, record
from tests.lifecycle.conftest import AJORDAN, COUNTER_TIME, DESK, fresh
from tests.lifecycle.test_lifecycle import signatures


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """A clinic of its own (its records are put back to older copies here), with one renderer."""
    from intake.documents import PacketRenderer, create_seal_identity

    folder = tmp_path_factory.mktemp("witness-clinic")
    config = load_config(write_config(folder))
    create_seal_identity(config, valid_from=CERT_FROM)
    create_data_key(config)
    engine = Engine.load(folder / "clinic.toml")
    return folder, engine, PacketRenderer(engine)


def countersigned(life: Lifecycle, folder: Path) -> list[Path]:
    """A new client signed, countersigned and kept; the paths of its sealed documents."""
    intake = fresh(life, record(life.engine, baseline(life.engine)))
    life.sign(intake, signatures(life, intake), DESK)
    counter = life.countersignature(intake, AJORDAN, life.default_plan(intake))
    return life.keep_documents(intake, life.render(intake, counter), DESK, folder / "documents")


def opened(folder: Path, engine: Engine, renderer) -> Lifecycle:
    store = Store.open(engine.config, engine=engine, clock=lambda: COUNTER_TIME)
    return Lifecycle(engine, store, renderer, clock=lambda: COUNTER_TIME)


def test_each_sealed_document_carries_the_trail_where_it_stood_at_sealing(clinic):
    folder, engine, renderer = clinic
    life = opened(folder, engine, renderer)
    try:
        intake = fresh(life, record(engine, baseline(engine)))
        life.sign(intake, signatures(life, intake), DESK)
        head = life.store.audit_head()
        counter = life.countersignature(intake, AJORDAN, life.default_plan(intake))
        assert counter.witness == AuditWitness(head.entry, head.hash) and head.entry > 0
        paths = life.keep_documents(intake, life.render(intake, counter), DESK, folder / "documents")
        entries = {entry.seq: entry.hash for entry in life.store.audit_trail()}
    finally:
        life.store.close()
    assert len(paths) == 2
    for path in paths:
        data = path.read_bytes()
        report = verify_pdf(data, engine.config)
        assert report.ok and report.audit_witness == counter.witness
        assert report.to_dict()["audit_position"] == {"entry": head.entry, "hash": head.hash}
        assert read_witness(data) == counter.witness and entries[head.entry] == head.hash


def test_a_countersignature_without_a_store_carries_no_position_and_a_malformed_one_is_refused(clinic):
    from intake.documents import SignatureInputError

    folder, engine, renderer = clinic
    life = opened(folder, engine, renderer)
    try:
        intake = fresh(life, record(engine, baseline(engine)))
        life.sign(intake, signatures(life, intake), DESK)
        counter = life.countersignature(intake, AJORDAN, life.default_plan(intake))
        unpositioned = life.render(intake, replace(counter, witness=None))
        assert all(read_witness(d.pdf) is None for d in unpositioned.documents)
        for bad in (AuditWitness(-1, "ab"), AuditWitness(3, "not hex!"), AuditWitness(3, "a" * 200)):
            with pytest.raises(SignatureInputError, match="audit trail's position is malformed"):
                life.render(intake, replace(counter, witness=bad))
    finally:
        life.store.close()


def test_records_put_back_to_an_older_copy_are_named_by_the_documents_sealed_since(clinic, tmp_path):
    folder, engine, renderer = clinic
    life = opened(folder, engine, renderer)
    data_dir, checkpoint = Path(engine.config.data_dir), life.store.checkpoint.path
    try:
        countersigned(life, folder)
        life.store.close()
        shutil.copytree(data_dir, tmp_path / "data-then")  # the insider's older copy, checkpoint included
        shutil.copy2(checkpoint, tmp_path / "checkpoint-then")
        life = opened(folder, engine, renderer)
        later = countersigned(life, folder)
        assert check_documents(life.store.audit_trail(), (folder / "documents").rglob("*.pdf"),
                               engine.config).problems == []
    finally:
        life.store.close()
    shutil.rmtree(data_dir)
    shutil.copytree(tmp_path / "data-then", data_dir)
    shutil.copy2(tmp_path / "checkpoint-then", checkpoint)
    with Store.open(engine.config, engine=engine) as store:
        assert store.verify_audit().ok  # the older trail alone checks clean: that is the attack
        found = check_documents(store.audit_trail(), (folder / "documents").rglob("*.pdf"), engine.config)
    assert {problem.split(" ", 1)[0] for problem in found.problems} == {path.name for path in later}
    assert all("put back to an older state" in problem for problem in found.problems)
    command = [sys.executable, "-m", "intake", "--config", str(folder / "clinic.toml"), "audit", "verify",
               "--documents"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=folder, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Audit trail OK" in done.stdout and "AUDIT TRAIL OLDER THAN ITS DOCUMENTS" in done.stdout
    assert all(path.name in done.stdout for path in later)


def test_a_rewritten_entry_and_a_forged_claim_are_told_apart(clinic, tmp_path):
    folder, engine, renderer = clinic
    life = opened(folder, engine, renderer)
    try:
        paths = countersigned(life, folder)
        trail = life.store.audit_trail()
    finally:
        life.store.close()
    witness = read_witness(paths[0].read_bytes())
    assert witness is not None
    rewritten = [replace(e, hash="0" * 64) if e.seq == witness.entry else e for e in trail]
    found = check_documents(rewritten, paths[:1], engine.config)
    assert len(found.problems) == 1 and f"entry {witness.entry} is different now" in found.problems[0]
    forged = tmp_path / "forged.pdf"  # a claim of a later position by a file whose seal was broken afterwards
    data = bytearray(paths[0].read_bytes())
    data[200] ^= 0x01
    forged.write_bytes(bytes(data))
    shorter = [e for e in trail if e.seq < witness.entry]
    found = check_documents(shorter, [forged, tmp_path / "missing.pdf"], engine.config)
    assert found.problems == [] and found.witnesses == 1 and len(found.skipped) == 2
    assert found.skipped[0].startswith("forged.pdf: its seal does not verify")
    assert found.skipped[1].startswith("missing.pdf:")
