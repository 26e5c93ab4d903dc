"""Provides the clinic seal: loading the seal key and certificate once, and sealing PDFs (PAdES).

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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.documents.errors import SealKeyError
from intake.documents.keys import CertificateInfo, certificate_info, load_certificates, seal_paths

if TYPE_CHECKING:
    from intake.config import ClinicConfig

SEAL_FIELD = "ClinicSeal"
#: Extra room (hexadecimal digits) for an RFC 3161 timestamp token with its authority's certificates.
TIMESTAMP_RESERVE = 2 * 16384


@dataclass
class SealIdentity:
    """The loaded seal key and certificate, ready to seal many documents."""

    certificate: CertificateInfo
    signer: Any
    bytes_reserved: int
    #: the clinic's timestamp authority (a pyHanko TimeStamper), None when none is configured
    timestamper: Any = None
    timestamp_url: str | None = None
    #: what happened to the trusted time of the last seal, in words ("" before the first seal)
    timestamp_note: str = ""
    #: where revocation data may be fetched from (intake.documents.revocation), None: nowhere
    revocation_settings: Any = None

    def seal(self, pdf: bytes, signed_at: datetime, *, reason: str, location: str, name: str,
             contact: str, properties: Mapping[str, str] | None = None) -> bytes:
        """Seals a PDF with an incremental update that certifies it and allows no later changes.

        `properties` are written into the document's information dictionary in the sealed update itself
        (e.g. the audit trail's position, intake.documents.model.AuditWitness), so the seal covers them.

        With a timestamp authority configured, the seal carries its RFC 3161 signature timestamp, and
        an incremental update adds the certificates needed to check it later (a document security
        store) with a document timestamp over the whole file (PAdES B-LTA). When the authority cannot
        be reached, the document is sealed without one and `timestamp_note` says so.

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

        def sign(timestamper: Any) -> bytes:
            writer = _writer_class()(io.BytesIO(pdf), signed_at, properties)
            signer = _pdf_signer_class()(meta, self.signer, signed_at, timestamper)
            reserved = self.bytes_reserved + (TIMESTAMP_RESERVE if timestamper is not None else 0)
            sealed: bytes = signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()
            return sealed

        def sign_with_time() -> bytes:
            if self.timestamper is None:
                self.timestamp_note = "no timestamp authority is configured ([security] timestamp_url)"
                return sign(None)
            from pyhanko.sign.timestamps.common_utils import TimestampRequestError

            try:
                sealed = sign(self.timestamper)
            except (TimestampRequestError, OSError) as exc:
                self.timestamp_note = (f"NOT timestamped: the timestamp authority {self.timestamp_url} could not "
                                       f"be used ({exc}); sealed with the computer's time only")
                return sign(None)
            return self._archive(sealed, signed_at)

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return sign_with_time()  # the usual case: a worker thread or a plain program
        # pyHanko runs its own event loop, which cannot nest in a running one: sign on a helper thread.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as helper:
            return helper.submit(sign_with_time).result()


    def _archive(self, sealed: bytes, signed_at: datetime) -> bytes:
        """Adds validation material (certificates, revocation data) and a document timestamp to a timestamped seal.

        Raises:
            SealKeyError: the seal certificate's issuer says it was revoked: nothing may be sealed with it.
        """
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError

        from intake.documents.ltv import add_archive_timestamp, document_certificates
        from intake.documents.revocation import Revocation, gather

        revocation = gather(document_certificates(sealed), self.revocation_settings) \
            if self.revocation_settings is not None else Revocation()
        if any(status.sha256 == self.certificate.fingerprint for status in revocation.revoked()):
            raise SealKeyError(f"the seal certificate ({self.certificate.subject}) was revoked by its issuer: "
                               "nothing can be sealed "
                               "with it. Install a new seal key and certificate (intake keys init --force, or your "
                               "CA's new certificate).")
        try:
            archived = add_archive_timestamp(sealed, self.timestamper,
                                             lambda data: _writer_class()(io.BytesIO(data), signed_at), revocation)
        except (TimestampRequestError, OSError) as exc:
            self.timestamp_note = (f"timestamped by {self.timestamp_url}; the archive timestamp could not be "
                                   f"added ({exc}): run `intake documents extend` later")
            return sealed
        summary = revocation.summary()
        self.timestamp_note = f"timestamped by {self.timestamp_url} (PAdES B-LTA)" + (f"; {summary}" if summary else "")
        return archived


def incremental_writer(pdf: bytes, modified_at: datetime) -> Any:
    """pyHanko's incremental writer as intake uses it: the modification time given (never the clock's), and
    the information dictionary's producer kept equal to the XMP metadata's, as PDF/A asks."""
    return _writer_class()(io.BytesIO(pdf), modified_at)


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


def load_seal_identity(config: ClinicConfig) -> SealIdentity:
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
        cert_registry=SimpleCertificateStore.from_certs(asn1_certs[1:]),  # type: ignore[no-untyped-call]
        key=key,
    )
    # Room for the CMS container: the certificates, the signature value and the signed attributes,
    # fixed per identity so that no dry-run signature is needed (and the size never varies).
    # pyHanko counts the reservation in hexadecimal digits: two per byte.
    reserved = 2 * (sum(len(der) for der in certs) + 4096 + getattr(key, "key_size", 4096) // 8)
    identity = SealIdentity(certificate_info(certs[0], tuple(certs[1:])), signer, reserved)
    from intake.documents.revocation import revocation_settings
    from intake.documents.timestamps import http_timestamper, timestamp_settings

    settings = timestamp_settings(config)
    if settings.url:
        identity.timestamper, identity.timestamp_url = http_timestamper(settings), settings.url
    identity.revocation_settings = revocation_settings(config)
    return identity


class CmsTemplate:
    """A seal's CMS signature with the places of its document digest and signature value, to be filled in again.

    Only signatures whose signed attributes cannot change between seals of one identity qualify (content
    type, message digest, signing certificate); anything else (a signing time, a timestamp) is refused.
    """

    CONSTANT_ATTRIBUTES = frozenset({"content_type", "message_digest", "signing_certificate",
                                     "signing_certificate_v2", "cms_algorithm_protection"})

    def __init__(self, der: bytes, attributes: tuple[int, int], digest_at: int, digest_length: int,
                 signature: tuple[int, int]) -> None:
        self.der, self.attributes, self.signature = der, attributes, signature
        self.digest_at, self.digest_length = digest_at, digest_length

    @classmethod
    def build(cls, content_info: Any, digest: bytes) -> CmsTemplate | None:
        """The template of a CMS ContentInfo signed over `digest`, or None when it does not qualify."""
        from asn1crypto import cms

        der = content_info.dump()
        signer_info = cms.ContentInfo.load(der)["content"]["signer_infos"][0]  # parsed: parts dump as stored
        attributes = signer_info["signed_attrs"]
        kinds = {attribute["type"].native for attribute in attributes}
        if not kinds <= cls.CONSTANT_ATTRIBUTES or signer_info["unsigned_attrs"].native:
            return None
        attributes_der, signature = attributes.dump(), signer_info["signature"].native
        at, signed_at = der.find(attributes_der), der.rfind(signature)
        digest_at = attributes_der.find(digest)
        if (der.count(attributes_der) != 1 or attributes_der.count(digest) != 1 or der.count(signature) != 1
                or signed_at < at + len(attributes_der)):
            return None
        return cls(der, (at, len(attributes_der)), at + digest_at, len(digest), (signed_at, len(signature)))

    def fill(self, digest: bytes, sign: Any) -> Any:
        """The CMS ContentInfo for `digest`, signed by `sign(data)`; None if the new value would not fit."""
        from asn1crypto import cms

        if len(digest) != self.digest_length:
            return None
        der = bytearray(self.der)
        der[self.digest_at:self.digest_at + len(digest)] = digest
        at, length = self.attributes
        # The signature covers the signed attributes encoded as a SET (tag 0x31), not as the [0] they are stored as.
        signature = sign(b"\x31" + bytes(der[at + 1:at + length]))
        signed_at, signed_length = self.signature
        if len(signature) != signed_length:
            return None
        der[signed_at:signed_at + signed_length] = signature
        return cms.ContentInfo.load(bytes(der))


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

            def __init__(self, *args: Any, key: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._key = key
                #: the CMS template of each digest algorithm (None: that signature does not qualify)
                self.cms_templates: dict[str, CmsTemplate | None] = {}
                self.reuse_cms = True  # False: pyHanko assembles every CMS (the tests compare the two)

            async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run: bool = False,
                                 use_pades: bool = False, timestamper: Any = None, signed_attr_settings: Any = None,
                                 is_pdf_sig: bool = True, encap_content_info: Any = None) -> Any:
                """pyHanko's CMS signature, built once per digest algorithm and then only filled in.

                A plain seal's CMS (PAdES, RSA, no timestamp, no extra attributes) differs from one seal
                to the next only in the document digest and the signature value; assembling it with
                asn1crypto cost about 20 ms a document. The first seal is pyHanko's own; later ones copy
                its bytes with the new digest and signature (a test compares them with pyHanko's).
                """
                settings = signed_attr_settings
                plain = (not dry_run and use_pades and timestamper is None and is_pdf_sig and encap_content_info
                         is None and isinstance(self._key, RSAPrivateKey) and self.signed_attr_prov_spec is None
                         and self.unsigned_attr_prov_spec is None and not self.attribute_certs
                         and (settings is None or (settings.cades_signed_attrs is None
                                                   and settings.adobe_revinfo_attr is None))) and self.reuse_cms
                template = self.cms_templates.get(digest_algorithm) if plain else None
                if template is not None:
                    filled = template.fill(data_digest, lambda data: self.sign_raw(data, digest_algorithm))
                    if filled is not None:
                        return filled
                signed = await super().async_sign(data_digest, digest_algorithm, dry_run, use_pades, timestamper,
                                                  signed_attr_settings, is_pdf_sig, encap_content_info)
                if plain and digest_algorithm not in self.cms_templates:
                    self.cms_templates[digest_algorithm] = CmsTemplate.build(signed, data_digest)
                return signed

            async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
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

            def __init__(self, meta: Any, signer: Any, signed_at: datetime, timestamper: Any = None) -> None:
                super().__init__(meta, signer, timestamper=timestamper)
                self._signed_at = signed_at

            def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
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

            def __setattr__(self, name: str, value: Any) -> None:
                if name == "last_modified" and value == "now":
                    return
                super().__setattr__(name, value)

        class DerivedIdWriter(IncrementalPdfFileWriter):
            """An incremental writer with a file identifier derived from the document and a fixed modification time."""

            def __init__(self, input_stream: Any, modified_at: datetime,
                         properties: Mapping[str, str] | None = None) -> None:
                super().__init__(input_stream)
                self._meta = PinnedMetadata(last_modified=modified_at)
                self._properties = dict(properties or {})

            def _update_meta(self) -> None:
                # pyHanko names only itself as producer in the XMP but appends itself in the info
                # dictionary; PDF/A wants the two to agree, so the info dictionary follows the XMP.
                super()._update_meta()  # type: ignore[no-untyped-call]
                if self._info is not None and "/Metadata" in self.root:
                    info = self._info.get_object()  # type: ignore[no-untyped-call]
                    if info.get("/Producer") != VENDOR:
                        info["/Producer"] = generic.TextStringObject(VENDOR)
                        self.mark_update(self._info)
                if self._info is not None and self._properties:
                    info = self._info.get_object()  # type: ignore[no-untyped-call]
                    for key, value in self._properties.items():
                        info[generic.NameObject(key)] = generic.TextStringObject(value)
                    self.mark_update(self._info)

            @classmethod
            def _handle_id(cls, prev: Any) -> Any:
                try:
                    first, _ = prev.trailer["/ID"]
                    first = bytes(getattr(first, "original_bytes", first))
                except KeyError:
                    first = hashlib.sha256(prev.stream.getvalue()).digest()[:16]
                second = hashlib.sha256(first + b"intake-seal").digest()[:16]
                return generic.ArrayObject([generic.ByteStringObject(first), generic.ByteStringObject(second)])

        _CLASSES["writer"] = DerivedIdWriter
    return _CLASSES["writer"]
