"""Provides the staff menu: start an intake, resume an unfinished one, or close the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Static

from intake.datetyping import TYPING, how_to_type, read_date, show_date
from intake.i18n import language_name
from intake.questionnaire import Questionnaire, localize
from intake.text import MAX_REASON
from intake.tui.problems import explain
from intake.tui.screens.base import WizardScreen, header
from intake.tui.widgets.textbox import TextBox


def _when(value: Any, zone: ZoneInfo) -> str:
    """A stored time (datetime or ISO text, UTC) as the clinic's local day and time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value.astimezone(zone).strftime("%d %b %H:%M") if isinstance(value, datetime) else str(value)


def draft_label(draft: Any, questionnaire: Questionnaire, language: str, zone: ZoneInfo,
                offered: Sequence[str] = ()) -> Content:
    """A draft as one line for staff: who, where it continues, when it was last saved, and (where the clinic offers
    more than one) the language it continues in, named in the staff's (a draft kept without one: the clinic's)."""
    step = next((s for s in questionnaire.steps if s.id == getattr(draft, "next_step", None)), None)
    where = localize(step.title, language) if step else "checking the answers"
    kept = dict(getattr(draft, "languages", None) or {}).get("language") or language
    spoken = f" · in {language_name(kept, language)}" if len(offered) > 1 else ""
    return Content.assemble((draft.client_label or "(no name yet)", "bold"),
                            f" · {where}{spoken} · saved {_when(draft.updated_at, zone)}")


def waiting_label(row: Any, zone: ZoneInfo) -> Content:
    """A submitted intake that still needs the practitioner, as one line for staff."""
    return Content.assemble((row.client_name or "(no name)", "bold"),
                            f" · {row.status}, waiting for review · {_when(row.updated_at, zone)}")


class StaffMenuScreen(WizardScreen[str | tuple[str, str]]):
    """Dismisses 'new', 'returning', 'visit' (a client's next session), 'treatment' (a session's record), 'welcome',
    'exit', ('resume', intake_id) or ('discard', intake_id); inside an intake 'return', 'pause' or 'exit'.

    Args:
        clinic: the clinic's name.
        drafts: the unfinished intakes (DraftSummary).
        questionnaire: to name the step each draft stopped at.
        language: the clinic's language.
        zone: the clinic's time zone.
        in_progress: opened from inside a client's intake (offers to return to it or pause it).
        offered: the languages the clinic offers its clients (each draft names its own when more than one).
    """

    def __init__(self, clinic: str, drafts: Sequence[Any], questionnaire: Questionnaire, language: str,
                 zone: ZoneInfo, in_progress: bool = False, waiting: Sequence[Any] = (),
                 offered: Sequence[str] = ()) -> None:
        super().__init__(classes="staff")
        self.offered = tuple(offered)
        self.clinic = clinic
        self.drafts = list(drafts)
        self.waiting = list(waiting)
        self.questionnaire = questionnaire
        self.language = language
        self.zone = zone
        self.in_progress = in_progress

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Staff menu")
        with VerticalScroll(id="staff-body", can_focus=False):
            yield Static("Staff menu", classes="screen-title")
            if self.in_progress:
                yield Button("Return to the client's form", id="return", variant="primary")
                yield Button("Stop here and keep it as a draft", id="pause")
            else:
                yield Button("Start a new intake", id="new", variant="primary")
                yield Button("Start for a returning client (fill in their earlier answers)", id="returning")
                with Horizontal(classes="course-row"):
                    yield Button("A client's next session", id="visit")
                    yield Button("Treatment record", id="treatment")
                heading = f"Unfinished intakes ({len(self.drafts)})" if self.drafts else "No unfinished intakes."
                yield Static(heading, classes="info-heading")
                for index, draft in enumerate(self.drafts):
                    with Horizontal(classes="draft-row"):
                        yield Button(draft_label(draft, self.questionnaire, self.language, self.zone, self.offered),
                                     id=f"draft-{index}", classes="draft-button")
                        yield Button("Discard…", id=f"discard-{index}", classes="discard-button")
                if self.waiting:
                    yield Static("Submitted by the client, waiting for the practitioner",
                                 classes="info-heading")
                for index, row in enumerate(self.waiting):
                    yield Button(waiting_label(row, self.zone), id=f"waiting-{index}", classes="draft-button")
        with Horizontal(classes="navbar"):
            if not self.in_progress:
                yield Button("Back to welcome", id="welcome")
            yield Button("Close the intake app", id="exit", variant="error")

    def on_mount(self) -> None:
        self._focus_first_choice()

    def on_screen_resume(self) -> None:
        """Shown (first or again): the focus on the first choice. The menu over a client's intake is kept and shown
        again (IntakeApp.client_staff_menu) with the styles it has unless the theme changed."""
        if self.in_progress:
            self.styled_for = self.app.theme
            self._focus_first_choice()

    def _focus_first_choice(self) -> None:
        """The focus on the first choice. A menu being built off-screen while the app closes gets no choices (Textual
        mounts nothing into a closing app), and is left so."""
        first = next(iter(self.query(Button)), None)
        if first is not None:
            first.focus()

    @on(Button.Pressed, ".discard-button")
    def _discard(self, event: Button.Pressed) -> None:
        draft = self.drafts[int((event.button.id or "discard-0").removeprefix("discard-"))]
        self.dismiss(("discard", draft.intake_id))

    @on(Button.Pressed, ".draft-button")
    def _resume(self, event: Button.Pressed) -> None:
        kind, index = (event.button.id or "draft-0").split("-")
        chosen = (self.drafts if kind == "draft" else self.waiting)[int(index)]
        self.dismiss(("resume", chosen.intake_id))

    @on(Button.Pressed, "#new, #returning, #visit, #treatment, #welcome, #exit, #return, #pause")
    def _choice(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "welcome")


class ReturningScreen(WizardScreen[dict[str, Any] | None]):
    """Staff identify a returning client by name and date of birth. Dismisses the answers to start with, or None.

    The earlier answers are looked up only by staff, who have checked who the client is: a client
    typing someone else's name on the tablet never sees that person's answers. Nothing starts until
    staff choose to: a typo finds nobody, is corrected and looked up again, and leaves no draft.

    Args:
        clinic: the clinic's name.
        look_up: (full name, YYYY-MM-DD) -> the earlier lasting answers, or None.
        order: the clinic's date order for typing the date of birth.
    """

    def __init__(self, clinic: str, look_up: Callable[[str, str], dict[str, Any] | None], order: str) -> None:
        super().__init__(classes="staff")
        self.clinic = clinic
        self.look_up = look_up
        self.order = order
        self.found: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Returning client")
        with VerticalScroll(id="staff-body", can_focus=False):
            yield Static("Returning client", classes="screen-title")
            yield Static("Check who the client is, then type their name and date of birth. Their lasting answers "
                         "(contact details and history) are filled in for them to check.", classes="screen-intro")
            yield TextBox(placeholder="Full name", id="returning-name", max_length=120)
            yield TextBox(placeholder=f"Date of birth: {how_to_type(self.order)}", id="returning-birth",
                          max_length=24, restrict=TYPING)
            yield Static("", id="returning-problem")
            yield Button("Start with their earlier answers", id="start-found", variant="primary")
            yield Button("Start a new intake without earlier answers", id="start-new")
        with Horizontal(classes="navbar"):
            yield Button("Cancel", id="cancel")
            yield Button("Look up", id="look-up", variant="primary")

    def on_mount(self) -> None:
        self._offer(None)
        self.query_one("#returning-name", Input).focus()

    def _typed(self) -> tuple[str, str]:
        return " ".join(self.query_one("#returning-name", Input).value.split()), \
            self.query_one("#returning-birth", Input).value.strip()

    def _offer(self, which: str | None) -> None:
        """Shows the start button that fits the last look-up ('found', 'new'), or none."""
        self.query_one("#start-found").display = which == "found"
        self.query_one("#start-new").display = which == "new"

    def _say(self, message: str | Content) -> None:
        self.query_one("#returning-problem", Static).update(message)

    @on(Input.Changed)
    def _edited(self) -> None:
        self.found = None
        self._offer(None)  # a corrected name or date is looked up again before anything starts

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "returning-name":
            self.query_one("#returning-birth", Input).focus()
        else:
            self._look_up()

    @on(Button.Pressed, "#look-up")
    def _look_up(self) -> None:
        name, typed = self._typed()
        birth = read_date(typed, self.order)
        if not name or birth.iso is None:
            self._say(birth.problem or "Type the full name and the date of birth.")
            return
        try:
            found = self.look_up(name, birth.iso)
        except Exception as exc:  # noqa: BLE001 - shown to staff, never a traceback
            self._say(Content(explain(exc)))
            return
        when = show_date(birth.iso, self.order)
        if found:
            self.found = {"full_name": name, "date_of_birth": birth.iso, **found}  # the stored spelling wins
            self._say(Content.assemble("Found: ", (self.found["full_name"], "bold"),
                                       f", born {when}: {len(found)} earlier answers will be filled in for "
                                       "the client to check."))
            self._offer("found")
            self.query_one("#start-found", Button).focus()
        else:
            self.found = None
            self._say(Content(f"No earlier intake matches “{name}”, born {when}. Check the spelling and the date "
                              "with the client and look up again, or start a new intake."))
            self._offer("new")
            self.query_one("#returning-name", Input).focus()

    @on(Button.Pressed, "#start-found")
    def _start_found(self) -> None:
        if self.found is not None:
            self.dismiss(self.found)

    @on(Button.Pressed, "#start-new")
    def _start_new(self) -> None:
        name, typed = self._typed()
        birth = read_date(typed, self.order)
        self.dismiss({"full_name": name, "date_of_birth": birth.iso} if name and birth.iso else {})

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class ReasonAsked:
    """What a screen that asks staff for the reason of an act says. `act` names its widgets (`#ACT-reason`, the
    input; `#ACT`, the button that does it; `#ACT-problem`, what is missing)."""

    act: str
    title: str
    question: str
    intro: str
    placeholder: str
    keep: str
    confirm: str
    missing: str


#: Discarding an unfinished draft (a test, a mistake).
DISCARD = ReasonAsked("discard", "Discard a draft", "Discard this unfinished intake?",
                      "Its answers are erased now and cannot be brought back; the audit trail keeps who discarded "
                      "it, when and why. Give the reason without names or health details.",
                      "Reason, e.g. a test, or started twice", "Keep it", "Discard the draft",
                      "Say why the draft is discarded.")


class ReasonScreen(WizardScreen[str | None]):
    """Staff give the reason for an act (`asked`) about what `label` names. Dismisses the reason or None."""

    IDLE = "dismiss"

    def __init__(self, clinic: str, label: Content, asked: ReasonAsked) -> None:
        super().__init__(classes="staff")
        self.clinic = clinic
        self.label = label
        self.asked = asked

    def compose(self) -> ComposeResult:
        asked = self.asked
        yield from header(self.clinic, title=asked.title)
        with VerticalScroll(id="staff-body", can_focus=False):
            yield Static(asked.question, classes="screen-title")
            yield Static(self.label)
            yield Static(asked.intro, classes="screen-intro")
            yield TextBox(placeholder=asked.placeholder, id=f"{asked.act}-reason", max_length=MAX_REASON)
            yield Static("", id=f"{asked.act}-problem")
        with Horizontal(classes="navbar"):
            yield Button(asked.keep, id="cancel")
            yield Button(asked.confirm, id=asked.act, classes="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one(f"#{self.asked.act}-reason", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, ".confirm")
    def _confirm(self) -> None:
        reason = self.query_one(f"#{self.asked.act}-reason", Input).value.strip()
        if len(reason) < 3:
            self.query_one(f"#{self.asked.act}-problem", Static).update(self.asked.missing)
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

