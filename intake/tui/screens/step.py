"""Provides StepScreen: one step of the questionnaire, with live conditions and inline validation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Input, Static, TextArea

from intake.choicekeys import question_keys
from intake.datetyping import date_order, show_date
from intake.echo import carrying
from intake.errors import IntakeError
from intake.i18n import intake_words
from intake.kindstop import CONTACT_QUESTION
from intake.questionnaire import Step, localize
from intake.tui.device import device_of
from intake.tui.screens.base import WizardScreen, header, staff_button
from intake.tui.screens.step_words import said_back_line, step_hint
from intake.tui.step_source import StepSource
from intake.tui.widgets.questions import QuestionField, make_field
from intake.tui.widgets.scrolling import show_whole
from intake.tui.widgets.text import KeysHint

#: Seconds after the last change before the step's answers so far are saved to the draft.
AUTOSAVE_SECONDS = 2.0
#: Seconds Next looks pressed when the step stays (Textual's own effect lasts as long).
PRESS_EFFECT_SECONDS = 0.2
#: Question types typed into a box: their answer is made (said back, checked) when the client leaves the box.
TYPED = ("text", "long_text", "date")


@dataclass(frozen=True)
class StepResult:
    """How a step screen was left: 'next', 'back' or 'staff', with the step's answers as typed."""

    action: str
    answers: Mapping[str, Any] = field(default_factory=dict)


class StepScreen(WizardScreen[StepResult]):
    """Shows every question of one step; hidden questions appear as soon as their condition holds.

    Args:
        session: the answers walked: the intake session, or a visit's re-screen (intake.tui.visit.VisitAnswers).
        index: the step's position (from 0).
        clinic: the clinic's name for the top bar.
        editing: opened from the review screen; Next returns there.
        focus_question: a question to focus first (when editing one answer).
    """

    #: No focus until the screen is shown: it then focuses the question asked for, the first unanswered one or
    #: Next (a screen built off-screen takes no focus, so nothing tells a tablet's page about its text boxes).
    AUTO_FOCUS = ""

    def __init__(self, session: StepSource, index: int, clinic: str, *, editing: bool = False,
                 focus_question: str | None = None) -> None:
        super().__init__(classes="client")
        self.session = session
        self.index = index
        self.step: Step = session.steps[index]
        self.clinic = clinic
        self.editing = editing
        self.focus_question = focus_question
        self.working: dict[str, Any] = self._saved()
        self._autosave: Timer | None = None
        #: the screen is about to be shown (new, or kept from an earlier visit): arrive as a new screen would
        self._arriving = True
        #: called once the screen has been shown and painted (StepScreens builds the next step then)
        self.after_shown: Callable[[], None] | None = None
        #: the app theme the screen's styles were last brought up to date for (None: not yet)
        #: the question last brought into view whole when the keyboard reached it
        self._question_shown: QuestionField | None = None
        #: the step's question fields, in order (made once in compose; a query would walk the whole screen)
        self.fields: list[QuestionField] = []
        #: the answers (every step's) and staff's kind-stop choice that the questions shown, the answers said back and
        #: the kind stop were last all brought up to date for, while no answer has changed since (None: not so)
        self._shown_for: tuple[dict[str, Any], bool] | None = None

    def compose(self) -> ComposeResult:
        try:
            visible = self._visible()
        except IntakeError:
            return  # the client left between this screen being built ahead and composed: it is dropped unseen
        language = self.session.language
        questionnaire = self.session.engine.questionnaire
        order = date_order(self.session.engine.config)
        yield from header(self.clinic, progress=(self.index + 1, len(self.session.steps)), language=language)
        with VerticalScroll(id="step-body", can_focus=False):  # Tab goes from answer to answer
            yield Static(Content(localize(self.step.title, language)), classes="screen-title")
            if self.step.intro:
                yield Static(Content(localize(self.step.intro, language)), classes="screen-intro")
            yield Static("", id="step-summary")
            self.fields = []
            for question in self.step.questions:
                field = make_field(question, self.working.get(question.id), language,
                                   lambda key: questionnaire.word(key, language),
                                   question_keys(questionnaire, question, language))
                field.date_order = order
                field.display = question.id in visible
                self.fields.append(field)
                yield field
        yield Static(Content(device_of(self.app).kind_stop), id="step-kind-stop")
        with Horizontal(classes="navbar"):
            _ = intake_words(language).gettext
            back = Button(_("Cancel") if self.editing else _("Back"), id="back",
                          disabled=self.index == 0 and not self.editing)
            going_on = Button(self.next_label, id="next", variant="primary")
            for button in (back, going_on):  # pressed, they look pressed only where the step stays (see _pressed)
                button.active_effect_duration = 0
            yield back
            yield staff_button(self.app)
            yield KeysHint(id="keys-hint", classes="keys-hint")
            yield going_on

    @property
    def next_label(self) -> str:
        """The label of the button that goes on: Next, or 'Save and return' when editing from the review."""
        _ = intake_words(self.session.language).gettext
        return _("Save and return") if self.editing else _("Next")

    @property
    def stopped(self) -> bool:
        """True while the step is closed by a kind stop: nothing on it can be answered; only Next goes on."""
        return self.has_class("-stopped")

    def _kind_stop(self) -> bool:
        """True when an answer gave a deferral and this step is not one the clinic still needs."""
        stop = self.session.kind_stop(self.step, self.working)
        return stop is not None and self.step.id not in stop.still_needed

    def _show_kind_stop(self) -> None:
        """Tells the client they need not answer the rest, and closes the step: its answers cannot be changed
        and Next (focused) is the one way on. The step with the contact details is never closed (the clinic
        needs them; it is finished first), and the step opens again when staff chose every question."""
        stop = self._kind_stop()
        self.query_one("#step-kind-stop").set_class(stop, "-shown")
        contact = self.session.engine.questionnaire.by_id.get(CONTACT_QUESTION)
        close = stop and (contact is None or contact.step_id != self.step.id)
        if close == self.stopped:
            return
        self.set_class(close, "-stopped")
        for widget in self.fields:
            widget.disabled = close
        self.query_one("#back", Button).disabled = close or (self.index == 0 and not self.editing)
        self._show_echoes()
        if close and not self._arriving:
            self._focus_next()
        self.refresh_hint()

    def _focus_next(self) -> None:
        """Puts the focus on the button that goes on (Next; always in view), leaving the answers where they are."""
        self.query_one("#next", Button).focus(scroll_visible=False)

    def key_hint(self) -> str:
        """The hint for what has the focus, in the words of the device in use."""
        return step_hint(self.session, device_of(self.app), self.focused, self.stopped, self.next_label)

    def _show_echoes(self) -> None:
        """Says back, under each question, an answer that carries a finding and how to change it on this device;
        an answer still being typed is said back once the client leaves its box (nothing once the client's intake
        is closed: a call left waiting when the kiosk timed out and forgot them)."""
        try:
            merged = self.session.answers_with(self.step, self.working)
        except IntakeError:
            return
        device = device_of(self.app)
        carried = carrying(self.session.engine, merged, self.session.state.consultation_date)  # (one assessment)
        typing = False
        for widget in self.fields:
            if not (widget.question.type in TYPED and widget.has_focus_within):
                widget.show_echo(said_back_line(self.session, device, widget, merged, self.stopped, carried))
            else:
                typing = True
        if not typing and not self._arriving:  # every answer said back, the questions and kind stop followed them
            self._shown_for = self._arrival()

    def _saved(self) -> dict[str, Any]:
        """This step's answers as the session holds them."""
        own = {q.id for q in self.step.questions}
        return {k: v for k, v in self.session.state.answers.items() if k in own}

    def on_mount(self) -> None:
        self.styled_for = self.app.theme  # (WizardScreen.on_mount runs as well: Textual calls each class's)

    def keyboard_moved(self, field: QuestionField | None = None) -> None:
        """The keyboard moved the focus (Tab, Enter or a key that answered): a question it reaches is shown from its
        top, with every option and key it shows, where that leaves the focus in view. A tap or a click leaves the
        view where it is (the client is looking at it).

        Args:
            field: the question the focus is going to (by default, where it is once the screen has refreshed).
        """
        self.call_after_refresh(self._show_question, field)

    def _show_question(self, field: QuestionField | None) -> None:
        """Scrolls a question not wholly in view so that it starts at the top of the view, where its focused answer
        still shows then; else the focused answer into view. A question in view stays where it is."""
        focused = self.focused
        if field is None and focused is not None:
            field = next((a for a in focused.ancestors_with_self if isinstance(a, QuestionField)), None)
        if field is None or field is self._question_shown or not field.is_attached:
            self._question_shown = field
            return
        self._question_shown = field
        show_whole(self.query_one("#step-body", VerticalScroll), field, self.focused)

    def on_screen_resume(self) -> None:
        """Arrives as a new screen would: no problems marked, questions shown for the answers so far, at the top,
        and the focus on the question asked for, else the first one still unanswered, else Next."""
        self.styled_for = self.app.theme
        if not self._arriving:
            return  # uncovered (a lock or message over it): everything stays as it was
        self._arriving = False
        body = self.query_one("#step-body", VerticalScroll)
        if body.scroll_y:
            body.scroll_home(animate=False)
        summary = self.query_one("#step-summary", Static)
        if summary.has_class("-shown"):
            summary.update("")
            summary.remove_class("-shown")
        for widget in self.fields:
            if widget.has_problem:
                widget.show_problem(None)
        shown_for = self._arrival()
        if shown_for is None or shown_for != self._shown_for:  # (else all shows what these answers call for)
            visible = self._visible()
            for widget in self.fields:
                if widget.display != (widget.question_id in visible):
                    widget.display = widget.question_id in visible
            self._show_kind_stop()
            self._show_echoes()
        self._shown_for = shown_for
        self._focus_first()
        self.refresh_hint()
        if self.after_shown is not None:
            self.call_after_refresh(self.after_shown)

    def _arrival(self) -> tuple[dict[str, Any], bool] | None:
        """What the step shows on arrival follows from: every answer with this step's, and whether staff chose to
        carry on after a kind stop (None once the client's intake is closed)."""
        try:
            waived = bool(getattr(self.session.state, "kind_stop_waived", False))  # (an intake's; not a visit's)
            return self.session.answers_with(self.step, self.working), waived
        except IntakeError:
            return None

    def _focus_first(self) -> None:
        target = self.focus_question
        fields = [f for f in self.fields if f.display]
        chosen = next((f for f in fields if f.question_id == target), None) or \
            next((f for f in fields if not f.answered), None)
        if chosen is None or self.stopped:
            self.query_one("#next", Button).focus()
            return
        chosen.focus_answer()
        if chosen is not fields[0]:
            self.call_after_refresh(chosen.scroll_visible, top=True, animate=False)

    def shows_saved_answers(self) -> bool:
        """True when the screen shows exactly this step's saved answers, as a new screen of it would.

        A screen kept from an earlier visit is shown again only then (StepScreens builds a new one otherwise).
        """
        saved = self._saved()
        if self.editing or {k: v for k, v in self.working.items() if v not in (None, "", [])} != saved:
            return False
        if not self.is_mounted:
            return True  # still being built, from these answers
        order = date_order(self.session.engine.config)
        for answer in self.fields:
            value = saved.get(answer.question_id)
            if (answer.value if answer.value not in ("", []) else None) != value:
                return False
            kind = answer.question.type
            if kind in ("text", "date"):
                box = answer.query_one(Input)
                if box.value != (show_date(value, order) if kind == "date" else value or ""):
                    return False
            elif kind == "long_text" and answer.query_one(TextArea).text != (value or ""):
                return False
        return True

    def _leave(self, result: StepResult) -> None:
        """Leaves the step: nothing of this visit is left running (the screen may be kept and shown again)."""
        if self._autosave is not None:
            self._autosave.stop()
            self._autosave = None
        self._arriving = True
        self._question_shown = None
        if not isinstance(self.focused, Button):  # an answer's box stops its cursor; Next or Back keeps the focus
            self.set_focus(None)  # (shown again, the step focuses Next again when all is answered: nothing restyled)
        hold = getattr(self.app, "hold_paint", None)  # no blank frame while the flow saves the step
        if callable(hold):
            hold()
        self.dismiss(result)

    @on(QuestionField.Done)
    def _answer_done(self, event: QuestionField.Done) -> None:
        """Enter on an answer, or a key that answered a yes/no question or a statement: on to the next question
        shown, or to Next after the last one (Next itself is the next key: the client sees the answer first).

        Enter on an unanswered (or wrong) answer says what is needed instead; an answer said back (it carries
        a finding) keeps the focus until Enter, so the client reads it before going on.
        """
        widget = event.field
        if self.stopped:
            self._focus_next()
            return
        if event.enter:
            self._show_echoes()
            problems = self.session.question_problems(self.step, widget.question_id, self.working)
            message = widget.own_problem() or (problems[0].message if problems else None)
            if message:
                widget.show_problem(message)
                widget.scroll_visible(animate=False)
                return
        elif widget.echoed:
            return
        fields = [f for f in self.fields if f.display]
        later = fields[fields.index(widget) + 1:] if widget in fields else []
        if later:
            later[0].focus_answer(scroll=False)
            self.keyboard_moved(later[0])
        else:
            self._focus_next()

    def draft(self) -> tuple[Step, Mapping[str, Any]]:
        """This step's answers as they stand, including text typed whose change message is still queued
        (the app may be closing: a tablet's page went away)."""
        working = dict(self.working)
        for answer in self.fields:
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
        for widget in self.fields:
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
        if not any(f.has_problem for f in self.fields):
            self.query_one("#step-summary", Static).update("")
            self.query_one("#step-summary").remove_class("-shown")

    def autosave(self) -> None:
        """Saves the answers given so far on this step (a crash then loses at most the last two seconds)."""
        self._autosave = None
        try:
            self.session.save_step(self.step, self.working, None if self.editing else self.step.id, partial=True)
        except IntakeError as exc:
            self.notify(str(exc), title=intake_words(self.session.language).gettext("Not saved"), severity="error",
                        markup=False)

    @on(QuestionField.Changed)
    def _answer_changed(self, event: QuestionField.Changed) -> None:
        answer = event.field
        if self.working.get(answer.question_id) == answer.value:
            return  # the answer is what it was (e.g. a box showing the saved answer): nothing to save or check
        self.working[answer.question_id] = answer.value
        self._shown_for = None
        if self._arriving:
            return  # typed just before the step was left: kept in `working`, so the screen is not shown again
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_SECONDS, self.autosave)
        self._show_visible()
        if answer.has_problem or answer.question.type not in TYPED:
            self._check(answer)
        self._show_kind_stop()
        if answer.question.type not in TYPED:
            self._show_echoes()

    @on(QuestionField.Left)
    def _answer_left(self, event: QuestionField.Left) -> None:
        widget = event.field
        if not self._arriving and widget.display and (widget.value is not None or widget.has_problem):
            self._check(widget)
        if not self._arriving:
            self.call_after_refresh(self._show_echoes)  # once the focus has left the box

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        problems = self.session.step_problems(self.step, self.working)
        if not problems or self._kind_stop():
            self._leave(StepResult("next", dict(self.working)))
            return
        by_field: dict[str, str] = {}
        for problem in problems:
            by_field.setdefault(problem.field, problem.message)
        first = None
        for widget in self.fields:
            message = by_field.get(widget.question_id) if widget.display else None
            if message:
                message = widget.own_problem() or message
            widget.show_problem(message)
            if message and first is None:
                first = widget
        self._pressed(self.query_one("#next", Button))
        count = len(by_field)
        summary = self.query_one("#step-summary", Static)
        marked = intake_words(self.session.language).ngettext("Please look at the {count} answer marked below.",
                                                              "Please look at the {count} answers marked below.",
                                                              count)
        summary.update(Content(marked.format(count=count)))
        summary.add_class("-shown")
        if first is not None:
            first.focus_answer()
            first.scroll_visible(animate=False)

    def _pressed(self, button: Button) -> None:
        """Shows a button pressed for a moment, as Textual does, where the step stays (Next refused). A step that is
        left changes the screen at once: restyling and repainting a button on the screen going away was a fifth of
        the work of a step change, for nothing anyone could see."""
        button.add_class("-active")
        self.set_timer(PRESS_EFFECT_SECONDS, lambda: button.remove_class("-active"))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self._leave(StepResult("back", dict(self.working)))

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self._leave(StepResult("staff", dict(self.working)))
