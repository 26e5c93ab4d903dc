"""Provides the kind stop's two screens: the client's gentle hand-back and the practitioner's 'why it stopped'."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Static

from intake.consultation import consultation
from intake.i18n import intake_words
from intake.kindstop import CLIENT_MESSAGE, CLIENT_TITLE, KindStop
from intake.tui.screens.base import StaffContinueScreen, WizardScreen, header
from intake.tui.screens.practitioner import finding_text
from intake.tui.session import IntakeSession
from intake.tui.widgets.consultation import ConsultationView
from intake.tui.widgets.scrolling import ReadingBody


class KindStopScreen(StaffContinueScreen):
    """Tells the client, without naming any finding, that the practitioner will talk with them. Dismisses 'staff'."""

    HAND_BACK = True

    def __init__(self, clinic: str, language: str = "en") -> None:
        _ = intake_words(language).gettext
        super().__init__(clinic, {"title": _(CLIENT_TITLE), "message": _(CLIENT_MESSAGE)})


class StoppedScreen(WizardScreen[str]):
    """For the practitioner: why the intake stopped, and the answers given.

    Dismisses 'letter' (issue the deferral letter from the answers given), 'carry_on' (every question after
    all) or 'finish' (keep it as a draft).

    Args:
        session: the session holding the stopped intake.
        clinic: the clinic's name.
        stop: the kind stop (its deferral findings).
    """

    IDLE = "lock"

    def __init__(self, session: IntakeSession, clinic: str, stop: KindStop) -> None:
        super().__init__(classes="staff")
        self.session = session
        self.clinic = clinic
        self.stop = stop

    def compose(self) -> ComposeResult:
        answers = self.session.state.answers
        yield from header(self.clinic, title="Stopped kindly")
        with ReadingBody(id="practitioner-body"):
            yield Static(Content.assemble((answers.get("full_name", "(no name)"), "bold"),
                                          f" · consultation {self.session.state.consultation_date}"),
                         classes="screen-title")
            yield Static(Content("Stopped kindly: no treatment today. Please talk with the client."),
                         id="verdict", classes="verdict-defer")
            yield Static(Content("The client's answers gave a deferral, so they were asked only for their contact "
                                 "details: no consent statements and no signatures. They were told that you will "
                                 "talk with them. Once you have: issue the deferral letter (it names only what "
                                 "the client told us), or keep the intake as an unfinished draft (staff menu)."),
                         classes="screen-intro")
            yield Static("Why it stopped", classes="info-heading")
            for finding in self.stop.findings:
                yield Static(finding_text(finding), classes=f"finding sev-{finding.severity}")
            yield Static("The answers given, step by step", classes="info-heading")
            yield ConsultationView(consultation(self.session.engine.questionnaire, answers, self.stop.findings,
                                                self.session.staff_language, unanswered=False,
                                                facts=self.session.engine.facts(
                                                    answers, self.session.state.consultation_date)))
        with Horizontal(classes="navbar"):
            yield Button("Carry on with every question", id="carry-on")
            yield Button("Keep draft", id="finish")
            # A practitioner countersigns the letter: front-desk staff keep the draft for one.
            yield Button("Issue the deferral letter", id="letter", variant="primary", disabled=self.session.front_desk)

    def on_mount(self) -> None:
        self.query_one("#practitioner-body").focus()

    @on(Button.Pressed, "#finish")
    def _finish(self) -> None:
        self.dismiss("finish")

    @on(Button.Pressed, "#letter")
    def _letter(self) -> None:
        self.dismiss("letter")

    @on(Button.Pressed, "#carry-on")
    def _carry_on(self) -> None:
        self.dismiss("carry_on")
