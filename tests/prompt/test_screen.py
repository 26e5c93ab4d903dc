"""Plain prompts on a small terminal: every text wrapped at word boundaries at 80 and 40 columns, long texts paged.

Generated from the data: every question's label, help and options, every step's intro, the consent
information and the review of a complete intake.
"""

from __future__ import annotations

import pytest

from intake.consent_info import load_texts
from intake.engine import Engine
from intake.prompt.review import review_text, show_information
from intake.prompt.screen import columns, wrap, wrap_line
from intake.prompt.walker import Walker
from intake.questionnaire import localize
from tests.documents.personas import CONSULTATION_TEXT, baseline
from tests.prompt.fake import KeyboardPrompter, key_of
from tests.prompt.test_keys import QUESTIONS, ask, labels

ENGINE = Engine.load()
WIDTHS = (80, 40)


def every_text() -> list[str]:
    """Every text the client reads from the data."""
    texts = []
    for step in ENGINE.questionnaire.steps:
        texts.append(localize(step.title, "en"))
        if step.intro:
            texts.append(localize(step.intro, "en"))
    for question in QUESTIONS:
        texts.append(localize(question.label, "en"))
        if question.help:
            texts.append(f"  ({localize(question.help, 'en')})")
        texts.extend(f"  k) {label}" for _, label in labels(question))
    info = load_texts(ENGINE.config.templates_dir, ENGINE.questionnaire.languages, "en")["information"]
    texts.extend([info["intro"], *(f"   - {p}" for s in info["sections"] for p in s["points"])])
    return texts


def fits(line: str, width: int) -> bool:
    """A line fits, or is one word wider than the whole line (left to overflow rather than cut)."""
    return columns(line) <= width or len(line.split()) == 1


@pytest.mark.parametrize("width", [w - 1 for w in WIDTHS])
def test_every_text_is_wrapped_at_word_boundaries(width):
    for text in every_text():
        lines = wrap(text, width)
        assert all(fits(line, width) for line in lines), lines
        assert " ".join(lines).split() == text.split()  # no word was cut in two, none lost
        stripped = text.lstrip(" ")
        marker = len(text) - len(stripped) + next((len(m) for m in ("k) ", "- ") if stripped.startswith(m)), 0)
        assert all(line.startswith(" " * marker) for line in lines[1:]), lines  # hanging under the text


def test_a_path_wider_than_the_line_is_cut_after_its_slashes_and_any_other_word_is_left_whole():
    path = "/home/clinic/intake-documents/2026-11-20-consent-ABCDEFGH.pdf"
    lines = wrap_line(f"  Saved: {path} today", 30)
    assert lines == ["  Saved: /home/clinic/", "  intake-documents/", "  2026-11-20-consent-ABCDEFGH.pdf", "  today"]
    assert "".join(line.strip() for line in lines[:3]).removeprefix("Saved: ") == path
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    assert wrap_line(f"  {word} is long", 30) == [f"  {word}", "  is long"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("question_id", [q.id for q in QUESTIONS])
def test_every_question_is_drawn_within_the_terminal(question_id, width):
    question = ENGINE.questionnaire.by_id[question_id]
    first = labels(question)[0][1] if question.type not in ("text", "long_text", "date") else None
    lines = ([key_of(first)] + ([""] if question.type == "multi_choice" else [])) if first else ["x"]
    try:
        _, prompter, _ = ask(question_id, lines, columns=width)
    except Exception:  # a text refused: what was drawn still counts
        return
    drawn = [line for line in prompter.written if not line.startswith("? ")]
    assert all(fits(line, width - 1) for line in drawn), drawn
    words = " ".join(drawn).split()
    assert " ".join(localize(question.label, "en").split()) in " ".join(words)


def reader(question: str, key: str):
    """A person who presses Enter through pages and types `key` once the question is on the screen."""
    def read(written: list[str]) -> str:
        if question in " ".join(" ".join(written[-4:]).split()):
            return key
        return ""
    return read


def _pages(written: list[str], prompt: str) -> list[list[str]]:
    """The lines between one pager prompt and the next."""
    found: list[list[str]] = [[]]
    for line in written:
        if line.startswith(f"? {prompt}"):
            found.append([])
        else:
            found[-1].append(line)
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_the_review_is_paged_so_nothing_scrolls_off_a_24_row_screen(width):
    answers = baseline(ENGINE)
    question = "Are these answers true and complete?"
    pager = KeyboardPrompter(["", "b"] + [reader(question, "y")] * 20, columns=width)
    walker = Walker(ENGINE, pager, CONSULTATION_TEXT)
    text = review_text(walker, answers)
    from intake.prompt.keyed import labelled

    chosen = pager.choose("review", "Are these answers true and complete?", labelled([
        ("confirm", "Yes, they are true and complete"), ("edit", "No, I want to change something")]), above=text)
    assert chosen == "confirm"
    pages = _pages(pager.written, "Enter: ")
    assert len(pages) > 3
    assert all(len(page) <= 22 for page in pages)  # each page and its prompt fit 24 rows
    assert pager.typed_at("review:page")[:2] == ["", "b"]
    assert pages[2] == pages[0]  # b showed the page before again
    assert not any(page[0].startswith("      ") for page in pages)  # an answer stays on its question's page
    assert "? Enter: next page · b: back " in pager.written
    shown = "\n".join(pager.written)
    for question in ENGINE.questionnaire.visible(answers):
        assert " ".join(localize(question.label, "en").split()) in " ".join(shown.split())


def test_the_information_is_paged_and_asked_by_key(engine):
    class Session:  # what show_information reads of a session
        pass

    session = Session()
    session.engine, session.language = engine, "en"
    question = "I have read this information"
    session.prompter = KeyboardPrompter([reader(question, "n")] * 20 + [key_of("Yes")], columns=40)
    show_information(session)
    written = session.prompter.written
    pages = _pages(written, "Enter: ")
    assert len(pages) > 2 and all(len(page) <= 22 for page in pages[:-1])
    assert any("Please ask a member of staff" in line for line in written)
