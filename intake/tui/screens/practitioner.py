"""Provides PractitionerScreen: the verdict with every finding, the plan, the decision and the countersignature."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, Select, Static

from intake.assessment import Finding
from intake.consultation import consultation
from intake.dates import human_date
from intake.errors import IntakeError
from intake.i18n import documents_note
from intake.questionnaire import localize
from intake.text import MAX_REASON
from intake.treatment import AREA_QUESTION
from intake.tui.ahead import seconds_to_next_preparation
from intake.tui.clock import Clock
from intake.tui.problems import explain
from intake.tui.screens.base import WizardScreen, header
from intake.tui.session import IntakeSession
from intake.tui.state import Expected, Review
from intake.tui.widgets.consultation import ConsultationView
from intake.tui.widgets.plan_editor import PlanEditor
from intake.tui.widgets.scrolling import ReadingBody
from intake.tui.widgets.textbox import TextBox
from intake.tui.widgets.tiles import ChoiceTile
from intake.verdicts import wording

#: Only a clearance verdict takes a decision; a deferral never does (the store refuses it too).
CLEARANCE_DECISIONS = (
    ("clearance_noted", "Clearance noted (e.g. the doctor's letter is seen, or the waiting period is over)"),
    ("override", "Override: treat despite the finding"),
)
DECISION_WORDS = {"clearance_noted": "clearance noted", "override": "override"}
#: Seconds of calm after typing a reason before the documents are laid out again for what the screen shows.
SETTLE_SECONDS = 0.4
#: The same after typing a number of the plan (a key or two); a choice made with one press (a practitioner, an
#: area, a decision) starts them at once.
NUMBER_SETTLE_SECONDS = 0.1
#: The inputs where a sentence is typed.
_SENTENCES = ("reason", "supersede")


def finding_text(finding: Finding) -> Content:
    """One finding: severity, the question and answer behind it, and the practitioner's note."""
    parts: list = [(f"{finding.severity.upper():9}", "bold")]
    if finding.question_label:
        parts += [" ", (finding.question_label, "bold"), " → ", finding.answer]
    parts += ["\n", finding.practitioner_message]
    if finding.until:
        parts += ["\n", (f"Until {human_date(finding.until)}", "italic")]
    return Content.assemble(*parts)


class PractitionerScreen(WizardScreen[Review | str | tuple[str, Any]]):
    """The practitioner's review. Dismisses with a Review, 'close', or ('correct', practitioner id or None).

    While the practitioner reviews, the documents are laid out ahead in the renderer for what the
    screen would countersign with (again after each change, once it settles, and at each new
    minute, which the documents print), so that countersigning leaves only the seal to add.

    Args:
        session: the session with an assessed, submitted record.
        clinic: the clinic's name.
        clock: the clock for the time of countersigning.
        countersign: called with the Review before the screen closes (keeps the countersignature and
            starts the documents); whatever it raises is shown and the screen stays open. The screen
            closes once what it returns (if anything) is done, the Countersign button disabled meanwhile.
    """

    IDLE = "lock"

    def __init__(self, session: IntakeSession, clinic: str, clock: Clock,
                 countersign: Callable[[Review], Awaitable[Any] | None] | None = None) -> None:
        super().__init__(classes="staff")
        self.countersign = countersign
        self.session = session
        self.clinic = clinic
        self.clock = clock
        assessment = session.state.assessment
        if assessment is None:  # the flow shows this screen only after the answers are assessed
            raise IntakeError("The answers are not assessed yet: finish the questions before the practitioner's "
                              "review.")
        self.assessment = assessment
        # what is recorded already (a decision may stand)
        self.history = session.lifecycle.decision_history(session.current.intake_id)
        self.standing = self.history[0] != "none"
        self.kept = dict(session.state.practitioner_draft or {})
        self.decision = self.kept.get("decision", "keep" if self.standing else "none")
        self._settle: Timer | None = None
        self._minute: Timer | None = None

    def compose(self) -> ComposeResult:
        state, engine = self.session.state, self.session.engine
        answers = state.answers
        verdict = self.assessment.verdict
        age = f", age {self.assessment.age}" if self.assessment.age is not None else ""
        yield from header(self.clinic, title="Practitioner review")
        # The body takes the focus first, so the practitioner reads (and scrolls with the keys) from the top.
        with ReadingBody(id="practitioner-body", stop_when_fits=True):
            yield Static(Content.assemble((answers.get("full_name", ""), "bold"), age,
                                          f" · consultation {state.consultation_date}"), classes="screen-title")
            yield Static(Content(f"Verdict: {wording(verdict).label}"), id="verdict", classes=f"verdict-{verdict}")
            documents = self.session.lifecycle.documents_language(state.intake)
            if documents != self.session.language:  # a language for the documents alone, e.g. Urdu
                yield Static(Content(documents_note(documents, self.session.staff_language)),
                             id="documents-language")
            if self.assessment.return_date:
                yield Static(Content(f"Earliest return: {human_date(self.assessment.return_date)}"))
            yield Static(Content("Findings" if self.assessment.findings else "No findings."), classes="info-heading")
            for finding in self.assessment.findings:
                yield Static(finding_text(finding), classes=f"finding sev-{finding.severity}")
            yield Static("The consultation: every answer, step by step", classes="info-heading")
            yield ConsultationView(consultation(engine.questionnaire, answers, self.assessment.findings,
                                                self.session.staff_language,
                                                facts=engine.facts(answers, self.session.state.consultation_date)))
            yield Static("Practitioner", classes="info-heading")
            practitioners = [(Content(p.listed), p.id)
                             for p in engine.config.practitioners]
            own = self.session.countersigner  # a practitioner who unlocked with their own PIN signs as themselves
            chosen = own or self.kept.get("practitioner") or (practitioners[0][1] if len(practitioners) == 1
                                                                else Select.NULL)
            yield Select(practitioners, prompt="Who is countersigning?", id="practitioner", value=chosen,
                         disabled=own is not None)
            plan = self.session.lifecycle.default_plan(self.session.current)
            if plan is not None:
                question = engine.questionnaire.by_id.get(AREA_QUESTION)
                staff = self.session.staff_language
                labels = {o.id: localize(o.label, staff) for o in question.options} if question else {}
                yield Static("Treatment plan (defaults from the rules)", classes="info-heading")
                yield PlanEditor(plan, labels, engine.treatment, self.assessment.plan_limits)
                if verdict == "clearance":
                    yield from self._compose_decision()
            else:
                yield Static(Content("Deferred: a deferral letter will be produced. A deferral cannot be "
                                     "overridden."), classes="screen-intro")
            yield ChoiceTile("I have reviewed the answers and findings with the client and I countersign.",
                             True, mark="check", id="countersign-ack", classes="-statement",
                             selected=bool(self.kept.get("acknowledged")))
            yield Static("", id="practitioner-problem")
        with Horizontal(classes="navbar -in-order"):  # Countersign first in the Tab order; Close last (it asks)
            yield Button("Countersign and create documents", id="countersign", variant="primary")
            yield Button("Correct an answer", id="correct")
            yield Button("Close", id="close")

    def _compose_decision(self) -> ComposeResult:
        """The clearance decision: the one recorded (kept, or replaced with a reason), or a new one and its reason."""
        yield Static("Clearance (needed before the consent can be signed)", classes="info-heading")
        choices = list(CLEARANCE_DECISIONS)
        if self.standing:
            kind, reason, by, on, _ = self.history
            person = self.session.engine.config.practitioner(by)
            recorded = (f"Keep the recorded decision: {DECISION_WORDS[kind]} by {person.name if person else by} on "
                        f"{human_date(on)}" + (f" ({reason})" if reason else ""))
            choices.insert(0, ("keep", recorded))
        with Vertical(id="decisions"):
            for kind, label in choices:
                yield ChoiceTile(label, kind, mark="radio", classes="decision -statement",
                                 selected=kind == self.decision)
        reason = TextBox(self.kept.get("reason", ""), placeholder="Reason: what was seen or why", id="reason",
                         max_length=MAX_REASON)
        reason.display = self.decision not in ("keep", "none") or not self.standing
        yield reason
        if self.standing:
            supersede = TextBox(self.kept.get("supersede", ""), placeholder="Why it replaces the recorded decision",
                                id="supersede", max_length=MAX_REASON)
            supersede.display = self.decision not in ("keep", "none")
            yield supersede

    def on_mount(self) -> None:
        body = self.query_one("#practitioner-body")
        body.scroll_home(animate=False)
        body.focus()
        self._changed()

    # -- laying the documents out ahead ---------------------------------------------------------

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        """Something the documents print may have changed by typing: prepare again once the typing pauses."""
        self._changed(SETTLE_SECONDS if event.input.id in _SENTENCES else NUMBER_SETTLE_SECONDS)

    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _chosen(self) -> None:
        """A choice the documents print may have changed: prepare again at once (from the change, not the press)."""
        self._changed(0.0)

    def _changed(self, settle: float = 0.0) -> None:
        if self._settle is not None:
            self._settle.stop()
            self._settle = None
        if settle > 0:
            self._settle = self.set_timer(settle, self._prepare)
        else:
            self._prepare()

    def _prepare(self, changed: bool = True) -> None:
        """Notes what the screen would countersign with and lays it out ahead (for the current minute, and near its
        end the coming one: see intake.tui.ahead); again when the coming minute is next due (`changed`: False
        when nothing on the screen changed, only the time)."""
        review, problems = self._read()
        self.session.expect(None if problems or review is None else
                            Expected(review.practitioner_id, review.decision, review.reason, review.plan,
                                     self.history, review.supersede or ""))
        self.run_worker(partial(self._prepare_in_thread, changed), thread=True, group="prepare",
                        exit_on_error=False)
        if self._minute is not None:
            self._minute.stop()
        wait = seconds_to_next_preparation(self.clock.now(), changed, self.session.pace.layout)
        self._minute = self.set_timer(wait, partial(self._prepare, False))

    def _prepare_in_thread(self, changed: bool) -> None:
        # Only a head start: countersigning renders anyway and reports any problem in words.
        with suppress(Exception):
            self.session.prepare_countersigned(changed)

    def _stop_preparing(self) -> None:
        for timer in (self._settle, self._minute):
            if timer is not None:
                timer.stop()

    @on(ChoiceTile.Pressed, ".decision")
    def _decision(self, event: ChoiceTile.Pressed) -> None:
        """A decision chosen: the keyboard goes on to its reason (what is typed next is the reason)."""
        event.stop()
        self.decision = event.tile.value
        for tile in self.query(".decision").results(ChoiceTile):
            tile.selected = tile.value == self.decision
        replacing = self.standing and self.decision != "keep"
        self.query_one("#reason", Input).display = self.decision != "keep"
        for box in self.query("#supersede").results(Input):
            box.display = replacing
        if self.decision != "keep":
            self.query_one("#reason", Input).focus()
        else:
            self.query_one("#countersign-ack", ChoiceTile).focus()
        self._changed()

    @on(ChoiceTile.Pressed, "#countersign-ack")
    def _ack(self, event: ChoiceTile.Pressed) -> None:
        event.stop()
        event.tile.selected = not event.tile.selected

    def _problems(self, problems: list[str]) -> None:
        self.query_one("#practitioner-problem", Static).update(Content("\n".join(problems)))

    def _read(self) -> tuple[Review | None, list[str]]:
        """The countersignature as the screen stands (timed now), or the problems that stop it."""
        problems: list[str] = []
        practitioner = self.query_one("#practitioner", Select).value
        if practitioner is Select.NULL or practitioner is None:
            problems.append("Choose who is countersigning.")
        plan, reason = None, ""
        editors = self.query(PlanEditor)
        if editors:
            plan, plan_problems = editors.first().read()
            problems += plan_problems
        supersede = None
        if self.assessment.verdict == "clearance":
            reason = self.query_one("#reason", Input).value.strip() if self.decision != "keep" else ""
            if self.decision == "none":
                problems.append("Choose whether the clearance was noted or is overridden.")
            elif self.decision != "keep" and len(reason) < 3:
                problems.append("Give the reason for the clearance or the override.")
            if self.standing and self.decision not in ("keep", "none"):
                supersede = self.query_one("#supersede", Input).value.strip()
                if len(supersede) < 3:
                    problems.append("Say why the new decision replaces the recorded one.")
        if problems:
            return None, problems
        return Review(str(practitioner), self.decision, reason, plan, self.clock.now(), supersede), []

    def _keep_draft(self) -> bool:
        """Keeps what was chosen and typed in the session (for a correction, or a return); True when anything was."""
        boxes = {box.id: box.value for box in self.query("#reason, #supersede").results(Input)}
        practitioner = self.query_one("#practitioner", Select).value
        draft = {"decision": self.decision, "reason": boxes.get("reason", ""), "supersede": boxes.get("supersede", ""),
                 "acknowledged": self.query_one("#countersign-ack", ChoiceTile).selected,
                 "practitioner": practitioner if isinstance(practitioner, str) else None}
        self.session.state.practitioner_draft = draft
        return bool(draft["reason"] or draft["supersede"] or draft["acknowledged"]
                    or self.decision not in ("none", "keep"))

    @on(Button.Pressed, "#countersign")
    async def _countersign(self) -> None:
        review, problems = self._read()
        if not self.query_one("#countersign-ack", ChoiceTile).selected:
            problems.append("Tick the countersignature statement.")
        if problems or review is None:
            self._problems(problems)
            return
        waiting = None
        if self.countersign is not None:
            try:
                waiting = self.countersign(review)
            except IntakeError as exc:
                self.app.notify(str(exc), severity="error", timeout=15, markup=False)
                return
            except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
                self.app.notify(explain(exc), severity="error", timeout=15, markup=False)
                return
        self._stop_preparing()
        if waiting is not None:
            self.query_one("#countersign", Button).disabled = True
            await waiting
        self.dismiss(review)

    @on(Button.Pressed, "#correct")
    def _correct(self) -> None:
        """Correct an answer with the client: what is chosen here is kept for the return to this screen."""
        self._keep_draft()
        self._stop_preparing()
        self.session.expect(None)
        practitioner = self.query_one("#practitioner", Select).value
        self.dismiss(("correct", practitioner if isinstance(practitioner, str) else None))

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        """Close asks first when anything was chosen or typed (which is kept for a return)."""
        if self._keep_draft():
            self.app.push_screen(ConfirmClose(), self._after_close_asked)
        else:
            self._after_close_asked(True)

    def _after_close_asked(self, leave: bool | None) -> None:
        if leave:
            self._stop_preparing()
            self.session.expect(None)
            self.dismiss("close")


class ConfirmClose(ModalScreen[bool]):
    """Asks before the practitioner's review closes with choices made on it (they are kept for a return)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="message-box"):
            yield Static("Close the review without countersigning?", classes="screen-title")
            yield Static("Nothing is countersigned yet, and what you chose and typed on the review is not kept. "
                         "The intake waits in the staff menu with the client's answers and signatures.")
            with Horizontal(classes="navbar"):
                yield Button("Stay on the review", id="stay", variant="primary")
                yield Button("Close it", id="leave")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    @on(Button.Pressed)
    def _answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "leave")
