"""The seal holds: verify passes an untouched document, and fails on any changed byte, addition or wrong key."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime

import pytest

from intake.config import load_config
from intake.documents import verify_pdf
from tests.documents.conftest import CERT_FROM, copy_templates, render_example, write_config


@pytest.fixture(scope="module")
def config(clinic_dir):
    return load_config(clinic_dir / "clinic.toml")


@pytest.fixture(scope="module")
def consent(packets) -> bytes:
    return packets["clearance"].document("consent").pdf


def test_every_document_verifies(packets, config):
    for packet in packets.values():
        for document in packet.documents:
            report = verify_pdf(document.pdf, config)
            assert report.ok, report.reason
            assert report.kind == document.kind and report.record_id == packet.record_id
            assert report.sealed_at == datetime(2026, 11, 20, 14, 40, 5, tzinfo=UTC)
            assert report.data_sha256 == packet.attachment_sha256
            assert report.templates == dict(document.template_versions)
            assert set(report.template_status.values()) == {"current"}
            assert report.certificate.self_signed and not report.certificate.demo


def test_seal_is_a_certification_over_the_whole_file(consent):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import MDPPerm

    signature = PdfFileReader(io.BytesIO(consent)).embedded_signatures[0]
    assert signature.field_name == "ClinicSeal"
    assert signature.docmdp_level == MDPPerm.NO_CHANGES
    assert signature.self_reported_timestamp == datetime(2026, 11, 20, 14, 40, 5, tzinfo=UTC)


def _positions(data: bytes) -> list[int]:
    """Byte positions spread over the file, plus the parts that matter most."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    _, first, second, _ = (int(v) for v in signature.byte_range)
    container = data[first + 1:second - 1]
    used = len(container.rstrip(b"0"))
    attachment = data.find(b"/EmbeddedFile")
    spread = list(range(0, len(data), len(data) // 25))
    return sorted(set(spread + [
        0, 9, attachment, attachment + 40,
        first, first + 1, first + 200, first + 1400, first + 2000, first + used - 3, first + used + 10, second - 2,
        second - 1, second, second + 30, len(data) - 8, len(data) - 1,
    ]))


@pytest.mark.parametrize("mask", [0x01, 0x20])
def test_any_flipped_byte_fails(consent, config, mask):
    for position in _positions(consent):
        tampered = bytearray(consent)
        tampered[position] ^= mask
        report = verify_pdf(bytes(tampered), config)
        assert not report.ok, f"flipping byte {position} (mask {mask:#04x}) went unnoticed"
        assert report.reason


def test_bytes_added_after_the_seal_fail(consent, config):
    report = verify_pdf(consent + b"\n% appended\n", config)
    assert not report.ok and "added" in report.reason


def test_an_incremental_update_after_sealing_fails(consent, config):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(consent))
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), config)
    assert not report.ok
    assert "after it was sealed" in report.reason or "added" in report.reason


def test_a_preview_is_not_a_sealed_document(renderer, config):
    preview = render_example(renderer, "defer", sealed=False).documents[0].pdf
    report = verify_pdf(preview, config)
    assert not report.ok and "no seal" in report.reason


def test_a_seal_from_another_key_fails(consent, tmp_path):
    from intake.documents import create_seal_identity

    other = load_config(write_config(tmp_path))
    create_seal_identity(other, valid_from=CERT_FROM)
    report = verify_pdf(consent, other)
    assert not report.ok and "different certificate" in report.reason


def test_without_a_clinic_certificate_a_real_clinic_cannot_verify(consent, tmp_path, clinic_dir):
    bare = load_config(write_config(tmp_path))  # no keys created here
    report = verify_pdf(consent, bare)
    assert not report.ok and "--cert" in report.reason
    with_cert = verify_pdf(consent, bare, cert_path=clinic_dir / "keys" / "seal-cert.pem")
    assert with_cert.ok, with_cert.reason


def test_old_documents_still_verify_after_a_template_is_edited(clinic_dir, clinic_engine, packets, tmp_path):
    from intake.documents import PacketRenderer

    templates = copy_templates(tmp_path)
    aftercare = templates / "aftercare.html.j2"
    aftercare.write_text(aftercare.read_text(encoding="utf-8").replace(
        "Day by day", "Day by day, gently"), encoding="utf-8")
    config = load_config(clinic_dir / "clinic.toml")
    edited = PacketRenderer(clinic_engine, templates_dir=templates)
    new = render_example(edited, "suitable").document("aftercare")
    old = packets["suitable"].document("aftercare")
    assert new.template_versions["aftercare.html.j2"] != old.template_versions["aftercare.html.j2"]
    assert new.template_versions["documents.css"] == old.template_versions["documents.css"]
    report = verify_pdf(old.pdf, config, templates_dir=templates)
    assert report.ok, report.reason
    assert report.template_status["aftercare.html.j2"].startswith("changed since")
    assert report.template_status["documents.css"] == "current"
    assert verify_pdf(new.pdf, config, templates_dir=templates).ok
    shutil.rmtree(templates)


def test_editing_the_signing_statements_changes_the_consent_version(clinic_engine, packets, tmp_path):
    from intake.documents import PacketRenderer

    templates = copy_templates(tmp_path)
    statements = templates / "statements.json"
    data = json.loads(statements.read_text(encoding="utf-8"))
    data["consent"]["en"] = data["consent"]["en"].replace("I have read", "I have carefully read")
    statements.write_text(json.dumps(data), encoding="utf-8")
    edited = PacketRenderer(clinic_engine, templates_dir=templates)
    assert edited.statement("consent").startswith("I have carefully read")
    old = packets["suitable"].document("consent").template_versions
    new = render_example(edited, "suitable").document("consent").template_versions
    assert new["statements.json"] != old["statements.json"]
    assert new["consent.html.j2"] == old["consent.html.j2"]
    shutil.rmtree(templates)


def test_a_filled_in_seal_is_byte_for_byte_the_seal_pyhanko_assembles(renderer, config, tmp_path):
    """Seals after the first copy the first one's CMS with a new digest and signature: the bytes must be exactly
    those pyHanko builds from scratch, for other documents, other times and another clinic's key."""
    from intake.documents import create_seal_identity
    from intake.documents.seal import load_seal_identity

    other = load_config(write_config(tmp_path))
    create_seal_identity(other, valid_from=CERT_FROM)
    pdfs = [document.pdf for name in ("suitable", "defer")
            for document in render_example(renderer, name, sealed=False).documents]
    times = [datetime(2026, 11, 20, 14, 40, 5, tzinfo=UTC), datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC)]
    marks = {"reason": "Sealed", "location": "Islamabad", "name": "Clinic", "contact": "+92"}
    for clinic in (config, other):
        reused, assembled = load_seal_identity(clinic), load_seal_identity(clinic)
        assembled.signer.reuse_cms = False
        for when in times:
            for pdf in pdfs:
                ours = reused.seal(pdf, when, **marks)
                assert ours == assembled.seal(pdf, when, **marks)
        assert verify_pdf(ours, clinic).ok  # the last one, filled in (the others are the same bytes as pyHanko's)
        assert reused.signer.cms_templates["sha256"] is not None  # the later seals were filled in
        assert not assembled.signer.cms_templates


def test_a_cms_with_attributes_that_change_is_never_reused(renderer, config):
    from asn1crypto import cms

    from intake.documents.seal import CmsTemplate, load_seal_identity

    identity = load_seal_identity(config)
    sealed = identity.seal(render_example(renderer, "suitable", sealed=False).documents[0].pdf,
                           datetime(2026, 11, 20, tzinfo=UTC),
                           reason="r", location="l", name="n", contact="c")
    start = sealed.rindex(b"/Contents <") + len(b"/Contents <")
    der = bytes.fromhex(sealed[start:sealed.index(b">", start)].decode())
    content = cms.ContentInfo.load(der.rstrip(b"\0"))
    digest = content["content"]["signer_infos"][0]["signed_attrs"][1]["values"][0].native
    assert CmsTemplate.build(content, digest) is not None
    signer_info = content["content"]["signer_infos"][0]
    signer_info["signed_attrs"] = cms.CMSAttributes([*signer_info["signed_attrs"], cms.CMSAttribute(
        {"type": "signing_time", "values": [cms.Time({"utc_time": datetime(2026, 11, 20, tzinfo=UTC)})]})])
    assert CmsTemplate.build(content, digest) is None


def _sealed_printing(renderer, packet, kind: str, first_page: str, pages: int) -> bytes:
    """A document sealed with the clinic's key over the real document's embedded data and properties, whose text is
    `first_page` then `pages` more pages that print nothing checked (so the checked strings are far from the end)."""
    import hashlib

    from pypdf import PdfReader

    from intake.documents.payload import ATTACHMENT_NAME

    real = packet.document(kind)
    reader = PdfReader(io.BytesIO(real.pdf))
    attachment = reader.attachments[ATTACHMENT_NAME][0]
    info = {key[1:]: str(value) for key, value in (reader.metadata or {}).items() if key.startswith("/Intake")}
    assert info["IntakeDataSHA256"] == hashlib.sha256(attachment).hexdigest()
    filler = "".join(f'<p style="break-before: page">Page {n + 2}: nothing checked is printed here.</p>'
                     for n in range(pages))
    html = f"<html><body><p>{first_page}</p>{filler}</body></html>"
    created = datetime(2026, 11, 20, 14, 40, 5, tzinfo=UTC)
    pdf = renderer.write_pdf(html, attachment, created, info)
    return renderer.seal_identity.seal(pdf, created, reason="test", location="here", name="clinic", contact="-")


@pytest.mark.parametrize("pages", [0, 5])
def test_the_printed_fingerprint_and_template_set_are_found_on_any_page_and_must_match(renderer, packets, config,
                                                                                        pages):
    """Verify reads the pages from the end until it has found what it checks (page by page for the last three, then
    the whole text); printed on the first page, five pages before the end, they are still found, and a fingerprint
    printed wrong fails wherever it is."""
    packet = packets["suitable"]
    digest = packet.attachment_sha256
    template_set = verify_pdf(packet.document("consent").pdf, config).template_set
    printed = " ".join(digest[i:i + 8] for i in range(0, 64, 8))
    report = verify_pdf(_sealed_printing(renderer, packet, "consent", f"Data {printed}; template {template_set}",
                                         pages), config)
    assert report.ok, report.reason
    wrong = printed[:-1] + ("0" if printed[-1] != "0" else "1")
    report = verify_pdf(_sealed_printing(renderer, packet, "consent", f"Data {wrong}; template {template_set}",
                                         pages), config)
    assert not report.ok and "data fingerprint printed in the document does not match" in report.reason
    report = verify_pdf(_sealed_printing(renderer, packet, "consent", f"Data {printed}; template 0000", pages),
                        config)
    assert not report.ok and "template version printed in the document does not match" in report.reason
