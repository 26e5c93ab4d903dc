"""The whole-clinic export: a FHIR R4 Bundle valid in two FHIR libraries, a folder of JSON records and PDFs."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import stat
import sys

import pytest

from intake.cli import main
from intake.fhirquestionnaire import canonical_reference
from intake.records import Store
from intake.records.bulk import ExportScope, export_bulk
from tests.conftest import FRONT_DESK_PIN, add_staff
from tests.records.conftest import STAFF, Doc, fill_draft, record_named, signed_new, submit_new


def _dated(record: dict, day: str) -> dict:
    record = copy.deepcopy(record)
    record["consultation_date"] = day
    return record


@pytest.fixture
def clinic_store(store, engine):
    """Three clients over three days: signed, submitted, deferred and draft intakes; one with no answers to 'none'."""
    ids = {
        "ana_signed": signed_new(store, engine, _dated(record_named("Ana Lima", birth="1990-01-02"), "2026-11-18")),
        "ana_again": submit_new(store, engine, _dated(record_named("Ana Lima", birth="1990-01-02"), "2026-11-20")),
        "bo_deferred": submit_new(store, engine, _dated(record_named("Bo Chen", example="defer", birth="1970-05-06"),
                                                        "2026-11-19")),
        "cy_draft": fill_draft(store, engine, _dated(record_named("Cy Okoro", birth="1985-07-08"), "2026-11-20"),
                               steps=2),
    }
    return ids


def _bundle(folder):
    return json.loads((folder / "bundle.json").read_text(encoding="utf-8"))


def test_the_bundle_is_valid_r4_and_everything_in_it_resolves(store, engine, clinic_store, tmp_path):
    from fhir.resources.R4B.bundle import Bundle
    from fhirclient.models.bundle import Bundle as ClientBundle

    folder = tmp_path / "export"
    report = export_bulk(store, ExportScope(), folder, staff=STAFF, device="office")
    assert (report.intakes, report.clients, report.documents) == (4, 3, 1)
    bundle = _bundle(folder)
    Bundle.model_validate(bundle)
    ClientBundle(copy.deepcopy(bundle), strict=True)
    assert bundle["type"] == "collection"
    resources = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    kinds = [r["resourceType"] for r in resources.values()]
    assert kinds.count("Patient") == 3 and kinds.count("QuestionnaireResponse") == 4
    assert kinds.count("DocumentReference") == 1
    questionnaire = json.loads((folder / "questionnaire.json").read_text())
    for resource in resources.values():
        if resource["resourceType"] == "QuestionnaireResponse":
            assert resource["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}" == \
                canonical_reference(engine.questionnaire.id, engine.questionnaire.version)
            assert resources[resource["subject"]["reference"]]["resourceType"] == "Patient"
        if resource["resourceType"] == "DocumentReference":
            attachment = resource["content"][0]["attachment"]
            pdf = (folder / attachment["url"]).read_bytes()
            assert pdf == Doc("consent").pdf and attachment["size"] == len(pdf)
            assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
            assert resource["identifier"][0]["value"] == hashlib.sha256(pdf).hexdigest()
            assert resources[resource["context"]["related"][0]["reference"]]["resourceType"] == \
                "QuestionnaireResponse"
    names = sorted(r["name"][0]["text"] for r in resources.values() if r["resourceType"] == "Patient")
    assert names == ["Ana Lima", "Bo Chen", "Cy Okoro"]


def test_the_folder_holds_private_json_records_pdfs_and_checksums(store, clinic_store, tmp_path):
    folder = tmp_path / "export"
    export_bulk(store, ExportScope(), folder, staff=STAFF, device="office")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    records = sorted(p.stem for p in (folder / "records").iterdir())
    assert records == sorted(clinic_store.values())
    record = json.loads((folder / "records" / f"{clinic_store['ana_signed']}.json").read_text())
    assert record["format"] == "intake-export/1" and record["documents"][0]["sha256"] == Doc("consent").sha256
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {str(p.relative_to(folder)) for p in files} - {"SHA256SUMS"}
    assert all(hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest for name, digest in sums.items())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["intakes"] == 4 and manifest["not_in_bundle"] == 0


def test_one_client_or_a_date_range(store, clinic_store, tmp_path):
    ana = store.load_intake(clinic_store["ana_signed"]).client_id
    report = export_bulk(store, ExportScope(client_id=ana), tmp_path / "ana", staff=STAFF, device="office")
    assert (report.intakes, report.clients) == (2, 1)
    assert sorted(p.stem for p in (tmp_path / "ana" / "records").iterdir()) == sorted(
        [clinic_store["ana_signed"], clinic_store["ana_again"]])
    report = export_bulk(store, ExportScope(since="2026-11-19", until="2026-11-19"), tmp_path / "day",
                         staff=STAFF, device="office")
    assert report.intakes == 1 and (tmp_path / "day" / "records" / f"{clinic_store['bo_deferred']}.json").exists()
    entry = store.audit_trail()[-1]
    assert entry.event == "exported" and entry.data["format"] == "bundle" and entry.data["intakes"] == 1


def test_streams_page_by_page_and_exports_each_intake_once(store, clinic_store, tmp_path, monkeypatch):
    from intake.records import bulk

    monkeypatch.setattr(bulk, "PAGE", 1)
    calls = []
    original = store.intake_page

    def counting(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(store, "intake_page", counting)
    report = export_bulk(store, ExportScope(), tmp_path / "paged", staff=STAFF, device="office")
    assert report.intakes == 4 and len(calls) == 5 and all(c["limit"] == 1 for c in calls)
    ids = [e["resource"]["id"] for e in _bundle(tmp_path / "paged")["entry"]
           if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert sorted(ids) == sorted(clinic_store.values())


def test_erased_clients_are_not_exported(store, clinic_store, tmp_path):
    bo = store.load_intake(clinic_store["bo_deferred"]).client_id
    store.erase_client(bo, staff=STAFF, device="office")
    report = export_bulk(store, ExportScope(), tmp_path / "after", staff=STAFF, device="office")
    assert report.intakes == 3 and "Bo Chen" not in (tmp_path / "after" / "bundle.json").read_text()


def test_the_command_line_export(config_path, clinic, engine, tmp_path, capsys, monkeypatch):
    with Store.open(clinic, engine=engine) as store:
        add_staff(store)
        signed_new(store, engine, record_named())
    out = tmp_path / "bundle-out"
    monkeypatch.setattr(sys, "stdin", io.StringIO(FRONT_DESK_PIN + "\n"))
    assert main(["--config", str(config_path), "records", "export", "--format", "bundle", "--from", "2026-11-01",
                 "--to", "2026-11-30", "--out", str(out), "--pin-stdin"]) == 0
    assert "Exported 1 intake(s) of 1 client(s) with 1 sealed document(s)" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(FRONT_DESK_PIN + "\n"))
    assert main(["--config", str(config_path), "records", "export", "--format", "bundle", "--out", str(out),
                 "--pin-stdin"]) == 1
    assert "not an empty folder" in capsys.readouterr().err
    assert main(["--config", str(config_path), "records", "export", "--format", "bundle", "--from", "2026-13-01",
                 "--out", str(tmp_path / "x")]) == 1
    assert "is not a date" in capsys.readouterr().err and not (tmp_path / "x").exists()
    assert main(["--config", str(config_path), "records", "export", "--format", "json"]) == 1
    assert "name the intake to export" in capsys.readouterr().err


def test_further_sessions_are_procedures_of_their_course_with_their_rescreen(store, engine, clinic_store, tmp_path):
    from fhir.resources.R4B.bundle import Bundle
    from fhirclient.models.bundle import Bundle as ClientBundle

    course = clinic_store["ana_signed"]
    visit = store.visits.start(course, visit_date="2026-12-20", staff=STAFF, device="office")
    store.visits.rescreen(visit.visit_id, answers={"changes_since_last": "nothing_changed"},
                          assessment={"verdict": "suitable"}, outcome="ready", reasons=[], until=None, staff=STAFF,
                          device="office")
    folder = tmp_path / "export"
    report = export_bulk(store, ExportScope(), folder, staff=STAFF, device="office")
    assert report.visits == 1
    bundle = _bundle(folder)
    Bundle.model_validate(bundle)
    ClientBundle(copy.deepcopy(bundle), strict=True)
    resources = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    (procedure,) = [r for r in resources.values() if r["resourceType"] == "Procedure"]
    assert procedure["partOf"][0]["identifier"]["value"] == course and procedure["status"] == "preparation"
    assert resources[procedure["subject"]["reference"]]["name"][0]["text"] == "Ana Lima"
    rescreen = json.loads((folder / "rescreen-questionnaire.json").read_text(encoding="utf-8"))
    (response,) = [r for r in resources.values() if r["resourceType"] == "QuestionnaireResponse"
                   and r["questionnaire"].startswith(rescreen["url"])]
    assert response["item"][0]["item"][0]["answer"][0]["valueCoding"]["code"] == "nothing_changed"
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["visits"] == 1
    sums = (folder / "SHA256SUMS").read_text(encoding="utf-8")
    assert "rescreen-questionnaire.json" in sums
