"""Hostile content appears literally or is rejected cleanly, and nothing is ever fetched."""

from __future__ import annotations

import json
import socket
import urllib.request
from datetime import datetime

import pytest

from intake.documents import RecordNotReadyError, SignatureInputError, TemplateProblemError, verify_pdf
from tests.conftest import load_example, with_answers
from tests.documents.conftest import CLIENT_TIME, DOC_DATA, copy_templates, pdf_pages, signatures, squash


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection or a URL fails the test."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network or file access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    return attempts


@pytest.fixture(scope="module")
def hostile_record() -> dict:
    return json.loads((DOC_DATA / "hostile.json").read_text(encoding="utf-8"))


def test_hostile_answers_appear_literally_and_nothing_is_fetched(renderer, hostile_record, no_network, clinic_dir):
    from intake.config import load_config

    renderer.fetcher.requests.clear()
    sigs = signatures(renderer, hostile_record)
    packet = renderer.render(hostile_record, **sigs)
    text = squash("".join(pdf_pages(packet.document("consent").pdf)))
    goals = hostile_record["answers"]["goals"]
    for fragment in ('<script>alert("x")</script>', '<img src="file:///etc/passwd">',
                     "@import url(http://evil.invalid/x.css);", '<link rel="attachment" href="file:///etc/shadow">',
                     '<svg><image href="http://evil.invalid/i.svg"/></svg>', "{{ 7*7 }}", "{% raw %}", "&amp; &lt;",
                     "W" * 200):
        assert fragment in goals and squash(fragment) in text, fragment
    assert squash("<iframe src=http://evil.invalid>") in text
    assert squash("url(http://evil.invalid/) <b>bold</b>") in text
    assert "Zoë" in text and "عائشة" in text and "כהן" in text
    assert "שלום" in text or "םולש" in text  # right-to-left text, in either extraction order
    assert set(renderer.fetcher.requests) == {"intake-asset:mark.png"}
    assert no_network == []
    assert verify_pdf(packet.document("consent").pdf, load_config(clinic_dir / "clinic.toml")).ok


def test_a_character_no_font_has_is_drawn_as_a_box_and_the_document_still_verifies(renderer, clinic_dir):
    from intake.config import load_config

    record = with_answers(load_example("suitable"), goals="Party ready 🎉 by June")
    packet = renderer.render(record, **signatures(renderer, record))
    report = verify_pdf(packet.document("consent").pdf, load_config(clinic_dir / "clinic.toml"))
    assert report.ok, report.reason
    assert json.loads(packet.attachment)["record"]["answers"]["goals"] == "Party ready 🎉 by June"
    # The same character on the page that carries the fingerprint (a one-page letter, the name in the footer).
    from intake.documents import Countersignature
    from tests.documents.conftest import COUNTER_TIME

    letter = renderer.render(with_answers(load_example("defer"), full_name="Chloe 🎉 O'Neill"),
                             countersignature=Countersignature("ajordan", COUNTER_TIME))
    assert "About this document" in pdf_pages(letter.documents[0].pdf)[-1]  # the name is in every footer
    report = verify_pdf(letter.documents[0].pdf, load_config(clinic_dir / "clinic.toml"))
    assert report.ok, report.reason


def test_hostile_signature_statement_and_reason_are_printed_literally(renderer, no_network):
    from intake.documents import Countersignature, Signature

    record = load_example("clearance")
    client = Signature("typed", "Tomás Ferreira", "<b>I agree</b> <script>x</script> url(http://evil.invalid)",
                       CLIENT_TIME)
    counter = Countersignature("ajordan", CLIENT_TIME, "override", "<script>reason</script> {{ config }}")
    packet = renderer.render(record, **{**signatures(renderer, record), "client_signature": client,
                                        "countersignature": counter}, sealed=False)
    text = squash("".join(pdf_pages(packet.document("consent").pdf)))
    assert squash("<b>I agree</b> <script>x</script> url(http://evil.invalid)") in text
    assert squash("<script>reason</script> {{ config }}") in text


@pytest.mark.parametrize("name, expected", [
    ("N" * 10_000, "Too long: 10,000 characters"),
    ("Eve\x00Null", "line break, control character"),
    ("Eve\u202eevil", "hidden formatting"),
    ("<script>alert(1)</script>", "letters, spaces, apostrophes"),
])
def test_impossible_names_are_rejected_with_a_clear_message(renderer, name, expected):
    record = with_answers(load_example("suitable"), full_name=name)
    with pytest.raises(RecordNotReadyError) as caught:
        renderer.render(record, **signatures(renderer, load_example("suitable")))
    message = str(caught.value)
    assert "cannot render documents" in message and "Your full name" in message and expected in message


@pytest.mark.parametrize("name", ["N" * 121, "Eve\nNewline", "Eve\u2066isolate", "<b>Eve</b>", "   "])
def test_impossible_signature_names_are_rejected(renderer, name):
    from intake.documents import Signature

    record = load_example("caution")
    bad = Signature("typed", name, "I agree", CLIENT_TIME)
    with pytest.raises(SignatureInputError, match="the client's signature"):
        renderer.render(record, **{**signatures(renderer, record), "client_signature": bad})


ATTACKS = {
    "file image": '<img src="file:///etc/passwd">',
    "http image": '<img src="http://evil.invalid/x.png">',
    "https stylesheet": '<link rel="stylesheet" href="https://evil.invalid/x.css">',
    "css import": "<style>@import url(http://evil.invalid/x.css);</style>",
    "css url": "<style>body { background: url(http://evil.invalid/x.png) }</style>",
    "attachment link": '<link rel="attachment" href="file:///etc/shadow">',
    "attachment anchor": '<a rel="attachment" href="http://evil.invalid/x">x</a>',
    "svg image": '<svg width="10" height="10"><image href="http://evil.invalid/x.svg" width="10" height="10"/></svg>',
    "eps object": '<object data="intake-asset:x.eps"></object><img src="intake-asset:x.eps">',
    "data url": '<img src="data:image/png;base64,iVBORw0KGgo=">',
    "relative url": '<img src="../../etc/passwd">',
    "font face": "<style>@font-face { font-family: X; src: url(http://evil.invalid/x.ttf) } "
                 "p { font-family: X }</style>",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_template_that_reaches_out_stops_the_render(renderer, attack, no_network):
    html = f"<html><body><p>text</p>{ATTACKS[attack]}</body></html>"
    with pytest.raises(TemplateProblemError, match="tried to load .*nothing was fetched"):
        renderer.write_pdf(html, b"{}", CLIENT_TIME, {})
    assert no_network == []


def test_a_stylesheet_that_imports_from_outside_is_refused(clinic_engine, tmp_path, no_network):
    from intake.documents import PacketRenderer

    templates = copy_templates(tmp_path)
    css = templates / "documents.css"
    css.write_text('@import url("https://evil.invalid/x.css");\n' + css.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(TemplateProblemError, match="https://evil.invalid/x.css"):
        PacketRenderer(clinic_engine, templates_dir=templates)


def test_an_edited_template_with_a_remote_image_is_refused(clinic_engine, tmp_path, no_network):
    from intake.documents import PacketRenderer

    templates = copy_templates(tmp_path)
    layout = templates / "aftercare.html.j2"
    layout.write_text(layout.read_text(encoding="utf-8").replace(
        "<h2>{% trans %}Day by day{% endtrans %}</h2>",
        '<h2>{% trans %}Day by day{% endtrans %}</h2><img src="https://evil.invalid/track.png">'), encoding="utf-8")
    edited = PacketRenderer(clinic_engine, templates_dir=templates)
    record = load_example("suitable")
    with pytest.raises(TemplateProblemError, match="https://evil.invalid/track.png"):
        edited.render(record, **signatures(edited, record), sealed=False)


def test_the_template_environment_is_sandboxed_and_strict(clinic_engine, tmp_path):
    from intake.documents import PacketRenderer

    templates = copy_templates(tmp_path)
    consent = templates / "consent.html.j2"
    original = consent.read_text(encoding="utf-8")
    consent.write_text(original.replace("{{ client_facts(client, record, clinic) }}",
                                        "{{ client.nmae }}"), encoding="utf-8")
    strict = PacketRenderer(clinic_engine, templates_dir=templates)
    record = load_example("suitable")
    with pytest.raises(TemplateProblemError, match="uses a value that does not exist"):
        strict.render(record, **signatures(strict, record), sealed=False)
    consent.write_text(original.replace("{{ client_facts(client, record, clinic) }}",
                                        "{{ ''.__class__.__mro__[1].__subclasses__() }}"), encoding="utf-8")
    sandboxed = PacketRenderer(clinic_engine, templates_dir=templates)
    with pytest.raises(TemplateProblemError, match="not allowed in a template|does not exist"):
        sandboxed.render(record, **signatures(sandboxed, record), sealed=False)
    consent.write_text(original.replace("{% endblock %}", "{% endblok %}", 1), encoding="utf-8")
    with pytest.raises(TemplateProblemError, match=r"consent.html.j2, line \d+"):
        PacketRenderer(clinic_engine, templates_dir=templates)


def test_timestamps_must_carry_a_time_zone(renderer):
    from intake.documents import Signature

    record = load_example("caution")
    naive = Signature("typed", "Aisha Rahman", "I agree", datetime(2026, 11, 20, 14, 0))
    with pytest.raises(SignatureInputError, match="no time zone"):
        renderer.render(record, **{**signatures(renderer, record), "client_signature": naive})
