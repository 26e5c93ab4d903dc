"""Rollback witnesses: a checkpoint deleted or emptied, more than one unanchored transaction, and mirrors.

The attacker holds the data folder and can delete or put back the checkpoint file; a crash leaves the
database at most one transaction ahead of the checkpoint, so anything more is named.
"""

from __future__ import annotations

import pytest

from intake.config import load_config
from intake.records import Store
from intake.records import anchor as anchor_module
from intake.records.errors import KeyFileError
from tests.records.conftest import DEVICE, STAFF, fill_draft, record_named, write_config


def problems(store: Store) -> list[tuple[str, str]]:
    return [(p.kind, p.message) for p in store.verify_audit().problems]


def some_changes(store: Store, engine, count: int = 3) -> str:
    intake_id = fill_draft(store, engine, record_named(), steps=1)
    for _ in range(count):
        store.view(intake_id, staff=STAFF, device=DEVICE)
    return intake_id


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_a_missing_or_emptied_checkpoint_is_a_problem_never_a_pass(store, engine, how):
    some_changes(store, engine)
    path = store.checkpoint.path
    path.unlink() if how == "deleted" else path.write_text("")
    found = problems(store)
    assert [k for k, _ in found] == ["checkpoint"] and "missing or empty" in found[0][1]


def test_a_checkpoint_deleted_then_started_afresh_is_named(store, engine):
    intake_id = some_changes(store, engine)
    store.checkpoint.path.unlink()
    store.view(intake_id, staff=STAFF, device=DEVICE)  # the next change starts a new file
    found = problems(store)
    assert any(k == "checkpoint" and "begins at audit entry" in m for k, m in found)


def test_a_new_store_with_no_lines_yet_is_not_a_problem(store):
    report = store.verify_audit()
    assert report.ok


@pytest.mark.parametrize("unanchored, named", [(1, False), (2, True), (4, True)])
def test_more_than_one_unanchored_transaction_is_named(store, engine, monkeypatch, unanchored, named):
    intake_id = some_changes(store, engine, count=1)
    monkeypatch.setattr(anchor_module.Checkpoint, "append", lambda *a, **k: None)  # lines lost (or put back older)
    for _ in range(unanchored):
        store.view(intake_id, staff=STAFF, device=DEVICE)
    report = store.verify_audit()
    assert (not report.ok) == named
    if named:
        assert any(p.kind == "not anchored" and f"({unanchored} transactions)" in p.message
                   for p in report.problems), report.problems
    else:
        assert any("not anchored in the audit checkpoint" in note for note in report.notes)


def test_an_older_checkpoint_put_back_is_named(store, engine):
    intake_id = some_changes(store, engine, count=1)
    older = store.checkpoint.path.read_bytes()
    for _ in range(3):
        store.view(intake_id, staff=STAFF, device=DEVICE)
    store.checkpoint.path.write_bytes(older)
    assert not store.verify_audit().ok


@pytest.fixture
def mirrored(tmp_path, engine, clock):
    (tmp_path / "keys").mkdir(mode=0o700)
    mirrors = [tmp_path / "disk1" / "intake.checkpoint", tmp_path / "disk2" / "intake.checkpoint"]
    for mirror in mirrors:
        mirror.parent.mkdir()
    path = write_config(tmp_path)
    path.write_text(path.read_text().replace(
        "[security]\n", "[security]\ncheckpoint_mirrors = [" + ", ".join(f'"{m}"' for m in mirrors) + "]\n"))
    config = load_config(path)
    from intake.records import create_data_key

    create_data_key(config)
    with Store.open(config, clock=clock, engine=engine) as opened:
        yield opened, mirrors


def test_mirrors_get_every_line_and_an_honest_store_verifies(mirrored, engine):
    store, mirrors = mirrored
    some_changes(store, engine)
    assert all(m.read_bytes() == store.checkpoint.path.read_bytes() for m in mirrors)
    assert store.verify_audit().ok


@pytest.mark.parametrize("which", ["behind", "ahead"])
def test_a_mirror_behind_or_ahead_of_the_checkpoint_is_named(mirrored, engine, which):
    store, mirrors = mirrored
    intake_id = some_changes(store, engine, count=1)
    older_main, older_mirror = store.checkpoint.path.read_bytes(), mirrors[1].read_bytes()
    for _ in range(2):
        store.view(intake_id, staff=STAFF, device=DEVICE)
    if which == "behind":
        mirrors[1].write_bytes(older_mirror)
    else:
        store.checkpoint.path.write_bytes(older_main)  # the main checkpoint put back; the mirrors kept going
    found = problems(store)
    assert any(k == "mirror" and str(mirrors[1 if which == "behind" else 0]) in m for k, m in found), found


def test_a_mirror_inside_the_data_folder_is_refused(tmp_path):
    path = write_config(tmp_path)
    path.write_text(path.read_text().replace(
        "[security]\n", f'[security]\ncheckpoint_mirrors = ["{tmp_path / "data" / "copy.checkpoint"}"]\n'))
    config = load_config(path)
    from intake.records import create_data_key

    create_data_key(config)
    with pytest.raises(KeyFileError, match="data folder"):
        Store.open(config)
