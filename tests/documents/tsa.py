"""A local RFC 3161 timestamp authority on loopback, with a clock the test sets (pyHanko's DummyTimeStamper)."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _name(common: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Loopback Test TSA")])


def make_tsa_certificates(valid_from: datetime, valid_until: datetime):
    """A root CA and a timestamping certificate it issued, valid over the given window (no clock read)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID

    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = (x509.CertificateBuilder().subject_name(_name("Test TSA Root")).issuer_name(_name("Test TSA Root"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(valid_from).not_valid_after(valid_until)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = (x509.CertificateBuilder().subject_name(_name("Loopback Timestamp Authority")).issuer_name(root.subject)
           .public_key(tsa_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(valid_from).not_valid_after(valid_until)
           .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
           .sign(root_key, hashes.SHA256()))
    return root, tsa, tsa_key


class LoopbackTSA:
    """Serves RFC 3161 over HTTP on 127.0.0.1; `now` is the time it attests (set by the test)."""

    def __init__(self, folder: Path, now: datetime, valid_from: datetime | None = None,
                 valid_until: datetime | None = None):
        from asn1crypto import keys, x509
        from cryptography.hazmat.primitives import serialization
        from pyhanko.sign.timestamps import DummyTimeStamper

        root, tsa, tsa_key = make_tsa_certificates(valid_from or now - timedelta(days=3650),
                                                   valid_until or now + timedelta(days=3650))
        self.root_file = folder / "tsa-root.pem"
        self.root_file.write_bytes(root.public_bytes(serialization.Encoding.PEM))
        der = serialization.Encoding.DER
        self._stamper = DummyTimeStamper(
            tsa_cert=x509.Certificate.load(tsa.public_bytes(der)),
            tsa_key=keys.PrivateKeyInfo.load(tsa_key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                                                   serialization.NoEncryption())),
            certs_to_embed=[x509.Certificate.load(root.public_bytes(der))], fixed_dt=now)
        self.requests = 0
        self.down = False
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                from asn1crypto import tsp

                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests += 1
                if owner.down:
                    self.send_error(503)
                    return
                reply = owner._stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def now(self) -> datetime:
        return self._stamper.fixed_dt

    @now.setter
    def now(self, value: datetime) -> None:
        self._stamper.fixed_dt = value

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def add_timestamp_settings(config_path: Path, url: str, ca_file: Path | None, timeout: float = 5,
                           revocation_hosts: tuple[str, ...] = ()) -> None:
    """Appends the [security] timestamp keys (and the hosts revocation data may come from) to a test clinic's TOML."""
    text = config_path.read_text(encoding="utf-8")
    lines = [f'timestamp_url = "{url}"', f"timestamp_timeout_seconds = {timeout}"]
    if revocation_hosts:
        lines.append("revocation_hosts = [" + ", ".join(f'"{host}"' for host in revocation_hosts) + "]")
    if ca_file is not None:
        lines.append(f'timestamp_ca_file = "{ca_file}"')
    text, count = re.subn(r"^\[security\][^\n]*\n", lambda m: m.group(0) + "\n".join(lines) + "\n", text, count=1,
                          flags=re.MULTILINE)
    assert count == 1
    config_path.write_text(text, encoding="utf-8")


def make_ca_issued_seal(key_path: Path, cert_path: Path, valid_from: datetime, valid_until: datetime) -> Path:
    """A seal key and a certificate issued by a clinic CA (the CA outlives it); returns the CA's PEM file.

    With the CA as trust anchor, an independent validator judges the seal certificate's own expiry.
    """
    import os

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("Test Clinic CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(valid_from - timedelta(days=365))
          .not_valid_after(valid_until + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (x509.CertificateBuilder().subject_name(_name("Test Clinic document seal")).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(valid_from).not_valid_after(valid_until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = serialization.Encoding.PEM
    handle = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_path.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    ca_path = cert_path.with_name("clinic-ca.pem")
    ca_path.write_bytes(ca.public_bytes(pem))
    return ca_path
