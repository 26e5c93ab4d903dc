"""The embedded data round-trips exactly, its fingerprint is printed, and the same inputs give the same bytes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys

from pypdf import PdfReader

from tests.conftest import ROOT, load_example
from tests.documents.conftest import pdf_pages, render_example, squash


def attachments(pdf: bytes) -> dict[str, list[bytes]]:
    return PdfReader(io.BytesIO(pdf)).attachments


def test_attachment_round_trips_byte_identical_in_every_document(packets):
    for packet in packets.values():
        for document in packet.documents:
            files = attachments(document.pdf)
            assert list(files) == ["intake-data.json"]
            assert files["intake-data.json"] == [packet.attachment]
            assert hashlib.sha256(files["intake-data.json"][0]).hexdigest() == packet.attachment_sha256


def test_attachment_holds_validated_answers_assessment_plan_signatures_and_versions(packets, clinic_engine):
    record = load_example("clearance")
    data = json.loads(packets["clearance"].attachment)
    assessment = clinic_engine.assess(record)
    assert data["format"] == "intake-document-data/1"
    assert data["record"]["answers"] == clinic_engine.questionnaire.prune(record["answers"])
    assert data["record"]["record_id"] == "example-clearance"
    assert data["assessment"] == json.loads(json.dumps(assessment.to_dict()))
    assert data["plan"] == clinic_engine.default_plan(record, assessment).to_dict()
    assert data["signatures"]["client"]["signed_at"] == "2026-11-20T14:32:05Z"
    assert data["signatures"]["client"]["method"] == "drawn" and data["signatures"]["client"]["strokes"]
    assert data["signatures"]["practitioner"]["id"] == "ajordan"
    assert data["signatures"]["photo"]["method"] == "typed"  # this client agreed to photos
    consent = packets["clearance"].document("consent")
    assert data["documents"]["consent"]["templates"] == dict(consent.template_versions)


def test_fingerprint_is_printed_in_the_text_and_the_properties(packets):
    for packet in packets.values():
        for document in packet.documents:
            digest = packet.attachment_sha256
            grouped = " ".join(digest[i:i + 8] for i in range(0, 64, 8))
            assert squash(grouped) in squash("".join(pdf_pages(document.pdf)))
            assert PdfReader(io.BytesIO(document.pdf)).metadata["/IntakeDataSHA256"] == digest


def test_template_versions_are_printed(packets):
    document = packets["caution"].document("aftercare")
    text = squash("".join(pdf_pages(document.pdf)))
    for name, version in document.template_versions.items():
        assert squash(f"{name} {version}") in text


def test_same_inputs_and_times_give_byte_identical_sealed_files(renderer, packets):
    again = render_example(renderer, "suitable")
    assert [d.pdf for d in again.documents] == [d.pdf for d in packets["suitable"].documents]
    unsealed = [render_example(renderer, "caution", sealed=False) for _ in range(2)]
    assert unsealed[0].documents[0].pdf == unsealed[1].documents[0].pdf


def test_another_process_makes_the_very_same_bytes(clinic_dir, packets):
    """A fresh interpreter with another hash seed renders and seals the identical files."""
    script = (
        "import hashlib, sys\n"
        "from intake.engine import Engine\n"
        "from intake.documents import PacketRenderer\n"
        "from tests.documents.conftest import render_example\n"
        f"renderer = PacketRenderer(Engine.load({str(clinic_dir / 'clinic.toml')!r}))\n"
        "for d in render_example(renderer, 'suitable').documents: print(hashlib.sha256(d.pdf).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=120, check=True)
    assert result.stdout.split() == [d.sha256 for d in packets["suitable"].documents]


def test_a_different_signing_time_changes_the_file(renderer, packets):
    from datetime import timedelta

    from intake.documents import Countersignature
    from tests.documents.conftest import COUNTER_TIME, signatures

    record = load_example("suitable")
    later = {**signatures(renderer, record), "countersignature": Countersignature("ajordan", COUNTER_TIME
                                                                                   + timedelta(minutes=1))}
    packet = renderer.render(record, **later)
    assert packet.documents[0].pdf != packets["suitable"].documents[0].pdf
    assert packet.documents[0].filename.endswith("20261120T144105Z.pdf")
