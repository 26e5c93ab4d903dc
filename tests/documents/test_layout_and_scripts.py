"""The aftercare sheet a client uses at home (page 1, type size), readable small print, and names in any script."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from intake.documents import Countersignature, Signature
from tests.documents.conftest import CLIENT_TIME, COUNTER_TIME
from tests.documents.personas import baseline, record, triggering
from tests.documents.reading import pdftotext, squash

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")

NAMES = {"urdu": "مریم خان", "devanagari": "प्रिया शर्मा", "cjk": "王小明", "cyrillic": "Анна Иванова",
         "greek": "Ελένη Παπαδοπούλου"}
FONTS = {"urdu": "Noto-Naskh-Arabic", "devanagari": "Noto-Serif-Devanagari", "cjk": "Noto-Serif-CJK",
         "cyrillic": "DejaVu-Serif", "greek": "DejaVu-Serif"}
FRAME = ("Demo Skin Clinic", "Example Street", "Template ", "Your aftercare after microneedling ·",
         "Consent to microneedling treatment ·", "SEALED", "Record ")


def sizes(pdf: bytes, page: int) -> list[tuple[float, str]]:
    """(font size in pt, text) of every piece of text on a page, leaving out the letterhead and footer."""
    found: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip() and not any(part in text for part in FRAME):
            found.append((round(size * tm[3] * cm[3], 2), text.strip()))
    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def persona(engine, name, *rules):
    answers = baseline(engine, full_name=name, goals="Smoother cheeks 😊 ✨ before my wedding")
    for rule_id in rules:
        answers = triggering(engine, next(r for r in engine.rules.rules if r.id == rule_id), answers)
    return record(engine, answers, record_id="persona")


def render(renderer, rec, name):
    return renderer.render(rec, client_signature=Signature("typed", name, renderer.statement("consent"), CLIENT_TIME),
                           countersignature=Countersignature("ajordan", COUNTER_TIME, "clearance_noted", "GP letter"))


@pytest.fixture(scope="module")
def packets(clinic_engine, renderer) -> dict:
    return {key: render(renderer, persona(clinic_engine, name, "blood_thinners"), name) for key, name in NAMES.items()}


def test_aftercare_page_one_is_what_a_client_needs_at_home(packets, clinic_engine):
    pdf = packets["cyrillic"].document("aftercare").pdf
    first = squash(subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True,
                                  check=True).stdout.decode())
    phone = clinic_engine.config.clinic["phone"]
    order = [first.index(s) for s in ("When to call us", f"Call Demo Skin Clinic on {phone}",
                                      "Your next session: between", "Day by day", "The first 24 hours",
                                      "24 to 48 hours", "The first week")]
    assert order == sorted(order)  # the call box and the phone come first
    assert "About this document" not in first
    body = sizes(pdf, 0)
    assert body and min(size for size, _ in body) >= 11, sorted(body)[:3]


def test_the_consent_small_print_is_readable_when_printed(packets):
    pdf = packets["cyrillic"].document("consent").pdf
    reader = PdfReader(io.BytesIO(pdf))
    smallest = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            smallest.append((round(size * tm[3] * cm[3], 2), text.strip()))
    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert min(size for size, _ in smallest) >= 7.5, sorted(smallest)[:3]  # footers, hashes and file versions


@pytest.mark.parametrize("script", list(NAMES))
def test_names_in_any_script_print_with_a_font_that_has_them(packets, script):
    name = NAMES[script]
    for document in packets[script].documents:
        text = pdftotext(document.pdf).replace("\u202b", "").replace("\u202c", "")
        assert "\ufffd" not in text
        if script == "devanagari":  # extraction reorders vowel signs and the reph; every letter is there
            assert all(ch in text for ch in name if unicodedata.category(ch) == "Lo"), (script, document.kind)
        else:
            assert name in text, (script, document.kind)
        if document.kind == "consent":
            assert "Smoother cheeks 😊 ✨ before my wedding" in text
    consent = packets[script].document("consent").pdf
    fonts = subprocess.run(["pdffonts", "-"], input=consent, capture_output=True).stdout.decode() or \
        _pdffonts(consent)
    assert FONTS[script] in fonts and "Noto-Color-Emoji" in fonts


def _pdffonts(pdf: bytes) -> str:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(["pdffonts", handle.name], capture_output=True, check=True).stdout.decode()


def test_a_right_to_left_name_reads_right_to_left(packets):
    """In the typed signature the first word of مریم خان is drawn to the right of the second."""
    consent = packets["urdu"].document("consent").pdf
    import re
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(consent)
        handle.flush()
        boxes = subprocess.run(["pdftotext", "-bbox", handle.name, "-"], capture_output=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', boxes.decode())
    first, second = "مریم", "خان"
    pairs = [(float(x1), float(x2)) for (x1, y1, w1), (x2, y2, w2) in zip(words, words[1:], strict=False)
             if y1 == y2 and {w1[::-1], w2[::-1]} == {first, second} and w1[::-1] == second]
    assert pairs, "the name was not found as two words on one line"
    for left_word_x, right_word_x in pairs:  # pdftotext lists the line left to right: خان, then مریم
        assert left_word_x < right_word_x
