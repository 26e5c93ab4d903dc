"""A complete intake walked by touch on the tablet page, answered from an example record."""

from __future__ import annotations

import time
from typing import Any

from intake.engine import Engine
from intake.questionnaire import localize
from tests.browser.tablet import Tablet


def anchor(label: str) -> str:
    """The start of a label, cut at a word: enough to find it, short enough not to wrap."""
    if len(label) <= 40:
        return label
    return label[:40].rsplit(" ", 1)[0]


def tap_box(tablet: Tablet, label: str, kind: str, timeout: float = 45) -> None:
    """Taps the answer box of the question labelled `label`: its left edge, "║" when it has the focus (the wizard
    focuses the first unanswered question, perhaps only now), else the tall border of a box ("▊", or "▎" for a
    long answer). Rows are read downwards from the label, so the question's own box is found before the next one's."""
    edges = ("║", "▊" if kind != "long_text" else "▎")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [w for edge in edges if (w := tablet.find(edge, after=label, within=6))]
        where = min(found, key=lambda w: w[1]) if found else None  # the highest: this question's box
        if where:
            tablet.tap_at(*where)
            return
        time.sleep(0.15)
    raise AssertionError(f"no answer box under {label!r}:\n{tablet.text()}")


def answer(tablet: Tablet, engine: Engine, question, value: Any) -> None:
    """Answers one visible question by touch (and the keyboard for text)."""
    lang = engine.language
    label = anchor(localize(question.label, lang))
    kind = question.type
    tablet.reveal(label)
    if kind in ("text", "date", "long_text"):
        tap_box(tablet, label, kind)
        # The page offers the on-screen keyboard for a text field, the one that fits it.
        mode, capitalize, correct = {"email": ("email", "none", "off"), "phone": ("tel", "none", "off"),
                                     "name": ("text", "words", "off")}.get(
            question.kind, ("text", "none", "off") if kind == "date" else ("text", "sentences", "on"))
        tablet.inputmode(mode, autocapitalize=capitalize, autocorrect=correct,
                         enterkeyhint="enter" if kind == "long_text" else "next")
        assert "xterm-helper-textarea" in tablet.focused()  # focused inside the tap: a tablet raises its keyboard
        tablet.type(str(value))
        tablet.wait_for(str(value)[:20])
    elif kind == "yes_no":
        tablet.tap(engine.questionnaire.word("yes" if value else "no", lang), after=label)
        # (no keyboard check here: a tapped choice moves the focus on to the next question, which may be a
        # text field; the page's keyboard follows the wizard's focus, see test_tablet's check on a tile screen)
    elif kind in ("choice", "multi_choice"):
        chosen = value if isinstance(value, list) else [value]
        mark = "[ ]" if kind == "multi_choice" else "( )"  # the option's tile, not its words in the help text
        for option in question.options:
            if option.id in chosen:
                tablet.tap(f"{mark} {localize(option.label, lang)}", after=label, within=3 * len(question.options) + 6)
    elif kind == "acknowledgement" and value:
        tablet.tap(label)
