"""Provides the wizard's flow: one app-level worker that awaits each screen in turn (push_screen_wait)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from intake.i18n import N_
from intake.signing import statement_kind
from intake.tui.device import words_of
from intake.tui.problems import explain
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.state import Resumption, Review

#: Screens after the welcome screen, imported by the loading thread once the first screen shows
#: (so that start-up shows the welcome screen sooner) and by the flow where it needs them.
LATER_SCREENS = (
    "intake.tui.screens.step", "intake.tui.screens.review", "intake.tui.screens.information",
    "intake.tui.screens.signature", "intake.tui.screens.handback", "intake.tui.screens.practitioner",
    "intake.tui.screens.documents", "intake.tui.screens.privacy", "intake.tui.screens.staff",
    "intake.tui.screens.kindstop", "intake.tui.screens.visit", "intake.tui.visit_flow",
    "intake.tui.screens.treatment",
)

if TYPE_CHECKING:
    from intake.tui.app import IntakeApp
    from intake.tui.visit_flow import VisitFlow


#: What attempt_value returns when the action failed (None can be a real answer).
#: Seconds the practitioner's screen waits for documents laid out ahead (only sealed) before the rendering screen.
QUICK_DOCUMENTS = 0.4
_FAILED = object()


class IntakeClosed(Exception):
    """Staff stopped the client's intake (kept as a draft)."""


class AppClosing(Exception):
    """Staff closed the app from the staff menu."""


class Flow:
    """Walks one client, then the practitioner, through the screens; starts over for the next client."""

    def __init__(self, app: IntakeApp) -> None:
        self.app = app

    @property
    def session(self):
        """The app's intake session (available once loading finished)."""
        return self.app.session

    async def show(self, screen) -> Any:
        """Shows a screen and waits for its result."""
        return await self.app.push_screen_wait(screen)

    def attempt(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Runs a store action; on failure tells the person what went wrong and returns False."""
        return self.attempt_value(action, *args, **kwargs) is not _FAILED

    def attempt_value(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Runs a store action and returns its value, or _FAILED after telling the person what went wrong."""
        try:
            return action(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
            return self._failed(exc, N_("Not saved"))

    async def attempt_in_thread(self, action: Callable[[], Any], title: str = N_("Not saved")) -> Any:
        """Like `attempt_value`, for an action that may block (it must not touch the store): it runs in a worker
        thread while the screen stays live."""
        try:
            return await asyncio.to_thread(action)
        except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
            return self._failed(exc, title)

    def _failed(self, exc: Exception, title: str) -> object:
        """Tells the person what went wrong, in words (its title, a catalogue message, in the client's language while
        a client is on screen); _FAILED."""
        self.app.notify(explain(exc), title=words_of(self.app)(title), severity="error", timeout=15, markup=False)
        return _FAILED

    # -- the outer loop ---------------------------------------------------------------------------

    async def run(self, first: str | None = None, language: str | None = None) -> None:
        """Runs for ever: welcome, then a client's intake or the staff menu, then a clean slate.

        Args:
            first: "privacy" after a client walked away: the privacy screen first, in `language` (theirs).
        """
        app = self.app
        if first == "privacy" and app.texts:
            from intake.tui.screens.privacy import PrivacyScreen

            spoken = language or app.client_language
            await self.show(PrivacyScreen(app.clinic, app.texts_in(spoken)["privacy"], spoken))
        while True:
            choice = await self.show(WelcomeScreen(app.clinic, app.texts))
            await app.wait_ready()
            if not await self.one_client(self._chosen(choice)):
                return

    async def _chosen(self, choice: str) -> None:
        """What the welcome screen's choice leads to: a new client, a returning one, or the staff menu."""
        app = self.app
        if choice == "begin":
            if self.attempt(self.session.begin, None, app.chosen_language, app.chosen_documents_language):
                await self.client(Resumption("steps", 0))
        elif choice == "visit":
            await self.visit().from_welcome()
        elif choice == "staff" and await self.unlock():
            await self.staff_menu()

    async def one_client(self, part: Awaitable[None]) -> bool:
        """Runs one client's part of the flow (or staff's), then forgets the client whatever happened; False when
        the app is closing (the flow ends), True when the welcome screen comes next."""
        try:
            await part
        except IntakeClosed:
            pass
        except AppClosing:
            return False
        finally:
            self.app.forget_client()
        return True

    async def unlock(self, title: str = N_("Staff only"), language: str | None = None) -> bool:
        """Asks for the staff PIN, over a client's screen: its words (`title` a catalogue message) in the client's
        language unless `language` is given."""
        member = await self.show(self.app.pin_screen(title, language=language or self.app.client_language))
        if member:
            self.session.unlocked_by(member if not isinstance(member, bool) else None)
        return bool(member)

    async def staff_menu(self) -> None:
        """The staff menu: new intake, resume a draft, or close the app."""
        from intake.tui import unfinished
        from intake.tui.screens.staff import StaffMenuScreen

        session, app = self.session, self.app
        drafts, waiting = (self.attempt_value(lister, session) for lister in (unfinished.drafts, unfinished.waiting))
        drafts, waiting = ([] if found is _FAILED else found for found in (drafts, waiting))
        choice = await self.show(StaffMenuScreen(app.clinic, drafts, session.engine.questionnaire,
                                                 session.staff_language, session.engine.config.timezone,
                                                 waiting=waiting, offered=session.engine.config.languages))
        if choice == "new":
            if self.attempt(session.begin):
                await self.client(Resumption("steps", 0))
        elif choice == "returning":
            await self.returning_client()
        elif choice == "visit":
            await self.visit().from_staff()
        elif choice == "treatment":
            await self.visit().treatment_from_staff()
        elif isinstance(choice, tuple) and choice[0] == "discard":
            await self.discard(choice[1], drafts)
            await self.staff_menu()
        elif isinstance(choice, tuple):
            where = self.attempt_value(session.resume, choice[1])
            if where is not _FAILED:
                if where.stage in ("steps", "review") and session.kind_stop() is not None:
                    where = Resumption("stopped-staff")  # staff resumed it: straight to why it stopped
                await self.client(where)
        elif choice == "exit":
            self.close_app()

    def visit(self) -> VisitFlow:
        """A returning client's next session (intake.tui.visit_flow)."""
        from intake.tui.visit_flow import VisitFlow

        return VisitFlow(self)

    async def returning_client(self) -> None:
        """Staff look up a returning client (correcting a typo first if need be); nothing starts before they choose."""
        from intake.datetyping import date_order
        from intake.tui.screens.staff import ReturningScreen

        session, app = self.session, self.app
        used_last: list[str | None] = [None]  # the language of the client last found: their intake starts in it

        def lookup(name: str, born: str) -> dict[str, Any] | None:
            found = session.lifecycle.returning(name, born, session.staff())
            used_last[0] = found[1] if found else None
            return found[0] if found else None

        prefill = await self.show(ReturningScreen(app.clinic, lookup, date_order(session.engine.config)))
        if prefill is None:
            return
        if self.attempt(session.begin, prefill, used_last[0]):
            await self.client(Resumption("steps", 0))

    async def discard(self, intake_id: str, drafts) -> None:
        """Staff discard a draft, with the reason (audited)."""
        from intake.tui import unfinished
        from intake.tui.screens.staff import DISCARD, ReasonScreen, draft_label

        session, app = self.session, self.app
        draft = next(d for d in drafts if d.intake_id == intake_id)
        label = draft_label(draft, session.engine.questionnaire, session.staff_language, session.engine.config.timezone)
        reason = await self.show(ReasonScreen(app.clinic, label, DISCARD))
        if reason is not None and self.attempt(unfinished.discard, session, intake_id, reason):
            app.notify("The draft was discarded.", markup=False)

    def close_app(self) -> None:
        """Closes the app (staff only).

        Raises:
            AppClosing: always, to end the flow.
        """
        self.app.exit(0)
        raise AppClosing

    async def staff_interrupt(self) -> None:
        """The Staff button during the client's part: return to the form, or stop and keep the draft.

        Raises:
            IntakeClosed: staff stopped the intake.
        """
        if not await self.unlock():
            return
        choice = await self.show(self.app.client_staff_menu())
        if choice == "exit":
            self.close_app()
        if choice != "return":
            raise IntakeClosed

    # -- the client's part -----------------------------------------------------------------------

    async def client(self, where: Resumption) -> None:
        """Steps, review, information, signatures and hand-back, then the practitioner's part."""
        from intake.tui.screens.handback import HandbackScreen

        session, app = self.session, self.app
        stage, index = where.stage, where.step_index
        while True:
            if stage == "steps":
                stage = "stopped" if await self.steps(index) == "stopped" else "review"
            elif stage in ("stopped", "stopped-staff"):
                if not await self.stopped(client=stage == "stopped"):
                    return
                stage, index = "steps", session.lifecycle.first_problem_step(session.current) or 0
            elif stage == "review":
                stage = await self.review()
            elif stage == "information":
                stage = await self.information()
            elif stage in ("sign", "photo"):
                stage = await self.signature(stage)
            elif stage == "submit":
                stage = "handback" if self.attempt(session.submit) else "review"
            elif stage == "handback":
                await self.show(HandbackScreen(app.clinic, app.wizard_text("handback")))
                if await self.unlock():
                    await self.practitioner()
                    return
            elif stage == "practitioner":  # resumed by staff, already behind the PIN
                await self.practitioner()
                return

    async def review(self) -> str:
        """The review of every answer; returns the stage that follows it (itself while something is changed)."""
        from intake.tui.screens.review import ReviewScreen

        session = self.session
        result = await self.show(ReviewScreen(session, self.app.clinic, self.app.wizard_text("review")))
        if result.action == "staff":
            await self.staff_interrupt()
        elif result.action == "edit":
            await self.edit(result.step_index, result.question_id)
            if session.kind_stop() is not None:
                return "stopped"
        else:
            first = session.lifecycle.first_problem_step(session.current)
            if first is not None:
                await self.edit(first, None)
            elif self.attempt(session.assess):
                # A deferral is explained by the practitioner, not the tablet: nothing to sign.
                return "submit" if session.state.assessment.verdict == "defer" else "information"
        return "review"

    async def information(self) -> str:
        """What the treatment involves and its aftercare; returns the stage that follows it."""
        from intake.tui.screens.information import InformationScreen

        told = self.session.lifecycle.client_assessment(self.session.current)  # in the client's language
        choice = await self.show(InformationScreen(self.app.clinic, self.app.wizard_text("information"),
                                                   told.aftercare if told is not None else ()))
        if choice == "staff":
            await self.staff_interrupt()
            return "information"
        return "sign" if choice == "continue" else "review"

    async def steps(self, index: int) -> str:
        """The questionnaire steps from `index` to the end; answers saved after every step.

        Returns 'done', or 'stopped' when an answer gave a deferral and the clinic stops kindly
        (the contact step is completed first when it is not yet).
        """
        session = self.session
        steps = session.steps
        while index < len(steps):
            step = steps[index]
            result = await self.show(self.app.step_screens.screen(session, index, self.app.clinic))
            if result.action == "next":
                following = steps[index + 1].id if index + 1 < len(steps) else None
                stop = session.kind_stop(step, result.answers)
                if not self.attempt(session.save_step, step, result.answers, following, partial=stop is not None):
                    continue
                index += 1
                stop = session.kind_stop() if stop is not None else None
                if stop is not None and not stop.still_needed:
                    return "stopped"
                if stop is not None:
                    index = session.lifecycle.step_index(stop.still_needed[0])
            elif result.action == "back":
                index = max(0, index - 1)
                self.attempt(session.save_step, step, result.answers, steps[index].id, partial=True)
            else:
                self.attempt(session.save_step, step, result.answers, step.id, partial=True)
                await self.staff_interrupt()
        return "done"

    async def stopped(self, client: bool) -> bool:
        """The kind stop: the client hands back, the practitioner sees why.

        Returns:
            True when staff carry on with every question (the intake continues), False when finished.
        """
        from intake.tui.screens.kindstop import KindStopScreen, StoppedScreen

        session, app = self.session, self.app
        stop = session.kind_stop()
        if stop is None:
            return True
        while client:
            await self.show(KindStopScreen(app.clinic, app.client_language))
            if await self.unlock():
                break
        while True:
            choice = await self.show(StoppedScreen(session, app.clinic, stop))
            if choice == "carry_on":
                session.waive_kind_stop()
                return True
            if choice != "letter":
                return False
            if self.attempt(session.submit_stopped):  # the practitioner countersigns the deferral letter
                await self.practitioner()
                return False

    async def edit(self, index: int, question_id: str | None) -> None:
        """Opens one step from the review screen; 'Save and return' goes back to the review."""
        from intake.tui.screens.step import StepScreen

        session = self.session
        step = session.steps[index]
        while True:
            result = await self.show(StepScreen(session, index, self.app.clinic, editing=True,
                                                focus_question=question_id))
            if result.action == "back":
                return
            stop = session.kind_stop(step, result.answers) is not None  # a deferral: the rest is not asked
            if result.action == "next" and self.attempt(session.save_step, step, result.answers, None,
                                                         partial=stop):
                return
            if result.action == "staff":
                await self.staff_interrupt()

    async def signature(self, stage: str) -> str:
        """The consent signature, then (when photos were allowed) the separate photo signature."""
        from intake.tui.screens.signature import SignatureScreen

        session, app = self.session, self.app
        name, capacity, _ = session.lifecycle.signer(session.current)
        photo = stage == "photo"
        texts = app.wizard_text("photo_signature" if photo else "signature")
        statement: list[str] = []
        if not await self.attempt_async(lambda: statement.append(
                session.lifecycle.statement(statement_kind("photo_consent" if photo else "consent", capacity),
                                            session.current))):
            return "information"
        uses = session.lifecycle.photo_uses(session.current)
        context = texts.get("context", "").replace("{uses}", uses or "") if photo else ""
        consent = session.state.client_signature
        typed_before = photo and consent is not None and consent.method == "typed"
        result = await self.show(SignatureScreen(app.clinic, texts, statement[0], name, app.clock, context,
                                                 typing=typed_before))
        if result == "back":
            return "sign" if photo else "information"
        session.sign(result, photo=photo)
        if not photo and session.lifecycle.photo_uses(session.current) is not None:
            return "photo"
        return "submit"  # (again, after a resumed intake: the new signatures are kept)

    async def attempt_async(self, action: Callable[[], Any]) -> bool:
        """Like `attempt`, for an action that may block: it runs in a worker thread."""
        return await self.attempt_in_thread(action, "Please ask a member of staff") is not _FAILED

    # -- the practitioner's part -----------------------------------------------------------------

    async def correct(self, practitioner_id: str | None) -> bool:
        """The practitioner corrects an answer with the client. True when the client then signs the corrected
        answers (their part again, and the practitioner's after the hand-back); False: back to the review."""
        from intake.tui.screens.correction import CorrectionScreen

        session = self.session
        if not await self.show(CorrectionScreen(session, self.app.clinic, practitioner_id)):
            return False
        assessment = session.state.assessment
        if assessment is None or assessment.verdict == "defer" or session.state.intake is None:
            return False  # a deferral now: the review shows the letter to countersign
        self.app.notify("Corrected. The client now checks and signs the corrected answers.", markup=False)
        await self.client(Resumption("information"))
        return True

    async def practitioner(self) -> None:
        """Review, countersign, render the documents in a worker thread, then the done screen."""
        from intake.tui.screens.documents import DoneScreen, RenderingScreen
        from intake.tui.screens.practitioner import PractitionerScreen

        session, app = self.session, self.app
        rendering: list[asyncio.Future] = []

        def countersign(review: Review) -> Awaitable[Any] | None:
            """Keeps the countersignature and starts the render at once, in a worker thread, before the
            practitioner's screen closes; when the documents were laid out ahead for it, that screen waits a
            moment for them (only the seal is left) instead of showing the rendering screen. Raises what
            refuses the countersignature."""
            session.countersign(review)
            future = asyncio.get_running_loop().run_in_executor(None, session.render)
            rendering[:] = [future]
            return asyncio.wait({future}, timeout=QUICK_DOCUMENTS) if session.documents_prepared() else None

        while True:
            review = await self.show(PractitionerScreen(session, app.clinic, app.clock, countersign))
            if review == "close":
                return
            if isinstance(review, tuple):  # correct an answer with the client, then back here (or they sign again)
                if await self.correct(review[1]):
                    return
                continue
            future = rendering.pop()
            if future.done() and future.exception() is None:
                try:  # ready already: no rendering screen
                    paths = session.lifecycle.keep_documents(session.current, future.result(), session.staff())
                    break
                except Exception:  # noqa: BLE001, S110 - the rendering screen tries again and says why, with a retry
                    pass
            paths = await self.show(RenderingScreen(session, app.clinic, future))
            if paths != "back":
                break
        await self.show(DoneScreen(session, app.clinic, paths))
        if session.current is not None and session.current.status == "signed":  # a consent: treated today?
            await self.visit().first_session(session.current.intake_id)
