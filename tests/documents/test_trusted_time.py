"""Trusted time (RFC 3161) and long-term validation (PAdES B-LTA), against a timestamp authority on loopback.

Every time is fixed: the authority attests the time the test sets, certificates have validity windows
built from fixed dates, and verification is judged at a fixed moment, so nothing depends on today.
pyHanko's own AdES long-term validation (ETSI EN 319 102-1) is the independent judge.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from intake.cli import main
from intake.config import load_config
from intake.documents import verify_pdf
from intake.documents.keys import load_certificates
from intake.documents.ltv import extend_pdf
from intake.documents.timestamps import http_timestamper, timestamp_settings
from tests.documents.conftest import write_config
from tests.documents.ltvclinic import (
    AFTER_EXPIRY,
    EXTENDED_AT,
    STAMPED_AT,
    TSA_FROM,
    TSA_UNTIL,
    Clinic,
    ades_lta,
)
from tests.documents.tsa import LoopbackTSA, add_timestamp_settings


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    authority = LoopbackTSA(tmp_path_factory.mktemp("tsa"), STAMPED_AT, valid_from=TSA_FROM, valid_until=TSA_UNTIL)
    yield authority
    authority.close()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory, tsa):
    return Clinic(tmp_path_factory.mktemp("clinic"), tsa)


@pytest.fixture(scope="module")
def stamped(clinic, tsa):
    tsa.now, tsa.down = STAMPED_AT, False
    return clinic.consent(), clinic.renderer.seal_identity.timestamp_note


@pytest.fixture(scope="module")
def untimed(tmp_path_factory):
    """The same clinic's kind of seal without any authority: the computer's clock only (PAdES B-B)."""
    clinic = Clinic(tmp_path_factory.mktemp("untimed"), None)
    return clinic, clinic.consent(), clinic.renderer.seal_identity.timestamp_note


def test_each_seal_carries_a_timestamp_from_the_configured_authority(clinic, stamped, tsa):
    pdf, note = stamped
    assert note.startswith(f"timestamped by {tsa.url}") and "B-LTA" in note
    report = verify_pdf(pdf, clinic.config, at=EXTENDED_AT)
    assert report.ok, report.reason
    assert [(t.kind, t.at, t.trusted) for t in report.timestamps] == [("signature", STAMPED_AT, True),
                                                                      ("document", STAMPED_AT, True)]
    assert report.attested_at.at == STAMPED_AT and report.attested_at.authority == "Loopback Timestamp Authority"
    assert report.to_dict()["long_term"] == "B-LTA" and report.notes == []


def test_pyhanko_judges_the_timestamps_independently(clinic, stamped, tsa):
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    pdf, _ = stamped
    seal_cert = x509.Certificate.load(load_certificates(clinic.ca_file)[0])
    root = x509.Certificate.load(load_certificates(tsa.root_file)[0])
    seal, archive = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[seal_cert, root], allow_fetching=False, moment=EXTENDED_AT)
    status = validate_pdf_signature(seal, context)
    assert status.bottom_line and status.timestamp_validity.trusted
    assert status.timestamp_validity.timestamp == STAMPED_AT
    archived = validate_pdf_timestamp(archive, ValidationContext(trust_roots=[root], allow_fetching=False,
                                                                 moment=EXTENDED_AT))
    assert archived.valid and archived.trusted and archived.coverage.name == "ENTIRE_FILE"


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler's pdfsig is not installed")
def test_pdfsig_finds_the_seal_valid_and_the_archive_timestamp_over_the_whole_file(stamped, tmp_path):
    target = tmp_path / "stamped.pdf"
    target.write_bytes(stamped[0])
    out = subprocess.run(["pdfsig", str(target)], capture_output=True, text=True, timeout=60).stdout
    first, second = out.split("Signature #2:")
    assert "Signature Validation: Signature is Valid." in first
    assert "Total document signed" in second


def test_without_an_authority_sealing_works_and_says_so(untimed, stamped):
    clinic, pdf, note = untimed
    assert note == "no timestamp authority is configured ([security] timestamp_url)"
    report = verify_pdf(pdf, clinic.config, at=EXTENDED_AT)
    assert report.ok and report.timestamps == [] and report.to_dict()["long_term"] == "B-B"
    assert any("No trusted timestamp" in n for n in report.notes)
    assert len(pdf) < len(stamped[0])


def test_an_unreachable_authority_still_seals_and_says_so(tmp_path, tsa):
    tsa.down = True
    try:
        clinic = Clinic(tmp_path / "down", tsa)
        before = tsa.requests
        pdf = clinic.consent()
        note = clinic.renderer.seal_identity.timestamp_note
    finally:
        tsa.down = False
    assert tsa.requests > before and note.startswith(f"NOT timestamped: the timestamp authority {tsa.url}")
    report = verify_pdf(pdf, clinic.config, at=EXTENDED_AT)
    assert report.ok and report.timestamps == []


def test_an_authority_that_is_not_configured_as_trusted_is_reported_and_not_relied_on(tmp_path, tsa):
    clinic = Clinic(tmp_path / "noca", tsa, ca=False)
    own = clinic.consent()
    report = verify_pdf(own, clinic.config, at=EXTENDED_AT)
    assert report.ok and report.timestamps and not any(t.trusted for t in report.timestamps)
    assert report.attested_at is None
    assert any("could not be checked: set [security] timestamp_ca_file" in n for n in report.notes)


def test_any_change_to_a_timestamped_document_is_caught(clinic, stamped):
    pdf = stamped[0]
    for where in (len(pdf) // 3, len(pdf) - 2000, len(pdf) - 200):
        damaged = bytearray(pdf)
        damaged[where] ^= 0x01
        assert not verify_pdf(bytes(damaged), clinic.config, at=EXTENDED_AT).ok, where
    assert not verify_pdf(pdf + b"\n% appended\n", clinic.config, at=EXTENDED_AT).ok


def test_extend_adds_an_archive_timestamp_and_the_document_outlives_its_certificate(clinic, stamped, tsa):
    pdf = stamped[0]
    tsa.now = EXTENDED_AT
    extended, report, _ = extend_pdf(pdf, clinic.config, http_timestamper(timestamp_settings(clinic.config)),
                                  at=EXTENDED_AT)
    assert extended is not None and extended.startswith(pdf), report.reason
    assert [t.at for t in report.timestamps] == [STAMPED_AT, STAMPED_AT, EXTENDED_AT]
    later = verify_pdf(extended, clinic.config, at=AFTER_EXPIRY)
    assert later.ok, later.reason
    assert any("expired on 2026-06-01; a trusted timestamp proves the seal existed on 2026-03-02" in n
               for n in later.notes)
    roots = [clinic.ca_file, tsa.root_file]
    for document in (pdf, extended):
        passed, result = ades_lta(document, roots, AFTER_EXPIRY)
        assert passed, result.ades_subindic


def test_without_trusted_time_an_expired_certificate_is_not_enough_for_an_independent_validator(untimed, tsa):
    clinic, pdf, _ = untimed
    ours = verify_pdf(pdf, clinic.config, at=AFTER_EXPIRY)
    assert ours.ok and any("No trusted timestamp proves when the seal was made" in n for n in ours.notes)
    passed, _ = ades_lta(pdf, [clinic.ca_file, tsa.root_file], AFTER_EXPIRY)
    assert not passed  # with the clinic CA as anchor, the expired seal certificate fails without trusted time
    passed, _ = ades_lta(pdf, [clinic.ca_file, tsa.root_file], EXTENDED_AT)
    assert passed  # and passes while it is valid


def test_extending_after_the_certificate_expired_is_refused_not_laundered(untimed, tsa):
    clinic, pdf, _ = untimed
    folder = clinic.folder.with_name(clinic.folder.name + "-timed")
    shutil.copytree(clinic.folder / "keys", folder / "keys")
    timed = Clinic(folder, tsa)  # the same seal, now with the authority configured
    tsa.now = datetime(2026, 7, 1, tzinfo=UTC)
    extended, report, _ = extend_pdf(pdf, timed.config, http_timestamper(timestamp_settings(timed.config)),
                                  at=datetime(2026, 7, 1, tzinfo=UTC))
    assert extended is None and "after the seal certificate expired" in report.reason
    tsa.now = EXTENDED_AT  # before expiry, the same document can be extended
    extended, report, _ = extend_pdf(pdf, timed.config, http_timestamper(timestamp_settings(timed.config)),
                                  at=EXTENDED_AT)
    assert extended is not None and verify_pdf(extended, timed.config, at=AFTER_EXPIRY).ok


def test_documents_extend_over_a_folder(clinic, stamped, tsa, tmp_path, capsys):
    folder = tmp_path / "docs"
    (folder / "one").mkdir(parents=True)
    (folder / "one" / "consent.pdf").write_bytes(stamped[0])
    (folder / "not-sealed.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    tsa.now = EXTENDED_AT
    code = main(["--config", str(clinic.config_path), "documents", "extend", str(folder), "--at",
                 EXTENDED_AT.isoformat()])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"extended {folder / 'one' / 'consent.pdf'}: archive timestamp" in out
    assert f"NOT EXTENDED {folder / 'not-sealed.pdf'}" in err and "1 of 2 document(s) extended" in out
    assert (folder / "not-sealed.pdf").read_bytes() == b"%PDF-1.7\n%%EOF\n"
    assert main(["--config", str(clinic.config_path), "verify", "--at", AFTER_EXPIRY.isoformat(),
                 str(folder / "one" / "consent.pdf")]) == 0
    out = capsys.readouterr().out
    assert "trusted time: sealed no later than 2 March 2026" in out and "Loopback Timestamp Authority" in out
    assert out.count("archived:") == 2


def test_documents_extend_without_an_authority_is_refused_plainly(tmp_path, capsys):
    config_path = write_config(tmp_path)
    assert main(["--config", str(config_path), "documents", "extend", str(tmp_path)]) == 1
    assert "needs a timestamp authority: set [security] timestamp_url" in capsys.readouterr().err


def test_a_bad_timestamp_url_is_refused_by_the_configuration_check(tmp_path):
    from intake.errors import IntakeError

    config_path = write_config(tmp_path)
    add_timestamp_settings(config_path, "ftp://tsa.example/", None)
    with pytest.raises(IntakeError, match="timestamp_url"):
        load_config(config_path)
