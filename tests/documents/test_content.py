"""The documents read as a clinic would want: personal, complete, and framed the same way on every page."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from intake.dates import human_date
from intake.questionnaire import localize
from tests.conftest import load_example
from tests.documents.conftest import pdf_pages, render_example, squash

SIX_ELEMENTS = ["What the treatment is", "What it may do for you", "Risks and side effects",
                "Other options, including doing nothing", "Questions", "Signatures"]
RISKS = ["redness", "swelling", "sunburn", "bruising", "dryness", "peeling", "infection", "colour",
         "Fitzpatrick types IV to VI"]


def text_of(pdf: bytes) -> str:
    return "\n".join(pdf_pages(pdf))


def test_a_suitable_client_gets_consent_and_aftercare_and_nothing_else(packets):
    assert [d.kind for d in packets["suitable"].documents] == ["consent", "aftercare"]
    assert [d.kind for d in packets["defer"].documents] == ["deferral"]
    for packet in packets.values():
        for document in packet.documents:
            assert document.pdf.startswith(b"%PDF-") and document.sealed
            assert document.filename == f"{packet.record_id}_{document.kind}_20261120T144005Z.pdf"


def test_consent_has_the_six_elements_and_the_named_risks(packets):
    text = squash(text_of(packets["suitable"].document("consent").pdf))
    for heading in SIX_ELEMENTS:
        assert squash(heading) in text
    for risk in RISKS:
        assert squash(risk) in text
    assert squash("Doing nothing carries no treatment risk") in text


def test_consent_is_about_this_client(packets, clinic_engine):
    record = load_example("suitable")
    text = squash(text_of(packets["suitable"].document("consent").pdf))
    assert squash("Maria Okonkwo-Smith") in text
    assert squash("14 March 1988 (age 38)") in text
    assert squash("Consultation 20 November 2026") in text
    assert squash("Fine lines and wrinkles, Enlarged pores") in text  # what they want to improve
    plan = clinic_engine.default_plan(record, clinic_engine.assess(record))
    assert squash(f"A course of {plan.sessions} sessions") in text
    assert squash("Forehead0.25–0.75 mm") in text and squash("Cheeks0.5–2.0 mm") in text
    assert squash("Suitable for treatment.") in text


def test_every_visible_answer_is_in_the_disclosure_summary(packets, clinic_engine):
    record = load_example("caution")
    q = clinic_engine.questionnaire
    answers = q.prune(record["answers"])
    text = squash(text_of(packets["caution"].document("consent").pdf))
    shown = [question for question in q.visible(answers) if question.id in answers]
    assert len(shown) > 40
    for question in shown:
        assert squash(localize(question.label, "en")) in text, question.id
        if question.type != "acknowledgement":
            value = answers[question.id]
            display = q.word("none", "en") if value == [] else q.display(question, value, "en")
            assert squash(display) in text, question.id


def test_affirmed_statements_and_signatures_are_printed_with_times(packets, renderer):
    text = squash(text_of(packets["suitable"].document("consent").pdf))
    assert squash(renderer.statement("consent")) in text
    assert squash("I will follow the aftercare instructions I am given.") in text
    assert squash("Signed by hand on the clinic's signature pad, 20 November 2026, 14:32 GMT (2026-11-20 14:32 UTC)") \
        in text
    assert squash("Alex Jordan, Aesthetic practitioner (registration DEMO-0001)") in text
    assert squash("Countersigned electronically, 20 November 2026, 14:40 GMT (2026-11-20 14:40 UTC)") in text
    assert squash("Signing electronically") in text


def test_drawn_signature_is_vector_artwork_not_text(packets):
    reader = PdfReader(io.BytesIO(packets["suitable"].document("consent").pdf))
    content = b"".join(page.get_contents().get_data() for page in reader.pages)
    # The strokes are drawn as path segments (x y l) with round caps; the typed practitioner name is text.
    assert len(re.findall(rb"[\d.]+ [\d.]+ l\b", content)) >= 30
    assert b" J" in content


def test_photo_consent_is_its_own_section_with_its_own_signature_only_when_given(packets, renderer):
    suitable = text_of(packets["suitable"].document("consent").pdf)  # agreed to photos for the record only
    caution = text_of(packets["caution"].document("consent").pdf)  # said no to photos
    assert "Consent to clinical photographs" in suitable
    assert squash(renderer.statement("photo_consent")) in squash(suitable)
    assert squash("Only in my private clinical record") in squash(suitable)
    assert squash("On the clinic's website or social media") in squash(suitable.split("did not agree")[1])
    pages = pdf_pages(packets["suitable"].document("consent").pdf)
    start = next(i for i, p in enumerate(pages) if "Consent to clinical photographs" in p)
    assert start > 0 and "13. Signatures" not in "".join(pages[start:])  # a section of its own, after the consent
    assert "Client: photo consent".upper() in "".join(pages[start:]).upper()
    assert "Consent to clinical photographs" not in caution
    assert squash("You chose not to have photographs taken") in squash(caution)


@pytest.mark.parametrize("name", ["suitable", "caution", "clearance", "defer"])
def test_every_page_has_clinic_record_template_version_and_page_x_of_y(packets, name):
    for document in packets[name].documents:
        pages = pdf_pages(document.pdf)
        template_set = None
        for number, page in enumerate(pages, 1):
            flat = re.sub(r"\s+", " ", page)
            assert "Demo Skin Clinic" in flat
            assert f"Record {packets[name].record_id}" in flat
            assert f"Page {number} of {len(pages)}" in flat
            found = re.search(r"Template ([0-9a-f]{12})", flat)
            assert found, f"page {number} of {document.kind} has no template version"
            template_set = template_set or found.group(1)
            assert found.group(1) == template_set


def test_caution_aftercare_is_personal_and_dates_the_next_session(packets, clinic_engine):
    record = load_example("caution")
    assessment = clinic_engine.assess(record)
    text = squash(text_of(packets["caution"].document("aftercare").pdf))
    assert squash("For Aisha Rahman") in text
    assert len(assessment.aftercare) == 3  # darker skin, cold sores, controlled diabetes
    for addition in assessment.aftercare:
        assert squash(addition) in text
    # Diabetes sets at least 6 weeks between sessions: treated on 20 November 2026.
    assert squash("Your next session: between Friday 1 January 2027 and Friday 15 January 2027") in text
    assert squash("Call Demo Skin Clinic on +44 20 7946 0000") in text
    for heading in ("The first 24 hours", "24 to 48 hours", "The first week", "When to call us"):
        assert squash(heading) in text


def test_caution_consent_explains_the_precautions(packets):
    text = squash(text_of(packets["caution"].document("consent").pdf))
    assert squash("Suitable, with the precautions below.") in text
    assert squash("Skin with more pigment can darken in patches after treatment.") in text
    assert squash("Ask your doctor or pharmacist about an antiviral medicine to start before your session.") in text
    assert squash("needles no deeper than 1.5 mm") in text
    assert squash("at least 6 weeks between sessions") in text


def test_clearance_consent_lists_what_must_happen_first(packets, clinic_engine):
    record = load_example("clearance")
    assessment = clinic_engine.assess(record)
    text = squash(text_of(packets["clearance"].document("consent").pdf))
    for finding in assessment.of_severity("clearance"):
        assert squash(finding.client_message) in text
    assert squash(f"We can treat you from {human_date(assessment.return_date)}.") in text
    assert squash("Your first session will not take place until these points are settled") in text


def test_deferral_letter_says_why_kindly_and_when_to_come_back(packets, clinic_engine):
    record = load_example("defer")
    assessment = clinic_engine.assess(record)
    text = squash(text_of(packets["defer"].document("deferral").pdf))
    assert squash("Dear Chloe O'Neill,") in text
    for finding in assessment.of_severity("defer"):
        assert squash(finding.client_message) in text
    assert squash("it is not a final no") in text
    # an infection and pregnancy: no fixed date, but the conditions for each
    assert squash("You can come back once your skin has fully healed; and after your baby is born") in text
    assert squash("Alex Jordan") in text


def test_deferral_with_a_date_names_the_day(renderer):
    from intake.documents import Countersignature
    from tests.conftest import with_answers
    from tests.documents.conftest import COUNTER_TIME

    record = with_answers(load_example("suitable"), cancer_treatment="finished", cancer_treatment_end="2026-11-01")
    packet = renderer.render(record, countersignature=Countersignature("ajordan", COUNTER_TIME), sealed=False)
    text = squash(text_of(packet.document("deferral").pdf))
    # Four weeks after the last treatment, and a doctor's approval as well.
    assert squash("Not before Sunday 29 November 2026") in text
    assert squash("Good to sort out before then") in text
    assert squash("we need your doctor's approval first") in text
    assert squash("Preview only: this copy is not sealed") in text


def test_metadata_and_pdfa_markers(packets):
    pdf = packets["suitable"].document("consent").pdf
    reader = PdfReader(io.BytesIO(pdf))
    info = reader.metadata
    assert info.title == "Consent to microneedling treatment"
    assert info.author == "Demo Skin Clinic"
    assert info["/CreationDate"].startswith("D:20261120144005")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp or b'pdfaid:part="3"' in xmp
    assert b"B" in re.search(rb"pdfaid:conformance[^A-Z]*([AB])", xmp).group(1)
    assert "/OutputIntents" in reader.trailer["/Root"]
    # Sealing keeps the times given: the XMP modification date is the seal time, not the clock's.
    assert re.search(rb'xmp:ModifyDate[^0-9]*2026-11-20T14:40:05', xmp)
    assert info["/ModDate"].startswith("D:20261120144005")
    # PDF/A: the information dictionary and the XMP agree after sealing.
    producer = re.search(rb'pdf:Producer="([^"]*)"', xmp).group(1).decode()
    assert info["/Producer"] == producer
    assert reader.trailer["/Root"]["/AF"]  # the data attachment is declared (PDF/A-3)


def test_letter_paper_is_configurable(renderer, clinic_engine):
    from intake.documents import PacketRenderer

    letter = PacketRenderer(clinic_engine, paper="Letter")
    packet = render_example(letter, "defer", sealed=False)
    box = PdfReader(io.BytesIO(packet.documents[0].pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
