"""Provides the screens of a returning client's next session: finding the course, starting it, the client's words
at the end, and (behind the PIN) what came of the re-screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Static

from intake.datetyping import TYPING, how_to_type, read_date, show_date
from intake.i18n import N_, intake_words
from intake.lifecycle.treatment_form import FIRST_SESSION, NOT_TREATED
from intake.lifecycle.visits import ENDING_UNTREATED, UNFINISHED_WORDS
from intake.records.model import Visit
from intake.tui.device import words_of
from intake.tui.problems import explain
from intake.tui.screens.base import StaffContinueScreen, WizardScreen, header
from intake.tui.screens.staff import ReasonAsked
from intake.tui.widgets.scrolling import ReadingBody
from intake.tui.widgets.textbox import TextBox

#: What a client is told once they have typed their name and date of birth, whether or not one course matched:
#: a member of staff checks who they are and starts the session (nothing about any record is said here).
ASK_STAFF = {"title": N_("Thank you"),
             "message": N_("Please ask a member of staff to start your session: they will check your details with "
                           "you.")}


#: Ending a started or ready visit without treatment (the client left, or the practitioner decided not to treat).
END_VISIT = ReasonAsked("end", "End a visit", "End this visit without treatment?", ENDING_UNTREATED,
                        "Reason, e.g. the client had to leave", "Keep the visit", "End without treatment",
                        "Say why the visit ends without treatment.")


@dataclass(frozen=True)
class Starting:
    """What staff check before a session starts: whose course, and which session it is. `unfinished`: the client's
    visit that keeps a further one from starting (intake.lifecycle.visits.Visits.unfinished), or None."""

    full_name: str
    date_of_birth: str
    course_date: str
    number: int
    unfinished: Visit | None = None

    @property
    def continuing(self) -> bool:
        """The session was started earlier and its re-screen is not finished: it carries on."""
        return self.unfinished is not None and self.unfinished.status == "open"


class NextSessionScreen(WizardScreen[tuple[str, str] | None]):
    """The client types their name and date of birth. Dismisses (full name, YYYY-MM-DD), or None (back).

    Args:
        clinic: the clinic's name.
        order: the clinic's date order for typing the date of birth.
    """

    def __init__(self, clinic: str, order: str) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.order = order

    def compose(self) -> ComposeResult:
        language = getattr(self.app, "client_language", "en")
        _ = words_of(self.app)
        yield from header(self.clinic, title=_("Your next session"))
        with VerticalScroll(id="staff-body", can_focus=False):
            yield Static(_("Your next session"), classes="screen-title")
            yield Static(_("Please type your full name and your date of birth, as at your first consultation."),
                         classes="screen-intro")
            yield TextBox(placeholder=_("Full name"), id="visit-name", max_length=120)
            yield TextBox(placeholder=_("Date of birth: {how}").format(how=how_to_type(self.order, language)),
                          id="visit-birth", max_length=24, restrict=TYPING)
            yield Static("", id="visit-problem")
        with Horizontal(classes="navbar"):
            yield Button(_("Back"), id="back")
            yield Button(_("Continue"), id="continue", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#visit-name", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "visit-name" and not self.query_one("#visit-birth", Input).value.strip():
            self.query_one("#visit-birth", Input).focus()
        else:
            self._continue()

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        _ = words_of(self.app)
        name = " ".join(self.query_one("#visit-name", Input).value.split())
        birth = read_date(self.query_one("#visit-birth", Input).value, self.order,
                          getattr(self.app, "client_language", "en"))
        problem = None if name else _("Please type your full name.")
        problem = problem or (birth.problem if birth.iso is None else None) or \
            (None if birth.iso else _("Please type your date of birth."))
        if problem:
            self.query_one("#visit-problem", Static).update(Content(problem))
            self.query_one("#visit-birth" if name else "#visit-name", Input).focus()
            return
        self.dismiss((name, birth.iso or ""))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss(None)


class AskStaffScreen(StaffContinueScreen):
    """Asks the client to fetch a member of staff (the same words whatever was found). Dismisses 'staff'."""

    def __init__(self, clinic: str, language: str = "en") -> None:
        _ = intake_words(language).gettext
        super().__init__(clinic, {key: _(text) for key, text in ASK_STAFF.items()})


class ClientWordsScreen(StaffContinueScreen):
    """What the client is told once their re-screen is kept (by its outcome, no reasons), and to hand back.
    Dismisses 'staff'."""

    HAND_BACK = True

    def __init__(self, clinic: str, words: str, language: str = "en") -> None:
        _ = intake_words(language).gettext
        super().__init__(clinic, {"title": _("Thank you"), "message": _(words)})


class VisitStartScreen(WizardScreen[str]):
    """Staff check whose course it is before the session starts. Dismisses 'start', 'treatment', 'countersign' or
    'end' (the client's unfinished visit, `starting.unfinished`, comes first: finished, or ended without treatment),
    'menu' or 'welcome'.

    Args:
        clinic: the clinic's name.
        starting: the course found, or None when the name and date of birth typed matched no single course.
        order: the clinic's date order.
    """

    IDLE = "dismiss"

    def __init__(self, clinic: str, starting: Starting | None, order: str) -> None:
        super().__init__(classes="staff")
        self.clinic = clinic
        self.starting = starting
        self.order = order

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Next session")
        with VerticalScroll(id="staff-body", can_focus=False):
            found = self.starting
            if found is None:
                yield Static("No single course found", classes="screen-title")
                yield Static("The name and date of birth typed match no client with a countersigned consent, or "
                             "match more than one. Check them with the client and choose them from the staff menu "
                             "(Start a client's next session), or start a new consultation.", classes="screen-intro")
                yield Button("Staff menu", id="menu", variant="primary")
            else:
                yield Static(Content.assemble((found.full_name, "bold"),
                                              f", born {show_date(found.date_of_birth, self.order)}"),
                             classes="screen-title")
                yield from self._what_comes(found)
        with Horizontal(classes="navbar"):
            yield Button("Back to welcome", id="welcome")

    def _what_comes(self, found: Starting) -> ComposeResult:
        """The session that starts or carries on; or the unfinished visit that must be finished first, and its
        next step (a further session cannot start until it is countersigned)."""
        waiting = found.unfinished
        if waiting is None or waiting.status == "open":
            again = "continues (started earlier)" if found.continuing else "starts now"
            yield Static(Content(f"Session {found.number} of the course consented on "
                                 f"{show_date(found.course_date, self.order)} {again}. Check that this is the "
                                 "client, then hand them the device for their questions."), classes="screen-intro")
            yield Button("Start the session and hand over", id="start", variant="primary")
            if found.continuing:
                yield Button("Not treated: end this visit", id="end")
            return
        yield Static(Content(UNFINISHED_WORDS[waiting.status].format(
            number=waiting.number, visit_id=waiting.visit_id, date=show_date(waiting.visit_date, self.order))),
            classes="screen-intro")
        if waiting.status == "ready":
            yield Button("Record the treatment", id="treatment", variant="primary")
            yield Button("Not treated: end this visit", id="end")
        else:
            yield Button("Countersign the session", id="countersign", variant="primary")

    def on_mount(self) -> None:
        self.query("#staff-body Button").first(Button).focus()

    @on(Button.Pressed, "#start, #treatment, #countersign, #end, #menu, #welcome")
    def _choice(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "welcome")


class ChooseClientScreen(WizardScreen[str | None]):
    """Staff choose whose next session starts: by name and date of birth, or by a client or intake id.
    Dismisses the reference (a client id, or the id typed), or None.

    Args:
        clinic: the clinic's name.
        look_up: (full name, YYYY-MM-DD) -> the ids of the clients who match exactly.
        order: the clinic's date order.
    """

    IDLE = "dismiss"

    def __init__(self, clinic: str, look_up: Callable[[str, str], Sequence[str]], order: str,
                 title: str = "Start a client's next session") -> None:
        super().__init__(classes="staff")
        self.clinic = clinic
        self.look_up = look_up
        self.order = order
        self.title_text = title

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Next session")
        with VerticalScroll(id="staff-body", can_focus=False):
            yield Static(Content(self.title_text), classes="screen-title")
            yield Static("Type the client's full name and date of birth, or their client or intake id.",
                         classes="screen-intro")
            yield TextBox(placeholder="Full name", id="choose-name", max_length=120)
            yield TextBox(placeholder=f"Date of birth: {how_to_type(self.order)}", id="choose-birth", max_length=24,
                          restrict=TYPING)
            yield TextBox(placeholder="or: client id (c-…) or intake id", id="choose-id", max_length=40)
            yield Static("", id="choose-problem")
            yield Vertical(id="choose-found")
        with Horizontal(classes="navbar"):
            yield Button("Cancel", id="cancel")
            yield Button("Look up", id="look-up", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#choose-name", Input).focus()

    def _say(self, message: str) -> None:
        self.query_one("#choose-problem", Static).update(Content(message))

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "choose-name":
            self.query_one("#choose-birth", Input).focus()
        else:
            await self._look_up()

    @on(Button.Pressed, "#look-up")
    async def _look_up(self) -> None:
        typed_id = self.query_one("#choose-id", Input).value.strip()
        if typed_id:
            self.dismiss(typed_id)
            return
        name = " ".join(self.query_one("#choose-name", Input).value.split())
        birth = read_date(self.query_one("#choose-birth", Input).value, self.order)
        if not name or birth.iso is None:
            self._say(birth.problem or "Type the full name and the date of birth, or an id.")
            return
        try:
            clients = list(self.look_up(name, birth.iso))
        except Exception as exc:  # noqa: BLE001 - shown to staff, never a traceback
            self._say(explain(exc))
            return
        if len(clients) == 1:
            self.dismiss(clients[0])
            return
        found = self.query_one("#choose-found", Vertical)
        await found.remove_children()
        if not clients:
            self._say(f"No client matches “{name}”, born {show_date(birth.iso, self.order)}. Check the spelling "
                      "and the date with the client.")
            return
        self._say(f"{len(clients)} clients match: choose by their client id (see `intake records show`).")
        await found.mount_all([Button(client, id=f"client-{client}", classes="client-button") for client in clients])

    @on(Button.Pressed, ".client-button")
    def _chosen(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("client-"))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class VisitOutcomeScreen(WizardScreen[str]):
    """For staff, after the client handed back: what came of the re-screen, with the reasons and the changes the
    client reported. Dismisses 'done', 'treatment' (a visit ready: on to its treatment record) or 'letter' (a visit
    deferred: its letter for the client).

    Args:
        clinic: the clinic's name.
        heading: the client and the session.
        outcome: the visit's status in words.
        lines: the reasons, the day to come back, and the changes reported (each highlighted).
    """

    IDLE = "lock"

    def __init__(self, clinic: str, heading: str, outcome: str, lines: Sequence[str], treat: bool = False,
                 letter: bool = False) -> None:
        super().__init__(classes="staff")
        self.treat = treat
        self.letter = letter
        self.clinic = clinic
        self.heading = heading
        self.outcome = outcome
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Next session")
        with ReadingBody(id="practitioner-body"):
            yield Static(Content(self.heading), classes="screen-title")
            yield Static(Content(self.outcome), id="verdict",
                         classes="verdict-suitable" if self.outcome.startswith("Ready") else "verdict-defer")
            for line in self.lines:
                yield Static(Content(line), classes="finding sev-caution")
        with Horizontal(classes="navbar"):
            yield Button("Done", id="done", variant="default" if self.treat or self.letter else "primary")
            if self.treat:
                yield Button("Treatment record", id="treatment", variant="primary")
            if self.letter:
                yield Button("Letter for the client", id="letter", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#treatment" if self.treat else "#letter" if self.letter else "#done", Button).focus()

    @on(Button.Pressed, "#done, #treatment, #letter")
    def _done(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "done")


class FirstSessionScreen(WizardScreen[str]):
    """For the practitioner, once the consultation is countersigned: was the client treated today? Dismisses
    'treatment' (record today's treatment: session 1 of the course, its re-screen the consultation) or
    'not-treated' (nothing is recorded; the next visit will be session 1).

    Args:
        clinic: the clinic's name.
        heading: the client and the course.
    """

    IDLE = "lock"

    def __init__(self, clinic: str, heading: str) -> None:
        super().__init__(classes="staff")
        self.clinic = clinic
        self.heading = heading

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Today's treatment")
        with ReadingBody(id="practitioner-body"):
            yield Static(Content(self.heading), classes="screen-title")
            yield Static(FIRST_SESSION, classes="finding")
            yield Static(Content(NOT_TREATED.replace("Not treated today: ", "If not: ")), classes="finding")
        with Horizontal(classes="navbar"):
            yield Button("Not treated today", id="not-treated")
            yield Button("Record today's treatment", id="treatment", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#treatment", Button).focus()

    @on(Button.Pressed, "#not-treated, #treatment")
    def _chosen(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "not-treated")
