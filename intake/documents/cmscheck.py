"""Provides the structure checks of a CMS signature and of RFC 3161 timestamp tokens (RFC 5652, RFC 3161, PAdES).

What a signature covers is checked by its signature (pyHanko verifies those); every other byte of a
container is checked here for what the standards say it must be:

- DER throughout (RFC 5652 asks it of signed attributes, RFC 5280 of certificates, RFC 3161 of the
  TSTInfo), except the order of a SET of certificates or CRLs: those parts are not signed, and real
  authorities (OpenSSL's `ts` among them) list the signer's certificate first rather than in DER order.
- certificate binding: the ESS signing-certificate(-v2) attribute names the signer's certificate by
  its hash, and the signer identifier names the same certificate;
- a timestamp token's message imprint is the hash of what it timestamps (the seal's signature value,
  or the byte ranges of a document timestamp), and its message digest the hash of its TSTInfo;
- every certificate a token carries is on its authority's chain: the signer's, or the issuer whose
  key verifies a certificate already on it (a self-signed root verifies itself); CRLs are signed by
  one of them. Nothing else may ride along unchecked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any


class SealCheckFailed(Exception):
    """The seal does not hold; `reason` is written for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


ALTERED = "the seal's signature container was altered."

#: What a timestamp imprints, given the name of the hash algorithm the token used.
Imprint = Callable[[str], bytes]


def digest(algorithm: str, data: bytes) -> bytes:
    """The hash of data with an asn1crypto digest algorithm name ("sha256", "sha3_256", ...)."""
    try:
        return hashlib.new(algorithm, data).digest()
    except ValueError:
        raise SealCheckFailed(f"a signature uses a hash algorithm intake does not know ({algorithm}).") from None


class _NotDer(Exception):
    """The bytes are not one DER value."""


#: Universal SET (OF): its members must be in DER order. The certificates and CRLs of a SignedData are
#: context-tagged ([0] and [1] IMPLICIT), so they are exempt, as their order carries no meaning.
_SET = 0x31
_MAX_DEPTH = 64


def der_apart_from_order(encoded: bytes) -> bool:
    """Whether bytes are exactly one DER value (X.690), a SignedData's certificate and CRL sets in any order.

    Checked: minimal tags and definite minimal lengths, BOOLEAN, INTEGER, BIT STRING, NULL and OBJECT
    IDENTIFIER contents in their one DER form, primitive strings only, and each universal SET in order.
    """
    try:
        return _element(encoded, 0, len(encoded), 0) == len(encoded)
    except _NotDer:
        return False


def _header(data: bytes, at: int, limit: int) -> tuple[int, int, int]:
    """The tag byte, and where the content starts and ends, of the element at `at`."""
    if at + 2 > limit or data[at] & 0x1F == 0x1F:  # no CMS structure needs tag numbers above 30
        raise _NotDer
    first = data[at + 1]
    if first < 0x80:
        start, length = at + 2, first
    else:
        count = first & 0x7F
        size = data[at + 2:at + 2 + count]
        if count == 0 or count > 4 or len(size) != count or size[0] == 0:
            raise _NotDer
        start, length = at + 2 + count, int.from_bytes(size, "big")
        if length < 0x80:
            raise _NotDer
    if start + length > limit:
        raise _NotDer
    return data[at], start, start + length


def _element(data: bytes, at: int, limit: int, depth: int) -> int:
    """Checks the element at `at` and returns where it ends."""
    tag, start, end = _header(data, at, limit)
    if tag & 0x20:
        if depth > _MAX_DEPTH or (tag & 0xC0 == 0 and tag not in (0x30, _SET)):
            raise _NotDer  # too deep, or a constructed string (DER encodes strings primitive)
        members, position = [], start
        while position < end:
            following = _element(data, position, end, depth + 1)
            members.append(data[position:following])
            position = following
        if tag == _SET and members != sorted(members):
            raise _NotDer
        return end
    _primitive(tag, data[start:end])
    return end


def _primitive(tag: int, content: bytes) -> None:
    """The DER form of the universal types whose contents have one (X.690 §8, §10, §11)."""
    if tag == 0x01 and content not in (b"\x00", b"\xff"):
        raise _NotDer
    if tag in (0x02, 0x0A) and (not content or (len(content) > 1 and (
            (content[0] == 0 and content[1] < 0x80) or (content[0] == 0xFF and content[1] >= 0x80)))):
        raise _NotDer
    if tag == 0x03 and (not content or content[0] > 7 or (len(content) == 1 and content[0]) or
                        (len(content) > 1 and content[-1] & ((1 << content[0]) - 1))):
        raise _NotDer
    if tag == 0x05 and content:
        raise _NotDer
    if tag == 0x06 and (not content or content[-1] & 0x80 or any(
            byte == 0x80 and (i == 0 or not content[i - 1] & 0x80) for i, byte in enumerate(content))):
        raise _NotDer


def _attributes(signer: Any) -> dict[str, Any]:
    """The signed attributes by name, each with its one value; a repeated or many-valued one is refused."""
    found: dict[str, Any] = {}
    for attribute in signer["signed_attrs"]:
        name = attribute["type"].native
        if name in found or len(attribute["values"]) != 1:
            raise SealCheckFailed(ALTERED)
        found[name] = attribute["values"][0]
    return found


def _bound_certificate(attributes: dict[str, Any], certificates: list[Any], who: str) -> Any:
    """The certificate the ESS signing-certificate(-v2) attribute names by its hash (RFC 5035, RFC 2634)."""
    if "signing_certificate_v2" in attributes:
        ids = attributes["signing_certificate_v2"]["certs"]
        algorithm = ids[0]["hash_algorithm"]["algorithm"].native if len(ids) else ""
    elif "signing_certificate" in attributes:
        ids, algorithm = attributes["signing_certificate"]["certs"], "sha1"
    else:
        raise SealCheckFailed(f"the {who} does not name its certificate (no ESS signing-certificate attribute).")
    if not len(ids):
        raise SealCheckFailed(ALTERED)
    first = ids[0]
    match = [c for c in certificates if digest(algorithm, c.dump()) == first["cert_hash"].native]
    if len(match) != 1:
        raise SealCheckFailed(f"the certificate the {who} names is not the one it carries; it was altered.")
    certificate, serial = match[0], first["issuer_serial"]
    if serial.native is not None:
        names = [name.chosen for name in serial["issuer"] if name.name == "directory_name"]
        if serial["serial_number"].native != certificate.serial_number or certificate.issuer not in names:
            raise SealCheckFailed(f"the certificate the {who} names is not the one it carries; it was altered.")
    return certificate


def _identifies(sid: Any, certificate: Any) -> bool:
    if sid.name == "issuer_and_serial_number":
        return bool(sid.chosen["issuer"].dump() == certificate.issuer.dump()
                    and sid.chosen["serial_number"].native == certificate.serial_number)
    return bool(sid.name == "subject_key_identifier" and sid.chosen.native == certificate.key_identifier)


def check_seal_signer(signer: Any, leaf: Any) -> None:
    """The seal's signed attributes: detached data, and the clinic certificate bound by its hash (PAdES B-B)."""
    attributes = _attributes(signer)
    if attributes.get("content_type") is None or attributes["content_type"].native != "data" \
            or "message_digest" not in attributes:
        raise SealCheckFailed(ALTERED)
    _bound_certificate(attributes, [leaf], "seal")
    if not _identifies(signer["sid"], leaf):
        raise SealCheckFailed(ALTERED)


def fits_schema(*values: Any) -> bool:
    """Each SEQUENCE holds nothing beyond its schema's fields (asn1crypto keeps surplus elements, unparsed)."""
    return all(len(value.children or ()) <= len(value._fields) for value in values)


def plain_hash(algorithm: Any) -> bool:
    """A digest AlgorithmIdentifier with absent or NULL parameters, as RFC 5754 writes them."""
    return fits_schema(algorithm) and algorithm["parameters"].native is None


def _signer_fits(signer: Any) -> bool:
    """RFC 5652 §5.3: version 1 with issuer and serial number, 3 with a key identifier; plain algorithms."""
    version = {"issuer_and_serial_number": "v1", "subject_key_identifier": "v3"}.get(signer["sid"].name)
    signature = signer["signature_algorithm"]
    return (signer["version"].native == version and fits_schema(signer, signer["sid"].chosen, signature)
            and plain_hash(signer["digest_algorithm"])
            and (signature["algorithm"].native == "rsassa_pss" or signature["parameters"].native is None))


def check_token(token: Any, imprint: Imprint, what: str, roots: Sequence[Any] = ()) -> None:
    """Checks an RFC 3161 timestamp token (a CMS ContentInfo) beyond its signature, which pyHanko verifies.

    Args:
        token: the token.
        imprint: the hash of what the token must timestamp, for a hash algorithm's name.
        what: what it timestamps, for the message ("the seal", "the document").
        roots: the authority roots the clinic configured (asn1crypto), to check the top of a chain that
            is not self-signed.
    """
    from asn1crypto import core

    if token["content_type"].native != "signed_data":
        raise SealCheckFailed(ALTERED)
    signed = token["content"]
    encapsulated = signed["encap_content_info"]
    # RFC 5652 §5.1: version 3, as the content is not id-data and only X.509 certificates are carried.
    if not (fits_schema(token, signed, encapsulated) and signed["version"].native == "v3"
            and encapsulated["content_type"].native == "tst_info" and len(signed["signer_infos"]) == 1):
        raise SealCheckFailed(ALTERED)
    info = encapsulated["content"].parsed
    imprinted = info["message_imprint"]
    if info["version"].native != "v1" or \
            imprinted["hashed_message"].native != imprint(imprinted["hash_algorithm"]["algorithm"].native):
        raise SealCheckFailed(f"a timestamp is not over {what}: its message imprint differs; it was altered.")
    signer = signed["signer_infos"][0]
    algorithm = signer["digest_algorithm"]["algorithm"].native
    if not (_signer_fits(signer) and isinstance(signer["unsigned_attrs"], core.Void)
            and all(plain_hash(d) and d["algorithm"].native == algorithm for d in signed["digest_algorithms"])
            and len(signed["digest_algorithms"]) == 1):
        raise SealCheckFailed(ALTERED)
    attributes = _attributes(signer)
    if attributes.get("content_type") is None or attributes["content_type"].native != "tst_info" or \
            attributes.get("message_digest") is None or attributes["message_digest"].native != \
            digest(algorithm, encapsulated["content"].contents):
        raise SealCheckFailed(f"a timestamp's signed attributes do not match its content over {what}; "
                              "it was altered.")
    certificates = [c.chosen for c in signed["certificates"] or [] if c.name == "certificate"]
    if len(certificates) != len(signed["certificates"] or []):
        raise SealCheckFailed(ALTERED)
    authority = _bound_certificate(attributes, certificates, "timestamp authority")
    if not _identifies(signer["sid"], authority):
        raise SealCheckFailed(ALTERED)
    check_crls(signed["crls"], authority_chain(authority, certificates, roots))


def authority_chain(signer: Any, certificates: list[Any], roots: Sequence[Any] = ()) -> list[Any]:
    """The certificates in chain order from the signer's: each next one is the issuer that verifies the last.

    The top one verifies itself when self-issued; otherwise, when the clinic configured authority roots,
    one of them must verify it. Without configured roots such a top certificate cannot be checked, and
    neither is the authority (verify says its time is not relied on).

    Raises:
        SealCheckFailed: a certificate is repeated, is on no chain, or the top one does not verify.
    """
    from cryptography import x509

    encoded = [c.dump() for c in certificates]
    if len(set(encoded)) != len(encoded):
        raise SealCheckFailed(ALTERED)
    loaded = {der: x509.load_der_x509_certificate(der) for der in encoded}
    chain, remaining = [signer.dump()], [der for der in encoded if der != signer.dump()]
    while remaining:
        issuer = next((der for der in remaining if issued_by(loaded[chain[-1]], loaded[der])), None)
        if issuer is None:
            raise SealCheckFailed("a timestamp carries a certificate that is not on its authority's chain; "
                                  "it was altered.")
        chain.append(issuer)
        remaining.remove(issuer)
    top = loaded[chain[-1]]
    anchors = [x509.load_der_x509_certificate(root.dump()) for root in roots]
    if top.issuer == top.subject:
        verified = issued_by(top, top)
    else:
        verified = not anchors or any(issued_by(top, anchor) for anchor in anchors)
    if not verified:
        raise SealCheckFailed("the top certificate of a timestamp authority's chain does not verify; "
                              "it was altered.")
    return [loaded[der] for der in chain]


def issued_by(child: Any, parent: Any) -> bool:
    """Whether `parent` (cryptography) issued `child`: its name and its key's signature."""
    from cryptography.exceptions import InvalidSignature

    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def check_crls(crls: Any, chain: list[Any]) -> None:
    """Each CRL a token carries is signed by a certificate on its authority's chain."""
    from asn1crypto import core
    from cryptography import x509

    if isinstance(crls, core.Void):
        return
    for choice in crls:
        try:
            crl = x509.load_der_x509_crl(choice.chosen.dump()) if choice.name == "crl" else None
        except ValueError:
            crl = None
        if crl is None or not any(c.subject == crl.issuer and crl.is_signature_valid(c.public_key()) for c in chain):
            raise SealCheckFailed("a timestamp carries revocation data that its authority did not sign; "
                                  "it was altered.")


def check_document_timestamp(container: bytes, signed_bytes: bytes, roots: Sequence[Any] = ()) -> None:
    """A document timestamp (PAdES B-LTA): a DER token, apart from certificate order, over these bytes."""
    from asn1crypto import cms

    try:
        if not der_apart_from_order(container):
            raise SealCheckFailed("a document timestamp's container was altered.")
        check_token(cms.ContentInfo.load(container, strict=True),
                    lambda algorithm: digest(algorithm, signed_bytes), "the document", roots)
    except SealCheckFailed:
        raise
    except Exception:  # noqa: BLE001 - any parse error means the container was altered
        raise SealCheckFailed("a document timestamp's container was altered.") from None


def timestamp_tokens(signed_data: Any) -> list[Any]:
    """The RFC 3161 tokens in a CMS SignedData's unsigned attributes (the seal's signature timestamp)."""
    tokens = []
    for signer in signed_data["signer_infos"]:
        for attribute in signer["unsigned_attrs"] or []:
            if attribute["type"].native == "signature_time_stamp_token":
                tokens.extend(attribute["values"])
    return tokens
