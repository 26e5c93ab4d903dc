"""Provides long-term validation (PAdES B-LT / B-LTA): validation material in the document, and document timestamps.

A seal made with a timestamp authority is followed by one incremental update that adds a document
security store (DSS) with every certificate needed to check the seal and its timestamp, and a
document timestamp over the whole file (B-LTA), so no byte of the file is left uncovered.
`extend_pdf` (behind `intake documents extend`) first verifies a document, then adds the
certificates of everything in it to the DSS and a new document timestamp in the same way. A
document timestamp proves the seal existed at that time, so the document still verifies after the
seal certificate expires; extending again before the authority's certificate expires carries the
proof forward.

Revocation information: when the seal certificate or an authority's certificate publishes where its
status is answered (OCSP) or listed (CRL), the answers are fetched from the hosts the clinic allows
(`[security] revocation_hosts`, intake.documents.revocation) and embedded in the same DSS update, so a
validator can judge the certificates at the times the timestamps prove, long after they expired. A
self-signed seal publishes none; nothing is fetched from any other host.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from intake.documents.cmscheck import timestamp_tokens

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.documents.revocation import Revocation

ARCHIVE_FIELD = "IntakeArchiveTimestamp"
#: Room (hexadecimal digits) for a document timestamp token with its authority's certificates.
ARCHIVE_RESERVE = 2 * 16384


def _certificates_of(signed_data: Any) -> list[Any]:
    found = [c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate"]
    for token in timestamp_tokens(signed_data):
        found += [c.chosen for c in token["content"]["certificates"] or [] if c.name == "certificate"]
    return found


def document_certificates(data: bytes) -> list[Any]:
    """Every certificate the document's seal and timestamps need (asn1crypto), without repeats."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    seen, certs = set(), []
    for signature in reader.embedded_signatures:
        for cert in _certificates_of(signature.signed_data):
            if cert.dump() not in seen:
                seen.add(cert.dump())
                certs.append(cert)
    return certs


def add_archive_timestamp(data: bytes, timestamper: Any, writer_factory: Callable[[bytes], Any] | None = None,
                          revocation: Revocation | None = None) -> bytes:
    """Adds, in one incremental update, a DSS with every certificate the document's seal and timestamps
    need (and the revocation data gathered for them), and a document timestamp over the whole file (PAdES B-LTA).

    Raises:
        TimestampRequestError, OSError: the authority could not be used (nothing is added).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.validation import DocumentSecurityStore

    count = len(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    writer = writer_factory(data) if writer_factory else IncrementalPdfFileWriter(io.BytesIO(data))
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=document_certificates(data),
                                               ocsps=revocation.ocsps if revocation else None,
                                               crls=revocation.crls if revocation else None)
    stamper = PdfTimeStamper(timestamper, field_name=f"{ARCHIVE_FIELD}{count}")
    stamped: bytes = stamper.timestamp_pdf(writer, "sha256", bytes_reserved=ARCHIVE_RESERVE).getvalue()
    return stamped


class Extension(NamedTuple):
    """What `extend_pdf` made: the extended document (None when refused), its report, and the revocation data."""

    pdf: bytes | None
    report: Any
    revocation: Revocation


def extend_pdf(data: bytes, config: ClinicConfig, timestamper: Any, *, at: datetime | None = None,
               writer_factory: Callable[[bytes], Any] | None = None) -> Extension:
    """Verifies a sealed document, then adds validation material and a document timestamp (PAdES B-LTA).

    Args:
        data: the document.
        config: the clinic configuration (certificates, timestamp trust, revocation hosts).
        timestamper: a pyHanko TimeStamper for the clinic's authority.
        at: the time to verify at (default now).
        writer_factory: makes the incremental writer (default: pyHanko's).

    Returns:
        The extended document, its verification report and the revocation data gathered. When the
        document does not verify first, the document is None and nothing is fetched or added.
    """
    from intake.documents.revocation import Revocation, gather, revocation_settings
    from intake.documents.verify import verify_pdf

    before = verify_pdf(data, config, at=at)
    if not before.ok:
        return Extension(None, before, Revocation())
    revocation = gather(document_certificates(data), revocation_settings(config))
    extended = add_archive_timestamp(data, timestamper, writer_factory, revocation)
    after = verify_pdf(extended, config, at=at)
    return Extension(extended if after.ok else None, after, revocation)
