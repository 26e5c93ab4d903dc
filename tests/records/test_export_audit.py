"""An export is audited only once it is written and synced: a failed write leaves no 'exported' entry."""

from __future__ import annotations

import errno
import io
import os
import sys

import pytest

from intake.cli import main
from intake.records import Store, bulk
from intake.records.bulk import ExportScope, export_bulk
from tests.conftest import FRONT_DESK_PIN, add_staff
from tests.records.conftest import STAFF, Doc, record_named, signed_new, submit_new


def exported(clinic, engine, intake_id: str | None = None) -> list:
    with Store.open(clinic, engine=engine) as store:
        return [e for e in store.audit_trail(intake_id) if e.event == "exported"]


def run(config_path, *args: str) -> int:
    """A staff command, with the front desk's PIN on standard input as a script gives it."""
    saved, sys.stdin = sys.stdin, io.StringIO(FRONT_DESK_PIN + "\n")
    try:
        return main(["--config", str(config_path), *args, "--pin-stdin"])
    finally:
        sys.stdin = saved


@pytest.fixture
def signed(clinic, engine):
    """A signed intake with two stored documents."""
    with Store.open(clinic, engine=engine) as store:
        add_staff(store)
        intake_id = submit_new(store, engine, record_named())
        store.add_documents(intake_id, [Doc("consent"), Doc("aftercare", pdf=b"%PDF-1.7\n% aftercare\n")],
                            staff=STAFF, device="office")
    return intake_id


def full_disk(monkeypatch, after: int = 0) -> None:
    """Every fsync after the first `after` fails as on a full disk."""
    real, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize("fmt", ["json", "csv", "fhir"])
def test_a_failed_export_file_is_not_audited_and_not_left(config_path, clinic, engine, signed, tmp_path,
                                                         monkeypatch, capsys, fmt):
    out = tmp_path / f"export.{fmt}"
    full_disk(monkeypatch)
    assert run(config_path, "records", "export", signed, "--format", fmt, "--out", str(out)) == 1
    assert "cannot write" in capsys.readouterr().err and not out.exists()
    assert exported(clinic, engine, signed) == []
    monkeypatch.undo()
    assert run(config_path, "records", "export", signed, "--format", fmt, "--out", str(out)) == 0
    [entry] = exported(clinic, engine, signed)
    assert entry.data["format"] == fmt and out.stat().st_size > 0


def test_an_export_to_a_closed_output_is_not_audited(config_path, clinic, engine, signed, monkeypatch, capsys):
    class Closed:
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

        def flush(self) -> None:
            pass

    monkeypatch.setattr("sys.stdout", Closed())
    assert run(config_path, "records", "export", signed, "--format", "json") == 1
    monkeypatch.undo()
    assert "cannot write the export to standard output" in capsys.readouterr().err
    assert exported(clinic, engine, signed) == []


def test_a_reprint_that_cannot_write_every_document_leaves_none_and_is_not_audited(
        config_path, clinic, engine, signed, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "again"
    full_disk(monkeypatch, after=1)  # the first document is written, the second fails
    assert run(config_path, "records", "reprint", signed, "--out", str(folder)) == 1
    assert "cannot write" in capsys.readouterr().err
    assert list(folder.iterdir()) == [] and exported(clinic, engine, signed) == []
    monkeypatch.undo()
    assert run(config_path, "records", "reprint", signed, "--out", str(folder)) == 0
    assert len(list(folder.iterdir())) == 2 and len(exported(clinic, engine, signed)) == 1


def test_a_bulk_export_that_fails_part_way_audits_only_what_was_written(store, engine, clinic, tmp_path,
                                                                        monkeypatch):
    ids = [signed_new(store, engine, record_named(name, birth=f"19{70 + i}-01-02"))
           for i, name in enumerate(("Ana Lima", "Bo Chen", "Cy Okoro"))]
    real, calls = bulk._write_file, []

    def fails_on_the_second_pdf(path, data, durable=True):
        calls.append(path)
        if path.suffix == ".pdf" and sum(p.suffix == ".pdf" for p in calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data, durable)

    monkeypatch.setattr(bulk, "_write_file", fails_on_the_second_pdf)
    with pytest.raises(Exception, match="cannot write the export"):
        export_bulk(store, ExportScope(), tmp_path / "export", staff=STAFF, device="office")
    entries = [e for e in store.audit_trail() if e.event == "exported"]
    assert len(entries) == 1 and entries[0].intake_id in ids  # the first intake's PDF, written and synced
    assert (tmp_path / "export" / "documents" / entries[0].intake_id / "consent.pdf").exists()
    monkeypatch.undo()
    report = export_bulk(store, ExportScope(), tmp_path / "again", staff=STAFF, device="office")
    entries = [e for e in store.audit_trail() if e.event == "exported"]
    assert report.documents == 3 and len(entries) == 1 + 3 + 1  # each intake's PDFs, then the export itself
    assert entries[-1].intake_id is None and entries[-1].data["intakes"] == 3
