"""Provides the checks of a seal itself: byte range, the exact signature container, and pyHanko validation.

The signature covers every byte of the file except its own container. Parts of a CMS container
are not signed (the certificate list, the algorithm lists, the signer's id), so the container is
also checked field by field against what the clinic seal writes, and must be canonical DER with
nothing but zero padding after it. Together, no single byte of a sealed file can change unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime


class SealCheckFailed(Exception):
    """The seal does not hold; `reason` is written for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


ALTERED = "the seal's signature container was altered."


def check_byte_range(data: bytes, signature) -> bytes:
    """Checks that the signature covers the whole file and returns the signature container bytes."""
    try:
        start, first, second, length = (int(v) for v in signature.byte_range)
    except (TypeError, ValueError):
        raise SealCheckFailed("the seal's byte range is malformed.") from None
    if start != 0 or not 0 < first < second <= len(data) or second + length != len(data):
        raise SealCheckFailed("data was added to or removed from the file after it was sealed.")
    gap = data[first:second]
    if len(gap) < 2 or gap[:1] != b"<" or gap[-1:] != b">" or not re.fullmatch(rb"[0-9A-F]*", gap[1:-1]):
        raise SealCheckFailed(ALTERED)
    value = bytes.fromhex(gap[1:-1].decode("ascii"))
    used = _der_length(value)
    if used is None or used > len(value) or any(value[used:]):
        raise SealCheckFailed(ALTERED)
    return value[:used]


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


def _plain_algorithm(algorithm, names: Sequence[str]) -> bool:
    return algorithm["algorithm"].native in names and algorithm["parameters"].native is None


def check_container(container: bytes, certificates: Sequence[bytes]) -> None:
    """Checks the unsigned parts of the CMS container against what the clinic seal writes.

    Args:
        container: the DER signature container.
        certificates: the seal certificate followed by its chain, as DER.
    """
    from asn1crypto import cms, x509

    try:
        info = cms.ContentInfo.load(container, strict=True)
        if info.dump(force=True) != container:
            raise SealCheckFailed(ALTERED)
        if info["content_type"].native != "signed_data":
            raise SealCheckFailed(ALTERED)
        signed = info["content"]
        encapsulated = signed["encap_content_info"]
        digests = signed["digest_algorithms"]
        embedded = sorted(c.chosen.dump() for c in signed["certificates"])
        signers = signed["signer_infos"]
        fixed = (
            signed["version"].native == "v1"
            and len(digests) == 1 and _plain_algorithm(digests[0], ("sha256",))
            and encapsulated["content_type"].native == "data" and encapsulated["content"].native is None
            and embedded == sorted(certificates)
            and signed["crls"].native is None
            and len(signers) == 1
        )
        if not fixed:
            raise SealCheckFailed(ALTERED)
        signer = signers[0]
        leaf = x509.Certificate.load(certificates[0])
        sid = signer["sid"]
        same_signer = (
            sid.name == "issuer_and_serial_number"
            and sid.chosen["issuer"].dump() == leaf.issuer.dump()
            and sid.chosen["serial_number"].native == leaf.serial_number
        )
        if not (signer["version"].native == "v1" and same_signer
                and _plain_algorithm(signer["digest_algorithm"], ("sha256",))
                and _plain_algorithm(signer["signature_algorithm"], ("sha256_rsa", "sha256_ecdsa", "ed25519"))
                and signer["unsigned_attrs"].native is None):
            raise SealCheckFailed(ALTERED)
    except SealCheckFailed:
        raise
    except Exception:  # noqa: BLE001 - any parse error means the container was altered
        raise SealCheckFailed(ALTERED) from None


def validate(signature, trusted: bytes, certificate) -> list[str]:
    """Runs pyHanko's validation against the clinic certificate as the only trust anchor, offline.

    The certificate is judged at the seal's own time, so documents stay verifiable after it expires.

    Returns:
        Notes for the reader of the report (for example, that the certificate has since expired).
    """
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    notes = []
    moment = signature.self_reported_timestamp or datetime.now(UTC)
    if not certificate.not_before <= moment <= certificate.not_after:
        raise SealCheckFailed(f"the seal's time {moment:%Y-%m-%d %H:%M} UTC lies outside the certificate's "
                              f"validity ({certificate.not_before:%Y-%m-%d} to {certificate.not_after:%Y-%m-%d}).")
    if datetime.now(UTC) > certificate.not_after:
        notes.append(f"The certificate expired on {certificate.not_after:%Y-%m-%d}; it was valid when the "
                     "document was sealed, which is what counts.")
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(trusted)], allow_fetching=False,
                                revocation_mode="soft-fail", moment=moment)
    try:
        status = validate_pdf_signature(signature, context)
    except Exception as exc:  # noqa: BLE001 - malformed signatures raise many kinds of error
        raise SealCheckFailed(f"the seal cannot be checked; the file was altered or damaged ({short(exc)}).") \
            from None
    if not status.intact:
        raise SealCheckFailed("the document was changed after it was sealed: its content no longer matches the seal.")
    if not status.valid:
        raise SealCheckFailed("the seal's signature does not match the clinic certificate; the seal was altered.")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SealCheckFailed("something was added to the file after it was sealed.")
    if not status.trusted:
        raise SealCheckFailed(f"the seal certificate is not valid for sealing documents "
                              f"({status.trust_problem_indic or 'untrusted'}).")
    if status.docmdp_ok is False:
        raise SealCheckFailed("the file was modified in a way its seal forbids.")
    return notes


def short(exc: BaseException) -> str:
    """An exception's message, cut to a readable length."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:160] + "…"
