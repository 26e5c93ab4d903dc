"""Helpers that read rendered documents as a person would: the final HTML as text, or the PDF via pdftotext."""

from __future__ import annotations

import html
import re
import subprocess
from datetime import UTC, datetime

from intake.documents import Countersignature, PacketRenderer, Signature
from intake.signing import guardian_of, guardian_required
from tests.documents.conftest import CLIENT_TIME, COUNTER_TIME

PREVIEW_TIME = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
STROKES = [[(0.1, 0.5), (0.3, 0.2), (0.5, 0.7), (0.8, 0.4)]]


class HtmlRenderer(PacketRenderer):
    """The real renderer, keeping each document's final HTML instead of laying it out as PDF."""

    def write_pdf(self, html_text, attachment, created, info):  # noqa: D102 - same contract, no layout
        self.pages[info["IntakeDocument"]] = html_text
        return b"%PDF-1.7 (not laid out)"

    def html(self, record, **kwargs) -> dict[str, str]:
        self.pages = {}
        self.render(record, sealed=False, **kwargs)
        return {kind: as_text(page) for kind, page in self.pages.items()}


def as_text(page: str) -> str:
    """What a reader sees of an HTML page: no head, no tags, entities decoded, spaces collapsed."""
    body = page.split("<body>", 1)[-1]
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r" ([.,;:)])", r"\1", squash(html.unescape(body)))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2068", "").replace("\u2069", "")).strip()


def signed(renderer, rec, *, drawn=False, decision="none", reason="", practitioner="ajordan"):
    """Client (and photo) signatures with a countersignature, at the fixed test times.

    For a minor whose consent a guardian gives, the guardian named in the answers signs in that capacity.
    """
    engine = renderer.engine
    name, capacity, relationship, suffix = rec["answers"]["full_name"], "client", "", ""
    age = engine.assessor.assess(rec).age
    if guardian_required(age, engine.config.age_policy):
        (name, relationship), capacity, suffix = guardian_of(engine.questionnaire, rec["answers"]), "guardian", \
            "_on_behalf"
    method, strokes = ("drawn", STROKES) if drawn else ("typed", [])
    client = Signature(method, name, renderer.statement("consent" + suffix), CLIENT_TIME, strokes,
                       capacity=capacity, relationship=relationship)
    photo = Signature("typed", name, renderer.statement("photo_consent" + suffix), CLIENT_TIME,
                      capacity=capacity, relationship=relationship) \
        if rec["answers"].get("photo_consent") is True else None
    return {"client_signature": client, "photo_signature": photo,
            "countersignature": Countersignature(practitioner, COUNTER_TIME, decision, reason)}


def pdftotext(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")
