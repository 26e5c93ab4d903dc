"""Provides CorrectionScreen: the practitioner corrects an answer the client gave by mistake, with the client.

The original answer is kept in the record and listed on the consent with the reason, who corrected it
and when; the intake is assessed again, and the client signs the corrected answers. An answer that
brings up a follow-up question (Yes to "blood thinners" needs which one) shows that question too.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Select, Static

from intake.datetyping import date_order
from intake.errors import IntakeError, InvalidRecordError
from intake.questionnaire import Question, localize
from intake.text import MAX_REASON
from intake.tui.problems import explain
from intake.tui.screens.base import WizardScreen, header
from intake.tui.session import IntakeSession
from intake.tui.widgets.questions import QuestionField, make_field
from intake.tui.widgets.scrolling import ReadingBody
from intake.tui.widgets.textbox import TextBox

INTRO = ("Change an answer the client gave by mistake, together with them. The original answer stays in the "
         "record and the consent lists the correction, with your reason. The client then signs the corrected "
         "answers.")


class CorrectionScreen(WizardScreen[bool]):
    """Dismisses True once the correction is kept, False when cancelled.

    Args:
        session: the session with a submitted intake, unlocked by a practitioner.
        clinic: the clinic's name.
        practitioner_id: who corrects (with the shared PIN, the practitioner chosen on the review screen).
    """

    IDLE = "lock"

    def __init__(self, session: IntakeSession, clinic: str, practitioner_id: str | None) -> None:
        super().__init__(classes="staff")
        self.session = session
        self.clinic = clinic
        self.practitioner_id = practitioner_id

    def _answered(self) -> list[Question]:
        engine, state = self.session.engine, self.session.state
        facts = engine.facts(state.answers, state.consultation_date)
        return [q for q in engine.questionnaire.visible(state.answers, facts) if q.id in state.answers]

    def compose(self) -> ComposeResult:
        questionnaire, language = self.session.engine.questionnaire, self.session.staff_language
        answers = self.session.state.answers
        options = [(Content(f"{localize(q.label, language)} — {questionnaire.display(q, answers[q.id], language)}"),
                    q.id) for q in self._answered()]
        yield from header(self.clinic, title="Correct an answer")
        with ReadingBody(id="correction-body"):
            yield Static(INTRO, classes="screen-intro")
            if self.session.countersigner is None:  # the shared PIN says someone on the staff, not who
                practitioners = [(Content(p.name), p.id) for p in self.session.engine.config.practitioners]
                yield Select(practitioners, prompt="Who is correcting?", id="correct-practitioner",
                             value=self.practitioner_id or Select.NULL)
            yield Select(options, prompt="Which answer needs correcting?", id="correct-question")
            yield Vertical(id="correct-fields")
            yield TextBox(placeholder="Why it is corrected (e.g. the client misread the question)",
                          id="correct-reason", max_length=MAX_REASON)
            yield Static("", id="correct-problem")
        with Horizontal(classes="navbar"):
            yield Button("Keep the correction", id="save", variant="primary")
            yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        first = self.query("#correct-practitioner")
        (first.first(Select) if first and first.first(Select).value is Select.NULL
         else self.query_one("#correct-question", Select)).focus()

    def _field(self, question: Question) -> QuestionField:
        questionnaire, language = self.session.engine.questionnaire, self.session.staff_language
        field = make_field(question, self.session.state.answers.get(question.id), language,
                           lambda key: questionnaire.word(key, language))
        field.date_order = date_order(self.session.engine.config)
        return field

    @on(Select.Changed, "#correct-question")
    async def _chosen(self, event: Select.Changed) -> None:
        fields = self.query_one("#correct-fields", Vertical)
        await fields.remove_children()
        if isinstance(event.value, str):
            field = self._field(self.session.engine.questionnaire.by_id[event.value])
            await fields.mount(field)
            field.focus_answer()

    def _changes(self) -> dict[str, Any]:
        return {field.question_id: field.value for field in self.query(QuestionField)}

    def _problem(self, message: str) -> None:
        self.query_one("#correct-problem", Static).update(Content(message))

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#correct-reason")
    async def _save(self) -> None:
        changes = self._changes()
        reason = self.query_one("#correct-reason", Input).value.strip()
        if not changes:
            self._problem("Choose the answer to correct.")
            return
        if len(reason) < 3:
            self._problem("Say why the answer is corrected.")
            self.query_one("#correct-reason", Input).focus()
            return
        chosen = self.query("#correct-practitioner")
        practitioner = chosen.first(Select).value if chosen else self.practitioner_id
        if not isinstance(practitioner, str) and self.session.countersigner is None:
            self._problem("Choose who is correcting.")
            return
        try:
            self.session.correct(changes, reason, practitioner if isinstance(practitioner, str) else None)
        except InvalidRecordError as exc:
            await self._show_problems(exc, changes)
            return
        except IntakeError as exc:
            self._problem(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
            self._problem(explain(exc))
            return
        self.dismiss(True)

    async def _show_problems(self, error: InvalidRecordError, changes: dict[str, Any]) -> None:
        """Names each problem at its question; a follow-up question the change brings up is shown to answer."""
        questionnaire = self.session.engine.questionnaire
        shown = {field.question_id: field for field in self.query(QuestionField)}
        for problem in error.problems:
            if problem.field not in shown and problem.field in questionnaire.by_id:
                field = self._field(questionnaire.by_id[problem.field])
                await self.query_one("#correct-fields", Vertical).mount(field)
                shown[problem.field] = field
            if problem.field in shown:
                shown[problem.field].show_problem(problem.message)
        self._problem("The corrected answers need the changes shown above.")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)
