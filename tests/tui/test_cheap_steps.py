"""Step changes that cost little: what the wizard checks and shows on a step is what it was, with less work."""

from __future__ import annotations

import copy

from textual.widgets import Button, Input, TextArea

from intake import conditions
from intake.tui.screens.step import StepScreen
from intake.tui.widgets.tiles import ChoiceTile
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import count_styling_and_layouts, fill_step
from tests.tui.test_flow import start
from tests.tui.test_step_screens import _ahead, _shown

#: Answers that are wrong for some question type (and right for others): one tried on each question, in turn.
WRONG = (12345, "zzz", [], True, "1990-02-30", "a\u202eb")


def _whole_record_problems(validator, step, answers: dict, day: str) -> list:
    """The problems of a step's shown questions found by validating the whole record (as before the narrowing)."""
    questionnaire = validator.questionnaire
    facts = conditions.facts_for(answers, day, validator.policy)
    visible = {q.id for q in questionnaire.visible_in(step, answers, facts)}
    record = {"consultation_date": day, "answers": questionnaire.prune(answers, facts)}
    return [p for p in validator.problems(record) if p.field in visible]


def _cases(engine):
    """(step, answers) for every step of every example: the steps so far as a client walks them, every answer of
    the step left out in turn, and made wrong in turn (a follow-up's answer given while it is hidden, among them)."""
    steps = engine.questionnaire.steps
    for example in ("suitable", "defer"):
        answers = load_example(example)["answers"]
        so_far: dict = {}
        for step in steps:
            own = [q.id for q in step.questions]
            so_far.update({k: v for k, v in answers.items() if k in own})
            yield step, dict(so_far)
            yield step, dict(answers)
            for number, question in enumerate(own):
                yield step, {k: v for k, v in so_far.items() if k != question}
                yield step, {**copy.deepcopy(so_far), question: WRONG[(number + len(so_far)) % len(WRONG)]}


def test_a_steps_check_finds_what_the_whole_record_check_finds(engine):
    """The wizard checks a step against the record schema narrowed to that step's questions: for each of ~330
    answer sets, the problems (field, label, message, order) are exactly those the whole record's check gives."""
    validator = engine.validator_in("de")  # (the messages a client reads in German: the same checks)
    checked = found = 0
    for step, answers in _cases(engine):
        narrowed = validator.step_problems(step.id, answers, "2026-11-20")
        assert narrowed == _whole_record_problems(validator, step, answers, "2026-11-20"), (step.id, answers)
        checked += 1
        found += bool(narrowed)
    assert checked > 300 and found > 150  # the cases do find problems: the comparison is not of empty lists


async def _change(pilot, button: str, index: int, restyled: list, laid_out: list) -> StepScreen:
    """Presses Next or Back and waits for step `index` to show; the widgets restyled and the screens laid out
    meanwhile are in `restyled` and `laid_out` (of the step left and the step shown: the step after the one shown is
    built in the background meanwhile)."""
    left = pilot.app.screen
    restyled.clear()
    laid_out.clear()
    left.query_one(button, Button).press()
    shown = await _shown(pilot, index)
    restyled[:] = [node for node in restyled if node.screen in (left, shown)]
    laid_out[:] = [screen for screen in laid_out if screen in (left, shown)]
    return shown


async def test_a_step_change_restyles_and_lays_out_only_what_it_shows(engine, suitable_answers, monkeypatch):
    """Counted, at a keyboard (Enter on Next or Back): Next to a step built ahead lays out neither screen and restyles
    only the answer it focuses (the step left restyled its Next as pressed, and again as it lost the focus); Back to
    a step kept, all answered, restyles nothing at all (its Next lost the focus when left and got it back)."""
    app = build_app(engine)
    restyled, laid_out = count_styling_and_layouts(monkeypatch)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        shown = [await _shown(pilot, 0)]
        for index in (1, 2):
            await fill_step(pilot, suitable_answers)
            await _ahead(pilot, index)
            shown[-1].query_one("#next", Button).focus()
            await pilot.pause(0.2)  # the next step laid out off-screen meanwhile
            shown.append(await _change(pilot, "#next", index, restyled, laid_out))
            assert not laid_out
            assert restyled and all(node.screen is shown[-1] for node in restyled)
            assert {type(node) for node in restyled} <= {Input, ChoiceTile, TextArea}  # the answer focused, only

        shown[-1].query_one("#back", Button).focus()
        await pilot.pause()
        assert await _change(pilot, "#back", 1, restyled, laid_out) is shown[1]
        assert app.focused is shown[1].query_one("#next")  # all answered: Next, which kept the focus
        assert not restyled  # (it is laid out once, scrolled back to its top: it was left scrolled down)
