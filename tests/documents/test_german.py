"""Documents in the client's language (#26): German consent, aftercare and letter; every template text in German.

The clinic here offers English and German. The questionnaire's own German is another part of #26 (the data files):
until it lands, this clinic's copy of the data files gives each text without German its English words, so the
answers' labels may read in English; the documents' own words, dates and numbers are German.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import date

import pytest
from pypdf import PdfReader

from intake.documents import Countersignature, PacketRenderer, Signature, verify_pdf
from intake.documents.catalogue import missing_texts, template_texts
from intake.documents.formatting import make_filters
from intake.engine import Engine
from intake.paths import SCHEMAS_DIR, TEMPLATES_DIR
from tests.conftest import load_example
from tests.documents.conftest import CLIENT_TIME, COUNTER_TIME
from tests.documents.reading import HtmlRenderer, pdftotext, squash

PREGNANCY = "Während einer Schwangerschaft und in der Stillzeit behandeln wir nicht."


def with_german(node):
    """Each {"en": ...} text of a data file, given German words where it has none (its English ones)."""
    if isinstance(node, dict):
        if isinstance(node.get("en"), str) and "de" not in node:
            node["de"] = node["en"]
        for value in node.values():
            with_german(value)
    elif isinstance(node, list):
        for value in node:
            with_german(value)
    return node


@pytest.fixture(scope="module")
def bilingual(clinic_dir, tmp_path_factory) -> Engine:
    """The test clinic (same seal) offering English and German."""
    folder = tmp_path_factory.mktemp("bilingual")
    schemas = folder / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)
    for path in schemas.glob("*.json"):
        if not path.name.endswith(".schema.json"):
            data = with_german(json.loads(path.read_text(encoding="utf-8")))
            if path.name == "questionnaire.json":
                data["languages"] = sorted(set(data["languages"]) | {"de"}, key=["en", "de"].index)
            if path.name == "rules.json":  # one rule's message in German, as the data files will give it
                rule = next(r for r in data["rules"] if r["id"] == "pregnancy")
                rule["client_message"]["de"] = PREGNANCY
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    text = (clinic_dir / "clinic.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^language = "en"$', 'language = "en"\nlanguages = ["en", "de"]', text, count=1)
    (folder / "clinic.toml").write_text(text + f'\n[paths]\nschemas = "{schemas}"\n', encoding="utf-8")
    return Engine.load(folder / "clinic.toml")


def german(name: str) -> dict:
    record = load_example(name)
    record["language"] = "de"
    return record


def signed(record: dict) -> dict:
    name = record["answers"]["full_name"]
    photo = Signature("typed", name, "Ich willige in die Fotoaufnahmen ein.", CLIENT_TIME) \
        if record["answers"].get("photo_consent") is True else None
    return {"client_signature": Signature("typed", name, "Ich willige in die Behandlung ein.", CLIENT_TIME),
            "photo_signature": photo, "countersignature": Countersignature("ajordan", COUNTER_TIME)}


@pytest.fixture(scope="module")
def packets(bilingual) -> dict:
    """A German client's sealed consent and aftercare (with precautions), and a German deferral letter."""
    renderer = PacketRenderer(bilingual)
    return {"caution": renderer.render(german("caution"), **signed(german("caution"))),
            "defer": renderer.render(german("defer"), countersignature=Countersignature("ajordan", COUNTER_TIME))}


@pytest.fixture(scope="module")
def texts(packets) -> dict[str, str]:
    return {d.kind: squash(pdftotext(d.pdf)) for packet in packets.values() for d in packet.documents}


def test_every_template_text_has_its_german():
    missing = missing_texts(TEMPLATES_DIR, "de")
    assert not missing, "German document texts missing in templates/locale/de/LC_MESSAGES/documents.po:\n" + \
        "\n".join(str(m) for m in missing)
    assert len(list(template_texts(TEMPLATES_DIR))) > 250


def test_an_english_text_added_to_a_template_without_german_is_named(tmp_path):
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    aftercare = folder / "aftercare.html.j2"
    lines = aftercare.read_text(encoding="utf-8").splitlines()
    lines.insert(9, '<p>{{ _("Drink plenty of water.") }}</p>')
    aftercare.write_text("\n".join(lines), encoding="utf-8")
    missing = missing_texts(folder, "de")
    assert [(m.where, m.msgid) for m in missing] == [("aftercare.html.j2:10", "Drink plenty of water.")]
    assert missing_texts(folder, "en") == []
    assert "does not exist" in missing_texts(folder, "fr")[0].problem


def test_filters_write_dates_numbers_and_durations_in_the_documents_language():
    from zoneinfo import ZoneInfo

    language = "de"
    filters = make_filters(ZoneInfo("Europe/Berlin"), lambda: language)
    assert filters["mm"](0.5) == "0,5" and filters["days"]([2, 3]) == "2–3 Tage"
    assert filters["weeks"](1) == "1 Woche" and filters["months"]([6, 12]) == "6–12 Monate"
    assert filters["weekday_date"](date(2026, 11, 20)) == "Freitag, 20. November 2026"
    language = "en"
    assert filters["mm"](0.5) == "0.5" and filters["days"]([2, 3]) == "2–3 days"
    assert filters["long_date"](date(2026, 11, 20)) == "20 November 2026"


def test_german_consent_reads_in_german(texts):
    consent = texts["consent"]
    for words in ("Einwilligungserklärung zur Microneedling-Behandlung", "1. Was die Behandlung ist",
                  "3. Risiken und Nebenwirkungen", "Lippenherpes (Herpes labialis)",
                  "5. Ergebnis Ihrer Eignungsprüfung",
                  "Geeignet, mit den unten genannten Vorsichtsmaßnahmen.", "Ihre Behandlerin oder Ihr Behandler",
                  "Beratung 20. November 2026", "1,0–1,5 mm", "im Abstand von mindestens 6 Wochen",
                  "Nadeln nicht tiefer als 1,5 mm", "alle 6–12 Monate", "13. Unterschriften",
                  "Elektronisch gegengezeichnet, 20. November 2026, 14:40 GMT", "Seite 1 von", "Über dieses Dokument"):
        assert words in consent, words
    for english in ("What the treatment is", "Your screening result", "Page 1 of", "Countersigned electronically"):
        assert english not in consent, english
    assert not re.search(r"\d\.\d+ mm", consent), "a depth with a decimal point"


def test_german_aftercare_and_letter_read_in_german(texts):
    aftercare, letter = texts["aftercare"], texts["deferral"]
    for words in ("Ihre Nachsorge nach dem Microneedling", "Wann Sie uns anrufen sollten", "Die ersten 24 Stunden",
                  "Ihre nächste Sitzung: zwischen", "Größte Nadeltiefe 1,5 mm", "Erwartete Rötung etwa 4–5 Tage"):
        assert words in aftercare, words
    assert re.search(r"zwischen (Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d+\. \w+ 2027",
                     aftercare)
    for words in ("Zu Ihrer Microneedling-Beratung", "vielen Dank, dass Sie am 20. November 2026 zu uns gekommen",
                  "Warum wir noch warten", "Wann Sie wiederkommen können", "Mit freundlichen Grüßen",
                  "Elektronisch unterschrieben, 20. November 2026"):
        assert words in letter, words
    assert "Dear" not in letter and "Thank you" not in letter
    assert PREGNANCY in letter  # the findings are worded in the record's language too


def test_german_documents_verify_and_keep_their_data_language_neutral(packets, bilingual):
    for packet in packets.values():
        for document in packet.documents:
            report = verify_pdf(document.pdf, bilingual.config)
            assert report.ok, f"{document.kind}: {report.reason}"
            assert set(report.template_status.values()) == {"current"}
            assert "locale/de/LC_MESSAGES/documents.po" in report.templates
            assert PdfReader(io.BytesIO(document.pdf)).trailer["/Root"]["/Lang"] == "de"
    # the same record in English embeds the same data: answers as ids, the assessment, plan and signatures
    record = dict(german("caution"), language="en")
    renderer = HtmlRenderer(bilingual)
    renderer.pages = {}  # the HTML of each document, not laid out
    english = renderer.render(record, sealed=False, **signed(record))
    ours, theirs = json.loads(packets["caution"].attachment), json.loads(english.attachment)
    assert ours["record"].pop("language") == "de" and theirs["record"].pop("language") == "en"
    for data in (ours, theirs):
        data.pop("documents")
    assert ours == theirs


def test_a_course_follows_the_language_of_its_consent(packets):
    from intake.course.course import Course

    payload = json.loads(packets["caution"].attachment)
    assert Course.from_consent("example-caution", payload).language == "de"
