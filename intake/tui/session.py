"""Provides IntakeSession: the wizard's one gateway to the intake lifecycle (engine, store and renderer).

Screens never touch the store or the renderer; they call this class, which hands everything about an
intake's life to the core's `Lifecycle` and keeps only what is the wizard's: the client on screen.
Everything about the current client lives in one `ClientState`, replaced wholesale by `reset()`, so
nothing carries over to the next client. The store is used from the UI thread only; `render()` is
the one method meant for a worker thread, and it touches only the renderer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake import kindstop
from intake.assessment import Assessment
from intake.engine import Engine
from intake.errors import IntakeError
from intake.kindstop import KindStop
from intake.lifecycle import Actor, ClientSignatures, Intake, Lifecycle, Renderer, device_name
from intake.lifecycle.auth import Authenticated
from intake.questionnaire import Step
from intake.tui import ahead
from intake.tui.clock import Clock, SystemClock
from intake.tui.state import NOT_STORED, ClientState, Expected, Resumption, Review, SignatureCapture
from intake.validation import Problem

if TYPE_CHECKING:
    from intake.documents.model import Packet
    from intake.lifecycle.visits import Visits
    from intake.records.interface import RecordStore

#: Who acted, for store events the client triggers (staff events name the practitioner).
CLIENT_ACTOR = "kiosk"


class IntakeSession:
    """The wizard's side of the lifecycle: the client on screen, their signatures and the practitioner's review.

    Args:
        engine: the loaded engine.
        store: an open record store.
        documents: a loader returning the documents API (its `PacketRenderer(engine)` makes the renderer);
            called once, lazily, from whichever thread first needs it. `open()` gives the one
            `intake start` uses: the renderer in a child process.
        clock: the clock; the consultation date is its day in the clinic's time zone.
    """

    def __init__(self, engine: Engine, store: RecordStore, documents: Callable[[], Any] | None = None,
                 clock: Clock | None = None) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock or SystemClock()
        self.state = ClientState()
        self.member: Authenticated | None = None
        self.device = device_name(engine.config)
        self._preparing = threading.Lock()  # one preparation at a time, always of the latest expectation
        self.pace = ahead.Pace()  # how long preparations take here (the renderer's, not any client's)
        loader = documents or _documents_package
        self.lifecycle = Lifecycle(engine, store, lambda: loader().PacketRenderer(engine), clock=self.clock.now)

    @classmethod
    def open(cls, engine: Engine, clock: Clock | None = None) -> IntakeSession:
        """Opens the clinic's record store and prepares the real renderer (created on first use)."""
        from intake.records import open_store
        from intake.tui.render_worker import documents_in_a_child_process

        store = open_store(engine.config, engine=engine, clock=clock.now if clock else None)
        return cls(engine, store, documents_in_a_child_process, clock=clock)

    # -- shared ----------------------------------------------------------------------------------

    @property
    def language(self) -> str:
        """The language of the client's intake on screen (the one they chose; the clinic's until they do)."""
        return self.lifecycle.language(self.state.intake)

    @property
    def staff_language(self) -> str:
        """The language of the staff's screens: the clinic's ([clinic] language), whatever the client chose."""
        return self.engine.language

    @property
    def steps(self) -> tuple[Step, ...]:
        """The questionnaire's steps, in order."""
        return self.engine.questionnaire.steps

    @property
    def client(self) -> Actor:
        """The actor for what the client does at the kiosk."""
        return Actor(CLIENT_ACTOR, self.device)

    @cached_property
    def visits(self) -> Visits:
        """The clinic's further sessions of a course (a returning client's next session), on this lifecycle."""
        from intake.lifecycle.visits import Visits

        return Visits(self.lifecycle)

    def staff(self) -> Actor:
        """The actor for what staff do behind the PIN: the person who unlocked (the shared PIN's "staff")."""
        return self.unlocked().actor

    def unlocked_by(self, member: Authenticated | None) -> None:
        """Remembers who unlocked, for everything done until the next client."""
        self.member = member

    @property
    def countersigner(self) -> str | None:
        """The practitioner id of a practitioner who unlocked with their own PIN, or None (shared PIN)."""
        member = self.member
        return member.practitioner_id if member is not None and member.role == "practitioner" else None

    @property
    def front_desk(self) -> bool:
        """True when front-desk staff unlocked with their own PIN: they cannot decide, correct or countersign."""
        return self.member is not None and self.member.role == "front_desk"

    def renderer(self) -> Renderer:
        """The long-lived document renderer, created once (safe to call from any thread)."""
        return self.lifecycle.renderer()

    def close(self) -> None:
        """Forgets the client, closes the store and ends the renderer's process, if any."""
        self.reset()
        self.store.close()
        if self.lifecycle.has_renderer:
            close = getattr(self.lifecycle.renderer(), "close", None)
            if close is not None:
                close()

    def reset(self) -> None:
        """Forgets everything about the current client (documents prepared ahead for them too)."""
        self.state = ClientState()
        self.lifecycle.forget_prepared()

    @property
    def current(self) -> Intake:
        """The client's intake on screen (IntakeError when none is open)."""
        if self.state.intake is None:
            raise IntakeError("No intake is open.")
        return self.state.intake

    # -- the client's answers ------------------------------------------------------------------

    def begin(self, prefill: Mapping[str, Any] | None = None, language: str | None = None,
              documents_language: str | None = None) -> None:
        """Starts a new intake, dated today: in the store with its first answer (Start alone leaves no empty
        draft), or at once for a returning client, whom staff chose.

        Args:
            prefill: answers shown ready-filled for the client to check (a returning client).
            language: the language the client chose (or used last); the clinic's when None.
            documents_language: the language the client chose for their documents alone (None: the screens').
        """
        self.reset()
        chosen = self.engine.offered_language(language)
        documents = self.engine.offered_documents_language(documents_language) or ""
        self.state = ClientState(intake=self.lifecycle.begin(self.client, prefill, chosen, documents or None)
                                 if prefill else Intake(NOT_STORED, self.lifecycle.today(), {},
                                                        next_step=self.steps[0].id, language=chosen,
                                                        documents_language=documents))

    def _stored(self) -> Intake:
        """The intake, put in the store now if it is not yet (its first answer is about to be saved)."""
        intake = self.current
        if not self.state.stored:
            begun = self.lifecycle.begin(self.client, language=intake.language or None,
                                         documents_language=intake.documents_language or None)
            intake.intake_id, intake.consultation_date = begun.intake_id, begun.consultation_date
        return intake

    def answers_with(self, step: Step, working: Mapping[str, Any]) -> dict[str, Any]:
        """All answers, with this step's answers taken from the screen being filled in."""
        return self.lifecycle.answers_with(self.current, step, working)

    def step_problems(self, step: Step, working: Mapping[str, Any]) -> list[Problem]:
        """The problems of one step's visible questions, in the core's words."""
        return self.lifecycle.step_problems(self.current, step, working)

    def question_problems(self, step: Step, question_id: str, working: Mapping[str, Any]) -> list[Problem]:
        """The problems of one question, for inline validation."""
        return [p for p in self.step_problems(step, working) if p.field == question_id]

    def save_step(self, step: Step, working: Mapping[str, Any], next_step: str | None, *,
                  partial: bool = False) -> None:
        """Keeps one step's answers and saves the draft (see Lifecycle.save_step); nothing while no answer
        was ever given (an intake goes in the store with its first answer)."""
        if self.state.stored or self._keeps_an_answer(step, working, partial):
            self.lifecycle.save_step(self._stored(), step, working, next_step, self.client, partial=partial)

    def _keeps_an_answer(self, step: Step, working: Mapping[str, Any], partial: bool) -> bool:
        """True when saving this step would keep an answer (a partial save leaves wrong ones out)."""
        given = {k for k, v in working.items() if v not in (None, "", []) and k in {q.id for q in step.questions}}
        wrong = {p.field for p in self.step_problems(step, working)} if partial and given else set()
        return bool(given - wrong)

    def kind_stop(self, step: Step | None = None, working: Mapping[str, Any] | None = None) -> KindStop | None:
        """The kind stop the answers so far call for (with this step's answers from the screen), or None.

        None as well when the clinic turned it off or staff chose to carry on with every question.
        """
        intake = self.state.intake
        if intake is None or self.state.kind_stop_waived:
            return None
        answers = self.answers_with(step, working or {}) if step is not None else intake.answers
        return kindstop.stop_for(self.engine, answers, intake.consultation_date)

    def submit_stopped(self) -> None:
        """Staff submit a kind-stopped intake with the answers given, as a deferral: the practitioner then
        countersigns its letter as for any deferral (audited as a kind stop).

        Raises:
            InvalidRecordError: the answers make no kind stop (for example the contact details are unfinished).
        """
        self.lifecycle.submit_stopped(self._stored(), self.staff())

    def waive_kind_stop(self) -> None:
        """Staff carry on with every question after a kind stop (for example, the answer was a misunderstanding)."""
        self.state.kind_stop_waived = True

    # -- review, assessment, signatures ----------------------------------------------------------

    def assess(self) -> Assessment:
        """Freezes the record and assesses it.

        Raises:
            InvalidRecordError: the answers are not complete (the review screen prevents this).
        """
        return self.lifecycle.assess(self.current)

    def sign(self, signature: SignatureCapture, *, photo: bool = False) -> None:
        """Keeps the consent or photo signature until the intake is submitted, in the signer's capacity."""
        _, capacity, relationship = self.lifecycle.signer(self.current)
        signature = replace(signature, capacity=capacity, relationship=relationship)
        if photo:
            self.state.photo_signature = signature
        else:
            self.state.client_signature = signature

    def submit(self) -> None:
        """Hands the record and its assessment to the store (once), then keeps the client's signatures there.

        The signatures are kept (sealed) until the practitioner countersigns, so an interruption in
        between does not make the client sign again.
        """
        intake = self._stored()
        assessment = self.lifecycle.submit(intake, self.client)
        if self.state.client_signature is not None and assessment.verdict != "defer":
            photo = self.state.photo_signature if self.lifecycle.photo_needed(intake) else None
            self.lifecycle.sign(intake, ClientSignatures(self.state.client_signature, photo), self.client)

    # -- practitioner ----------------------------------------------------------------------------

    def unlocked(self) -> Authenticated:
        """Who unlocked with a PIN (IntakeError before anyone did)."""
        if self.member is None:
            raise IntakeError("staff must unlock with their PIN first.")
        return self.member

    def countersign(self, review: Review) -> None:
        """Records the practitioner's decision (clearance noted or override; "keep": the one recorded stands) and
        keeps the countersignature, as the person who unlocked (the core refuses front-desk staff, or acting as
        another practitioner; with the shared PIN, as the practitioner chosen on screen).

        Raises:
            IntakeError: an override or clearance for a deferral, one without a reason, or a person who may not.
        """
        intake, who = self.current, self.unlocked()
        if review.decision not in ("none", "keep"):
            self.lifecycle.decide(intake, who, review.decision, review.reason, practitioner_id=review.practitioner_id,
                                  supersede=review.supersede)
        self.state.counter = self.lifecycle.countersignature(intake, who, review.plan, review.signed_at.astimezone(UTC),
                                                             practitioner_id=review.practitioner_id)
        self.state.review = review
        self.state.expected = None  # countersigned: a preparation still waiting its turn has nothing to do

    def correct(self, changes: Mapping[str, Any], reason: str, practitioner_id: str | None) -> None:
        """Corrects answers with the client present (see Lifecycle.correct); the client signs the new answers."""
        self.lifecycle.correct(self.current, self.unlocked(), changes, reason, practitioner_id=practitioner_id)
        self.state.client_signature = self.state.photo_signature = self.state.expected = None
        self.state.prepared = ()

    def expect(self, expected: Expected | None) -> None:
        """Notes what the practitioner's screen would countersign with now (None: it would not), for
        `prepare_countersigned`. UI thread."""
        self.state.expected = expected

    def prepare_countersigned(self, changed: bool = False) -> bool:
        """Lays the documents out ahead for the latest expectation at the current minute, and near its end the
        coming one (a worker thread); see intake.tui.ahead.prepare (`changed`: for a change on the screen). True
        when documents for it are prepared."""
        return ahead.prepare(self.lifecycle, self.state, self.clock.now, self._preparing, self.pace, changed)

    def documents_prepared(self) -> bool:
        """True when the countersignature kept is the one the documents were laid out ahead for (to the minute)."""
        return ahead.prepared_for(self.state)

    def prepare_documents(self) -> None:
        """Loads the renderer and the clinic seal ahead of the first client (a worker thread). The demo clinic
        gets a seal of its own on first use, as its data key does; a real clinic runs `intake keys init`."""
        renderer = self.renderer()
        try:
            renderer.seal_identity  # type: ignore[attr-defined]  # noqa: B018 - loads (and checks) the seal now
        except IntakeError:
            if not self.engine.config.is_demo:
                raise
            self.lifecycle.ensure_seal(self.clock.now())
            renderer.seal_identity  # type: ignore[attr-defined]  # noqa: B018

    def render(self) -> Packet:
        """Renders the documents packet (a worker thread: touches only the renderer); a deferral gets the letter."""
        if self.state.counter is None:
            raise IntakeError("The practitioner has not countersigned yet.")
        return self.lifecycle.render(self.current, self.state.counter)

    @property
    def print_command(self) -> str | None:
        """The configured print command, if any."""
        return self.engine.config.section("documents").get("print_command")

    def print_documents(self, paths: Sequence[Path]) -> str:
        """Sends documents to the configured print command (blocking: a worker thread); IntakeError when it fails."""
        from intake.tui.printing import print_files

        return print_files(self.print_command, paths)

    # -- drafts ------------------------------------------------------------------------------------

    def save_interrupted(self, step: Step | None, working: Mapping[str, Any] | None) -> None:
        """Saves what a client typed on a step that was left unfinished (idle, staff pause)."""
        if self.state.intake is None or self.state.submitted:
            return
        if step is not None and working is not None:
            self.save_step(step, working, step.id, partial=True)

    def resume(self, intake_id: str) -> Resumption:
        """Loads an unfinished intake and says where the wizard continues.

        Staff resume from behind the PIN, so a submitted intake whose signatures were kept continues
        at the practitioner's part, as does a deferral (nothing to sign); one without them at the
        information before signing.
        """
        where = self.lifecycle.resume(intake_id)
        self.reset()
        intake = where.intake
        self.state = ClientState(intake=intake)
        if where.stage == "done":
            raise IntakeError(f"Intake {intake_id} is {intake.status} and has nothing left to do.")
        if where.stage in ("practitioner", "letter"):
            if intake.signatures is not None:
                self.state.client_signature = intake.signatures.consent
                self.state.photo_signature = intake.signatures.photo
            return Resumption("practitioner")
        if where.stage == "sign":
            return Resumption("information")
        if where.stage == "review":
            return Resumption("review")
        return Resumption("steps", where.step_index)


def _documents_package() -> Any:
    import intake.documents

    return intake.documents
