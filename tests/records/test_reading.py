"""Reading commands show every intact record and name damaged ones; a full disk and oversized files get plain words."""

from __future__ import annotations

import json
import sqlite3

import pytest

from intake.cli import main
from intake.records import Store, db
from intake.records.errors import StorageFullError
from tests.records.conftest import fill_draft, record_named, submit_new


def shell(clinic, sql: str) -> None:
    with sqlite3.connect(clinic.data_dir / "intake.sqlite3") as other:
        other.execute(sql)
    other.close()


@pytest.fixture
def three(store, engine):
    ids = [submit_new(store, engine, record_named(name)) for name in ("Ada Lovelace", "Mary Seacole", "Edith Cavell")]
    return ids


def test_one_tampered_intake_row_is_named_and_the_others_still_list(store, clinic, three):
    shell(clinic, f"UPDATE intakes SET status = 'signed' WHERE id = '{three[1]}'")
    result = store.search()
    assert {r.intake_id for r in result.rows} == {three[0], three[2]}
    assert [d.intake_id for d in result.damaged] == [three[1]]
    assert "changed outside intake" in result.damaged[0].message


def test_a_damaged_sealed_name_hides_only_that_clients_intakes(store, clinic, three):
    client = store.load_intake(three[0]).client_id
    shell(clinic, f"UPDATE clients SET identity = randomblob(60) WHERE id = '{client}'")
    result = store.search()
    assert {r.intake_id for r in result.rows} == {three[1], three[2]}
    assert [d.intake_id for d in result.damaged] == [three[0]]


def test_records_list_prints_the_intact_and_names_the_damaged(store, clinic, three, capsys):
    shell(clinic, f"UPDATE intakes SET consultation_date = '2020-01-01' WHERE id = '{three[2]}'")
    code = main(["--config", str(clinic.source), "records", "list"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Ada Lovelace" in out and "Mary Seacole" in out and "Edith Cavell" not in out
    assert f"{three[2]}: intake {three[2]} was changed outside intake" in out
    assert "Traceback" not in out


def test_a_damaged_draft_is_listed_with_a_warning(store, engine, clinic):
    good = fill_draft(store, engine, record_named("Ada Lovelace"), steps=1)
    bad = fill_draft(store, engine, record_named("Mary Seacole"), steps=1)
    shell(clinic, f"UPDATE intakes SET step_id = 'elsewhere' WHERE id = '{bad}'")
    labels = {d.intake_id: d.client_label for d in store.drafts()}
    assert labels[good] != labels[bad] and "damaged" in labels[bad]


def test_a_full_disk_at_first_open_is_a_plain_message(clinic, engine, monkeypatch, capsys):
    real = db.connect

    def full(path, busy):  # the disk has room for nothing: SQLite answers SQLITE_FULL on the first write
        conn = real(path, busy)
        conn.execute("PRAGMA max_page_count = 1")
        return conn

    monkeypatch.setattr(db, "connect", full)
    with pytest.raises(StorageFullError, match="is full"):
        Store.open(clinic, engine=engine)
    code = main(["--config", str(clinic.source), "records", "list"])
    captured = capsys.readouterr()
    assert code == 1 and "is full" in captured.err and "internal error" not in captured.err


def _validate(tmp_path, capsys, record) -> tuple[int, str]:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("shape, expected", [
    ("keys", "has 200,000 keys"),
    ("deep", "levels deep"),
    ("values", "more than 20,000 values"),
])
def test_an_oversized_answers_file_is_refused_before_validation(tmp_path, capsys, monkeypatch, shape, expected):
    import jsonschema

    answers: dict = {"full_name": "Ada Lovelace"}
    if shape == "keys":
        answers = {f"k{i}": i for i in range(200_000)}
    elif shape == "deep":
        value: list = []
        for _ in range(30):
            value = [value]
        answers["medications"] = value
    else:
        answers["medications"] = list(range(100_000))
    calls = []
    original = jsonschema.Draft202012Validator.iter_errors

    def spy(self, instance, *args, **kwargs):
        if isinstance(instance, dict) and "answers" in instance:
            calls.append(1)
        return original(self, instance, *args, **kwargs)

    monkeypatch.setattr(jsonschema.Draft202012Validator, "iter_errors", spy)
    code, out = _validate(tmp_path, capsys, {"format": "intake-record/1", "consultation_date": "2026-11-20",
                                             "answers": answers})
    assert code == 1 and expected in out and "Check that this is the right file" in out
    assert len(out.splitlines()) <= 3 and not calls  # one plain problem, and no per-answer validation at all


def test_a_file_over_five_megabytes_is_refused(tmp_path, capsys):
    path = tmp_path / "big.json"
    path.write_bytes(b'{"answers": {"full_name": "' + b"x" * (5 * 1024 * 1024) + b'"}}')
    assert main(["validate", str(path)]) == 1
    assert "larger than 5 MiB" in capsys.readouterr().err


def test_real_records_pass_the_size_check(engine):
    from tests.conftest import load_example

    for name in ("suitable", "caution", "clearance", "defer"):
        assert engine.validate(load_example(name)) == []
