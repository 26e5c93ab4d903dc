"""Any key, in any order: an answer changes only by the documented keys, and only the answer that has the focus.

Hypothesis sends short random key sequences to a new client on a step (fixed examples: derandomized). Each
key is checked against what it may do where the focus was: Space chooses the option it is on (ticks or
unticks one of several), the key shown on an option chooses it, Y/N answer a yes/no question, typing and
Backspace change a text box; every other key (Enter, Tab, arrows, Page keys, Escape...) changes no answer.
What the store holds for the client is always what those keys chose (the latest, or on a slow machine an earlier
choice the autosave kept a moment before); nothing else reaches it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widget import Widget

from intake.choicekeys import chosen_by
from intake.tui.screens.step import StepScreen
from intake.tui.widgets.questions import QuestionField, YesNoField
from intake.tui.widgets.tiles import ChoiceTile
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app
from tests.tui.running import RunningApp, client_at

#: Keys a client might press; letters and digits include option keys (F, E, N, 1, 2) and Y/N.
KEYS = ["enter", "space", "tab", "shift+tab", "up", "down", "left", "right", "pagedown", "pageup", "home", "end",
        "escape", "backspace", "y", "n", "f", "e", "a", "m", "1", "2", "3"]
#: Steps a new client starts on (everything before them answered): tiles of every kind, and text boxes.
STEPS = ["about_you", "your_skin", "skin_today", "consent"]
TYPED = ("text", "date", "long_text")


@pytest.fixture(scope="module")
def running(engine):
    app = RunningApp(build_app(engine, kiosk=True, fake_renderer=True), SIZES["small"])
    yield app
    app.close()


def _field(widget: Widget | None) -> QuestionField | None:
    if widget is None:
        return None
    return next((a for a in widget.ancestors_with_self if isinstance(a, QuestionField)), None)


def allowed(field: QuestionField | None, focused: Widget | None, key: str, before: Any) -> list[Any]:
    """The answers the focused question may have after `key` (the first: unchanged); any typed text for a box."""
    if field is None:
        return [before]
    question, kind = field.question, field.question.type
    if kind in TYPED:
        return [before, ...]  # typing, Backspace: the box is the client's to type in
    character = key if len(key) == 1 else None
    tiles = list(field.query(ChoiceTile))
    if key == "space" and isinstance(focused, ChoiceTile):
        tile = focused
    elif isinstance(field, YesNoField) and field.yes_no.answer(character) is not None:
        tile = tiles[0 if field.yes_no.answer(character) else 1]
    elif kind in ("choice", "multi_choice") and chosen_by(field.keys, character) is not None:
        tile = tiles[chosen_by(field.keys, character)]
    else:
        return [before]
    if kind == "multi_choice":
        return [before, question.toggle(before, tile.value)]
    if kind == "acknowledgement":
        return [before, None if before is True else True]
    return [before, tile.value]


async def walk(pilot, start: str, keys: list[str]) -> None:
    app = pilot.app
    answers = copy.deepcopy(load_example("suitable")["answers"])
    await client_at(pilot, answers, start)
    chosen = dict(app.session.state.answers)
    #: every answer each question has had, in order: the autosave (a timer) stores what was chosen at its moment,
    #: which on a slow machine may be an answer from a key or two before the last
    had = {question: [answer] for question, answer in chosen.items()}
    for key in keys:
        screen = app.screen
        focused = app.focused
        field = _field(focused) if isinstance(screen, StepScreen) else None
        working = dict(screen.working) if isinstance(screen, StepScreen) else {}
        before = working.get(field.question_id) if field else None
        await pilot.press(key)
        await pilot.pause()
        if isinstance(screen, StepScreen) and screen.is_attached:
            changed = {k for k in set(working) | set(screen.working) if working.get(k) != screen.working.get(k)}
            assert changed <= ({field.question_id} if field else set()), (key, changed)
            if field is not None and changed:
                after = screen.working[field.question_id]
                options = allowed(field, focused, key, before)
                if ... not in options:  # (a text box: whatever was typed)
                    assert after in options, (key, field.question_id, before, after)
                chosen[field.question_id] = after
                had.setdefault(field.question_id, [before]).append(after)
        stored = app.session.state.answers
        wrong = {k: (v, had.get(k, [chosen.get(k)])) for k, v in stored.items() if v not in had.get(k, [chosen.get(k)])}
        assert not wrong, (key, wrong)  # the store holds only what was chosen


@pytest.mark.slow
@settings(max_examples=24, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(start=st.sampled_from(STEPS), keys=st.lists(st.sampled_from(KEYS), min_size=1, max_size=14))
def test_random_keys_change_only_the_focused_answer_and_only_as_documented(running, start, keys):
    running.call(lambda pilot: walk(pilot, start, keys))
