"""Seals timestamped by OpenSSL's `ts` authority (signer's certificate first, not DER order): intake verify, pyHanko,
pdfsig and `openssl ts -verify` all accept them, at creation and after `intake documents extend`, and every byte
of every signature container is still checked.

Times are fixed: OpenSSL's clock is frozen by libfaketime at the time the test sets, certificates have windows
built from fixed dates, verification is judged at a fixed moment.
"""

from __future__ import annotations

import functools
import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from intake.cli import main
from intake.documents import verify_pdf
from tests.documents.ltvclinic import AFTER_EXPIRY, EXTENDED_AT, STAMPED_AT, TSA_FROM, TSA_UNTIL, Clinic, ades_lta
from tests.documents.openssl_tsa import LIBFAKETIME, OpenSSLTSA, frozen_clock

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None or LIBFAKETIME is None,
                                reason="needs the openssl program and libfaketime")


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    tsa = OpenSSLTSA(tmp_path_factory.mktemp("openssl-tsa"), STAMPED_AT, TSA_FROM, TSA_UNTIL)
    yield tsa
    tsa.close()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory, authority):
    return Clinic(tmp_path_factory.mktemp("clinic"), authority)


@pytest.fixture(scope="module")
def created(clinic, authority) -> bytes:
    authority.now = STAMPED_AT
    pdf = clinic.consent()
    assert clinic.renderer.seal_identity.timestamp_note == f"timestamped by {authority.url} (PAdES B-LTA)"
    return pdf


@pytest.fixture(scope="module")
def extended(clinic, authority, created, tmp_path_factory) -> bytes:
    """The created document after `intake documents extend`, with OpenSSL attesting EXTENDED_AT."""
    target = tmp_path_factory.mktemp("extend") / "consent.pdf"
    target.write_bytes(created)
    authority.now = EXTENDED_AT
    code = main(["--config", str(clinic.config_path), "documents", "extend", str(target.parent), "--at",
                 EXTENDED_AT.isoformat()])
    assert code == 0
    return target.read_bytes()


def signatures(pdf: bytes) -> list:
    """The document's signatures as (pyHanko's embedded signature, its container without padding)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    found = []
    for signature in PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures:
        _, first, second, _ = (int(v) for v in signature.byte_range)
        value = bytes.fromhex(pdf[first + 1:second - 1].decode("ascii"))
        found.append((signature, value[:_der_size(value, 0)[1]]))
    return found


def _der_size(data: bytes, at: int) -> tuple[int, int]:
    """(where the content starts, where the element ends) for the DER element at `at`."""
    first = data[at + 1]
    if first < 0x80:
        return at + 2, at + 2 + first
    count = first & 0x7F
    start = at + 2 + count
    return start, start + int.from_bytes(data[at + 2:start], "big")


def elements(der: bytes, at: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
    """Every element of a DER value, as (offset, content start, end), walking into constructed ones."""
    end = len(der) if end is None else end
    found = []
    while at < end:
        start, stop = _der_size(der, at)
        found.append((at, start, stop))
        if der[at] & 0x20:
            found += elements(der, start, stop)
        at = stop
    return found


def seal_revision(pdf: bytes) -> bytes:
    """The file as the seal left it (its own timestamp, before the archive update): nothing covers its container."""
    seal, _ = signatures(pdf)[0]
    _, _, second, length = (int(v) for v in seal.byte_range)
    return pdf[:second + length]


@functools.lru_cache(maxsize=8)
def _gaps(pdf: bytes) -> tuple[tuple[int, int], ...]:
    """Where each signature's container sits, (start, end) of its gap in the byte range, read once per file: the
    flip tests change one container hundreds of times, and pyHanko reads a hex string one token at a time."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    ranges = (signature.byte_range for signature in PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures)
    return tuple((int(first), int(second)) for _, first, second, _ in ranges)


def with_container(pdf: bytes, index: int, der: bytes) -> bytes:
    """The document with signature `index`'s container replaced (padded with zeros to the same room)."""
    first, second = _gaps(pdf)[index]
    room = second - first - 2
    text = der.hex().upper().encode("ascii")
    assert len(text) <= room
    return pdf[:first + 1] + text + b"0" * (room - len(text)) + pdf[second - 1:]


def token_of(seal) -> object:
    from intake.documents.cmscheck import timestamp_tokens

    (token,) = timestamp_tokens(seal.signed_data)
    return token


def test_openssl_lists_the_signer_first_and_intake_verify_accepts_both_its_timestamps(clinic, created):
    for _, container in signatures(created):
        from asn1crypto import cms

        info = cms.ContentInfo.load(container)
        tokens = [info] if info["content"]["encap_content_info"]["content_type"].native == "tst_info" else \
            [token_of(signatures(created)[0][0])]
        for token in tokens:
            certificates = [c.dump() for c in token["content"]["certificates"]]
            assert len(certificates) == 2 and certificates != sorted(certificates)  # not DER order
            assert token["content"]["certificates"][0].chosen.subject.native["common_name"] == \
                "Loopback Timestamp Authority"
    report = verify_pdf(created, clinic.config, at=EXTENDED_AT)
    assert report.ok, report.reason
    assert [(t.kind, t.at, t.trusted) for t in report.timestamps] == [("signature", STAMPED_AT, True),
                                                                      ("document", STAMPED_AT, True)]
    assert report.to_dict()["long_term"] == "B-LTA" and report.notes == []


def test_extend_with_openssl_keeps_the_document_valid_after_its_certificate_expires(clinic, created, extended,
                                                                                      capsys):
    assert extended.startswith(created)
    report = verify_pdf(extended, clinic.config, at=AFTER_EXPIRY)
    assert report.ok, report.reason
    assert [t.at for t in report.timestamps] == [STAMPED_AT, STAMPED_AT, EXTENDED_AT]
    assert all(t.trusted for t in report.timestamps)
    path = Path(clinic.folder) / "extended.pdf"
    path.write_bytes(extended)
    assert main(["--config", str(clinic.config_path), "verify", "--at", AFTER_EXPIRY.isoformat(), str(path)]) == 0
    out = capsys.readouterr().out
    assert "trusted time: sealed no later than 2 March 2026" in out and out.count("archived:") == 2


def test_pyhanko_accepts_the_seal_and_every_openssl_timestamp(clinic, authority, created, extended):
    from asn1crypto import x509
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    from intake.documents.keys import load_certificates

    anchors = [x509.Certificate.load(load_certificates(path)[0]) for path in (clinic.ca_file, authority.root_file)]
    for pdf in (created, extended):
        (seal, _), *archive = signatures(pdf)
        status = validate_pdf_signature(seal, ValidationContext(trust_roots=anchors, allow_fetching=False,
                                                                moment=EXTENDED_AT))
        assert status.bottom_line and status.timestamp_validity.trusted, status.summary()
        assert status.timestamp_validity.timestamp == STAMPED_AT
        for stamp, _ in archive:
            checked = validate_pdf_timestamp(stamp, ValidationContext(trust_roots=anchors, allow_fetching=False,
                                                                      moment=EXTENDED_AT))
            assert checked.valid and checked.trusted and checked.intact
        passed, result = ades_lta(pdf, [clinic.ca_file, authority.root_file], AFTER_EXPIRY)
        assert passed, result.ades_subindic


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler's pdfsig is not installed")
def test_pdfsig_finds_the_seal_valid_and_each_timestamp_over_its_revision(created, extended, tmp_path):
    for name, pdf in (("created", created), ("extended", extended)):
        target = tmp_path / f"{name}.pdf"
        target.write_bytes(pdf)
        out = subprocess.run(["pdfsig", str(target)], capture_output=True, text=True, timeout=60).stdout
        seal, *archive = out.split("Signature #")[1:]
        assert "Signature Validation: Signature is Valid." in seal, out
        assert len(archive) == (1 if name == "created" else 2)
        assert "Total document signed" in archive[-1]


def test_openssl_ts_verify_accepts_each_token_over_what_intake_says_it_timestamps(authority, extended, tmp_path):
    """OpenSSL checks its own tokens: the seal's over the hash of the seal's signature value, each document
    timestamp over the bytes its byte range covers."""
    from intake.documents.sealcheck import covered_bytes

    (seal, _), *archive = signatures(extended)
    token = tmp_path / "seal-token.der"
    token.write_bytes(token_of(seal).dump())
    value = seal.signed_data["signer_infos"][0]["signature"].native
    checks = [["-digest", hashlib.sha256(value).hexdigest(), "-in", str(token)]]
    for number, (stamp, container) in enumerate(archive):
        (tmp_path / f"archive{number}.der").write_bytes(container)
        (tmp_path / f"archive{number}.bin").write_bytes(covered_bytes(extended, stamp))
        checks.append(["-data", str(tmp_path / f"archive{number}.bin"), "-in", str(tmp_path / f"archive{number}.der")])
    for arguments in checks:
        run = subprocess.run(["openssl", "ts", "-verify", "-token_in", *arguments, "-CAfile", str(authority.root_file)],
                             capture_output=True, text=True, timeout=60, env=frozen_clock(EXTENDED_AT))
        assert "Verification: OK" in run.stdout, run.stdout + run.stderr


def _flips(der: bytes) -> list[int]:
    """Offsets within a container to flip, one for each element: a primitive's last byte (in its value), a
    constructed one's tag (its length and members are their own elements' business)."""
    return sorted({at if der[at] & 0x20 else end - 1 for at, _, end in elements(der)})


def _flipped(pdf: bytes, index: int, container: bytes, offset: int) -> bytes:
    changed = bytearray(container)
    changed[offset] ^= 0x01
    return with_container(pdf, index, bytes(changed))


@pytest.mark.slow
def test_every_element_of_the_seal_container_and_its_openssl_token_is_checked(clinic, created):
    """Nothing but the seal's own signature covers its container in the file as the seal left it."""
    pdf = seal_revision(created)
    assert verify_pdf(pdf, clinic.config, at=EXTENDED_AT).ok
    _, container = signatures(pdf)[0]
    for offset in _flips(container):
        report = verify_pdf(_flipped(pdf, 0, container, offset), clinic.config, at=EXTENDED_AT)
        assert not report.ok and report.reason, f"flipping byte {offset} of the seal's container went unnoticed"


@pytest.mark.slow
def test_every_element_of_the_newest_document_timestamp_is_checked(clinic, extended):
    stamps = signatures(extended)
    index, (_, container) = len(stamps) - 1, stamps[-1]
    for offset in _flips(container):
        report = verify_pdf(_flipped(extended, index, container, offset), clinic.config, at=AFTER_EXPIRY)
        assert not report.ok and report.reason, f"flipping byte {offset} of the newest timestamp went unnoticed"


def _with_seal_token(pdf: bytes, change) -> bytes:
    """The seal revision with its timestamp token changed by `change(token)` (an asn1crypto ContentInfo)."""
    from asn1crypto import cms

    revision = seal_revision(pdf)
    info = cms.ContentInfo.load(signatures(revision)[0][1])
    change(info["content"]["signer_infos"][0]["unsigned_attrs"][0]["values"][0])
    return with_container(revision, 0, info.dump())


def _certificates(token, members: list) -> None:
    from asn1crypto import cms

    token["content"]["certificates"] = cms.CertificateSet(members)


def test_the_order_of_a_token_s_certificates_is_free_but_nothing_may_be_added(clinic, created):
    from asn1crypto import cms, x509

    from intake.documents.keys import load_certificates

    listed = list(signatures(created)[0][0].signed_data["signer_infos"][0]["unsigned_attrs"][0]["values"][0]
                  ["content"]["certificates"])
    in_der_order = sorted(listed, key=lambda c: c.dump())
    reordered = verify_pdf(_with_seal_token(created, lambda t: _certificates(t, in_der_order)), clinic.config,
                           at=EXTENDED_AT)
    assert reordered.ok and [t.at for t in reordered.timestamps] == [STAMPED_AT], reordered.reason
    stranger = cms.CertificateChoices({"certificate": x509.Certificate.load(load_certificates(clinic.ca_file)[0])})
    for members, reason in ((listed + [stranger], "not on its authority's chain"),
                            (listed + [listed[1]], "altered"),
                            (listed[:1], "")):
        report = verify_pdf(_with_seal_token(created, lambda t, m=members: _certificates(t, m)), clinic.config,
                            at=EXTENDED_AT)
        if reason:
            assert not report.ok and reason in report.reason
        else:  # without its root, the authority is checked against the configured root alone
            assert report.ok and report.timestamps[0].trusted, report.reason


def test_a_timestamp_over_something_else_or_with_unsigned_extras_is_refused(clinic, created):
    from asn1crypto import cms

    archive_token = cms.ContentInfo.load(signatures(created)[1][1])

    def transplant(token) -> None:
        token["content"] = archive_token["content"].copy()

    report = verify_pdf(_with_seal_token(created, transplant), clinic.config, at=EXTENDED_AT)
    assert not report.ok and "not over the seal" in report.reason

    def extra(token) -> None:
        signer = token["content"]["signer_infos"][0]
        signer["unsigned_attrs"] = cms.CMSAttributes([cms.CMSAttribute({
            "type": "signing_time", "values": [cms.Time({"utc_time": STAMPED_AT})]})])

    report = verify_pdf(_with_seal_token(created, extra), clinic.config, at=EXTENDED_AT)
    assert not report.ok and "altered" in report.reason
