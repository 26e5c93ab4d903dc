"""Provides the whole-clinic (or one-client) export: a FHIR R4 Bundle and a folder of JSON records and sealed PDFs.

The folder holds:

- `bundle.json`: a FHIR R4 Bundle of type collection: one Patient per client, one
  QuestionnaireResponse per intake (referencing the Patient and the Questionnaire by its canonical
  url|version), one DocumentReference per sealed PDF (its attachment's url is the PDF's path in the
  folder, with size, SHA-1 hash as FHIR asks, and the SHA-256 as an identifier);
- `questionnaire.json`: the FHIR Questionnaire the responses reference;
- `rescreen-questionnaire.json`: the re-screen's Questionnaire, when further sessions are exported (each a
  Procedure `partOf` its course, with its re-screen's QuestionnaireResponse, in the Bundle);
- `records/<intake id>.json`: each intake as `intake records export --format json` gives it;
- `documents/<intake id>/<file>.pdf`: the stored sealed PDFs, byte for byte (checked against their SHA-256);
- `not-in-bundle.jsonl`: intakes answered with questions the current questionnaire no longer has
  (their JSON record is exported; the Bundle could not describe them), when there are any;
- `SHA256SUMS`: the SHA-256 of every other file (as `sha256sum -c` reads it);
- `manifest.json`: scope, counts, the SHA-256 of the intake list, and intakes left out of the Bundle.

Everything is streamed: intakes are read a page at a time and written as they are read, so memory
stays bounded whatever the number of intakes (only the set of client ids already written grows,
with the number of clients). Files are created 0600 in a 0700 folder. Only Store's public methods
are used; the PDFs are read with `Store.reprint`, which audits each intake's PDFs once they are written
and synced, and the whole export, once every file is written and synced, writes one more 'exported' entry with
its scope, count and the SHA-256 of its intake list: an export that fails part-way is not recorded as done.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.errors import IntakeError
from intake.fhirquestionnaire import fhir_questionnaire
from intake.privatefile import PrivateStream, sync_folder, write_private
from intake.privatefolder import make_private_folder
from intake.records import fhir
from intake.records.export import as_json
from intake.records.model import DocumentInfo, IntakeView, iso

if TYPE_CHECKING:
    from intake.records.store import Records

BULK_FORMAT = "intake-bulk-export/1"
PAGE = 500
_NAMESPACE = uuid.UUID("5b0c7c1e-3f1a-4b7e-9d51-6a1f0c9e2d41")


@dataclass(frozen=True)
class ExportScope:
    """Which intakes: one client's, and/or consultation dates between since and until (YYYY-MM-DD, inclusive)."""

    client_id: str | None = None
    since: str | None = None
    until: str | None = None

    def describe(self) -> str:
        parts = [f"client {self.client_id}"] if self.client_id else []
        if self.since or self.until:
            parts.append(f"consultations {self.since or 'from the first'} to {self.until or 'the last'}")
        return ", ".join(parts) or "every intake"


@dataclass
class BulkReport:
    """What was exported."""

    folder: Path
    intakes: int = 0
    clients: int = 0
    documents: int = 0
    #: intakes whose answers the current questionnaire cannot express in FHIR (their JSON record is exported)
    left_out: int = 0
    #: further sessions of the courses exported (each a Procedure, with its re-screen's QuestionnaireResponse)
    visits: int = 0


def _urn(kind: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{key}')}"


def _write_file(path: Path, data: bytes, durable: bool = True) -> str:
    write_private(path, data, replace=False, durable=durable)
    return hashlib.sha256(data).hexdigest()


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _intakes(store: Records, scope: ExportScope) -> Iterator[str]:
    after = None
    while True:
        page = store.intake_page(client_id=scope.client_id, since=scope.since, until=scope.until, after=after,
                                 limit=PAGE)
        yield from (intake_id for _, intake_id in page)
        if len(page) < PAGE:
            return
        after = page[-1]


def patient(client_id: str, identity: dict[str, str] | None) -> dict[str, Any]:
    """A FHIR R4 Patient for a client: the client id, and the name and date of birth when known."""
    resource: dict[str, Any] = {"resourceType": "Patient", "id": client_id,
                                "identifier": [{"system": fhir.CLIENT_ID_SYSTEM, "value": client_id}]}
    if identity and identity.get("full_name"):
        resource["name"] = [{"text": identity["full_name"]}]
    if identity and identity.get("date_of_birth"):
        resource["birthDate"] = identity["date_of_birth"]
    return resource


def document_reference(intake: IntakeView, info: DocumentInfo, pdf: bytes, path: str,
                       subject: dict[str, Any] | None) -> dict[str, Any]:
    """A FHIR R4 DocumentReference to one sealed PDF in the export folder."""
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference", "id": f"{intake.intake_id}-{info.document_id}",
        "identifier": [{"system": "urn:intake:sha256", "value": info.sha256}],
        "status": "current", "docStatus": "final",
        "type": {"coding": [{"system": "urn:intake:document-kind", "code": info.kind}], "text": info.kind},
        "date": info.created_at,
        "description": f"Sealed {info.kind.replace('_', ' ')} document of intake {intake.intake_id} (PAdES)",
        "content": [{"attachment": {
            "contentType": "application/pdf", "url": path, "size": len(pdf),
            "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),  # noqa: S324 - FHIR R4 asks SHA-1
            "title": info.filename, "creation": info.created_at}}],
        "context": {"related": [{"reference": _urn("QuestionnaireResponse", intake.intake_id)}]},
    }
    if subject:
        resource["subject"] = subject
    return resource


def visit_entries(store: Records, intake: IntakeView, subject: dict[str, Any] | None,
                  entry: Callable[[dict[str, Any], str], None]) -> int:
    """Adds the further sessions of the course an intake started (each a Procedure and its re-screen's
    QuestionnaireResponse, referring to the client's Patient); returns how many."""
    from intake.course.export import procedure, rescreen_response

    if intake.status != "signed" or not intake.client_id:
        return 0
    found = [v for v in store.visits.of_client(intake.client_id) if v.course_id == intake.intake_id]
    for visit in found:
        resources = [procedure(store.engine, visit)]
        if visit.answers is not None:
            resources.append(rescreen_response(store.engine, visit))
        for resource in resources:
            if subject:
                resource["subject"] = dict(subject)
            entry(resource, _urn(resource["resourceType"], visit.visit_id))
    return len(found)


def export_bulk(store: Records, scope: ExportScope, folder: Path, *, staff: str, device: str) -> BulkReport:
    """Writes the export folder (which must not exist yet, or be empty) and audits the export.

    Raises:
        IntakeError: the folder is not empty or cannot be written.
    """
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise IntakeError(f"{folder}: already exists and is not an empty folder; choose a new folder for the "
                          "export (nothing was written).")
    try:
        make_private_folder(folder)
        return _export(store, scope, folder, staff, device)
    except OSError as exc:
        raise IntakeError(f"cannot write the export in {folder} ({exc.strerror}: {exc.filename}); what was "
                          "written so far is incomplete, delete it.") from None


def _export(store: Records, scope: ExportScope, folder: Path, staff: str, device: str) -> BulkReport:
    writer = _BulkWriter(store, folder, staff, device)
    for intake_id in _intakes(store, scope):
        writer.add_intake(intake_id)
    return writer.finish(scope)


class _BulkWriter:
    """Writes one export folder as the intakes are read: the Bundle, the records, the PDFs and their sums."""

    def __init__(self, store: Records, folder: Path, staff: str, device: str) -> None:
        self.store, self.folder, self.staff, self.device = store, folder, staff, device
        engine = store.engine
        self.questionnaire, self.language = engine.questionnaire, engine.language
        self.exported_at = iso(store.clock())
        self.report = BulkReport(folder)
        self.sums = PrivateStream(folder / "SHA256SUMS")
        self.seen_clients: set[str] = set()
        self.left_out: PrivateStream | None = None
        self.listed = hashlib.sha256()
        self.questionnaire_file("questionnaire.json", self.questionnaire)
        self.bundle = PrivateStream(folder / "bundle.json")
        self.bundle.write(json.dumps({"resourceType": "Bundle", "id": _urn("Bundle", self.exported_at)[9:],
                                      "type": "collection", "timestamp": self.exported_at},
                                     ensure_ascii=False)[:-1].encode("utf-8") + b', "entry": [\n')
        self.first = True

    def written(self, relative: str, digest: str) -> None:
        self.sums.write(f"{digest}  {relative}\n".encode())

    def questionnaire_file(self, name: str, questionnaire: Any) -> None:
        config = self.store.engine.config
        self.written(name, _write_file(self.folder / name, _json_bytes(fhir_questionnaire(
            questionnaire, self.language, publisher=config.clinic.get("name"), policy=config.age_policy))))

    def entry(self, resource: dict[str, Any], full_url: str) -> None:
        self.bundle.write((b"" if self.first else b",\n") + json.dumps({"fullUrl": full_url, "resource": resource},
                                                                      ensure_ascii=False).encode("utf-8"))
        self.first = False

    def add_intake(self, intake_id: str) -> None:
        store, report = self.store, self.report
        intake = store.load_intake(intake_id)
        self.listed.update(intake_id.encode("ascii") + b"\n")
        report.intakes += 1
        identity = store.client_identity(intake.client_id) if intake.client_id else None
        subject = self.subject(intake.client_id, identity)
        record = as_json(store, intake, exported_at=self.exported_at)
        self.written(f"records/{intake_id}.json", _write_file(self.folder / "records" / f"{intake_id}.json",
                                                              _json_bytes(record), durable=False))  # synced at the end
        source = intake.record["answers"] if intake.record else intake.answers
        unknown = sorted(set(source) - set(self.questionnaire.by_id))
        if unknown:
            self.leave_out(intake, unknown)
        else:
            response = fhir.questionnaire_response(self.questionnaire, intake, self.language, identity,
                                                  policy=store.engine.config.age_policy)
            if subject:
                response["subject"] = {**subject, **({"display": identity["full_name"]}
                                                     if identity and identity.get("full_name") else {})}
            self.entry(response, _urn("QuestionnaireResponse", intake_id))
        self.add_documents(intake, subject)
        report.visits += visit_entries(store, intake, subject, self.entry)

    def subject(self, client_id: str | None, identity: dict[str, str] | None) -> dict[str, Any] | None:
        """The client's reference, writing their Patient the first time they appear."""
        if not client_id:
            return None
        reference = _urn("Patient", client_id)
        if client_id not in self.seen_clients:
            self.seen_clients.add(client_id)
            self.entry(patient(client_id, identity), reference)
        return {"reference": reference, "identifier": {"system": fhir.CLIENT_ID_SYSTEM, "value": client_id}}

    def leave_out(self, intake: IntakeView, unknown: list[str]) -> None:
        self.report.left_out += 1
        if self.left_out is None:
            self.left_out = PrivateStream(self.folder / "not-in-bundle.jsonl")
        self.left_out.write(json.dumps({"intake": intake.intake_id,
                                        "questionnaire_version": intake.questionnaire_version,
                                        "unknown_questions": unknown, "record": f"records/{intake.intake_id}.json"})
                            .encode("utf-8") + b"\n")

    def add_documents(self, intake: IntakeView, subject: dict[str, Any] | None) -> None:
        def deliver(documents: list[tuple[DocumentInfo, bytes]]) -> None:
            """Writes one intake's PDFs durably; Store.reprint audits them only after this returns."""
            for info, pdf in documents:
                relative = f"documents/{intake.intake_id}/{info.filename}"
                self.written(relative, _write_file(self.folder / relative, pdf))
                self.entry(document_reference(intake, info, pdf, relative, subject),
                           _urn("DocumentReference", f"{intake.intake_id}:{info.document_id}"))
                self.report.documents += 1
            sync_folder(self.folder / "documents")

        for kind in sorted({d.kind for d in intake.documents if d.kept}):
            self.store.reprint(intake.intake_id, kind=kind, staff=self.staff, device=self.device, deliver=deliver)

    def finish(self, scope: ExportScope) -> BulkReport:
        report = self.report
        self.bundle.write(b"\n]}\n")
        self.written("bundle.json", self.bundle.close())
        if report.visits:
            self.questionnaire_file("rescreen-questionnaire.json", self.store.engine.rescreen.exchanged())
        if self.left_out is not None:
            self.written("not-in-bundle.jsonl", self.left_out.close())
        report.clients = len(self.seen_clients)
        listed = self.listed.hexdigest()
        manifest = {"format": BULK_FORMAT, "exported_at": self.exported_at, "scope": scope.describe(),
                    "client": scope.client_id, "since": scope.since, "until": scope.until, "intakes": report.intakes,
                    "clients": report.clients, "documents": report.documents, "visits": report.visits,
                    "intake_list_sha256": listed, "not_in_bundle": report.left_out,
                    "not_in_bundle_list": "not-in-bundle.jsonl" if report.left_out else None}
        self.written("manifest.json", _write_file(self.folder / "manifest.json", _json_bytes(manifest)))
        self.sums.close()
        os.sync()  # every file (the records, written unsynced, included) is on disk before the export is audited
        self.store.record_bulk_export(staff=self.staff, device=self.device, client_id=scope.client_id,
                                      format="bundle", scope=scope.describe(), intakes=report.intakes,
                                      intake_list_sha256=listed)
        return report
