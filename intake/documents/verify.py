"""Provides offline verification of a sealed document: seal, certificate, completeness, embedded data and versions."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.documents.cmscheck import SealCheckFailed, check_document_timestamp
from intake.documents.keys import (
    CertificateInfo,
    certificate_info,
    load_certificates,
    retired_certificates,
    seal_paths,
)
from intake.documents.payload import ATTACHMENT_NAME, PAYLOAD_FORMAT
from intake.documents.sealcheck import (
    check_byte_range,
    check_container,
    covered_bytes,
    short,
    validate,
)
from intake.documents.templates import content_version
from intake.documents.timestamps import AttestedTime, timestamp_settings, trusted_roots
from intake.documents.witness import AuditWitness

if TYPE_CHECKING:
    from intake.config import ClinicConfig


@dataclass
class VerificationReport:
    """The outcome of checking one document; `reason` says why when `ok` is False."""

    ok: bool = False
    reason: str = ""
    kind: str = ""
    record_id: str = ""
    client: str = ""
    #: what a visit's document is about, in words ("session 2 of 4 of the course of intake ..."); "" for an intake's
    about: str = ""
    sealed_at: datetime | None = None
    certificate: CertificateInfo | None = None
    certificate_source: str = ""
    #: which of the clinic's certificates made the seal: "current", "earlier" (retired), "given" (--cert), "demo"
    certificate_role: str = ""
    data_sha256: str = ""
    template_set: str = ""
    templates: dict[str, str] = field(default_factory=dict)
    template_status: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: RFC 3161 timestamps found: the seal's own, then document timestamps in the order they were added
    timestamps: list[AttestedTime] = field(default_factory=list)
    #: where the clinic's audit trail stood at sealing, as the sealed revision's properties say (None: not said)
    audit_witness: AuditWitness | None = None

    @property
    def attested_at(self) -> AttestedTime | None:
        """The earliest timestamp whose authority was checked: the seal existed then."""
        trusted = [t for t in self.timestamps if t.trusted]
        return min(trusted, key=lambda t: t.at) if trusted else None

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        cert = self.certificate
        return {
            "verified": self.ok, "reason": self.reason or None, "document": self.kind or None,
            "record_id": self.record_id or None, "about": self.about or None,
            "sealed_at": self.sealed_at.isoformat() if self.sealed_at else None,
            "certificate": None if cert is None else {
                "subject": cert.subject, "organisation": cert.organisation, "sha256": cert.fingerprint,
                "self_signed": cert.self_signed, "demo": cert.demo, "checked_against": self.certificate_source,
                "which": self.certificate_role or None,
            },
            "data_sha256": self.data_sha256 or None, "template_set": self.template_set or None,
            "templates": {name: {"version": v, "now": self.template_status.get(name)}
                          for name, v in self.templates.items()},
            "timestamps": [t.to_dict() for t in self.timestamps],
            "attested_at": self.attested_at.at.isoformat() if self.attested_at else None,
            "long_term": "B-LTA" if any(t.kind == "document" for t in self.timestamps) else
            "B-T" if self.timestamps else "B-B",
            "notes": self.notes,
            "audit_position": None if self.audit_witness is None else {
                "entry": self.audit_witness.entry, "hash": self.audit_witness.hash},
        }


def verify_pdf(data: bytes, config: ClinicConfig, *, cert_path: str | Path | None = None,
               templates_dir: str | Path | None = None, at: datetime | None = None) -> VerificationReport:
    """Checks a document made by intake, without any network access.

    Checks: one seal, with nothing after it but validation material and document timestamps; a
    signature that is intact and made by one of the clinic's certificates (--cert, else [security]
    seal_cert_file or an earlier one kept beside it; the file's own certificate only for the demo
    clinic); its RFC 3161 timestamps, against [security] timestamp_ca_file; the embedded data whose
    SHA-256 equals the one in the metadata and the one printed on the pages; the template versions.

    Args:
        at: the time to judge certificates at (default now); the seal certificate itself is judged
            at the earliest trusted timestamp, else at the seal's own stated time.

    Raises:
        SealKeyError: a certificate given with cert_path (or the timestamp_ca_file) cannot be read.
    """
    report = VerificationReport()
    expected = _candidate_certificates(config, cert_path, report)
    tsa_roots = trusted_roots(timestamp_settings(config))
    try:
        _check(data, config, expected, report, Path(templates_dir or config.templates_dir),
               tsa_roots, (at or datetime.now(UTC)).astimezone(UTC))
    except SealCheckFailed as failure:
        report.ok, report.reason = False, failure.reason
        return report
    report.ok = True
    return report


#: one certificate a seal may have been made with: (where it comes from, its role, certificate and chain as DER)
Candidate = tuple[str, str, list[bytes]]


def _candidate_certificates(config: ClinicConfig, cert_path: str | Path | None,
                            report: VerificationReport) -> list[Candidate]:
    """The certificates a seal may have been made with: --cert alone, else the current and the earlier ones."""
    if cert_path is not None:
        return [(str(cert_path), "given", load_certificates(Path(cert_path)))]
    configured = seal_paths(config)[1]
    found: list[Candidate] = []
    if configured.exists():
        found.append((str(configured), "current", load_certificates(configured)))
    found += [(str(path), "earlier", certs) for path, certs in reversed(retired_certificates(config))]
    if not found:
        report.certificate_source = f"(no certificate at {configured})"
    return found


def _check(data: bytes, config: ClinicConfig, candidates: list[Candidate], report: VerificationReport,
           templates_dir: Path, tsa_roots: list[Any], at: datetime) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - any parser failure means a damaged or altered file
        raise SealCheckFailed(f"the file cannot be read as a PDF; it is damaged or was altered ({short(exc)}).") \
            from None
    if not signatures:
        raise SealCheckFailed("the file carries no seal; it is not a sealed intake document (it may be a preview).")
    kinds = [getattr(s, "sig_object_type", None) for s in signatures]
    if kinds[0] != "/Sig" or any(kind != "/DocTimeStamp" for kind in kinds[1:]):
        raise SealCheckFailed(f"the file carries {kinds.count('/Sig')} signatures; an intake document has exactly "
                              "one seal, followed by document timestamps only.")
    signature, archive = signatures[0], signatures[1:]
    container = check_byte_range(data, signature, whole_file=not archive)
    for index, stamp in enumerate(archive):
        stamp_container = check_byte_range(data, stamp, whole_file=index == len(archive) - 1)
        check_document_timestamp(stamp_container, covered_bytes(data, stamp), tsa_roots)
    try:
        signer_der = signature.signer_cert.dump()
        others = [c.dump() for c in signature.other_embedded_certs]
    except Exception as exc:  # noqa: BLE001
        raise SealCheckFailed(f"the seal's certificate cannot be read ({short(exc)}).") from None
    report.certificate = certificate_info(signer_der)
    if not candidates:
        if not config.is_demo:
            raise SealCheckFailed(f"there is no clinic certificate to check the seal against "
                                  f"{report.certificate_source}. Pass the clinic's seal certificate with --cert FILE.")
        candidates = [("the certificate inside the file (demo clinic only)", "demo", [signer_der, *others])]
        report.notes.append("Origin not proven: no clinic certificate is configured, so the file's own "
                            "certificate was used. This is acceptable for the demo clinic only.")
    match = next((c for c in candidates if c[2][0] == signer_der), None)
    if match is None:
        known = ", ".join(hashlib.sha256(c[2][0]).hexdigest()[:16] + "…" for c in candidates)
        which = "the clinic's" if len(candidates) == 1 else "any of the clinic's current or earlier ones"
        raise SealCheckFailed(f"the seal was made with a different certificate (SHA-256 "
                              f"{report.certificate.fingerprint[:16]}…) than {which} (SHA-256 {known}).")
    report.certificate_source, report.certificate_role, expected = match
    if report.certificate_role == "earlier":
        report.notes.append(f"Sealed with an earlier certificate of the clinic (kept in {match[0]} when the seal "
                            "key was replaced).")
    check_container(container, expected, tsa_roots)
    report.sealed_at = signature.self_reported_timestamp
    report.audit_witness = sealed_witness(data, signature)
    result = validate(signature, expected[0], report.certificate, archive=archive, tsa_roots=tsa_roots, at=at)
    report.timestamps = result.timestamps
    report.notes.extend(result.notes)
    _check_data(data, report, templates_dir)


def visit_about(payload: Any) -> str:
    """What a visit's document is about, in words, from its embedded data ("" for a consultation's)."""
    visit = payload.get("visit") if isinstance(payload, dict) else None
    if not isinstance(visit, dict):
        return ""
    return (f"session {visit.get('session')} of {visit.get('sessions')} on {visit.get('visit_date')}, visit "
            f"{visit.get('visit_id')} of the course of intake {visit.get('course_id')} "
            f"(client {visit.get('client_id')})")


def sealed_witness(data: bytes, signature: Any) -> AuditWitness | None:
    """The audit trail's position in the properties of the revision the seal covers (what came after it,
    document timestamps only, cannot change it), or None when that revision has none."""
    from pypdf import PdfReader

    start, first, second, length = (int(v) for v in signature.byte_range)
    try:
        info: Any = PdfReader(io.BytesIO(data[:second + length])).metadata or {}
    except Exception:  # noqa: BLE001 - the whole file was read already; a revision that cannot be is no witness
        return None
    return AuditWitness.from_properties(info)


def _printed_text(reader: Any, wanted: tuple[str, ...]) -> str:
    """The text of the document's last pages, whitespace made single spaces, from as far back as holds every string
    of `wanted` (all pages when some is printed nowhere). The strings checked are printed in the "About this
    document" block at the end, so extracting the last page or two, not all of them, finds them; the text so found
    is the end of the whole document's text, so what is found, and what is not, is as if all were extracted. Looked
    for after each of the last `_TAIL_PAGES` pages, then once in the whole text (a long file costs one pass)."""
    total = len(reader.pages)
    backwards: list[str] = []
    text = ""
    for count, page in enumerate(reversed(reader.pages), start=1):
        # pypdf returns a page's text with NUL bytes between the letters when the page shows a character
        # no installed font has (drawn as a box); the letters are right, so the NULs are dropped.
        backwards.append(page.extract_text() or "")
        if count <= _TAIL_PAGES or count == total:
            text = re.sub(r"\s+", " ", " ".join(reversed(backwards)).replace("\x00", ""))
            if all(part in text for part in wanted):
                break
    return text


#: How many of the last pages are searched one by one before the whole text is.
_TAIL_PAGES = 3


def _check_data(data: bytes, report: VerificationReport, templates_dir: Path) -> None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        attachments = reader.attachments
        info: Any = reader.metadata or {}
    except Exception as exc:  # noqa: BLE001
        raise SealCheckFailed(f"the file's contents cannot be read ({short(exc)}).") from None
    files = attachments.get(ATTACHMENT_NAME) or []
    if len(files) != 1:
        raise SealCheckFailed(f"the embedded data {ATTACHMENT_NAME} is missing.")
    embedded = files[0]
    digest = hashlib.sha256(embedded).hexdigest()
    report.data_sha256 = digest
    if info.get("/IntakeDataSHA256") != digest:
        raise SealCheckFailed("the data fingerprint in the document's properties does not match the embedded data.")
    printed = " ".join(digest[i:i + 8] for i in range(0, 64, 8))
    template_set = str(info.get("/IntakeTemplateSet", ""))
    text = _printed_text(reader, (printed, template_set))
    if printed not in text:
        raise SealCheckFailed("the data fingerprint printed in the document does not match the embedded data.")
    try:
        payload = json.loads(embedded.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SealCheckFailed(f"the embedded {ATTACHMENT_NAME} is not valid JSON.") from None
    if not isinstance(payload, dict) or payload.get("format") != PAYLOAD_FORMAT:
        raise SealCheckFailed(f"the embedded {ATTACHMENT_NAME} is not intake document data.")
    kind = str(info.get("/IntakeDocument", ""))
    entry = (payload.get("documents") or {}).get(kind)
    if not isinstance(entry, dict):
        raise SealCheckFailed("the document's kind is not described in its embedded data.")
    report.kind = kind
    report.record_id = str(payload.get("record", {}).get("record_id", ""))
    record = payload.get("record") or {}
    report.client = str((record.get("answers") or {}).get("full_name") or record.get("client_name") or "")
    report.about = visit_about(payload)
    report.template_set = str(entry.get("template_set", ""))
    report.templates = {str(k): str(v) for k, v in (entry.get("templates") or {}).items()}
    # the version is printed in the document's language ("template 1a2b…", "Vorlage 1a2b…"): its digits are checked
    if not report.template_set or info.get("/IntakeTemplateSet") != report.template_set \
            or report.template_set not in text:
        raise SealCheckFailed("the template version printed in the document does not match its embedded data.")
    for name, version in report.templates.items():
        path = templates_dir / name
        try:
            current = content_version(path.read_bytes())
        except OSError:
            report.template_status[name] = "not in the templates folder now"
            continue
        report.template_status[name] = "current" if current == version else f"changed since (now {current})"
