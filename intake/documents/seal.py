"""Provides the clinic seal: creating and loading the seal key and certificate, and sealing PDFs (PAdES).

The seal is a certification signature that allows no later change. Its signing time and the
metadata's modification time come from the caller (the practitioner's countersignature), the file
identifier is derived from the document, the space for the signature is fixed per key, and RSA
PKCS#1 v1.5 signatures are deterministic: sealing the same PDF at the same time with the same key
always gives the same bytes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from intake.documents.errors import KeyExistsError, SealKeyError

KEY_BITS = 3072
CERT_YEARS = 25
SEAL_FIELD = "ClinicSeal"
DEFAULT_KEY_FILE = "intake-keys/seal-key.pem"
DEFAULT_CERT_FILE = "intake-keys/seal-cert.pem"
#: Organisational-unit text that marks certificates made by `intake keys init`.
SELF_SIGNED_UNIT = "intake self-signed document seal"
DEMO_UNIT = "intake DEMO seal - not for clinical use"


def seal_paths(config) -> tuple[Path, Path]:
    """The seal key and certificate files named by the configuration ([security])."""
    return (config.path("security", "seal_key_file", DEFAULT_KEY_FILE),
            config.path("security", "seal_cert_file", DEFAULT_CERT_FILE))


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _write_new(path: Path, data: bytes, mode: int, force: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.new")
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temp, mode)
    try:
        if force:
            os.replace(temp, path)
        else:
            os.link(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def create_seal_identity(config, force: bool = False, *, valid_from: datetime | None = None) -> tuple[Path, Path]:
    """Creates a self-signed clinic seal: an RSA key (file mode 0600) and a certificate.

    Args:
        config: the clinic configuration; paths come from [security] seal_key_file and seal_cert_file.
        force: replace existing files (documents sealed with the old key then only verify with the old
            certificate, so keep a copy of it).
        valid_from: start of the certificate's validity (default: one day ago).

    Returns:
        The key path and the certificate path.

    Raises:
        SealKeyError: the files exist (without force), or would sit inside the records or documents folder.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key_path, cert_path = seal_paths(config)
    for path in (key_path, cert_path):
        for folder, what in ((config.data_dir, "records"), (config.path("documents", "out_dir"), "documents")):
            if _inside(path, folder):
                raise SealKeyError(f"{path}: the seal key and certificate must not be kept in the {what} folder "
                                   f"({folder}). Point [security] seal_key_file/seal_cert_file elsewhere.")
    existing = [p for p in (key_path, cert_path) if p.exists()]
    if existing and not force:
        raise KeyExistsError(f"{existing[0]}: already exists; it was left unchanged. Documents sealed with it need "
                             "it to verify. Use --force only to replace it on purpose.")
    start = (valid_from or datetime.now(UTC) - timedelta(days=1)).astimezone(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    clinic = config.clinic["name"]
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{clinic} document seal"[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, clinic[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_UNIT if config.is_demo else SELF_SIGNED_UNIT),
    ])
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + timedelta(days=365 * CERT_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    try:
        _write_new(key_path, key_pem, 0o600, force)
        try:
            _write_new(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644, force)
        except OSError:
            key_path.unlink(missing_ok=True)  # never leave a key without its certificate
            raise
    except FileExistsError as exc:
        raise KeyExistsError(f"{exc.filename}: appeared while the seal was being created; nothing was replaced.") \
            from None
    except OSError as exc:
        raise SealKeyError(f"cannot write the seal files ({exc.strerror}: {exc.filename}).") from None
    return key_path, cert_path


@dataclass(frozen=True)
class CertificateInfo:
    """What people need to know about a seal certificate."""

    der: bytes
    chain: tuple[bytes, ...]
    subject: str
    organisation: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    self_signed: bool
    demo: bool


def certificate_info(der: bytes, chain: tuple[bytes, ...] = ()) -> CertificateInfo:
    """Describes a DER certificate (with the certificates that issued it, if any)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)

    def first(oid) -> str:
        values = cert.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    unit = first(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return CertificateInfo(
        der=der, chain=tuple(chain), subject=first(NameOID.COMMON_NAME) or cert.subject.rfc4514_string(),
        organisation=first(NameOID.ORGANIZATION_NAME), fingerprint=hashlib.sha256(der).hexdigest(),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        self_signed=cert.issuer == cert.subject, demo=unit == DEMO_UNIT,
    )


def load_certificates(path: Path) -> list[bytes]:
    """Reads a PEM file of one or more certificates (the seal certificate first) as DER.

    Raises:
        SealKeyError: missing, unreadable or not a PEM certificate.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SealKeyError(f"{path}: no seal certificate here. Run `intake keys init` to create the clinic seal, "
                           "or set [security] seal_cert_file to your certificate.") from None
    except OSError as exc:
        raise SealKeyError(f"{path}: cannot be read ({exc.strerror}).") from None
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise SealKeyError(f"{path}: not a PEM certificate (expected '-----BEGIN CERTIFICATE-----').") from None
    return [c.public_bytes(serialization.Encoding.DER) for c in certs]


@dataclass
class SealIdentity:
    """The loaded seal key and certificate, ready to seal many documents."""

    certificate: CertificateInfo
    signer: Any
    bytes_reserved: int

    def seal(self, pdf: bytes, signed_at: datetime, *, reason: str, location: str, name: str,
             contact: str) -> bytes:
        """Seals a PDF with an incremental update that certifies it and allows no later changes.

        Raises:
            SealKeyError: the signing time lies outside the certificate's validity.
        """
        from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
        from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

        info = self.certificate
        if not info.not_before <= signed_at <= info.not_after:
            raise SealKeyError(f"the seal certificate is valid from {info.not_before:%Y-%m-%d %H:%M} to "
                               f"{info.not_after:%Y-%m-%d %H:%M} UTC; a document signed at "
                               f"{signed_at:%Y-%m-%d %H:%M} UTC cannot be sealed with it.")
        meta = PdfSignatureMetadata(
            field_name=SEAL_FIELD, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
            certify=True, docmdp_permissions=MDPPerm.NO_CHANGES,
            reason=reason, location=location, name=name, contact_info=contact,
        )
        writer = _writer_class()(io.BytesIO(pdf), signed_at)
        signer = _pdf_signer_class()(meta, self.signer, signed_at)

        def sign() -> bytes:
            return signer.sign_pdf(writer, bytes_reserved=self.bytes_reserved).getvalue()

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return sign()  # the usual case: a worker thread or a plain program
        # pyHanko runs its own event loop, which cannot nest in a running one: sign on a helper thread.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as helper:
            return helper.submit(sign).result()


def _check_key_file(path: Path) -> bytes:
    try:
        info = path.stat()
        data = path.read_bytes()
    except FileNotFoundError:
        raise SealKeyError(f"{path}: no seal key here. Run `intake keys init` to create the clinic seal, "
                           "or set [security] seal_key_file to your key.") from None
    except OSError as exc:
        raise SealKeyError(f"{path}: cannot be read ({exc.strerror}).") from None
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SealKeyError(f"{path}: the seal key can be read by other users (mode "
                           f"{stat.S_IMODE(info.st_mode):04o}). Run `chmod 600 {path}`.")
    return data


def load_seal_identity(config) -> SealIdentity:
    """Loads the clinic's seal key and certificate named in the configuration.

    Raises:
        SealKeyError: missing files, a key readable by others, an encrypted or mismatched key.
    """
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_path, cert_path = seal_paths(config)
    certs = load_certificates(cert_path)
    key_data = _check_key_file(key_path)
    try:
        key = serialization.load_pem_private_key(key_data, password=None)
    except TypeError:
        raise SealKeyError(f"{key_path}: the seal key is protected by a password; intake needs an unencrypted "
                           "PEM key in a folder only the clinic's account can read.") from None
    except ValueError:
        raise SealKeyError(f"{key_path}: not a PEM private key.") from None
    from cryptography import x509

    leaf = x509.load_der_x509_certificate(certs[0])
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if leaf.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise SealKeyError(f"{key_path} does not belong to the certificate {cert_path}. Configure the matching pair.")
    pkcs8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    asn1_certs = [asn1_x509.Certificate.load(der) for der in certs]
    signer = _simple_signer_class()(
        signing_cert=asn1_certs[0], signing_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
        # The chain only: the signing certificate is embedded anyway, and a second copy would be
        # bytes that nobody checks.
        cert_registry=SimpleCertificateStore.from_certs(asn1_certs[1:]), key=key,
    )
    # Room for the CMS container: the certificates, the signature value and the signed attributes,
    # fixed per identity so that no dry-run signature is needed (and the size never varies).
    # pyHanko counts the reservation in hexadecimal digits: two per byte.
    reserved = 2 * (sum(len(der) for der in certs) + 4096 + getattr(key, "key_size", 4096) // 8)
    return SealIdentity(certificate_info(certs[0], tuple(certs[1:])), signer, reserved)


# -- pyHanko subclasses, defined on first use so importing this module stays light -----------------

_CLASSES: dict[str, type] = {}


def _simple_signer_class() -> type:
    if "signer" not in _CLASSES:
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
        from pyhanko.sign.general import get_pyca_cryptography_hash
        from pyhanko.sign.signers import SimpleSigner

        class KeptKeySigner(SimpleSigner):
            """A SimpleSigner that keeps its key loaded instead of parsing it for every signature."""

            def __init__(self, *args, key, **kwargs):
                super().__init__(*args, **kwargs)
                self._key = key

            async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
                return self.sign_raw(data, digest_algorithm)

            def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
                if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
                    return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
                return super().sign_raw(data, digest_algorithm)

        _CLASSES["signer"] = KeptKeySigner
    return _CLASSES["signer"]


def _pdf_signer_class() -> type:
    if "pdf_signer" not in _CLASSES:
        from pyhanko.sign.signers.pdf_signer import PdfSigner

        class FixedTimePdfSigner(PdfSigner):
            """A PdfSigner whose signing time is given, never read from the clock."""

            def __init__(self, meta, signer, signed_at: datetime):
                super().__init__(meta, signer)
                self._signed_at = signed_at

            def init_signing_session(self, pdf_out, existing_fields_only=False):
                session = super().init_signing_session(pdf_out, existing_fields_only)
                session.system_time = self._signed_at
                return session

        _CLASSES["pdf_signer"] = FixedTimePdfSigner
    return _CLASSES["pdf_signer"]


def _writer_class() -> type:
    if "writer" not in _CLASSES:
        from dataclasses import dataclass as _dataclass

        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.metadata.model import VENDOR, DocumentMetadata

        @_dataclass
        class PinnedMetadata(DocumentMetadata):
            """Metadata whose modification time stays the seal time (pyHanko would stamp the clock's time)."""

            def __setattr__(self, name, value):
                if name == "last_modified" and value == "now":
                    return
                super().__setattr__(name, value)

        class DerivedIdWriter(IncrementalPdfFileWriter):
            """An incremental writer with a file identifier derived from the document and a fixed modification time."""

            def __init__(self, input_stream, modified_at: datetime):
                super().__init__(input_stream)
                self._meta = PinnedMetadata(last_modified=modified_at)

            def _update_meta(self):
                # pyHanko names only itself as producer in the XMP but appends itself in the info
                # dictionary; PDF/A wants the two to agree, so the info dictionary follows the XMP.
                super()._update_meta()
                if self._info is not None and "/Metadata" in self.root:
                    info = self._info.get_object()
                    if info.get("/Producer") != VENDOR:
                        info["/Producer"] = generic.TextStringObject(VENDOR)
                        self.mark_update(self._info)

            @classmethod
            def _handle_id(cls, prev):
                try:
                    first, _ = prev.trailer["/ID"]
                    first = bytes(getattr(first, "original_bytes", first))
                except KeyError:
                    first = hashlib.sha256(prev.stream.getvalue()).digest()[:16]
                second = hashlib.sha256(first + b"intake-seal").digest()[:16]
                return generic.ArrayObject([generic.ByteStringObject(first), generic.ByteStringObject(second)])

        _CLASSES["writer"] = DerivedIdWriter
    return _CLASSES["writer"]
