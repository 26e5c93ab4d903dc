"""Provides StepScreen: one step of the questionnaire, with live conditions and inline validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Input, Static

from intake.datetyping import date_order
from intake.errors import IntakeError
from intake.questionnaire import Step, localize
from intake.tui.screens.base import WizardScreen, header, staff_button
from intake.tui.session import IntakeSession
from intake.tui.widgets.questions import QuestionField, make_field
from intake.yesnokeys import yes_no_keys

#: Seconds after the last change before the step's answers so far are saved to the draft.
AUTOSAVE_SECONDS = 2.0
#: The keys, shown in the navigation bar ({keys}: the yes/no keys of the client's language, e.g. 'Y/N').
KEYS_HINT = "{keys} answer · ↑↓ move · Space choose · Enter next"
#: Shown (without naming anything) once an answer means the practitioner will talk with the client.
KIND_STOP_HINT = ("Thank you for telling us. You do not need to answer the rest: press Next, and the "
                  "practitioner will talk with you.")


@dataclass(frozen=True)
class StepResult:
    """How a step screen was left: 'next', 'back' or 'staff', with the step's answers as typed."""

    action: str
    answers: Mapping[str, Any] = field(default_factory=dict)


class StepScreen(WizardScreen[StepResult]):
    """Shows every question of one step; hidden questions appear as soon as their condition holds.

    Args:
        session: the intake session.
        index: the step's position (from 0).
        clinic: the clinic's name for the top bar.
        editing: opened from the review screen; Next returns there.
        focus_question: a question to focus first (when editing one answer).
    """

    def __init__(self, session: IntakeSession, index: int, clinic: str, *, editing: bool = False,
                 focus_question: str | None = None) -> None:
        super().__init__(classes="client")
        self.session = session
        self.index = index
        self.step: Step = session.steps[index]
        self.clinic = clinic
        self.editing = editing
        self.focus_question = focus_question
        own = {q.id for q in self.step.questions}
        self.working: dict[str, Any] = {k: v for k, v in session.state.answers.items() if k in own}
        self._autosave: Timer | None = None

    def compose(self) -> ComposeResult:
        language = self.session.language
        questionnaire = self.session.engine.questionnaire
        order = date_order(self.session.engine.config)
        yield from header(self.clinic, progress=(self.index + 1, len(self.session.steps)))
        with VerticalScroll(id="step-body", can_focus=False):  # Tab goes from answer to answer
            yield Static(Content(localize(self.step.title, language)), classes="screen-title")
            if self.step.intro:
                yield Static(Content(localize(self.step.intro, language)), classes="screen-intro")
            yield Static("", id="step-summary")
            visible = self._visible()
            for question in self.step.questions:
                field = make_field(question, self.working.get(question.id), language,
                                   lambda key: questionnaire.word(key, language))
                field.date_order = order
                field.display = question.id in visible
                yield field
        yield Static(Content(KIND_STOP_HINT), id="step-kind-stop")
        with Horizontal(classes="navbar"):
            yield Button("Cancel" if self.editing else "Back", id="back", disabled=self.index == 0 and not self.editing)
            yield staff_button()
            yield Static(Content(KEYS_HINT.format(keys=yes_no_keys(questionnaire, language).hint)),
                         classes="keys-hint")
            yield Button("Save and return" if self.editing else "Next", id="next", variant="primary")

    def _kind_stop(self) -> bool:
        """True when an answer gave a deferral and this step is not one the clinic still needs."""
        stop = self.session.kind_stop(self.step, self.working)
        return stop is not None and self.step.id not in stop.still_needed

    def _show_kind_stop(self) -> None:
        self.query_one("#step-kind-stop").set_class(self._kind_stop(), "-shown")

    def on_mount(self) -> None:
        self._show_kind_stop()
        target = self.focus_question
        fields = [f for f in self.query(QuestionField) if f.display]
        # The question asked for, else the first one still unanswered, else Next.
        chosen = next((f for f in fields if f.question_id == target), None) or \
            next((f for f in fields if not f.answered), None)
        if chosen is None:
            self.query_one("#next", Button).focus()
            return
        chosen.focus_answer()
        if chosen is not fields[0]:
            self.call_after_refresh(chosen.scroll_visible, top=True, animate=False)

    @on(QuestionField.Done)
    def _answer_done(self, event: QuestionField.Done) -> None:
        """Enter, Y or N on an answer: on to the next question shown, or Next after the last one."""
        fields = [f for f in self.query(QuestionField) if f.display]
        later = fields[fields.index(event.field) + 1:] if event.field in fields else []
        if later:
            later[0].focus_answer()
            later[0].scroll_visible(animate=False)
        else:
            self._next()

    def draft(self) -> tuple[Step, Mapping[str, Any]]:
        """This step's answers as they stand, including text typed whose change message is still queued
        (the app may be closing: a tablet's page went away)."""
        working = dict(self.working)
        for answer in self.query(QuestionField):
            if answer.question.type == "text":
                for box in answer.query(Input):
                    working[answer.question_id] = box.value.strip() or None
        return self.step, working

    def _visible(self) -> set[str]:
        merged = self.session.answers_with(self.step, self.working)
        engine = self.session.engine
        facts = engine.facts(merged, self.session.state.consultation_date)
        return {q.id for q in engine.questionnaire.visible_in(self.step, merged, facts)}

    def _show_visible(self) -> None:
        visible = self._visible()
        appeared = []
        for widget in self.query(QuestionField):
            shown = widget.question_id in visible
            if widget.display != shown:
                widget.display = shown
                if shown:
                    appeared.append(widget)
                elif widget.has_problem:
                    widget.show_problem(None)
        if appeared:  # a follow-up below the fold would give no cue: bring the new questions into view
            self.call_after_refresh(appeared[0].scroll_visible, animate=False)

    def _check(self, widget: QuestionField) -> None:
        problems = self.session.question_problems(self.step, widget.question_id, self.working)
        widget.show_problem(widget.own_problem() or (problems[0].message if problems else None))
        if not any(f.has_problem for f in self.query(QuestionField)):
            self.query_one("#step-summary", Static).update("")
            self.query_one("#step-summary").remove_class("-shown")

    def autosave(self) -> None:
        """Saves the answers given so far on this step (a crash then loses at most the last two seconds)."""
        self._autosave = None
        try:
            self.session.save_step(self.step, self.working, None if self.editing else self.step.id, partial=True)
        except IntakeError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)

    @on(QuestionField.Changed)
    def _answer_changed(self, event: QuestionField.Changed) -> None:
        self.working[event.field.question_id] = event.field.value
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_SECONDS, self.autosave)
        self._show_visible()
        if event.field.has_problem or event.field.question.type not in ("text", "long_text", "date"):
            self._check(event.field)
        self._show_kind_stop()

    @on(QuestionField.Left)
    def _answer_left(self, event: QuestionField.Left) -> None:
        widget = event.field
        if widget.display and (widget.value is not None or widget.has_problem):
            self._check(widget)

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        problems = self.session.step_problems(self.step, self.working)
        if not problems or (not self.editing and self._kind_stop()):
            self.dismiss(StepResult("next", dict(self.working)))
            return
        by_field = {}
        for problem in problems:
            by_field.setdefault(problem.field, problem.message)
        first = None
        for widget in self.query(QuestionField):
            message = by_field.get(widget.question_id) if widget.display else None
            if message:
                message = widget.own_problem() or message
            widget.show_problem(message)
            if message and first is None:
                first = widget
        count = len(by_field)
        summary = self.query_one("#step-summary", Static)
        summary.update(Content(f"Please look at the {count} answer{'s' if count != 1 else ''} marked below."))
        summary.add_class("-shown")
        if first is not None:
            first.focus_answer()
            first.scroll_visible(animate=False)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss(StepResult("back", dict(self.working)))

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self.dismiss(StepResult("staff", dict(self.working)))
