"""Provides the clinic's seal key and certificate files: creating them on first use and reading certificates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.documents.errors import KeyExistsError, SealKeyError
from intake.privatefile import write_private
from intake.privatefolder import make_private_folder

if TYPE_CHECKING:
    from intake.config import ClinicConfig

KEY_BITS = 3072
CERT_YEARS = 25
DEFAULT_KEY_FILE = "intake-keys/seal-key.pem"
DEFAULT_CERT_FILE = "intake-keys/seal-cert.pem"
#: Organisational-unit text that marks certificates made by `intake keys init`.
SELF_SIGNED_UNIT = "intake self-signed document seal"
DEMO_UNIT = "intake DEMO seal - not for clinical use"
#: Folder beside the current certificate where `keys init --force` keeps the certificates it replaces.
RETIRED_DIR = "retired-seal-certificates"


def seal_paths(config: ClinicConfig) -> tuple[Path, Path]:
    """The seal key and certificate files named by the configuration ([security])."""
    return (config.path("security", "seal_key_file") or Path(DEFAULT_KEY_FILE),
            config.path("security", "seal_cert_file") or Path(DEFAULT_CERT_FILE))


def retired_dir(config: ClinicConfig) -> Path:
    """The folder of the clinic's earlier seal certificates (beside the current one)."""
    return seal_paths(config)[1].parent / RETIRED_DIR


def retired_certificates(config: ClinicConfig) -> list[tuple[Path, list[bytes]]]:
    """The clinic's earlier seal certificates, newest file name last: (file, certificate and chain as DER).

    Unreadable files are skipped; `intake verify` only needs the ones that can be read.
    """
    folder = retired_dir(config)
    found = []
    for path in sorted(folder.glob("*.pem")) if folder.is_dir() else ():
        try:
            found.append((path, load_certificates(path)))
        except SealKeyError:
            continue
    return found


def _retire(cert_path: Path, folder: Path) -> Path | None:
    """Copies the current certificate into the retired folder (durably) before it is replaced."""
    try:
        data = cert_path.read_bytes()
        certs = load_certificates(cert_path)
    except (OSError, SealKeyError):
        return None  # nothing readable to keep: a broken file never verified anything
    info = certificate_info(certs[0])
    target = folder / f"seal-cert-{info.not_before:%Y%m%dT%H%M%SZ}-{info.fingerprint[:16]}.pem"
    if target.exists():
        return target
    make_private_folder(folder)
    write_private(target, data, replace=False)
    return target


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def create_seal_identity(config: ClinicConfig, force: bool = False, *, valid_from: datetime | None = None,
                         valid_until: datetime | None = None) -> tuple[Path, ...]:
    """Creates a self-signed clinic seal: an RSA key (file mode 0600) and a certificate.

    Args:
        config: the clinic configuration; paths come from [security] seal_key_file and seal_cert_file.
        force: replace existing files. The certificate being replaced is first kept in the retired
            folder beside it (`retired_dir`), so documents sealed before still verify.
        valid_from: start of the certificate's validity (default: one day ago).
        valid_until: end of its validity (default: CERT_YEARS after the start).

    Returns:
        The key path and the certificate path, then the retired copy of the earlier certificate when
        one was replaced.

    Raises:
        SealKeyError: the files exist (without force), or would sit inside the records or documents folder.
    """
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
    retired = None
    if force and cert_path.exists():
        try:
            retired = _retire(cert_path, retired_dir(config))
        except OSError as exc:
            raise SealKeyError(f"cannot keep the earlier certificate in {retired_dir(config)} ({exc.strerror}); "
                               "nothing was replaced.") from None
    key_pem, cert_pem = _new_seal(config, valid_from, valid_until)
    try:
        write_private(key_path, key_pem, replace=force)
        try:
            write_private(cert_path, cert_pem, replace=force)
        except OSError:
            key_path.unlink(missing_ok=True)  # never leave a key without its certificate
            raise
    except FileExistsError as exc:
        raise KeyExistsError(f"{exc.filename}: appeared while the seal was being created; nothing was replaced.") \
            from None
    except OSError as exc:
        raise SealKeyError(f"cannot write the seal files ({exc.strerror}: {exc.filename}).") from None
    return (key_path, cert_path) if retired is None else (key_path, cert_path, retired)


def _new_seal(config: ClinicConfig, valid_from: datetime | None, valid_until: datetime | None) -> tuple[bytes, bytes]:
    """A new RSA key and its self-signed certificate naming the clinic, both PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

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
        .not_valid_before(start).not_valid_after(valid_until or start + timedelta(days=365 * CERT_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


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

    def first(oid: Any) -> str:
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
