"""Provides the life of an intake after its draft: submission, practitioner decisions, sealed documents."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intake import kindstop
from intake.errors import InvalidRecordError
from intake.records import decisions as decision_book
from intake.records import drafts
from intake.records.checks import check_who, fingerprint, require_draft, require_state
from intake.records.errors import RecordNotFoundError, StoreError, TamperedRecordError, WorkflowError
from intake.records.model import CONSENT_KINDS, DocumentInfo, IntakeStatus, IntakeView, Row

if TYPE_CHECKING:
    from intake.records.store import Records

_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_FILENAME = re.compile(r"^[^\x00-\x1f\x7f/\\]{1,200}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SIGNATURE_KINDS = ("consent", "photo_consent")
MAX_SIGNATURES = 2_000_000  # bytes of JSON: a long drawn signature is a few tens of kilobytes


def canonical_sha256(value: Any) -> str:
    """SHA-256 of a JSON value written canonically (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _doc_ad(intake_id: str, document_id: int, column: str) -> str:
    return f"document:{intake_id}:{document_id}:{column}"


def _document_info(store: Records, intake_id: str, row: Row) -> DocumentInfo:
    store.tables.check("documents", row)
    doc_id = row["id"]
    name = store.keyring.open_json(row["filename"], _doc_ad(intake_id, doc_id, "filename"),
                                   f"the file name of document {doc_id} of intake {intake_id}")
    return DocumentInfo(doc_id, row["kind"], name, row["sha256"], json.loads(row["template_versions"]), row["size"],
                        row["created_at"], row["pdf"] is not None)


def load_view(store: Records, intake_id: str) -> IntakeView:
    """Reads and opens one intake inside the caller's transaction."""
    row = store.row(intake_id)
    decisions = decision_book.load(store, intake_id)
    documents = [_document_info(store, intake_id, doc) for doc in store.backend.documents_of(intake_id)]
    signatures = None
    kept = store.tables.checked("signatures", intake_id)
    if kept is not None:
        signatures = store.keyring.open_json(kept["data"], _signatures_ad(intake_id),
                                             f"the kept signatures of intake {intake_id}")
    return IntakeView(
        intake_id, row["status"], row["consultation_date"],
        store.open_sealed(intake_id, "answers", row["answers"], "answers") or {}, row["step_id"],
        store.open_sealed(intake_id, "record", row["record"], "record"),
        store.open_sealed(intake_id, "assessment", row["assessment"], "assessment"),
        decisions, documents, row["next_step"], row["client_id"], row["questionnaire_version"], row["started_at"],
        row["updated_at"], row["submitted_at"], row["signed_at"], row["started_by"], row["device"],
        row["retained_until"], signatures, drafts.languages_of(row))


def _signatures_ad(intake_id: str) -> str:
    return f"signatures:{intake_id}"


def keep_signatures(store: Records, intake_id: str, signatures: Mapping[str, Any], staff: str,
                    device: str) -> None:
    """Keeps the client's signatures of a submitted intake until the consent is sealed (replacing earlier ones)."""
    check_who(staff, device)
    if not isinstance(signatures, Mapping) or not signatures or any(
            kind not in SIGNATURE_KINDS or not isinstance(value, Mapping) for kind, value in signatures.items()):
        raise StoreError(f"signatures must be an object with {' and/or '.join(SIGNATURE_KINDS)}, each an object.")
    try:
        size = len(json.dumps(signatures, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"the signatures cannot be stored as JSON ({exc}).") from None
    if size > MAX_SIGNATURES:
        raise StoreError(f"the signatures take {size:,} bytes; the limit is {MAX_SIGNATURES:,}. Clear the pad and "
                         "sign again.")
    with store.write("keeping the client's signatures"):
        row = store.row(intake_id)
        status, client_id = row["status"], row["client_id"]
        require_state(intake_id, status, "keeping signatures")
        if status != "submitted":
            raise WorkflowError(f"intake {intake_id} is {status}: only a submitted intake waits for its "
                                "countersignature with the client's signatures.")
        now = store.now()
        store.tables.delete("signatures", intake_id)
        store.tables.insert("signatures", {"id": intake_id, "data": store.keyring.seal_json(
            dict(signatures), _signatures_ad(intake_id)), "at": now, "staff": staff, "device": device})
        store.tables.update("intakes", intake_id, updated_at=now)
        same = isinstance(photo := signatures.get("photo_consent"), Mapping) and photo.get("same_as_consent") is True
        store.audit("client_signed", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                    kinds=sorted(signatures), signatures_hmac=fingerprint(store, "signatures",
                                                                         dict(signatures)),
                    **({"photo_same_as_consent": True} if same else {}))


def submit(store: Records, intake_id: str, record: Mapping[str, Any], assessment: Mapping[str, Any],
           staff: str, device: str, kind_stop: bool = False) -> IntakeStatus:
    """Stores the complete record and its assessment; the draft becomes submitted, or deferred.

    With `kind_stop` the record holds the answers given up to a kind stop (`intake.kindstop.record_problems`)
    and the intake becomes deferred; the audit entry says so.
    """
    check_who(staff, device)
    engine = store.engine
    if not isinstance(record, Mapping):
        raise StoreError("the record to submit must be a JSON object (see `intake schema`).")
    record = dict(record)
    if record.setdefault("record_id", intake_id) != intake_id:
        raise WorkflowError(f"the record's id {record['record_id']!r} is not intake {intake_id}; submit each "
                            "record to its own intake.")
    problems = kindstop.record_problems(engine, record) if kind_stop else engine.validate(record)
    if problems:
        raise InvalidRecordError(problems)
    verdict = engine.assessor.assess(record).verdict
    given = assessment.get("verdict") if isinstance(assessment, Mapping) else None
    if given != verdict:
        raise WorkflowError(f"the assessment given says {given!r} but these answers give {verdict!r}. Assess "
                            "the record again, then submit.")
    with store.write("submitting an intake"):
        row = store.row(intake_id)
        require_draft(intake_id, row["status"])
        if record["consultation_date"] != row["consultation_date"]:
            raise WorkflowError(f"the record is for {record['consultation_date']} but intake {intake_id} was started "
                                f"for {row['consultation_date']}.")
        answers = engine.questionnaire.prune(record["answers"])
        before = store.open_sealed(intake_id, "answers", row["answers"], "answers") or {}
        client_id = store.update_identity(intake_id, before, answers, row["client_id"])
        new_status: IntakeStatus = "deferred" if verdict == "defer" else "submitted"
        now = store.now()
        store.tables.update("intakes", intake_id, status=new_status,
                            answers=store.seal_value(intake_id, "answers", answers),
                            record=store.seal_value(intake_id, "record", record),
                            assessment=store.seal_value(intake_id, "assessment", dict(assessment)),
                            submitted_at=now, updated_at=now, next_step=None)
        store.audit("submitted", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                    record_hmac=fingerprint(store, "record", record),
                    questionnaire_version=record["questionnaire_version"],
                    **({"kind_stop": True} if kind_stop else {}))
        store.audit("assessed", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                    verdict=verdict, rules_version=assessment.get("rules_version"),
                    assessment_hmac=fingerprint(store, "assessment", dict(assessment)))
    return new_status


def _verdict(store: Records, intake_id: str, blob: bytes | None) -> str | None:
    value = store.open_sealed(intake_id, "assessment", blob, "assessment")
    return value.get("verdict") if value else None


@dataclass(frozen=True)
class _Doc:
    kind: str
    filename: str
    pdf: bytes
    sha256: str
    template_versions: dict[str, Any]


def check_document(index: int, doc: Any) -> _Doc:
    """Checks one document given to the store (kind, file name, PDF, SHA-256, template versions).

    Raises:
        StoreError: what is wrong with it.
    """
    return _check_document(index, doc)


def _check_document(index: int, doc: Any) -> _Doc:
    where = f"document {index + 1}"
    kind, filename = getattr(doc, "kind", None), getattr(doc, "filename", None)
    pdf, sha256 = getattr(doc, "pdf", None), getattr(doc, "sha256", None)
    versions = getattr(doc, "template_versions", None)
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise StoreError(f"{where}: kind {kind!r} must be lower-case letters, digits and underscores.")
    if not isinstance(filename, str) or not _FILENAME.match(filename):
        raise StoreError(f"{where}: file name {filename!r} must be 1 to 200 characters without slashes.")
    if not isinstance(pdf, bytes | bytearray) or not bytes(pdf).startswith(b"%PDF-"):
        raise StoreError(f"{where} ({kind}): the content is not a PDF.")
    pdf = bytes(pdf)
    if not isinstance(sha256, str) or not _SHA256.match(sha256) or hashlib.sha256(pdf).hexdigest() != sha256:
        raise StoreError(f"{where} ({kind}): its SHA-256 does not match its content; render it again.")
    if not isinstance(versions, Mapping) or not all(isinstance(k, str) for k in versions):
        raise StoreError(f"{where} ({kind}): template_versions must map template names to versions.")
    try:
        json.dumps(dict(versions))
    except (TypeError, ValueError):
        raise StoreError(f"{where} ({kind}): template_versions must be plain text values.") from None
    return _Doc(kind, filename, pdf, sha256, dict(versions))


def _consent_problem(store: Records, intake_id: str, status: str, verdict: str | None) -> str | None:
    """Why a consent cannot be signed for this intake now, or None."""
    if status == "deferred" or verdict == "defer":
        return f"intake {intake_id} was deferred: a consent form cannot be signed for it."
    if status == "signed":
        return f"intake {intake_id} is already signed; start a new intake for a new consent."
    if verdict == "clearance" and decision_book.in_force(decision_book.load(store, intake_id)) is None:
        return (f"intake {intake_id} needs clearance: a practitioner must note the clearance or override it (with a "
                "reason) before the consent is signed.")
    return None


def _store_document(store: Records, intake_id: str, doc: _Doc, now: str, staff: str, device: str) -> int:
    return store_document(store, intake_id, doc, now, staff, device)


def store_document(store: Records, intake_id: str, doc: Any, now: str, staff: str, device: str, *,
                   visit_id: str | None = None) -> int:
    """Stores one checked document of an intake (of one of its course's visits when `visit_id` is given): the
    PDF and its file name encrypted, the row sealed; returns its id (inside the caller's write transaction)."""
    doc_id = store.backend.next_id("documents")
    extra = {"visit_id": visit_id} if visit_id is not None else {}
    store.tables.insert("documents", {
        **extra, "id": doc_id, "intake_id": intake_id, "kind": doc.kind,
        "filename": store.keyring.seal_json(doc.filename, _doc_ad(intake_id, doc_id, "filename")),
        "sha256": doc.sha256, "template_versions": json.dumps(doc.template_versions, sort_keys=True),
        "size": len(doc.pdf), "pdf": store.keyring.seal(doc.pdf, _doc_ad(intake_id, doc_id, "pdf")),
        "created_at": now, "staff": staff, "device": device})
    return doc_id


def add_documents(store: Records, intake_id: str, documents: Sequence[Any], staff: str,
                  device: str) -> IntakeStatus:
    """Seals and stores documents. A consent document signs a submitted intake (after any clearance)."""
    check_who(staff, device)
    checked = [_check_document(i, d) for i, d in enumerate(documents)]
    if not checked:
        raise StoreError("no documents were given to store.")
    consent = [d for d in checked if d.kind in CONSENT_KINDS]
    with store.write("storing documents"):
        row = store.row(intake_id)
        status, client_id = row["status"], row["client_id"]
        require_state(intake_id, status, "adding documents")
        problem = _consent_problem(store, intake_id, status, _verdict(store, intake_id, row["assessment"])) \
            if consent else None
        if problem:
            raise WorkflowError(problem)
        now, stored = store.now(), []
        for doc in checked:
            doc_id = _store_document(store, intake_id, doc, now, staff, device)
            store.audit("rendered", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                        document_id=doc_id, kind=doc.kind, pdf_hmac=fingerprint(store, "pdf", doc.sha256),
                        size=len(doc.pdf), template_versions=doc.template_versions)
            stored.append(doc_id)
        new_status: IntakeStatus = "signed" if consent else status
        store.tables.update("intakes", intake_id, status=new_status, updated_at=now,
                            signed_at=row["signed_at"] or (now if consent else None))
        if consent:
            # The sealed consent now holds the signatures: the copy kept for the countersignature goes.
            store.tables.delete("signatures", intake_id)
            store.audit("signed", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                        documents=[i for i, d in zip(stored, checked, strict=True) if d.kind in CONSENT_KINDS],
                        pdf_hmac=[fingerprint(store, "pdf", d.sha256) for d in consent])
    return new_status


def open_document(store: Records, intake_id: str, row: Row) -> tuple[DocumentInfo, bytes]:
    """One stored document row opened: its details and its PDF, checked against the SHA-256 recorded (inside the
    caller's transaction).

    Raises:
        WorkflowError: the document was erased.
        TamperedRecordError: the PDF is not the one stored.
    """
    info = _document_info(store, intake_id, row)
    if row["pdf"] is None:
        raise WorkflowError(f"the {info.kind} document of intake {intake_id} was erased.")
    pdf = store.keyring.open(row["pdf"], _doc_ad(intake_id, info.document_id, "pdf"),
                             f"the {info.kind} document of intake {intake_id}")
    if hashlib.sha256(pdf).hexdigest() != info.sha256:
        raise TamperedRecordError(f"the {info.kind} document of intake {intake_id} does not match the "
                                  "SHA-256 recorded when it was signed. Do not use it; restore a backup.")
    return info, pdf


def reprint(store: Records, intake_id: str, kind: str | None, staff: str, device: str,
            deliver: Callable[[list[tuple[DocumentInfo, bytes]]], None] | None = None
            ) -> list[tuple[DocumentInfo, bytes]]:
    """The stored PDFs, byte-identical and checked against their SHA-256, audited as exported once `deliver`
    (which writes them where they go, durably) has returned: a copy that could not be written is not recorded."""
    check_who(staff, device)
    with store.read("reprinting documents"):
        store.row(intake_id)
        rows = store.backend.documents_of(intake_id, kind or None)
        if not rows:
            what = f"{kind} documents" if kind else "documents"
            raise RecordNotFoundError(f"intake {intake_id} has no stored {what}.")
        result = [open_document(store, intake_id, row) for row in rows]
    if deliver is not None:
        deliver(result)
    with store.write("recording a reprint"):
        store.audit("exported", staff=staff, device=device, intake_id=intake_id, format="pdf",
                    documents=[info.document_id for info, _ in result])
    return result
