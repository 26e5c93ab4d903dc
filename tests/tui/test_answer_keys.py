"""No key records an answer by accident: generated over every question of the questionnaire.

For each question (shown by answering what it follows up), on a step screen, unanswered and focused: Enter
chooses nothing (it says what is needed, or goes on); Space chooses the option it is on;
the key shown on each option chooses that option, ticks and unticks it for several (`Question.toggle`),
whatever the focus inside the question. Run on the clinic without the kind stop, so a deferring answer
does not close the step between keys (the kind stop is tested on its own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, TextArea

import intake.tui.app
from intake import conditions
from intake.choicekeys import question_keys
from intake.config import load_config
from intake.engine import Engine
from intake.tui.screens.step import StepScreen
from intake.tui.widgets.questions import QuestionField, make_field
from intake.tui.widgets.tiles import ChoiceTile
from intake.yesnokeys import yes_no_keys
from tests.documents.personas import _satisfy, baseline
from tests.prompt.conftest import asking_every_question, without_kind_stop
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import until
from tests.tui.test_kiosk import begin

ENGINE = Engine.load(without_kind_stop(asking_every_question(load_config(None))))  # every question can be asked
QUESTIONS = list(ENGINE.questionnaire.questions())
TILES = ("yes_no", "choice", "multi_choice", "acknowledgement")


def _show(question, answers: dict[str, Any]) -> None:
    """Answers what `question` follows up (and what that follows up) so that it is shown."""
    if question.show_if is None:
        return
    for leaf in conditions.leaves(question.show_if):
        parent = ENGINE.questionnaire.by_id.get(leaf.get("question", ""))
        if parent is not None:
            _show(parent, answers)
    _satisfy(ENGINE, question.show_if, answers)


def showing(question) -> dict[str, Any]:
    """Answers with no finding that show `question` (what it follows up answered so), without its own answer."""
    answers = baseline(ENGINE)
    _show(question, answers)
    answers.pop(question.id, None)
    return answers


async def step_screen(pilot, step_id: str, answers: dict[str, Any]) -> StepScreen:
    """A fresh screen of a step (opened to change it, as from the review) over these answers."""
    app = pilot.app
    while isinstance(app.screen, StepScreen) and app.screen.editing:
        app.pop_screen()
        await pilot.pause()
    app.session.state.intake.answers = answers
    screen = StepScreen(app.session, app.session.lifecycle.step_index(step_id), app.clinic, editing=True)
    await app.push_screen(screen)
    await pilot.pause()
    return screen


def _together(step, follow_ups: list) -> list[tuple[dict[str, Any], list[str]]]:
    """The step's follow-ups on as few screens as their answers allow: what each needs beyond the baseline (`showing`)
    merged while no two disagree, on a screen that shows every one of them, all unanswered."""
    base = baseline(ENGINE)
    screens: list[tuple[dict[str, Any], set[str], list[str]]] = []  # (changes, keys left out, questions)
    for question in follow_ups:
        answers = showing(question)
        changes = {k: v for k, v in answers.items() if k not in base or base[k] != v}
        out = set(base) - set(answers)
        for index, (merged, left_out, ids) in enumerate(screens):
            if any(k in merged and merged[k] != v for k, v in changes.items()) or set(changes) & (left_out | set(ids)) \
                    or set(merged) & (out | {question.id}):
                continue
            candidate = {**merged, **changes}
            shown = {k: v for k, v in {**base, **candidate}.items() if k not in left_out | out}
            if {question.id, *ids} <= {q.id for q in ENGINE.questionnaire.visible_in(step, shown)}:
                screens[index] = (candidate, left_out | out, [*ids, question.id])
                break
        else:
            screens.append((changes, out, [question.id]))
    return [({k: v for k, v in {**base, **merged}.items() if k not in left_out}, ids)
            for merged, left_out, ids in screens]


def screens_for_every_question() -> list[tuple[str, dict[str, Any], list[str]]]:
    """(step, answers, questions): each step with its own answers left out, which shows its questions unanswered,
    then its follow-ups, unanswered, on as few more screens as their answers allow (what each follows up answered
    so that it shows; follow-ups whose answers disagree on screens of their own)."""
    plan = []
    for step in ENGINE.questionnaire.steps:
        own = {q.id for q in step.questions}
        answers = {k: v for k, v in baseline(ENGINE).items() if k not in own}
        shown = {q.id for q in ENGINE.questionnaire.visible_in(step, answers)}
        plan.append((step.id, answers, [q.id for q in step.questions if q.id in shown]))
        follow_ups = [q for q in step.questions if q.id not in shown]
        plan += [(step.id, together, ids) for together, ids in _together(step, follow_ups)]
    return plan


@pytest.fixture(scope="module")
def no_stop_engine():
    return ENGINE


@pytest.mark.slow
async def test_enter_never_answers_any_question(no_stop_engine):
    plan = screens_for_every_question()
    assert sorted(q for _, _, ids in plan for q in ids) == sorted(q.id for q in QUESTIONS)  # every question
    app = build_app(no_stop_engine)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await begin(pilot)
        for step_id, answers, ids in plan:
            screen = await step_screen(pilot, step_id, answers)
            for question_id in ids:
                field = screen.query_one(f"#q-{question_id}", QuestionField)
                assert field.display and not field.answered, question_id
                field.focus_answer()
                before = dict(screen.working)
                await pilot.press("enter")
                assert screen.working == before, question_id  # nothing chosen, ticked or typed
                needed = screen.session.question_problems(screen.step, question_id, screen.working)
                if field.question.type == "long_text":  # Enter is a new line there (Tab goes on): still no answer
                    assert field.has_focus_within and field.query_one(TextArea).text == "\n", question_id
                elif needed:  # says what is needed, and stays
                    assert field.has_problem and field.has_focus_within, question_id
                    assert needed[0].message in str(field.query_one(".q-problem").render())
                else:  # an optional question: on to the next one, or to Next
                    assert not field.has_focus_within and app.focused is not None, question_id


class FieldApp(App):
    """One question's field at a time, as the step shows it (the keys are the field's own)."""

    CSS_PATH = str(Path(intake.tui.app.__file__).with_name("intake.tcss"))

    async def show(self, question, value: Any = None) -> QuestionField:
        for old in self.screen.query(QuestionField):
            await old.remove()
        questionnaire, language = ENGINE.questionnaire, ENGINE.language
        field = make_field(question, value, language, lambda key: questionnaire.word(key, language),
                           question_keys(questionnaire, question, language))
        await self.screen.mount(field)
        field.focus_answer()
        return field


async def field_shown(pilot, question) -> QuestionField:
    """`FieldApp.show`, then waits until the focus is on the field's answer (focusing is a message of its own: on a
    busy machine a pause can end before it lands)."""
    app = pilot.app
    field = await app.show(question)
    await until(pilot, lambda: app.focused is not None and field in app.focused.ancestors_with_self,
                f"{question.id}: the focus is on its answer")
    return field


async def test_space_chooses_the_option_it_is_on():
    app = FieldApp()
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        for question in (q for q in QUESTIONS if q.type in TILES):
            field = await field_shown(pilot, question)
            tile = app.focused
            assert isinstance(tile, ChoiceTile) and tile in field.query(ChoiceTile)
            await pilot.press("space")
            expected = question.toggle(None, tile.value) if question.type == "multi_choice" else tile.value
            await until(pilot, lambda f=field, e=expected, t=tile: f.value == e and t.selected,
                        f"{question.id}: space chose")


def _expected(question, before: Any, value: Any) -> Any:
    return question.toggle(before, value) if question.type == "multi_choice" else value


async def test_each_option_is_chosen_by_the_key_shown_on_it():
    questionnaire, language = ENGINE.questionnaire, ENGINE.language
    app = FieldApp()
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        for question in (q for q in QUESTIONS if q.type in ("yes_no", "choice", "multi_choice")):
            field = await field_shown(pilot, question)
            tiles = list(field.query(ChoiceTile))
            keys = question_keys(questionnaire, question, language)
            assert [t.key.casefold() for t in tiles] == [k.casefold() for k in keys if k], question.id
            if question.type == "yes_no":
                words = yes_no_keys(questionnaire, language)
                pressed = [(k, True) for k in words.yes] + [(k, False) for k in words.no]
            else:
                pressed = [(k, t.value) for k, t in zip(keys, tiles, strict=True) if k]
            tiles[-1].can_focus = True
            tiles[-1].focus()  # from anywhere in the question (here its last option)
            for key, value in pressed + pressed[:1]:  # the first again: a tick is taken back
                before = field.value
                await pilot.press(key.upper() if key == pressed[0][0] else key)  # either case
                wanted = _expected(question, before, value)
                await until(pilot, lambda f=field, w=wanted: f.value == w, f"{question.id}: key {key} chose {value!r}")
                chosen = {t.value for t in tiles if t.selected}
                assert chosen == (set(field.value) if isinstance(field.value, list) else {field.value} - {None})
                assert app.focused in tiles  # the keyboard follows the choice, inside the question


async def test_none_of_these_gives_way_and_takes_its_place(no_stop_engine):
    question = no_stop_engine.questionnaire.by_id["skin_condition_history"]
    app = build_app(no_stop_engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await begin(pilot)
        screen = await step_screen(pilot, question.step_id, showing(question))
        screen.query_one(f"#q-{question.id}", QuestionField).focus_answer()
        keys = dict(zip((o.id for o in question.options), question_keys(no_stop_engine.questionnaire, question,
                                                                           no_stop_engine.language), strict=True))
        for option, wanted in (("eczema", ["eczema"]), ("psoriasis", ["eczema", "psoriasis"]), ("none", ["none"]),
                               ("rosacea", ["rosacea"])):
            await pilot.press(keys[option])
            await until(pilot, lambda q=question.id, w=wanted: screen.working.get(q) == w,
                        f"{question.id} is {wanted!r}")


async def test_a_typed_answer_is_typed_into_its_box():
    app = FieldApp()
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        for question in (q for q in QUESTIONS if q.type in ("text", "date", "long_text")):
            field = await field_shown(pilot, question)
            box = field.query_one(TextArea if question.type == "long_text" else Input)
            assert app.focused is box
            await pilot.press("1")
            await until(pilot, lambda b=box: (b.text if isinstance(b, TextArea) else b.value) == "1",
                        f"{question.id}: the 1 typed is in its box")
