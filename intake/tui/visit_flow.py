"""Provides VisitFlow: a returning client's next session in the wizard, from the welcome screen or the staff menu,
and the treatment given when a consultation is countersigned (session 1, offered right after the countersignature).

The client types their name and date of birth and asks a member of staff, who checks who they are behind their
PIN and starts the session (the visit is theirs in the audit trail); the client answers the re-screen on the same
step screens as the consultation, is stopped kindly at a deferral, is told what comes next in words without
reasons, and hands back; staff see the outcome behind their PIN again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.content import Content

from intake.datetyping import show_date
from intake.documents.model import Packet
from intake.i18n import N_
from intake.lifecycle.visits import CLIENT_WORDS, DocumentsToMake, SessionDocuments
from intake.questionnaire import localize
from intake.records.model import Visit
from intake.tui.visit import VisitAnswers, find_course, matching_clients

if TYPE_CHECKING:
    from intake.lifecycle.visits import Visits
    from intake.tui.flow import Flow
    from intake.tui.screens.visit import Starting

T = TypeVar("T")

#: The visit's status as staff read it.
STATUS_WORDS = {
    "ready": "Ready for today's session: the treatment record is next.",
    "deferred": "Deferred: no treatment today.",
    "waiting": "Waiting: too soon after the last session.",
    "needs_consent": "A new consent is needed before today's session.",
}


class VisitFlow:
    """One returning client's next session, on the wizard's flow (its screens, PIN and messages)."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.app = flow.app

    @property
    def visits(self) -> Visits:
        """The clinic's further sessions (on the wizard's lifecycle)."""
        session = self.flow.session
        assert session is not None  # the flow runs only once loading finished (wait_ready)
        return session.visits

    def _value(self, action: Callable[[], T]) -> T | None:
        """What `action` gives, or None after telling the person what went wrong (never a traceback)."""
        box: list[T] = []
        return box[0] if self.flow.attempt(lambda: box.append(action())) else None

    def _order(self) -> str:
        from intake.datetyping import date_order

        return date_order(self.visits.config)

    async def from_welcome(self) -> None:
        """The client chose 'I'm here for my next session': name and date of birth, then a member of staff."""
        from intake.tui.screens.visit import AskStaffScreen, NextSessionScreen, VisitStartScreen

        typed = await self.flow.show(NextSessionScreen(self.app.clinic, self._order()))
        if typed is None:
            return
        course = self._value(lambda: find_course(self.visits, *typed))
        while True:
            await self.flow.show(AskStaffScreen(self.app.clinic, self.app.client_language))
            if await self.flow.unlock(N_("Staff: start the client's next session")):
                break
        starting = self._starting(course) if course is not None else None
        choice = await self.flow.show(VisitStartScreen(self.app.clinic, starting, self._order()))
        if choice == "menu":
            await self.from_staff()
        elif course is not None and starting is not None:
            await self._go_on(choice, course, starting)
            await self._after_ending(choice, course)

    async def from_staff(self) -> None:
        """Staff (behind the PIN) choose the client, check whose course it is, and start the session."""
        from intake.tui.screens.visit import ChooseClientScreen, VisitStartScreen

        ref = await self.flow.show(ChooseClientScreen(self.app.clinic, lambda name, birth: matching_clients(
            self.visits.store, name, birth), self._order()))
        if ref is None:
            return
        course = self._value(lambda: self.visits.course_id(ref))
        if course is None:
            return
        starting = self._starting(course)
        if starting is not None:
            choice = await self.flow.show(VisitStartScreen(self.app.clinic, starting, self._order()))
            await self._go_on(choice, course, starting)
            await self._after_ending(choice, course)

    async def _after_ending(self, choice: str, course_id: str) -> None:
        """Once staff ended the unfinished visit, the start screen again: today's session can start now."""
        from intake.tui.screens.visit import VisitStartScreen

        starting = self._starting(course_id) if choice == "end" else None
        while starting is not None:
            choice = await self.flow.show(VisitStartScreen(self.app.clinic, starting, self._order()))
            await self._go_on(choice, course_id, starting)
            starting = self._starting(course_id) if choice == "end" else None

    async def _go_on(self, choice: str, course_id: str, starting: Starting) -> None:
        """What staff chose on the start screen: the session (started or carried on), or the unfinished visit's
        treatment record or countersignature."""
        unfinished = starting.unfinished
        if choice == "start":
            await self.session(course_id)
        elif choice == "treatment" and unfinished is not None:
            await self.treat(unfinished)
        elif choice == "countersign" and unfinished is not None:
            await self.countersign(unfinished)
        elif choice == "end" and unfinished is not None:
            await self.end_untreated(unfinished, starting)

    async def end_untreated(self, visit: Visit, starting: Starting) -> None:
        """Staff end the client's unfinished visit without treatment, with the reason (kept with the visit)."""
        from intake.tui.screens.staff import ReasonScreen
        from intake.tui.screens.visit import END_VISIT

        label = Content(f"{starting.full_name}: session {visit.number}, visit {visit.visit_id} of "
                        f"{show_date(visit.visit_date, self._order())}")
        reason = await self.flow.show(ReasonScreen(self.app.clinic, label, END_VISIT))
        if reason is None:
            return
        unlocked = self.flow.session.unlocked()
        if self._value(lambda: self.visits.end_untreated(visit.visit_id, unlocked, reason)) is not None:
            self.app.notify(f"Visit {visit.visit_id} ended without treatment.", title="Visit ended", markup=False)

    def _starting(self, course_id: str) -> Starting | None:
        """Whose course it is and which session starts (None when it cannot be read: told to staff)."""
        from intake.tui.screens.visit import Starting

        def read() -> Starting:
            visits = self.visits
            state = visits.state(course_id)
            identity = visits.store.client_identity(state.client_id) or {}
            waiting = visits.unfinished(course_id)
            return Starting(identity.get("full_name", "(no name)"), identity.get("date_of_birth", ""),
                            state.course.consultation_date.isoformat(),
                            waiting.number if waiting else state.sessions_given + 1, waiting)

        return self._value(read)

    async def session(self, course_id: str) -> None:
        """Starts (or carries on) the visit as the member of staff who unlocked, then the client's part."""
        session = self.flow.session
        staff = session.staff()
        visit = self._value(lambda: self.visits.open_visit(course_id) or self.visits.begin(course_id, staff))
        if visit is None:
            return
        language = self._value(lambda: self.app.chosen_language or self.visits.language(course_id))
        self.app.chosen_language = language  # the client's screens follow it until the next client
        answers = VisitAnswers(self.visits, visit, session.engine, language)
        stopped = await self.rescreen(answers)
        keep = self.visits.rescreen_stopped if stopped else self.visits.rescreen
        kept = self._value(lambda: keep(visit.visit_id, answers.answers, staff))
        if kept is None:
            return
        await self.hand_back(kept, stopped)

    async def rescreen(self, answers: VisitAnswers) -> bool:
        """The re-screen's steps, each on a step screen; True when a deferral stopped it kindly (nothing after)."""
        from intake.tui.screens.step import StepScreen

        index = 0
        while index < len(answers.steps):
            step = answers.steps[index]
            result = await self.flow.show(StepScreen(answers, index, self.app.clinic))
            if result.action == "next":
                stop = answers.kind_stop(step, result.answers)
                answers.save_step(step, result.answers, None, partial=stop is not None)
                if stop is not None:
                    return True
                index += 1
            elif result.action == "back":
                answers.save_step(step, result.answers, None, partial=True)
                index = max(0, index - 1)
            else:
                answers.save_step(step, result.answers, None, partial=True)
                await self.flow.staff_interrupt()  # staff stop it: the visit stays open, carried on later
        return False

    async def hand_back(self, kept: Visit, stopped: bool) -> None:
        """The client's last words (the kind stop's, or by outcome), the hand-back, then staff see the outcome."""
        from intake.tui.screens.kindstop import KindStopScreen
        from intake.tui.screens.visit import ClientWordsScreen, VisitOutcomeScreen

        outcome = str(kept.outcome.get("outcome", kept.status))
        while True:
            await self.flow.show(KindStopScreen(self.app.clinic, self.app.client_language) if stopped else
                                 ClientWordsScreen(self.app.clinic, CLIENT_WORDS[outcome], self.app.client_language))
            if await self.flow.unlock(N_("Staff: see what comes of the client's answers")):
                break
        heading = f"Session {kept.number} · visit {kept.visit_id} · {show_date(kept.visit_date, self._order())}"
        choice = await self.flow.show(VisitOutcomeScreen(self.app.clinic, heading, STATUS_WORDS.get(outcome, outcome),
                                                         self.outcome_lines(kept), treat=kept.status == "ready",
                                                         letter=kept.status == "deferred"))
        if choice == "treatment":
            await self.treat(kept)
        elif choice == "letter":
            await self.letter(kept)

    async def documents(self, start: Callable[[], DocumentsToMake]) -> SessionDocuments | None:
        """Checks an act (on the store's thread), makes its sealed documents in a worker thread while the screen
        stays live, then keeps them with the act; None after telling staff what went wrong (nothing is kept)."""
        job = self.flow.attempt_value(start)
        if not isinstance(job, DocumentsToMake):
            return None
        self.app.notify("Sealing the documents…", timeout=3, markup=False)
        packet = await self.flow.attempt_in_thread(job.make)
        done = self.flow.attempt_value(job.keep, packet) if isinstance(packet, Packet) else None
        return done if isinstance(done, SessionDocuments) else None

    async def letter(self, visit: Visit) -> None:
        """The deferred visit's letter for the client, sealed and kept, signed by the practitioner who unlocked
        with their own PIN (else from the clinic's team); staff are told where it is."""
        session = self.flow.session
        done = await self.documents(lambda: self.visits.lettering(visit.visit_id, session.unlocked()))
        if done is not None and done.paths:
            self.app.notify(f"The letter for the client is sealed and saved in {done.paths[0].parent}.",
                            title="Letter ready", timeout=15, markup=False)

    async def treatment_from_staff(self) -> None:
        """Staff menu: the practitioner chooses the client whose session is ready, then records it."""
        from intake.tui.screens.visit import ChooseClientScreen

        ref = await self.flow.show(ChooseClientScreen(self.app.clinic, lambda name, birth: matching_clients(
            self.visits.store, name, birth), self._order(), title="Record a client's session"))
        if ref is None:
            return
        waiting = self._value(lambda: [v for v in self.visits.state(self.visits.course_id(ref)).visits
                                       if v.status in ("ready", "recorded")])
        if waiting == [] and self._value(lambda: self.visits.state(self.visits.course_id(ref)).visits) == ():
            await self.first_session(self.visits.course_id(ref))  # nothing since the consultation: its treatment?
            return
        if waiting == []:
            self.app.notify("This client has no session ready for its treatment record (re-screened ready) or "
                            "waiting for its countersignature.", title="Nothing to record", severity="warning",
                            markup=False, timeout=15)
        if waiting and waiting[-1].status == "recorded":
            await self.countersign(waiting[-1])
        elif waiting:
            await self.treat(waiting[-1])

    async def treat(self, visit: Visit, first: bool = False) -> None:
        """The practitioner's treatment record (kept only once it passes), then their countersignature (PIN);
        `first`: session 1, kept from the consultation (`visit` is not stored yet)."""
        from intake.lifecycle.treatment_form import context
        from intake.tui.screens.treatment import TreatmentScreen

        session = self.flow.session
        visits = self.visits
        name = (visits.store.client_identity(visit.client_id) or {}).get("full_name", "(no name)")
        shown = self._value(lambda: context(visits, visit, name))
        if shown is None:
            return
        practitioners = None if session.countersigner else [  # the shared PIN: staff say who is treating
            (p.id, p.listed) for p in session.engine.config.practitioners]

        def keep(given: dict[str, Any], practitioner_id: str | None) -> Visit:
            if first:
                return visits.record_first(visit.course_id, session.unlocked(), given, practitioner_id=practitioner_id)
            return visits.record(visit.visit_id, session.unlocked(), given, practitioner_id=practitioner_id)

        recorded = await self.flow.show(TreatmentScreen(self.app.clinic, shown, self._order(), keep, practitioners))
        if isinstance(recorded, Visit):
            await self.countersign(recorded)

    async def first_session(self, course_id: str) -> None:
        """Once a consultation is countersigned: the practitioner records today's treatment as session 1 (the same
        record and countersignature as a visit's), or says the client was not treated today (nothing is kept)."""
        from intake.lifecycle.treatment_form import NOT_TREATED, first_session_heading, first_visit
        from intake.tui.screens.visit import FirstSessionScreen

        heading = self._value(lambda: first_session_heading(self.visits, course_id))
        if heading is None:
            return
        if await self.flow.show(FirstSessionScreen(self.app.clinic, heading)) == "treatment":
            visit = self._value(lambda: first_visit(self.visits, course_id))
            if visit is not None:
                await self.treat(visit, first=True)
        else:
            self.app.notify(NOT_TREATED, title="Not treated today", timeout=15, markup=False)

    async def countersign(self, visit: Visit) -> None:
        """The practitioner countersigns the recorded session with their PIN (later from the staff menu if not now)."""
        session, visits = self.flow.session, self.visits
        treated_by = session.engine.config.practitioner(visit.practitioner_id or "")
        title = f"{treated_by.name}: countersign the session with your PIN" if treated_by else \
            "Practitioner: countersign the session with your PIN"
        while True:
            if not await self.flow.unlock(title, session.staff_language):  # the practitioner's own screen
                self.app.notify("The record is kept; countersign it later (staff menu).", markup=False)
                return
            # With the clinic's shared PIN the countersignature is the treating practitioner's, named above.
            as_whom = None if session.countersigner else visit.practitioner_id

            def start(whom: str | None = as_whom) -> DocumentsToMake:
                return visits.countersigning(visit.visit_id, session.unlocked(), practitioner_id=whom)

            done = await self.documents(start)
            if done is not None:
                where = f" Its sealed record and aftercare sheet are in {done.paths[0].parent}." if done.paths else ""
                self.app.notify(f"Session {visit.number} is recorded and countersigned.{where}", title="Countersigned",
                                timeout=15, markup=False)
                return

    def outcome_lines(self, kept: Visit) -> list[str]:
        """The reasons, the day the client may come back, and each change the client reported."""
        from intake.shown import shown

        lines = [f"Reason: {reason}" for reason in kept.outcome.get("reasons") or []]
        if kept.outcome.get("until"):
            lines.append(f"Not before {kept.outcome['until']}.")
        engine = self.visits.life.engine
        questionnaire, language = engine.questionnaire, engine.language

        def said(question_id: str, value: Any) -> str:
            question = questionnaire.by_id.get(question_id)
            if question is None or value is None:
                return "—" if value is None else str(value)
            return shown(questionnaire, question, value, language, self._order())

        for question_id, before, now in self._value(lambda: self.visits.changes(kept)) or []:
            question = questionnaire.by_id.get(question_id)
            label = localize(question.label, language) if question is not None else question_id
            lines.append(f"Changed since the consultation: {label}: {said(question_id, before)} → "
                         f"{said(question_id, now)}")
        return lines

