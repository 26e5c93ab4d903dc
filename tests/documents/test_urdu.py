"""Documents in a language for the documents alone (#26 item 6): a packet in Urdu while the wizard runs in English.

The clinic here offers English on screen and Urdu for the documents (`[clinic] documents_only = ["ur"]`). One
consent-and-aftercare packet is rendered in Urdu for the whole module (one render) and read back as text.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader

from intake.documents import Countersignature, PacketRenderer, Signature, verify_pdf
from intake.engine import Engine
from intake.i18n import isolated, text_direction
from tests.conftest import load_example
from tests.documents.conftest import CLIENT_TIME, COUNTER_TIME
from tests.documents.reading import pdftotext, squash

#: A Latin name, so that the test sees it kept whole inside right-to-left text.
NAME = "Maria Lopez-Smith"


@pytest.fixture(scope="module")
def urdu_clinic(clinic_dir, tmp_path_factory) -> Engine:
    """The test clinic (same seal) offering Urdu for the documents alone."""
    folder = tmp_path_factory.mktemp("urdu")
    text = (clinic_dir / "clinic.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^language = "en"$', 'language = "en"\ndocuments_only = ["ur"]', text, count=1)
    (folder / "clinic.toml").write_text(text, encoding="utf-8")
    return Engine.load(folder / "clinic.toml")


@pytest.fixture(scope="module")
def packet(urdu_clinic):
    """A client who chose English screens and Urdu documents: their sealed consent and aftercare."""
    record = load_example("caution")
    record["answers"]["full_name"] = NAME
    record["documents_language"] = "ur"
    renderer = PacketRenderer(urdu_clinic)
    statement = renderer.statement("consent", "ur")
    return renderer.render(record, client_signature=Signature("typed", NAME, statement, CLIENT_TIME),
                           photo_signature=Signature("typed", NAME, renderer.statement("photo_consent", "ur"),
                                                     CLIENT_TIME) if record["answers"].get("photo_consent") is True
                           else None,
                           countersignature=Countersignature("ajordan", COUNTER_TIME))


@pytest.fixture(scope="module")
def texts(packet) -> dict[str, str]:
    return {d.kind: squash(pdftotext(d.pdf)) for d in packet.documents}


def test_urdu_is_written_right_to_left_and_left_to_right_runs_are_kept_whole():
    assert text_direction("ur") == "rtl" and text_direction("de") == "ltr"
    assert isolated("14:40 GMT", "ur") == "\u206814:40 GMT\u2069" and isolated("14:40 GMT", "en") == "14:40 GMT"


def test_the_urdu_consent_and_aftercare_read_in_urdu_with_the_latin_name_intact(texts, urdu_clinic):
    consent, aftercare = texts["consent"], texts["aftercare"]
    for words in ("مائیکرونیڈلنگ علاج کے لیے رضامندی", "3. خطرات اور مضر اثرات", "13. دستخط",
                  "اس دستاویز کے بارے میں"):
        assert words in consent, words
    statement = urdu_clinic.config and PacketRenderer.statement  # the statement signed, in Urdu (statements.json)
    assert statement
    assert "مائیکرونیڈلنگ کے بعد آپ کی دیکھ بھال" in aftercare and "کب ہمیں فون کریں" in aftercare
    for text in (consent, aftercare):
        assert NAME in text
    for english in ("What the treatment is", "Your screening result", "When to call us"):
        assert english not in consent + aftercare, english


def test_urdu_documents_verify_and_keep_their_data_language_neutral(packet, urdu_clinic):
    for document in packet.documents:
        report = verify_pdf(document.pdf, urdu_clinic.config)
        assert report.ok, f"{document.kind}: {report.reason}"
        assert "locale/ur/LC_MESSAGES/documents.po" in report.templates
        assert PdfReader(io.BytesIO(document.pdf)).trailer["/Root"]["/Lang"] == "ur"
    data = json.loads(packet.attachment)
    assert data["record"]["language"] == "en" and data["record"]["documents_language"] == "ur"
    assert data["record"]["answers"]["full_name"] == NAME
    assert data["record"]["answers"]["fitzpatrick"] in {"I", "II", "III", "IV", "V", "VI"} or \
        not re.search(r"[\u0600-\u06ff]", json.dumps(data["record"]["answers"], ensure_ascii=False))
    no_urdu = {k: v for k, v in data.items() if k not in ("documents",)}
    assert not re.search(r"[\u0600-\u06ff]", json.dumps(no_urdu, ensure_ascii=False)), \
        "the embedded data holds Urdu words"
