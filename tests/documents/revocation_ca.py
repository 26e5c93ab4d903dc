"""A clinic CA whose seal certificate names an OCSP responder, `openssl ocsp` answering for it on loopback, and a
timestamp authority whose certificate names a CRL served on loopback.

Every validity window is built from fixed dates; the responder's clock is frozen by libfaketime at the time the test
sets (it restarts when the time changes), so its answers never depend on today.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.documents.openssl_tsa import forget_frozen_clock, frozen_clock


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _name(common: str, organisation: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)])


def make_root(common: str, organisation: str, valid_from: datetime, valid_until: datetime):
    """A self-signed CA certificate and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name(common, organisation)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(valid_from)
                   .not_valid_after(valid_until)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(usage, critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .sign(key, hashes.SHA256()))
    return certificate, key


def issue(issuer, issuer_key, common: str, organisation: str, valid_from: datetime, valid_until: datetime, *,
          purpose: str, ocsp_url: str | None = None, crl_url: str | None = None):
    """A certificate for a seal ("seal"), a timestamp authority ("tsa") or an OCSP responder ("ocsp"), naming where
    its status is published."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = (x509.CertificateBuilder().subject_name(_name(common, organisation)).issuer_name(issuer.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(valid_from).not_valid_after(valid_until)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    if purpose == "seal":
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
    elif purpose == "tsa":
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    if purpose == "ocsp":  # a delegated responder (RFC 6960 §4.2.2.2), itself exempt from checking
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=True) \
            .add_extension(x509.OCSPNoCheck(), critical=False)
    if ocsp_url:
        builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]), critical=False)
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def write_key(path: Path, key) -> None:
    """A private key as PKCS#8 PEM, 0600."""
    import os

    from cryptography.hazmat.primitives import serialization

    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))


def pem(*certificates) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


class OCSPResponder:
    """`openssl ocsp` for one CA on 127.0.0.1:`port`, answering from an index of the certificates it issued, its
    answers signed by a responder the CA delegated (with id-pkix-ocsp-nocheck).

    Args:
        issued: the certificates it answers for.
        revoked: (certificate among them, when it was revoked) for those the index lists as revoked.
    """

    def __init__(self, folder: Path, ca, ca_key, issued: list, port: int, now: datetime,
                 revoked: list[tuple[object, datetime]] = ()):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.port = folder, port
        (folder / "ca.pem").write_bytes(pem(ca))
        responder, responder_key = issue(ca, ca_key, "Test Clinic OCSP responder", "Test Clinic",
                                         ca.not_valid_before_utc, ca.not_valid_after_utc, purpose="ocsp")
        (folder / "responder.pem").write_bytes(pem(responder))
        write_key(folder / "responder.key", responder_key)
        lines, withdrawn = [], {c.serial_number: moment for c, moment in revoked}  # type: ignore[attr-defined]
        for certificate in issued:
            serial = f"{certificate.serial_number:X}"
            serial = ("0" + serial) if len(serial) % 2 else serial
            subject = "/" + "/".join(reversed(certificate.subject.rfc4514_string().split(",")))
            expiry = certificate.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
            when = withdrawn.get(certificate.serial_number)
            state, revoked_at = ("R", when.strftime("%y%m%d%H%M%SZ")) if when else ("V", "")
            lines.append(f"{state}\t{expiry}\t{revoked_at}\t{serial}\tunknown\t{subject}\n")
        (folder / "index.txt").write_text("".join(lines), encoding="ascii")
        (folder / "index.txt.attr").write_text("unique_subject = no\n", encoding="ascii")
        self._process: subprocess.Popen | None = None
        self._now = now
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        """Restarts the responder with its clock frozen at `value`."""
        if value == self._now and self._process is not None:
            return
        self._now = value
        self.stop()
        self.start()

    def start(self) -> None:
        """Starts `openssl ocsp` and waits until it says it accepts connections (a probe connection would stall
        it: it serves one connection at a time)."""
        folder = self.folder
        log = folder / "responder.log"
        with log.open("wb") as out:
            self._process = subprocess.Popen(
                ["openssl", "ocsp", "-index", str(folder / "index.txt"), "-port", str(self.port),
                 "-rsigner", str(folder / "responder.pem"), "-rkey", str(folder / "responder.key"),
                 "-CA", str(folder / "ca.pem"), "-ndays", "7"],
                stdout=out, stderr=subprocess.STDOUT, env=frozen_clock(self._now), start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if b"ACCEPT" in log.read_bytes():
                return
            if self._process.poll() is not None:
                raise RuntimeError(f"openssl ocsp stopped: {log.read_text(errors='replace')}")
            time.sleep(0.05)
        raise RuntimeError("openssl ocsp did not start listening")

    def stop(self) -> None:
        """Stops the responder (its own process group)."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(timeout=10)
            forget_frozen_clock(self._process.pid)
        self._process = None


class CRLServer:
    """Serves one CRL (DER) over HTTP on 127.0.0.1; `requests` counts the fetches."""

    def __init__(self) -> None:
        self.crl = b""
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/pkix-crl")
                self.send_header("Content-Length", str(len(owner.crl)))
                self.end_headers()
                self.wfile.write(owner.crl)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa.crl"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def publish(self, issuer, issuer_key, this_update: datetime, next_update: timedelta = timedelta(days=7)) -> None:
        """A new empty CRL of `issuer`, issued at this_update."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization

        crl = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject).last_update(this_update)
               .next_update(this_update + next_update)
               .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False)
               .sign(issuer_key, hashes.SHA256()))
        self.crl = crl.public_bytes(serialization.Encoding.DER)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
