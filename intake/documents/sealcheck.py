"""Provides the checks of a seal itself: byte range, the signature container, and pyHanko validation.

The signature covers every byte of the file except its own container. Parts of a CMS container
are not signed (the certificate list, the algorithm lists, the signer's id, a timestamp token's
certificates), so the container is also checked against what the standards require and what the
clinic seal writes (intake.documents.cmscheck): DER apart from the order of its certificate SETs,
the certificate bound by its hash, a timestamp over this very signature, only certificates on an
authority's chain, and nothing but zero padding after it. Together, no single byte of a sealed file
can change unnoticed, whichever conforming authority timestamped it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intake.documents.cmscheck import (
    ALTERED,
    SealCheckFailed,
    check_seal_signer,
    check_token,
    der_apart_from_order,
    digest,
    fits_schema,
    timestamp_tokens,
)

# pyHanko logs each failed certificate path with a traceback; verification reports in words instead.
logging.getLogger("pyhanko").addHandler(logging.NullHandler())
logging.getLogger("pyhanko").propagate = False




def check_byte_range(data: bytes, signature: Any, *, whole_file: bool = True) -> bytes:
    """Checks what the signature covers and returns the signature container bytes.

    The last signature in a file (the seal, or the newest document timestamp) must cover the whole
    file; an earlier one covers its own revision, and pyHanko's difference analysis then judges
    what came after it (only validation material and document timestamps may).
    """
    try:
        start, first, second, length = (int(v) for v in signature.byte_range)
    except (TypeError, ValueError):
        raise SealCheckFailed("the seal's byte range is malformed.") from None
    end = second + length
    if start != 0 or not 0 < first < second <= len(data) or end > len(data) or (whole_file and end != len(data)):
        raise SealCheckFailed("data was added to or removed from the file after it was sealed.")
    gap = data[first:second]
    if len(gap) < 2 or gap[:1] != b"<" or gap[-1:] != b">" or not re.fullmatch(rb"[0-9A-F]*", gap[1:-1]):
        raise SealCheckFailed(ALTERED)
    value = bytes.fromhex(gap[1:-1].decode("ascii"))
    used = _der_length(value)
    if used is None or used > len(value) or any(value[used:]):
        raise SealCheckFailed(ALTERED)
    return value[:used]


def covered_bytes(data: bytes, signature: Any) -> bytes:
    """The bytes a signature covers: its byte ranges (checked first by check_byte_range)."""
    start, first, second, length = (int(v) for v in signature.byte_range)
    return data[start:first] + data[second:second + length]


def _der_length(value: bytes) -> int | None:
    """The length of the DER SEQUENCE at the start of value (tag, length and content)."""
    if len(value) < 2 or value[0] != 0x30:
        return None
    first = value[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(value) < 2 + count:
        return None
    return 2 + count + int.from_bytes(value[2:2 + count], "big")


def _plain_algorithm(algorithm: Any, names: Sequence[str]) -> bool:
    return algorithm["algorithm"].native in names and algorithm["parameters"].native is None


def _only_a_timestamp(attributes: Any) -> bool:
    """No unsigned attributes, or exactly one: the seal's RFC 3161 signature timestamp (checked by pyHanko)."""
    from asn1crypto import core

    if isinstance(attributes, core.Void):  # (not .native: that would decode the whole token)
        return True
    return len(attributes) == 1 and attributes[0]["type"].native == "signature_time_stamp_token" and \
        len(attributes[0]["values"]) == 1


def check_container(container: bytes, certificates: Sequence[bytes], tsa_roots: Sequence[Any] = ()) -> None:
    """Checks the parts of the seal's CMS container its signature does not cover (RFC 5652, RFC 3161, PAdES).

    Args:
        container: the DER signature container.
        certificates: the seal certificate followed by its chain, as DER.
        tsa_roots: the timestamp authority roots the clinic configured (asn1crypto).
    """
    from asn1crypto import cms, x509


    try:
        if not der_apart_from_order(container):
            raise SealCheckFailed(ALTERED)
        info = cms.ContentInfo.load(container, strict=True)
        if info["content_type"].native != "signed_data":
            raise SealCheckFailed(ALTERED)
        signed = info["content"]
        encapsulated = signed["encap_content_info"]
        digests = signed["digest_algorithms"]
        embedded = sorted(c.chosen.dump() for c in signed["certificates"])
        signers = signed["signer_infos"]
        fixed = (
            fits_schema(info, signed, encapsulated, *digests)
            and signed["version"].native == "v1"
            and len(digests) == 1 and _plain_algorithm(digests[0], ("sha256",))
            and encapsulated["content_type"].native == "data" and encapsulated["content"].native is None
            and embedded == sorted(certificates)
            and signed["crls"].native is None
            and len(signers) == 1
        )
        if not fixed:
            raise SealCheckFailed(ALTERED)
        signer = signers[0]
        if not (signer["version"].native == "v1" and signer["sid"].name == "issuer_and_serial_number"
                and fits_schema(signer, signer["sid"].chosen, signer["digest_algorithm"], signer["signature_algorithm"])
                and _plain_algorithm(signer["digest_algorithm"], ("sha256",))
                and _plain_algorithm(signer["signature_algorithm"], ("sha256_rsa", "sha256_ecdsa", "ed25519"))
                and _only_a_timestamp(signer["unsigned_attrs"])):
            raise SealCheckFailed(ALTERED)
        check_seal_signer(signer, x509.Certificate.load(certificates[0]))
        value = signer["signature"].native
        for token in timestamp_tokens(signed):
            check_token(token, lambda algorithm: digest(algorithm, value), "the seal", tsa_roots)
    except SealCheckFailed:
        raise
    except Exception:  # noqa: BLE001 - any parse error means the container was altered
        raise SealCheckFailed(ALTERED) from None


@dataclass
class ValidationResult:
    """What pyHanko's validation adds to the report: notes for people and the timestamps found."""

    notes: list[str] = field(default_factory=list)
    timestamps: list[Any] = field(default_factory=list)


def _context(roots: list[Any], moment: datetime) -> Any:
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment)


def _token_time(signature: Any) -> datetime | None:
    """The time in the seal's own timestamp token, read before it is checked (None without one)."""

    tokens = timestamp_tokens(signature.signed_data)
    if not tokens:
        return None
    try:
        made: datetime = tokens[0]["content"]["encap_content_info"]["content"].parsed["gen_time"].native
        return made
    except Exception:  # noqa: BLE001 - an unreadable token is reported by the validation itself
        return None


def _only_lta_updates_after(status: Any) -> bool:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    level = status.modification_level
    return status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level is not None and \
        level <= ModificationLevel.LTA_UPDATES


def _archive_times(archive: list[Any], tsa_roots: list[Any], at: datetime) -> tuple[list[Any], datetime]:
    """Checks the document timestamps, newest first: each is judged at the time the next one proves.

    Returns:
        The timestamps in the order they were added, and the time the oldest trusted one proves
        (`at` when there is none), at which the seal's own timestamp is judged.
    """
    from pyhanko.sign.validation import validate_pdf_timestamp

    from intake.documents.timestamps import AttestedTime, authority_name

    found, moment = [], at
    for stamp in reversed(archive):
        try:
            status = validate_pdf_timestamp(stamp, _context(tsa_roots, moment))
        except Exception as exc:  # noqa: BLE001 - malformed timestamps raise many kinds of error
            raise SealCheckFailed(f"a document timestamp cannot be checked; the file was altered or damaged "
                                  f"({short(exc)}).") from None
        if not (status.intact and status.valid) or not _only_lta_updates_after(status):
            raise SealCheckFailed("a document timestamp does not match the file: the file was changed after it.")
        trusted = bool(tsa_roots) and status.trusted
        found.append(AttestedTime(status.timestamp, authority_name(status.signing_cert), trusted, "document"))
        if trusted:
            moment = status.timestamp
    found.reverse()
    return found, moment


def validate(signature: Any, trusted: bytes, certificate: Any, *, archive: Sequence[Any] = (),
             tsa_roots: Sequence[Any] = (), at: datetime) -> ValidationResult:
    """Runs pyHanko's validation against the clinic certificate as the only trust anchor, offline.

    The seal certificate is judged at the earliest trusted timestamp (the seal's own RFC 3161
    timestamp or a document timestamp), else at the seal's own stated time; timestamps are judged
    against the configured authority roots, each at the time a later one proves, the newest at `at`.
    """
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.validation import validate_pdf_signature

    from intake.documents.timestamps import AttestedTime, authority_name

    tsa_roots = list(tsa_roots)
    result = ValidationResult()
    documents, ts_moment = _archive_times(list(archive), tsa_roots, at)
    claimed = signature.self_reported_timestamp or at
    proven = [t.at for t in documents if t.trusted]
    token_time = _token_time(signature)
    moment = min([claimed, *proven, *([token_time] if token_time and tsa_roots else [])])
    context = _context([asn1_x509.Certificate.load(trusted)], max(moment, certificate.not_before))
    try:
        status = validate_pdf_signature(signature, context, _context(tsa_roots, ts_moment))
    except Exception as exc:  # noqa: BLE001 - malformed signatures raise many kinds of error
        raise SealCheckFailed(f"the seal cannot be checked; the file was altered or damaged ({short(exc)}).") \
            from None
    _check_status(status)
    own = []
    if token_time is not None:
        stamp = status.timestamp_validity
        if stamp is None or not (stamp.intact and stamp.valid):
            raise SealCheckFailed("the seal's timestamp does not match the seal; it was altered.")
        own = [AttestedTime(stamp.timestamp, authority_name(stamp.signing_cert),
                            bool(tsa_roots) and stamp.trusted, "signature")]
    result.timestamps = own + documents
    best = min((t.at for t in result.timestamps if t.trusted), default=None)
    _check_times(best, claimed, certificate)
    if not status.trusted:
        raise SealCheckFailed(f"the seal certificate is not valid for sealing documents "
                              f"({status.trust_problem_indic or 'untrusted'}).")
    if status.docmdp_ok is False:
        raise SealCheckFailed("the file was modified in a way its seal forbids.")
    result.notes += _time_notes(result.timestamps, best, certificate, at)
    return result


def _check_status(status: Any) -> None:
    if not status.intact:
        raise SealCheckFailed("the document was changed after it was sealed: its content no longer matches the seal.")
    if not status.valid:
        raise SealCheckFailed("the seal's signature does not match the clinic certificate; the seal was altered.")
    if not _only_lta_updates_after(status):
        raise SealCheckFailed("something was added to the file after it was sealed.")


def _check_times(best: datetime | None, claimed: datetime, certificate: Any) -> None:
    """The seal was made while its certificate was valid: by a trusted timestamp, or else by its own stated time."""
    if best is None and not certificate.not_before <= claimed <= certificate.not_after:
        raise SealCheckFailed(f"the seal's time {claimed:%Y-%m-%d %H:%M} UTC lies outside the certificate's "
                              f"validity ({certificate.not_before:%Y-%m-%d} to {certificate.not_after:%Y-%m-%d}).")
    if best is not None and best > certificate.not_after:
        raise SealCheckFailed(f"the earliest trusted timestamp ({best:%Y-%m-%d %H:%M} UTC) is after the seal "
                              f"certificate expired ({certificate.not_after:%Y-%m-%d}); nothing proves the seal "
                              "was made while it was valid.")


def _time_notes(timestamps: list[Any], best: datetime | None, certificate: Any, at: datetime) -> list[str]:
    """What the reader should know about the seal's time: unchecked authorities, an expired certificate."""
    notes = []
    unchecked = sorted({t.authority for t in timestamps if not t.trusted})
    if unchecked:
        notes.append(f"The timestamp authority ({', '.join(unchecked)}) could not be checked: set [security] "
                     "timestamp_ca_file to its root certificate. Its time is not relied on.")
    if at > certificate.not_after:
        if best is not None:
            notes.append(f"The certificate expired on {certificate.not_after:%Y-%m-%d}; a trusted timestamp "
                         f"proves the seal existed on {best:%Y-%m-%d}, while it was valid.")
        else:
            notes.append(f"The certificate expired on {certificate.not_after:%Y-%m-%d}. No trusted timestamp "
                         "proves when the seal was made: its date rests on the clinic computer's clock.")
    elif best is None and not timestamps:
        notes.append("No trusted timestamp: the sealing time is the clinic computer's own. Configure "
                     "[security] timestamp_url, and extend documents with `intake documents extend`.")
    return notes


def short(exc: BaseException) -> str:
    """An exception's message, cut to a readable length."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:160] + "…"
