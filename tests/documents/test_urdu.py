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
    """A client who chose English screens and Urdu documents: their sealed consent and aftercare. They affirmed the
    statements on screen, in English, and the documents quote what they affirmed."""
    record = load_example("caution")
    record["answers"]["full_name"] = NAME
    record["documents_language"] = "ur"
    renderer = PacketRenderer(urdu_clinic)
    photo = record["answers"].get("photo_consent") is True
    return renderer.render(
        record, client_signature=Signature("typed", NAME, renderer.statement("consent"), CLIENT_TIME),
        photo_signature=Signature("typed", NAME, renderer.statement("photo_consent"), CLIENT_TIME) if photo else None,
        countersignature=Countersignature("ajordan", COUNTER_TIME))


#: The direction marks pdftotext writes around right-to-left and left-to-right runs.
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def texts(packet) -> dict[str, str]:
    """Each document's text in reading order, without the direction marks (pdftotext moves the figures of a
    right-to-left line around, so the tests read words)."""
    return {d.kind: squash(BIDI_MARKS.sub("", pdftotext(d.pdf))) for d in packet.documents}


def test_urdu_is_written_right_to_left_and_left_to_right_runs_are_kept_whole():
    assert text_direction("ur") == "rtl" and text_direction("de") == "ltr"
    assert isolated("+44 7700 900123", "ur") == "\u2066\u200e+44 7700 900123\u200e\u2069"
    assert isolated("کچھ نہیں", "ur") == "کچھ نہیں" and isolated("14:40 GMT", "en") == "14:40 GMT"


def test_the_urdu_consent_and_aftercare_read_in_urdu_with_the_latin_name_intact(texts, urdu_clinic):
    consent, aftercare = texts["consent"], texts["aftercare"]
    for words in ("خطرات اور مضر اثرات", "آپ کے علاج کا منصوبہ", "اس دستاویز کے بارے میں", "نومبر",
                  "میں نے جو معلومات دی ہیں وہ درست اور مکمل ہیں"):  # a statement confirmed
        assert words in consent, words
    for words in ("مائیکرونیڈلنگ کے بعد آپ کی دیکھ بھال", "کب ہمیں فون کریں", "+44 20 7946 0000",
                  "ہر صبح منرل سن اسکرین"):
        assert words in aftercare, words
    for text in (consent, aftercare):
        assert NAME in text
    for english in ("What the treatment is", "Your screening result", "When to call us", "Mineral sunscreen",
                    "Page 1 of", "Your full name"):
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
    assert not re.search(r"[\u0600-\u06ff]", json.dumps(data, ensure_ascii=False)), \
        "the embedded data holds Urdu words"


def test_a_course_s_session_documents_follow_the_documents_language_of_its_consent(packet):
    from intake.course.course import Course

    payload = json.loads(packet.attachment)
    assert Course.from_consent("example-caution", payload).language == "ur"
