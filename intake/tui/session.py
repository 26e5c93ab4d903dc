"""Provides IntakeSession: the wizard's one gateway to the engine, the record store and the document renderer.

Screens never touch the store or the renderer; they call this class. Everything about the current
client lives in one `ClientState`, replaced wholesale by `reset()`, so nothing carries over to the
next client. The store is used from the UI thread only; `render()` is the one method meant for a
worker thread, and it touches only the renderer.
"""

from __future__ import annotations

import importlib
import re
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from intake.assessment import Assessment
from intake.engine import Engine
from intake.errors import IntakeError
from intake.questionnaire import Step
from intake.treatment import TreatmentPlan
from intake.tui.clock import Clock, SystemClock
from intake.tui.state import ClientState, Resumption, Review, SignatureCapture

#: Who acted, for store events the client triggers (staff events name the practitioner).
CLIENT_ACTOR = "kiosk"
#: Staff who unlocked with the shared PIN (the PIN does not say who they are).
STAFF_ACTOR = "staff (PIN)"
_RECORD_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _load_documents_package() -> Any:
    return importlib.import_module("intake.documents")


class IntakeSession:
    """Owns the engine, the store and the renderer, and the state of the current client.

    Args:
        engine: the loaded engine.
        store: an open record store (intake.records.Store API).
        documents: a loader returning the documents API (PacketRenderer(engine), Signature,
            Countersignature, create_seal_identity); called once, lazily, from whichever thread
            first needs it. `open()` gives the one `intake start` uses: the renderer in a child process.
        clock: the clock; the consultation date is its day in the clinic's time zone.
    """

    def __init__(self, engine: Engine, store: Any, documents: Callable[[], Any] = _load_documents_package,
                 clock: Clock | None = None) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock or SystemClock()
        self.state = ClientState()
        kiosk = engine.config.section("kiosk")
        self.device = kiosk.get("device") or socket.gethostname()
        self._documents_loader = documents
        self._documents: Any = None
        self._renderer: Any = None
        self._renderer_lock = threading.Lock()

    @classmethod
    def open(cls, engine: Engine, clock: Clock | None = None) -> IntakeSession:
        """Opens the clinic's record store and prepares the real renderer (created on first use)."""
        from intake.records import Store
        from intake.tui.render_worker import documents_in_a_child_process

        store = Store.open(engine.config, engine=engine, clock=clock.now if clock else None)
        return cls(engine, store, documents_in_a_child_process, clock=clock)

    # -- shared ----------------------------------------------------------------------------------

    @property
    def language(self) -> str:
        """The clinic's language for client text."""
        return self.engine.language

    @property
    def steps(self) -> tuple[Step, ...]:
        """The questionnaire's steps, in order."""
        return self.engine.questionnaire.steps

    def today(self) -> str:
        """Today's date in the clinic's time zone, as YYYY-MM-DD."""
        return self.clock.now().astimezone(self.engine.config.timezone).date().isoformat()

    def renderer(self) -> Any:
        """The long-lived document renderer, created once (safe to call from any thread)."""
        with self._renderer_lock:
            if self._renderer is None:
                self._documents = self._documents_loader()
                self._renderer = self._documents.PacketRenderer(self.engine)
            return self._renderer

    def close(self) -> None:
        """Forgets the client, closes the store and ends the renderer's process, if any."""
        self.reset()
        self.store.close()
        close = getattr(self._renderer, "close", None)
        if close is not None:
            close()

    def reset(self) -> None:
        """Forgets everything about the current client."""
        self.state = ClientState()

    # -- the client's answers ------------------------------------------------------------------

    def begin(self, prefill: Mapping[str, Any] | None = None) -> None:
        """Starts a new intake in the store, dated today.

        Args:
            prefill: answers shown ready-filled for the client to check (a returning client).
        """
        self.reset()
        today = self.today()
        intake_id = self.store.start_intake(staff=CLIENT_ACTOR, device=self.device, consultation_date=today)
        self.state = ClientState(intake_id=intake_id, consultation_date=today, next_step=self.steps[0].id,
                                 answers=self.engine.questionnaire.prune(prefill or {}))

    def returning_answers(self, full_name: str, date_of_birth: str) -> dict[str, Any] | None:
        """The lasting answers of a returning client's latest intake (looked up by staff), or None."""
        found = self.store.find_returning(full_name, date_of_birth, staff=STAFF_ACTOR, device=self.device)
        return dict(found) if found else None

    def answers_with(self, step: Step, working: Mapping[str, Any]) -> dict[str, Any]:
        """All answers, with this step's answers taken from the screen being filled in."""
        own = {q.id for q in step.questions}
        merged = {k: v for k, v in self.state.answers.items() if k not in own}
        merged.update({k: v for k, v in working.items() if k in own})
        return merged

    def step_problems(self, step: Step, working: Mapping[str, Any]):
        """The problems of one step's visible questions, in the core's words."""
        return self.engine.validator.step_problems(step.id, self.answers_with(step, working),
                                                   self.state.consultation_date)

    def question_problems(self, step: Step, question_id: str, working: Mapping[str, Any]):
        """The problems of one question, for inline validation."""
        return self.engine.validator.question_problems(question_id, self.answers_with(step, working),
                                                       self.state.consultation_date)

    def save_step(self, step: Step, working: Mapping[str, Any], next_step: str | None, *,
                  partial: bool = False) -> None:
        """Keeps one step's answers (hidden and empty ones left out) and saves the draft.

        Args:
            step: the step the answers belong to.
            working: the screen's answers for that step.
            next_step: the step to continue at when the draft is resumed (None after the last step).
            partial: the step is left unfinished (Back, idle, staff): answers with a problem are
                left out rather than refused, so everything else is kept.
        """
        merged = self.answers_with(step, working)
        visible = {q.id for q in self.engine.questionnaire.visible_in(step, merged)}
        own = {k: v for k, v in working.items() if k in visible and v not in (None, "", [])}
        if partial:
            wrong = {p.field for p in self.step_problems(step, own)}
            own = {k: v for k, v in own.items() if k not in wrong}
        answers = {k: v for k, v in self.state.answers.items() if k not in {q.id for q in step.questions}}
        answers.update(own)
        self.state.answers = self.engine.questionnaire.prune(answers)
        self.state.next_step = next_step
        self.store.save_step(self.state.intake_id, step_id=step.id, answers=own, next_step=next_step,
                             staff=CLIENT_ACTOR, device=self.device)

    def step_index(self, step_id: str | None) -> int:
        """The position of a step, 0 when unknown."""
        return next((i for i, s in enumerate(self.steps) if s.id == step_id), 0)

    # -- review, assessment, signatures ----------------------------------------------------------

    def record(self) -> dict[str, Any]:
        """The record for the current answers."""
        intake_id = self.state.intake_id or ""
        return self.engine.new_record(self.state.consultation_date,
                                      self.engine.questionnaire.prune(self.state.answers),
                                      intake_id if _RECORD_ID.fullmatch(intake_id) else None)

    def first_problem_step(self) -> int | None:
        """The index of the first step with a problem, or None when the answers are complete."""
        problems = self.engine.validate(self.record())
        if not problems:
            return None
        return self.step_index(next((p.step_id for p in problems if p.step_id), None))

    def assess(self) -> Assessment:
        """Freezes the record and assesses it.

        Raises:
            InvalidRecordError: the answers are not complete (the review screen prevents this).
        """
        record = self.record()
        self.state.assessment = self.engine.assess(record)
        self.state.record = record
        return self.state.assessment

    def photo_uses(self) -> str | None:
        """The photo uses the client chose, in words, or None when photos were declined."""
        answers = self.state.answers
        if answers.get("photo_consent") is not True:
            return None
        question = self.engine.questionnaire.by_id.get("photo_uses")
        if question is None:
            return ""
        return self.engine.questionnaire.display(question, answers.get("photo_uses"), self.language)

    def sign(self, signature: SignatureCapture, *, photo: bool = False) -> None:
        """Keeps the client's consent or photo signature for the documents."""
        if photo:
            self.state.photo_signature = signature
        else:
            self.state.client_signature = signature

    def submit(self) -> None:
        """Hands the record and its assessment to the store (once), then keeps the client's signatures there.

        The signatures are kept (sealed) until the practitioner countersigns, so an interruption in
        between does not make the client sign again.
        """
        state = self.state
        assessment = state.assessment or self.assess()
        if not state.submitted:
            self.store.submit(state.intake_id, record=state.record, assessment=assessment.to_dict(),
                              staff=CLIENT_ACTOR, device=self.device)
            state.submitted = True
        if state.client_signature is not None and assessment.verdict != "defer":
            self.store.keep_signatures(state.intake_id, self._signature_data(), staff=CLIENT_ACTOR,
                                       device=self.device)

    def _signature_data(self) -> dict[str, Any]:
        """The client's signatures as the documents' JSON form, by kind."""
        pairs = (("consent", self.state.client_signature), ("photo_consent", self.state.photo_signature))
        return {kind: capture.to_dict() for kind, capture in pairs if capture is not None}

    def _restore_signatures(self, kept: Mapping[str, Any] | None) -> bool:
        """Takes back the signatures kept in the store; True when every signature this intake needs is there."""
        try:
            captures = {kind: SignatureCapture.from_dict(data, kind) for kind, data in (kept or {}).items()}
        except IntakeError:
            return False  # unreadable: the client signs again
        self.state.client_signature = captures.get("consent")
        self.state.photo_signature = captures.get("photo_consent")
        needs_photo = self.photo_uses() is not None
        return self.state.client_signature is not None and (self.state.photo_signature is not None or not needs_photo)

    # -- practitioner ----------------------------------------------------------------------------

    def default_plan(self) -> TreatmentPlan | None:
        """The rules' starting plan, or None for a deferral."""
        state = self.state
        if state.assessment is None or state.record is None or state.assessment.verdict == "defer":
            return None
        return self.engine.default_plan(state.record, state.assessment)

    def countersign(self, review: Review) -> None:
        """Records the practitioner's decision (clearance noted or override) and keeps the countersignature.

        Raises:
            IntakeError: an override or clearance for a deferral, or one without a reason.
        """
        verdict = self.state.assessment.verdict if self.state.assessment else None
        if review.decision != "none":
            if verdict == "defer":
                raise IntakeError("A deferral cannot be overridden or cleared.")
            if not review.reason.strip():
                raise IntakeError("Give the reason for the decision.")
            self.store.record_decision(self.state.intake_id, practitioner_id=review.practitioner_id,
                                       kind=review.decision, reason=review.reason.strip(),
                                       staff=review.practitioner_id, device=self.device)
        self.state.review = review

    def statement(self, kind: str) -> str:
        """The statement a client affirms by signing ('consent' or 'photo_consent'), as the documents print it.

        Blocks while the renderer loads on first use: call it off the UI thread.
        """
        return self.renderer().statement(kind)

    def prepare_documents(self) -> None:
        """Loads the renderer and the clinic seal ahead of the first client (meant for a worker thread).

        The demo clinic gets a seal of its own on first use, as its data key does; a real clinic
        makes its keys with `intake keys init`.
        """
        renderer = self.renderer()
        try:
            renderer.seal_identity  # noqa: B018 - loads (and checks) the seal now
        except IntakeError:
            if not self.engine.config.is_demo:
                raise
            # Valid from a day before the session's clock, so every signature this session dates is covered.
            self._documents.create_seal_identity(self.engine.config, valid_from=self.clock.now() - timedelta(days=1))
            renderer.seal_identity  # noqa: B018

    def render(self) -> Any:
        """Renders the documents packet (meant for a worker thread: touches only the renderer).

        A deferral gets the letter only: no client signature goes on it.
        """
        state = self.state
        renderer = self.renderer()
        kit = self._documents
        deferral = state.assessment is not None and state.assessment.verdict == "defer"

        def convert(capture: SignatureCapture | None):
            if capture is None or deferral:
                return None
            return kit.Signature(method=capture.method, name=capture.name,
                                 intent_statement=capture.intent_statement,
                                 signed_at=capture.signed_at.astimezone(UTC),
                                 strokes=[list(stroke) for stroke in capture.strokes],
                                 aspect_ratio=capture.aspect_ratio)

        review = state.review
        countersignature = kit.Countersignature(
            practitioner_id=review.practitioner_id, signed_at=review.signed_at.astimezone(UTC),
            decision=review.decision, reason=review.reason, plan=review.plan,
        )
        return renderer.render(state.record, client_signature=convert(state.client_signature),
                               countersignature=countersignature,
                               photo_signature=convert(state.photo_signature), sealed=True)

    @property
    def out_dir(self) -> Path:
        """The folder documents are written to (one folder per intake inside it)."""
        return self.engine.config.path("documents", "out_dir", "intake-documents")

    def keep_documents(self, packet: Any) -> list[Path]:
        """Records the rendered documents in the store, then writes them (0600) to the intake's folder."""
        self.store.add_documents(self.state.intake_id, packet.documents,
                                 staff=self.state.review.practitioner_id, device=self.device)
        paths = [Path(p) for p in packet.write(self.out_dir / self.state.intake_id)]
        self.state.documents = paths
        return paths

    @property
    def print_command(self) -> str | None:
        """The configured print command, if any."""
        return self.engine.config.section("documents").get("print_command")

    def print_documents(self, paths: Sequence[Path]) -> str:
        """Sends documents to the configured print command (blocking; run it in a worker thread).

        Raises:
            IntakeError: no print command, or it failed.
        """
        from intake.tui.printing import print_files

        return print_files(self.print_command, paths)

    # -- drafts ------------------------------------------------------------------------------------

    def drafts(self) -> list[Any]:
        """The unfinished intakes, for the staff menu."""
        return list(self.store.drafts())

    def save_interrupted(self, step: Step | None, working: Mapping[str, Any] | None) -> None:
        """Saves what a client typed on a step that was left unfinished (idle, staff pause)."""
        if self.state.intake_id is None or self.state.submitted:
            return
        if step is not None and working is not None:
            self.save_step(step, working, step.id, partial=True)

    def waiting(self) -> list[Any]:
        """Today's submitted intakes still without documents (e.g. the app closed before review)."""
        today, found = self.today(), []
        for status in ("submitted", "deferred"):
            rows = self.store.search(status=status, limit=50).rows
            found += [r for r in rows if str(r.consultation_date) == today]
        return [r for r in found if not self.store.load_intake(r.intake_id).documents]

    def resume(self, intake_id: str) -> Resumption:
        """Loads an unfinished intake and says where it continues.

        Staff resume from behind the PIN, so a submitted intake whose signatures were kept continues
        at the practitioner's part, as does a deferral (nothing to sign); one without them at the
        information before signing.
        """
        view = self.store.load_intake(intake_id)
        self.reset()
        state = ClientState(intake_id=view.intake_id, consultation_date=str(view.consultation_date),
                            answers=self.engine.questionnaire.prune(dict(view.answers or {})),
                            next_step=view.next_step)
        self.state = state
        if view.record:
            state.record = dict(view.record)
            state.answers = self.engine.questionnaire.prune(state.record["answers"])
            state.assessment = self.engine.assess(state.record)
            state.submitted = True
            if state.assessment.verdict == "defer" or self._restore_signatures(view.signatures):
                return Resumption("practitioner")
            state.client_signature = state.photo_signature = None
            return Resumption("information")
        if view.next_step is None and view.step_id is not None:
            first = self.first_problem_step()
            return Resumption("review") if first is None else Resumption("steps", first)
        return Resumption("steps", self.step_index(view.next_step))
