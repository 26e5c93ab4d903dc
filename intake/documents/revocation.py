"""Provides revocation data for long-term validation: OCSP responses and CRLs, fetched only from allowed hosts.

A certificate may publish where its status is answered (OCSP, in its authority information access)
or listed (a CRL, in its distribution points). intake asks only the hosts the clinic lists in
`[security] revocation_hosts`, over a direct connection (no proxy from the environment, no redirect
followed), and keeps an answer only when its issuer signed it and it is about that certificate. A
location on any other host is named and not asked. The answers go into the document security store
beside the certificates, in the update that the archive timestamp covers (see intake.documents.ltv).
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from intake.documents.cmscheck import issued_by
from intake.documents.timestamps import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from intake.config import ClinicConfig

MAX_REPLY_BYTES = 8 * 1024 * 1024
Status = Literal["good", "revoked", "unknown"]


@dataclass(frozen=True)
class RevocationSettings:
    """The hosts revocation data may be fetched from (lower case), and how long to wait for each."""

    hosts: frozenset[str]
    timeout: float = DEFAULT_TIMEOUT


def revocation_settings(config: ClinicConfig) -> RevocationSettings:
    """The [security] revocation_hosts allow-list (empty: nothing is fetched), with the timestamp timeout."""
    section = config.section("security")
    return RevocationSettings(frozenset(str(host).lower() for host in section.get("revocation_hosts", [])),
                              float(section.get("timestamp_timeout_seconds", DEFAULT_TIMEOUT)))


@dataclass(frozen=True)
class CertificateStatus:
    """What an answer kept says about one certificate."""

    name: str
    sha256: str  # of the certificate's DER, in hex
    status: Status


@dataclass
class Revocation:
    """What was gathered for a document's certificates, and what was not, in words."""

    ocsps: list[Any] = field(default_factory=list)  # asn1crypto ocsp.OCSPResponse
    crls: list[Any] = field(default_factory=list)  # asn1crypto crl.CertificateList
    #: each certificate an answer was kept for, and what it says
    statuses: list[CertificateStatus] = field(default_factory=list)
    #: locations not asked, because their host is not in [security] revocation_hosts
    refused: list[str] = field(default_factory=list)
    #: locations asked without a usable answer: "URL (why)"
    failed: list[str] = field(default_factory=list)

    def revoked(self) -> list[CertificateStatus]:
        """The certificates an answer says were revoked."""
        return [status for status in self.statuses if status.status == "revoked"]

    def summary(self) -> str:
        """One line for people: what was embedded, what was not asked and why, what failed."""
        parts = []
        if self.ocsps or self.crls:
            parts.append(f"revocation data embedded ({len(self.ocsps)} OCSP response(s), {len(self.crls)} CRL(s))")
        if self.refused:
            parts.append(f"not asked (host not in [security] revocation_hosts): {', '.join(self.refused)}")
        if self.failed:
            parts.append(f"no usable answer from {', '.join(self.failed)}")
        return "; ".join(parts)


def _name(certificate: Any) -> str:
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _issuer(certificate: Any, candidates: list[Any]) -> Any:
    return next((c for c in candidates if c is not certificate and issued_by(certificate, c)), None)


def _locations(certificate: Any) -> tuple[list[str], list[str]]:
    """(OCSP URLs, CRL URLs) a certificate publishes (cryptography)."""
    from cryptography import x509
    from cryptography.x509.oid import AuthorityInformationAccessOID

    ocsp, crls = [], []
    try:
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        ocsp = [d.access_location.value for d in access if d.access_method == AuthorityInformationAccessOID.OCSP
                and isinstance(d.access_location, x509.UniformResourceIdentifier)]
    except x509.ExtensionNotFound:
        pass
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        crls = [n.value for p in points for n in p.full_name or [] if isinstance(n, x509.UniformResourceIdentifier)]
    except x509.ExtensionNotFound:
        pass
    return ocsp, crls


def allowed(url: str, settings: RevocationSettings) -> bool:
    """Whether a location is http(s) on a host the clinic allows."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in settings.hosts


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead to a host the clinic did not allow: none is followed."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,  # noqa: D102
                         newurl: str) -> None:
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} not followed", headers, fp)


def _fetch(url: str, settings: RevocationSettings, body: bytes | None = None) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    headers = {"Content-Type": "application/ocsp-request"} if body is not None else {}
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET", headers=headers)
    with opener.open(request, timeout=settings.timeout) as reply:
        data: bytes = reply.read(MAX_REPLY_BYTES + 1)
    if len(data) > MAX_REPLY_BYTES:
        raise ValueError("the answer is too large")
    return data


def _verifies(key: Any, signature: bytes, data: bytes, algorithm: Any) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _ocsp(url: str, certificate: Any, issuer: Any, settings: RevocationSettings) -> tuple[bytes, Status]:
    """Asks an OCSP responder about one certificate; returns the DER response and the status it gives.

    Raises:
        ValueError: the answer is not a successful response about this certificate, signed by its issuer
            or by a responder its issuer delegated.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    nonce = os.urandom(16)
    request = (ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1())
               .add_extension(x509.OCSPNonce(nonce), critical=False).build())
    der = _fetch(url, settings, request.public_bytes(serialization.Encoding.DER))
    response = ocsp.load_der_ocsp_response(der)
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise ValueError(f"the responder answered {response.response_status.name.lower()}")
    single = next((r for r in response.responses if r.serial_number == certificate.serial_number
                   and r.issuer_key_hash == request.issuer_key_hash), None)
    if single is None:
        raise ValueError("the answer is about another certificate")
    signers = [issuer] + [c for c in response.certificates if issued_by(c, issuer) and _delegated(c)]
    algorithm = response.signature_hash_algorithm
    if not any(_verifies(s.public_key(), response.signature, response.tbs_response_bytes, algorithm) for s in signers):
        raise ValueError("the answer is not signed by the certificate's issuer")
    statuses: dict[ocsp.OCSPCertStatus, Status] = {ocsp.OCSPCertStatus.GOOD: "good",
                                                    ocsp.OCSPCertStatus.REVOKED: "revoked"}
    return der, statuses.get(single.certificate_status, "unknown")


def _delegated(responder: Any) -> bool:
    """A responder certificate its issuer delegated OCSP signing to (RFC 6960 §4.2.2.2)."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        usage = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in usage


def _crl(url: str, certificate: Any, issuer: Any, settings: RevocationSettings) -> tuple[bytes, Status]:
    """Reads a CRL; returns it as DER and the certificate's status in it.

    Raises:
        ValueError: not a CRL of the certificate's issuer, signed by it.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    data = _fetch(url, settings)
    crl = x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----") else x509.load_der_x509_crl(data)
    if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):
        raise ValueError("the list is not signed by the certificate's issuer")
    revoked = crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None
    return crl.public_bytes(serialization.Encoding.DER), "revoked" if revoked else "good"


def gather(certificates: list[Any], settings: RevocationSettings) -> Revocation:
    """Fetches revocation data for every certificate that publishes where to find it (not for self-signed roots).

    One answer per certificate is enough: its OCSP responders are asked first, then its CRLs.

    Args:
        certificates: the document's certificates (asn1crypto), issuers among them.
        settings: the hosts allowed and the timeout.
    """
    from asn1crypto import crl as asn1_crl
    from asn1crypto import ocsp as asn1_ocsp
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    loaded = [x509.load_der_x509_certificate(c.dump()) for c in certificates]
    found = Revocation()
    for certificate in loaded:
        ocsp_urls, crl_urls = _locations(certificate)
        if certificate.issuer == certificate.subject or not (ocsp_urls or crl_urls):
            continue
        issuer = _issuer(certificate, loaded)
        for kind, url in [("ocsp", u) for u in ocsp_urls] + [("crl", u) for u in crl_urls]:
            if not allowed(url, settings):
                found.refused.append(url)
                continue
            if issuer is None:
                found.failed.append(f"{url} (the issuer of {_name(certificate)} is not in the document)")
                break
            try:
                der, status = (_ocsp if kind == "ocsp" else _crl)(url, certificate, issuer, settings)
            except (OSError, ValueError, urllib.error.URLError) as exc:
                found.failed.append(f"{url} ({getattr(exc, 'reason', None) or exc})")
                continue
            if kind == "ocsp":
                found.ocsps.append(asn1_ocsp.OCSPResponse.load(der))
            else:
                found.crls.append(asn1_crl.CertificateList.load(der))
            fingerprint = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
            found.statuses.append(CertificateStatus(_name(certificate), fingerprint, status))
            break
    return found
