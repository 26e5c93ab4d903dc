"""Documents that agree with themselves: every rule alone and every pair of rules, read as text.

For each record (generated from the data: a rule's persona, or a pair's), every document is checked for
instructions that disagree or repeat: one SPF number at most; of the advice on a topic (schemas/rules.json:
aftercare additions, instructions, what everyone gets) one piece at most; no sentence of the findings' or the
advice's wording twice; a letter with a lasting finding promises no return; a decision says what was asked
for (an approval, a waiting period, a guardian's consent, a review); the "About this document" block ends
each document. The pairs read the HTML the templates produce (one warm renderer, one render per record shared
by every check); every rule alone, and a sample of pairs, also go through the real PDF, whose last page must
hold other content above that block.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest

from intake.documents import Countersignature, PacketRenderer
from intake.engine import Engine
from tests.documents import personas
from tests.documents.conftest import COUNTER_TIME
from tests.documents.reading import HtmlRenderer, pdftotext, signed

ENGINE = Engine.load()
RULES = [r for r in ENGINE.rules.rules if personas.fires_here(ENGINE, r)]
BY_ID = {r.id: r for r in RULES}
#: Words that promise a return: never in a letter that says a finding will not pass.
RETURN = ("come back", "see you", "book you in", "before booking", "next time", "before then", "not a final no",
          "We can treat you from", "When you come back")
#: What a clearance decision says it noted, by what the findings asked for.
NOTED = {"guardian": "the parent's or guardian's consent", "review": "the review asked for above was done",
         "approval": "asked for above ha", "wait": "the waiting period"}
PDF_PAIRS = 6  # pairs also laid out as PDF (a seeded sample); every rule alone is


def _records() -> dict[tuple[str, ...], dict]:
    """Every rule alone and every pair of rules that can hold together (both fire), as records."""
    alone = {(r.id,): personas.triggering(ENGINE, r) for r in RULES}
    found = {key: personas.record(ENGINE, answers) for key, answers in alone.items()}
    for first, second in itertools.combinations(RULES, 2):
        try:
            answers = personas.triggering(ENGINE, second, base=alone[(first.id,)])
        except ValueError:  # the second rule's condition cannot hold with the first's
            continue
        rec = personas.record(ENGINE, answers)
        fired = {f.rule_id for f in ENGINE.assessor.assess(rec).findings}
        if {first.id, second.id} <= fired:
            found[first.id, second.id] = rec
    return found


RECORDS = _records()


@pytest.fixture(scope="module")
def html_renderer() -> HtmlRenderer:
    return HtmlRenderer(ENGINE)


def render(renderer, rec: dict) -> dict[str, str]:
    """The documents of a record by kind: a deferral's letter, else the signed consent (clearance noted) and
    aftercare sheet."""
    assessment = ENGINE.assessor.assess(rec)
    if assessment.verdict == "defer":
        return renderer.html(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))
    decision = ("clearance_noted", "Seen and discussed with the client.") if assessment.verdict == "clearance" \
        else ("none", "")
    return renderer.html(rec, **signed(renderer, rec, decision=decision[0], reason=decision[1]))


def advice_items() -> dict[str, list[str]]:
    """Every piece of advice in the data by topic, as the wordings a document may print (text and checklist)."""
    from intake.advice import from_data

    topics: dict[str, list[str]] = {}
    items = [*ENGINE.rules.everyone, *(a for r in ENGINE.rules.rules for a in r.aftercare),
             *(r.instruction for r in ENGINE.rules.rules if r.instruction)]
    for item in items:
        advice = from_data(item, "en")
        topics.setdefault(advice.topic, []).extend(w for w in (advice.text, advice.checklist) if w)
    return topics


ADVICE = advice_items()


def sentences(text: str) -> list[str]:
    """The sentences of a wording long enough to be an instruction (six words or more)."""
    return [s.strip() for s in re.split(r"(?<=[.:;])\s+", text) if len(s.split()) >= 6]


def check_agreement(rec: dict, pages: dict[str, str]) -> None:
    """Each document says each thing once, and never two things that disagree."""
    assessment = ENGINE.assessor.assess(rec)
    wordings = [w for f in assessment.findings for w in (f.reason, f.risk, f.instruction.text if f.instruction
                                                         else "", *f.aftercare) if w]
    for kind, text in pages.items():
        assert len(set(re.findall(r"SPF (\d+)", text))) <= 1, (kind, re.findall(r"SPF \d+[^.]*", text))
        for topic, words in ADVICE.items():
            found = {w for w in words if w in text}
            given = {w for w in found if not any(w != other and w in other for other in found)}  # not a part
            assert len({_item_of(topic, w) for w in given}) <= 1, (kind, topic, given)
        for sentence in {s for w in wordings for s in sentences(w)}:
            assert text.count(sentence) <= 1, (kind, sentence)
        assert text.count("About this document") == 1, kind
        assert text.rstrip().endswith(("digital signatures.", "with the fingerprint above.")), (kind, text[-200:])
    letter = pages.get("deferral")
    if letter is not None and any(f.lasting for f in assessment.of_severity("defer")):
        for words in RETURN:
            assert words not in letter, words
    consent = pages.get("consent")
    if consent is not None and assessment.verdict == "clearance":
        decision = consent.split("Decision recorded:")[1].split("Seen and discussed")[0]
        asked = {f.needs for f in assessment.of_severity("clearance")}
        for need, words in NOTED.items():
            assert (words in decision) is (need in asked), (need, decision)
        assert ("approvals" in decision or "approval " in decision) is ("approval" in asked), decision


def _item_of(topic: str, words: str) -> int:
    """Which piece of advice on a topic a wording belongs to (its text and checklist are one piece)."""
    from intake.advice import from_data

    items = [*ENGINE.rules.everyone, *(a for r in ENGINE.rules.rules for a in r.aftercare),
             *(r.instruction for r in ENGINE.rules.rules if r.instruction)]
    pieces = {(a.text, a.checklist) for a in (from_data(i, "en") for i in items) if a.topic == topic}
    return next(hash(piece) for piece in sorted(pieces) if words in piece)


@pytest.mark.parametrize("first", [r.id for r in RULES])
def test_every_rule_and_every_pair_says_each_thing_once_and_never_two_things(html_renderer, first):
    keys = [key for key in RECORDS if key[0] == first]
    assert (first,) in keys
    for key in keys:
        check_agreement(RECORDS[key], render(html_renderer, RECORDS[key]))


@pytest.fixture(scope="module")
def pdf_renderer(clinic_dir):
    return PacketRenderer(Engine.load(clinic_dir / "clinic.toml"))


PDF_CASES = [(r.id,) for r in RULES] + random.Random(20261120).sample(
    sorted(key for key in RECORDS if len(key) == 2), PDF_PAIRS)


@pytest.mark.parametrize("key", PDF_CASES, ids=["+".join(key) for key in PDF_CASES])
def test_each_document_ends_with_about_this_document_on_a_page_with_other_content(pdf_renderer, key):
    rec = RECORDS[key]
    assessment = pdf_renderer.engine.assessor.assess(rec)
    if assessment.verdict == "defer":
        packet = pdf_renderer.render(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))
    else:
        decision = "clearance_noted" if assessment.verdict == "clearance" else "none"
        packet = pdf_renderer.render(rec, **signed(pdf_renderer, rec, decision=decision,
                                                    reason="Seen." if decision != "none" else ""))
    clinic = pdf_renderer.engine.config.clinic
    for document in packet.documents:
        pages = [page for page in pdftotext(document.pdf).split("\f") if page.strip()]
        last = [line for line in pages[-1].splitlines() if line.strip()]
        at = next(i for i, line in enumerate(last) if "About this document" in line)
        above = [line for line in last[:at] if clinic["name"] not in line and clinic["address"] not in line]
        assert above, (document.kind, key, "the block is alone on its page")
        assert all("About this document" not in page for page in pages[:-1]), (document.kind, key)
