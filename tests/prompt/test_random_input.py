"""Random typing through the real walk: every answer recorded is one the typing chose by its key, or typed.

Hypothesis types sequences of lines (Enter, keys, digits, letters, garbage, long strings, odd Unicode)
into the real plain prompts (`KeyboardPrompter`: the real keys, hints, ticking, echo and keep) walking a
step of the questionnaire, as a new or a returning client. When the typing runs out the walk stops (as
Ctrl-D does), and every answer saved by then is checked against what was typed at its question.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.choicekeys import chosen_by, question_keys
from intake.datetyping import date_order, read_date
from intake.engine import Engine
from intake.prompt.keyed import KEEP_KEYS, keep_key
from intake.prompt.walker import Walker
from intake.questionnaire import Question
from intake.yesnokeys import yes_no_keys
from tests.documents.personas import CONSULTATION_TEXT, baseline
from tests.prompt.fake import KeyboardPrompter, OutOfLines

ENGINE = Engine.load()
STEPS = ENGINE.questionnaire.steps
BASE = baseline(ENGINE)
ORDER = date_order(ENGINE.config)

KEYS = sorted({k for q in ENGINE.questionnaire.questions() for k in question_keys(ENGINE.questionnaire, q, "en")
               if k} | {"k", "0", "b"})
ODD = ["\u200b", "ｙ", "Ｎ", "İ", "ß", "\x1b[A", "\t", "y\u0301", "🙂", "١", "\u00a0y", " n ", "n,", ",", "k k",
       "y n", "e p", "1 2 3", "n n", "e, r", "yes", "no", "Y", "N", "K"]
TYPICAL = ["Jo Bloggs", "14/05/1992", "20/11/2026", "01/10/2026", "07700 900123", "Nose", "a@example.com"]
_SHOWN_KEY = re.compile(r"(?:^|\s{2})(\S{1,3})\) ")


def from_screen(pick: int):
    """A person who types a key shown on the screen (the pick-th of the latest options), else a typical text."""
    def read(written: list[str]) -> str:
        for shown in reversed(written[-14:]):
            if shown.startswith("? "):
                break
            keys = _SHOWN_KEY.findall(shown)
            if keys:
                return keys[pick % len(keys)]
        return TYPICAL[pick % len(TYPICAL)]
    return read


#: Keys read off the screen come up most (so walks get far); then keys of any question, Enter, typical answers,
#: odd Unicode, garbage and long strings.
line = st.one_of(
    st.integers(0, 20).map(from_screen), st.integers(0, 20).map(from_screen), st.sampled_from(KEYS),
    st.just(""), st.just(""), st.sampled_from(TYPICAL), st.sampled_from(ODD),
    st.text(max_size=12).map(lambda text: text.replace("\n", " ").replace("\r", " ")),  # one line, as typed
    st.text(min_size=80, max_size=300).map(lambda text: text.replace("\n", " ").replace("\r", " ")),
)


def _keys(question: Question) -> tuple[str | None, ...]:
    if question.type == "acknowledgement":  # confirmed with the keys of Yes and No
        keys = yes_no_keys(ENGINE.questionnaire, "en")
        return keys.yes[0], keys.no[0]
    return question_keys(ENGINE.questionnaire, question, "en")


def _values(question: Question) -> list[Any]:
    if question.type in ("yes_no", "acknowledgement"):
        return [True, False]
    return [o.id for o in question.options]


def _kept(question: Question, typed: str, keepable: bool) -> bool:
    """True when the line keeps the earlier answer (offered only the first time the question is asked)."""
    if not keepable:
        return False
    key = KEEP_KEYS[0] if question.type in ("text", "long_text", "date") else keep_key(k for k in _keys(question) if k)
    return typed.strip().casefold() == key


def _chosen(question: Question, typed: str) -> Any:
    """The option value a line chooses by its key, else None (the test's own reading of the keys)."""
    index = chosen_by(_keys(question), typed.strip())
    return None if index is None else _values(question)[index]


def _ticked(question: Question, lines: list[str]) -> list[str]:
    """What a list holds after these lines: each line of keys ticks or unticks them (all keys, or nothing)."""
    ticked: list[str] = []
    for typed in lines:
        tokens = [t for t in re.split(r"[\s,;]+", typed.strip()) if t]
        values = [_chosen(question, t) for t in tokens]
        if tokens and None not in values:
            for value in values:
                ticked = question.toggle(ticked, value) or []
    return ticked


def check_chosen(question: Question, value: Any, typed: list[str], previous: Any, first: bool) -> None:
    """The recorded value is what the last of these lines chose (earlier ones chose nothing that stayed)."""
    assert typed, f"{question.id} recorded {value!r} with nothing typed"
    last = typed[-1]
    again = question.type == "acknowledgement"  # a statement is asked again until confirmed, keep still offered
    if _kept(question, last, (first or again) and previous is not None):
        assert value == previous
        return
    if question.type in ("yes_no", "choice"):
        assert _chosen(question, last) == value, (question.id, typed, value)
        assert all(_chosen(question, t) is None for t in typed[:-1])  # nothing before it chose
    elif question.type == "acknowledgement":
        assert value is True and _chosen(question, last) is True
    elif question.type == "multi_choice":
        assert last.strip() == "" and value == _ticked(question, typed[:-1]), (question.id, typed, value)
    elif question.type == "date":
        assert value == read_date(last, ORDER).iso
    elif question.type == "long_text":
        assert value == last
    else:
        assert value == last.strip()


@given(index=st.integers(0, len(STEPS) - 1), returning=st.booleans(), lines=st.lists(line, min_size=30, max_size=120))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_recorded_answer_was_chosen_by_the_typing(index, returning, lines):
    step = STEPS[index]
    own = {q.id for q in step.questions}
    before = {k: v for k, v in BASE.items() if k not in own}
    offered = {k: v for k, v in BASE.items() if k in own} if returning else {}
    prompter = KeyboardPrompter(lines)
    saved: list[dict[str, Any]] = [before]
    with contextlib.suppress(OutOfLines):  # the typing ran out: the person stopped, as with Ctrl-D
        Walker(ENGINE, prompter, CONSULTATION_TEXT).ask_step(step, before, index + 1, len(STEPS),
                                                             on_answer=saved.append, offered=offered)
    answers = saved[-1]
    assert {k: v for k, v in answers.items() if k not in own} == before
    for question in step.questions:
        if question.id in answers:
            asked = prompter.sessions(question.id)
            check_chosen(question, answers[question.id], asked[-1], offered.get(question.id), len(asked) == 1)
