"""Provides a returning client's next session at plain prompts (`intake ask --visit CLIENT|ID`).

Staff start it with their PIN (the visit is theirs in the audit trail), then hand over: the client answers the
re-screen (schemas/rescreen.json) with the same walker, keys and messages as the consultation, "Nothing has
changed" being one of their answers, never assumed. The core keeps the answers and says what comes of them
(intake.lifecycle.visits); the client is told kindly, and the practitioner takes it from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intake.datetyping import date_order, show_date
from intake.i18n import intake_words
from intake.lifecycle.visits import CLIENT_WORDS, HAND_BACK
from intake.prompt.staffpin import proved
from intake.prompt.walker import Walker
from intake.questionnaire import localize

if TYPE_CHECKING:
    from intake.lifecycle.auth import Authenticated
    from intake.lifecycle.visits import Visits
    from intake.prompt.prompter import Prompter
    from intake.records.model import Visit


class AskVisit:
    """One returning client's re-screen at plain prompts.

    Args:
        visits: the clinic's further sessions (intake.lifecycle.visits.Visits).
        prompter: where questions are asked.
        device: this terminal's name, for the audit trail.
        language: the client's language (`intake ask --language`); None: the one they used last.
    """

    def __init__(self, visits: Visits, prompter: Prompter, device: str, language: str | None = None):
        self.visits = visits
        self.prompter = prompter
        self.device = device
        self.visit: Visit | None = None
        #: the client's visit re-screened earlier and not finished (its record or countersignature is next)
        self.waiting: Visit | None = None
        #: the member of staff who started (or carried on) the visit with their PIN
        self.who: Authenticated | None = None
        self.chosen = visits.life.engine.offered_language(language) if language is not None else None

    def staff(self) -> Authenticated | None:
        """The member of staff starting the visit, proved by their PIN; None after PIN_TRIES wrong ones."""
        return proved(self.prompter, self.visits.life, "visit", self.device, key="staff_pin",
                      message="Staff: your PIN or passphrase to start the visit (it is not shown)")

    def run(self, ref: str) -> Visit | None:
        """Starts the client's next session, walks the re-screen, keeps it; returns the visit (None: not started).

        Raises:
            IntakeError: the client has no course, another visit is open... (nothing written).
        """
        who = self.who = self.staff()
        if who is None:
            self.prompter.say("The visit was not started.")
            return None
        from intake.lifecycle.visits import UNFINISHED_WORDS

        unfinished = self.visits.unfinished(ref)
        if unfinished is not None and unfinished.status != "open":  # re-screened: not for the client to answer again
            self.waiting = unfinished
            self.prompter.say(UNFINISHED_WORDS[unfinished.status].format(  # finished next (intake.prompt.treatment)
                number=unfinished.number, visit_id=unfinished.visit_id, date=show_date(
                    unfinished.visit_date, date_order(self.visits.config))))
            return None
        waiting = self.visits.open_visit(ref)
        visit = self.visit = waiting or self.visits.begin(ref, who.actor)
        again = "continues (started earlier, not yet answered)" if waiting else "started"
        self.prompter.say(f"Visit {visit.visit_id} {again}: session {visit.number} of the course. Please hand the "
                          "device to the client.")
        engine = self.visits.life.engine
        rescreen = engine.rescreen
        course = self.visits.state(visit.course_id)
        walking = rescreen.walking_engine(engine, course.last_session, treated_before=course.treated_before(visit))
        language = self.chosen or self.visits.language(visit.course_id)
        self.prompter.language = language  # type: ignore[attr-defined]  # the client's, while they answer
        title = localize(rescreen.questionnaire.title, language)
        self.prompter.say(f"\n{title} — {engine.config.clinic['name']}")
        answers = self._walk(Walker(walking, self.prompter, visit.visit_date, language), visit.visit_date)
        kept = self.visit = self.visits.rescreen(visit.visit_id, answers, who.actor)
        outcome = kept.outcome.get("outcome", kept.status)
        _ = intake_words(language).gettext
        self.prompter.say("")
        self.prompter.say(_(CLIENT_WORDS[outcome]))
        self.prompter.say(_(HAND_BACK))
        self.prompter.language = engine.language  # type: ignore[attr-defined]  # staff from here on
        return kept

    def hand_back(self, kept: Visit) -> bool:
        """After the client has finished (they may still hold the device), staff prove who they are with their PIN
        before anything about the outcome is shown; True when it was shown."""
        if proved(self.prompter, self.visits.life, "visit", self.device, key="staff_handback",
                  message="Staff: your PIN or passphrase to see what comes next (it is not shown)") is not None:
            reasons = "; ".join(str(r) for r in kept.outcome.get("reasons") or [])
            until = kept.outcome.get("until")
            when = f" (from {until})" if until and until not in reasons else ""
            self.prompter.say(f"Staff: visit {kept.visit_id} is {kept.status}" + (f": {reasons}" if reasons else "")
                              + f"{when}. `intake records visit show {kept.visit_id}` shows it.")
            return True
        self.prompter.say(f"The answers are kept. Staff see what comes next with `intake records visit show "
                          f"{kept.visit_id}`.")
        return False

    def _walk(self, walker: Walker, visit_date: str) -> dict[str, Any]:
        """The re-screen's steps, each asked only when it has a question to ask (the steps asked again are shown
        when the client said something has changed), numbered as the client sees them."""
        questionnaire, engine = walker.questionnaire, walker.engine
        answers: dict[str, Any] = {}
        steps = list(questionnaire.steps)
        index = 0
        while index < len(steps):
            shown = [s for s in steps if questionnaire.visible_in(s, answers, engine.facts(answers, visit_date))]
            step = steps[index]
            if step in shown:
                answers = walker.ask_step(step, answers, shown.index(step) + 1, len(shown))
            index += 1
        return answers
