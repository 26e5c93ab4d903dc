"""Revocation data for long-term validation: a clinic CA whose seal certificate names an `openssl ocsp` responder on
loopback, a timestamp authority (OpenSSL `ts`) whose certificate names a CRL served on loopback.

`render` and `intake documents extend` fetch the answers only from the hosts in `[security] revocation_hosts` and
embed them in the document security store; pyHanko's AdES validation (its default revocation policy, soft-fail, and
the strict hard-fail) then accepts the document at a fixed moment after the seal certificate expired, with nothing
fetched by the validator. Without the allow-list nothing is asked, and hard-fail refuses the same document.

Every validity window is built from fixed dates; the responder's and the authority's clocks are frozen by libfaketime.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intake.cli import main
from intake.documents import verify_pdf
from intake.documents.revocation import RevocationSettings, allowed, gather
from intake.documents.seal import SealKeyError
from tests.documents.ltvclinic import (
    AFTER_EXPIRY,
    CERT_FROM,
    CERT_UNTIL,
    EXTENDED_AT,
    LOOPBACK_TIMEOUT,
    STAMPED_AT,
    TSA_FROM,
    TSA_UNTIL,
    Clinic,
    ades_validation,
)
from tests.documents.openssl_tsa import LIBFAKETIME, OpenSSLTSA
from tests.documents.revocation_ca import CRLServer, OCSPResponder, free_port, issue, make_root, pem, write_key

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None or LIBFAKETIME is None,
                                reason="needs the openssl program and libfaketime")

CA_FROM, CA_UNTIL = datetime(2025, 1, 1, tzinfo=UTC), datetime(2036, 1, 1, tzinfo=UTC)
LOOPBACK = ("127.0.0.1",)


class Authorities:
    """The clinic CA with its OCSP responder, and the timestamp authority with its CRL, all on loopback."""

    def __init__(self, folder: Path):
        port = free_port()
        self.ca, self.ca_key = make_root("Test Clinic CA", "Test Clinic", CA_FROM, CA_UNTIL)
        self.seal, self.seal_key = issue(self.ca, self.ca_key, "Test Clinic document seal", "Test Clinic",
                                         CERT_FROM, CERT_UNTIL, purpose="seal", ocsp_url=f"http://127.0.0.1:{port}/")
        self.revoked, self.revoked_key = issue(self.ca, self.ca_key, "Test Clinic withdrawn seal", "Test Clinic",
                                               CERT_FROM, CERT_UNTIL, purpose="seal",
                                               ocsp_url=f"http://127.0.0.1:{port}/")
        self.responder = OCSPResponder(folder / "ocsp", self.ca, self.ca_key, [self.seal, self.revoked], port,
                                       STAMPED_AT, revoked=[(self.revoked, CERT_FROM + timedelta(days=1))])
        self.crl = CRLServer()
        tsa_root, tsa_root_key = make_root("Test TSA Root", "Loopback Test TSA", TSA_FROM, TSA_UNTIL)
        tsa, tsa_key = issue(tsa_root, tsa_root_key, "Loopback Timestamp Authority", "Loopback Test TSA", TSA_FROM,
                             TSA_UNTIL, purpose="tsa", crl_url=self.crl.url)
        self.tsa_root, self.tsa_root_key = tsa_root, tsa_root_key
        self.crl.publish(tsa_root, tsa_root_key, STAMPED_AT - timedelta(hours=1))
        (folder / "tsa").mkdir()
        self.tsa = OpenSSLTSA(folder / "tsa", STAMPED_AT, TSA_FROM, TSA_UNTIL,
                              certificates=(tsa_root, tsa, tsa_key))

    def clinic(self, folder: Path, hosts: tuple[str, ...], *, withdrawn: bool = False) -> Clinic:
        """A clinic sealing with the CA's seal certificate (or the revoked one), allowing `hosts`."""
        keys = folder / "keys"
        keys.mkdir(parents=True, mode=0o700)
        certificate, key = (self.revoked, self.revoked_key) if withdrawn else (self.seal, self.seal_key)
        write_key(keys / "seal-key.pem", key)
        (keys / "seal-cert.pem").write_bytes(pem(certificate, self.ca))
        (keys / "clinic-ca.pem").write_bytes(pem(self.ca))
        return Clinic(folder, self.tsa, revocation_hosts=hosts)

    def at(self, moment: datetime) -> None:
        """Every clock (the responder's, the authority's, the CRL's issue time) at `moment`."""
        self.tsa.now = moment
        self.responder.now = moment
        self.crl.publish(self.tsa_root, self.tsa_root_key, moment - timedelta(hours=1))

    @contextlib.contextmanager
    def years_later(self, moment: datetime = AFTER_EXPIRY):
        """The world a validator meets at `moment`: the clinic's OCSP responder gone (the seal certificate expired
        long ago), the timestamp authority's CRL fresh. Restores the signing-time world afterwards."""
        self.responder.stop()
        self.crl.publish(self.tsa_root, self.tsa_root_key, moment - timedelta(hours=1))
        try:
            yield
        finally:
            self.at(STAMPED_AT)

    def close(self) -> None:
        self.responder.stop()
        self.crl.close()
        self.tsa.close()


@pytest.fixture(scope="module")
def authorities(tmp_path_factory):
    made = Authorities(tmp_path_factory.mktemp("authorities"))
    yield made
    made.close()


@pytest.fixture(scope="module")
def allowed_clinic(tmp_path_factory, authorities):
    return authorities.clinic(tmp_path_factory.mktemp("allowed"), LOOPBACK)


@pytest.fixture(scope="module")
def sealed(allowed_clinic, authorities) -> bytes:
    authorities.at(STAMPED_AT)
    return allowed_clinic.consent()


def dss(pdf: bytes) -> tuple[list, list]:
    """(OCSP responses, CRLs) in the document security store, as asn1crypto objects."""
    from asn1crypto import crl, ocsp
    from pyhanko.pdf_utils.reader import PdfFileReader

    root = PdfFileReader(io.BytesIO(pdf), strict=False).root
    if "/DSS" not in root:
        return [], []
    store = root["/DSS"]
    return ([ocsp.OCSPResponse.load(ref.get_object().data) for ref in store.get("/OCSPs", [])],
            [crl.CertificateList.load(ref.get_object().data) for ref in store.get("/CRLs", [])])


def passed(result) -> bool:
    """pyHanko's AdES indication is PASSED and its bottom line holds."""
    from pyhanko.sign.ades.report import AdESPassed

    return result.ades_subindic == AdESPassed.OK and result.api_status is not None and result.api_status.bottom_line


def roots(clinic: Clinic, authorities: Authorities) -> list[Path]:
    return [clinic.ca_file, authorities.tsa.root_file]


def test_render_embeds_the_seals_ocsp_answer_and_the_authoritys_crl(sealed, allowed_clinic, authorities):
    note = allowed_clinic.renderer.seal_identity.timestamp_note
    assert note == (f"timestamped by {authorities.tsa.url} (PAdES B-LTA); revocation data embedded "
                    "(1 OCSP response(s), 1 CRL(s))")
    ocsps, crls = dss(sealed)
    assert len(ocsps) == 1 and len(crls) == 1
    single = ocsps[0]["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]
    assert single["cert_id"]["serial_number"].native == authorities.seal.serial_number
    assert single["cert_status"].name == "good"
    assert crls[0]["tbs_cert_list"]["issuer"].native["common_name"] == "Test TSA Root"
    assert verify_pdf(sealed, allowed_clinic.config, at=EXTENDED_AT).ok


@pytest.mark.parametrize("policy", ["soft-fail", "hard-fail"])
def test_pyhanko_accepts_the_document_after_its_seal_certificate_expired(sealed, allowed_clinic, authorities, policy):
    """soft-fail is pyHanko's default; hard-fail insists on the revocation data every certificate declares. The
    validator fetches only for the present (the authority's certificate, still valid, from its fresh CRL); the
    expired seal certificate's responder is gone, so the answer embedded at sealing time is what carries it."""
    with authorities.years_later():
        result = ades_validation(sealed, roots(allowed_clinic, authorities), AFTER_EXPIRY, revocation=policy,
                                 online=True)
    assert passed(result), result.ades_subindic


def test_without_the_allow_list_nothing_is_asked_and_strict_validation_refuses(tmp_path, authorities):
    clinic = authorities.clinic(tmp_path / "closed", ())
    authorities.at(STAMPED_AT)
    fetched = authorities.crl.requests
    pdf = clinic.consent()
    note = clinic.renderer.seal_identity.timestamp_note
    assert "not asked (host not in [security] revocation_hosts)" in note
    assert authorities.responder.url in note and authorities.crl.url in note
    assert authorities.crl.requests == fetched
    assert dss(pdf) == ([], [])
    with authorities.years_later():
        result = ades_validation(pdf, roots(clinic, authorities), AFTER_EXPIRY, revocation="hard-fail", online=True)
    assert not passed(result) and result.ades_subindic.name == "NO_POE", result.ades_subindic


@pytest.mark.parametrize("url", ["http://127.0.0.1.example/ocsp", "http://localhost/ocsp", "ftp://127.0.0.1/crl",
                                 "file:///etc/passwd", "http://user@10.0.0.1/", "http://[::1]/"])
def test_only_http_on_an_allowed_host_is_asked(url):
    assert not allowed(url, RevocationSettings(frozenset(LOOPBACK)))
    assert allowed("http://127.0.0.1:8080/ocsp", RevocationSettings(frozenset(LOOPBACK)))
    assert allowed("https://OCSP.Example.org/", RevocationSettings(frozenset({"ocsp.example.org"})))


def test_an_answer_not_signed_by_the_issuer_is_not_kept(authorities):
    """A CRL signed by another key, at the allowed location, is named as failed and not embedded."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    other, other_key = make_root("Test TSA Root", "Loopback Test TSA", TSA_FROM, TSA_UNTIL)
    authorities.crl.publish(other, other_key, STAMPED_AT)
    try:
        tsa_cert = asn1_x509.Certificate.load(_der(authorities.tsa.folder / "tsa.pem"))
        root = asn1_x509.Certificate.load(authorities.tsa_root.public_bytes(serialization.Encoding.DER))
        found = gather([tsa_cert, root],
                       RevocationSettings(frozenset(LOOPBACK), LOOPBACK_TIMEOUT))
    finally:
        authorities.crl.publish(authorities.tsa_root, authorities.tsa_root_key, STAMPED_AT)
    assert found.crls == [] and found.statuses == []
    assert found.failed == [f"{authorities.crl.url} (the list is not signed by the certificate's issuer)"]


def _der(path: Path) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)


def test_a_revoked_seal_certificate_seals_nothing(tmp_path, authorities):
    clinic = authorities.clinic(tmp_path / "withdrawn", LOOPBACK, withdrawn=True)
    authorities.at(STAMPED_AT)
    with pytest.raises(SealKeyError, match="was revoked by its issuer"):
        clinic.consent()


def test_documents_extend_embeds_fresh_answers_and_says_so(sealed, allowed_clinic, authorities, tmp_path, capsys):
    target = tmp_path / "consent.pdf"
    target.write_bytes(sealed)
    authorities.at(EXTENDED_AT)
    try:
        code = main(["--config", str(allowed_clinic.config_path), "documents", "extend", str(tmp_path), "--at",
                     EXTENDED_AT.isoformat()])
    finally:
        authorities.at(STAMPED_AT)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "revocation data embedded (1 OCSP response(s), 1 CRL(s))" in out
    extended = target.read_bytes()
    ocsps, crls = dss(extended)
    assert len(ocsps) == 2 and len(crls) == 2
    produced = sorted(o["response_bytes"]["response"].parsed["tbs_response_data"]["produced_at"].native
                      for o in ocsps)
    assert produced == [STAMPED_AT, EXTENDED_AT]
    for policy in ("soft-fail", "hard-fail"):
        with authorities.years_later():
            result = ades_validation(extended, roots(allowed_clinic, authorities), AFTER_EXPIRY, revocation=policy,
                                     online=True)
        assert passed(result), (policy, result.ades_subindic)


@pytest.mark.parametrize("host", ["http://127.0.0.1/", "ocsp.example.org/crl", "two words", "*.example.org", ""])
def test_a_revocation_host_that_is_not_a_host_name_is_refused_by_the_configuration_check(tmp_path, host):
    from intake.config import load_config
    from intake.errors import IntakeError
    from tests.documents.conftest import write_config
    from tests.documents.tsa import add_timestamp_settings

    config_path = write_config(tmp_path)
    add_timestamp_settings(config_path, "http://127.0.0.1:1/tsa", None, revocation_hosts=(host,))
    with pytest.raises(IntakeError, match=r"revocation_hosts\[0\](.|\n)*no scheme, port, path or wildcard"):
        load_config(config_path)
    (tmp_path / "good").mkdir()
    config_path = write_config(tmp_path / "good")
    add_timestamp_settings(config_path, "http://127.0.0.1:1/tsa", None, revocation_hosts=("ocsp.example.org", "::1"))
    assert load_config(config_path).section("security")["revocation_hosts"] == ["ocsp.example.org", "::1"]
