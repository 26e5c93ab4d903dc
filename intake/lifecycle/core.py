"""Provides Lifecycle: the whole life of one intake, the same for the wizard, `intake ask` and the CLI.

An intake is begun, saved step by step, submitted, signed, decided on where clearance is needed,
countersigned and rendered into sealed documents the store keeps; `resume` says where any continues.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from intake.assessment import Assessment
from intake.engine import Engine
from intake.lifecycle import imports, signers, stopped
from intake.lifecycle.documents import DocumentsPart
from intake.lifecycle.imports import Imported
from intake.lifecycle.model import (
    PHOTO_CONSENT_QUESTION,
    Actor,
    ClientSignatures,
    Intake,
    LifecycleError,
    Renderer,
    Resumption,
    document_time,
    kept_signatures,
)
from intake.questionnaire import Step
from intake.text import TextInputError, check_name, check_reason
from intake.treatment import TreatmentPlan

if TYPE_CHECKING:
    from intake.documents.model import Countersignature, Signature
    from intake.records.model import IntakeView
    from intake.records.store import Store

#: Questions the lifecycle relies on by id.
NAME_QUESTION, PHOTO_USES_QUESTION = "full_name", "photo_uses"
_RECORD_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Lifecycle(DocumentsPart):
    """The life of intakes for one clinic: the engine, the store and (loaded on first use) the renderer.

    Args:
        engine: the loaded Engine.
        store: the open record Store.
        renderer: a Renderer, or a callable that makes one (called once, from whichever thread first needs it).
        clock: returns the current time, timezone-aware (injectable for tests).
    """

    def __init__(self, engine: Engine, store: Store, renderer: Renderer | Callable[[], Renderer] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))
        self._renderer_source = renderer
        self._renderer: Renderer | None = None
        self._lock = threading.Lock()

    # -- shared -----------------------------------------------------------------------------------

    @property
    def steps(self) -> tuple[Step, ...]:
        """The questionnaire's steps, in order."""
        return self.engine.questionnaire.steps

    def today(self) -> str:
        """Today in the clinic's time zone (YYYY-MM-DD): the consultation date of an intake begun now."""
        return self.clock().astimezone(self.engine.config.timezone).date().isoformat()

    def renderer(self) -> Renderer:
        """The long-lived renderer, made on first use (safe from any thread)."""
        with self._lock:
            made = self._renderer
            if made is None:
                source = self._renderer_source
                if source is None:
                    from intake.documents import PacketRenderer

                    made = PacketRenderer(self.engine)
                elif callable(source) and not hasattr(source, "render"):
                    made = source()
                else:
                    made = source  # type: ignore[assignment]
                self._renderer = made
            assert made is not None
            return made

    @property
    def has_renderer(self) -> bool:
        """True once the renderer was made."""
        return self._renderer is not None

    def step_index(self, step_id: str | None) -> int:
        """The position of a step, 0 when unknown."""
        return next((i for i, s in enumerate(self.steps) if s.id == step_id), 0)

    # -- answers ----------------------------------------------------------------------------------

    def begin(self, actor: Actor, prefill: Mapping[str, Any] | None = None) -> Intake:
        """Starts a new draft dated today; `prefill` (a returning client's lasting answers) is shown to confirm."""
        today = self.today()
        intake_id = self.store.start_intake(staff=actor.staff, device=actor.device, consultation_date=today)
        return Intake(intake_id, today, self.engine.questionnaire.prune(prefill or {}), next_step=self.steps[0].id)

    def returning_answers(self, full_name: str, date_of_birth: str, actor: Actor) -> dict[str, Any] | None:
        """The lasting answers of a returning client's latest intake, or None."""
        found = self.store.find_returning(full_name, date_of_birth, staff=actor.staff, device=actor.device)
        return dict(found) if found else None

    def answers_with(self, intake: Intake, step: Step, working: Mapping[str, Any]) -> dict[str, Any]:
        """All answers, with this step's answers taken from `working` (the step being filled in)."""
        own = {q.id for q in step.questions}
        merged = {k: v for k, v in intake.answers.items() if k not in own}
        merged.update({k: v for k, v in working.items() if k in own})
        return merged

    def step_problems(self, intake: Intake, step: Step, working: Mapping[str, Any]) -> list[Any]:
        """The problems of one step's visible questions, in the core's words."""
        return self.engine.validator.step_problems(step.id, self.answers_with(intake, step, working),
                                                   intake.consultation_date)

    def save_step(self, intake: Intake, step: Step, working: Mapping[str, Any], next_step: str | None,
                  actor: Actor, *, partial: bool = False) -> None:
        """Keeps one step's answers (hidden and empty ones left out) and saves the draft durably.

        Args:
            partial: the step is left unfinished (Back, idle, staff, Ctrl-C): answers with a problem are
                left out rather than refused, so everything else is kept.
        """
        merged = self.answers_with(intake, step, working)
        facts = self.engine.facts(merged, intake.consultation_date)
        visible = {q.id for q in self.engine.questionnaire.visible_in(step, merged, facts)}
        own = {k: v for k, v in working.items() if k in visible and v not in (None, "", [])}
        if partial:
            wrong = {p.field for p in self.step_problems(intake, step, own)}
            own = {k: v for k, v in own.items() if k not in wrong}
        self.store.save_step(intake.intake_id, step_id=step.id, answers=own, next_step=next_step,
                             staff=actor.staff, device=actor.device)
        answers = {k: v for k, v in intake.answers.items() if k not in {q.id for q in step.questions}}
        answers.update(own)
        intake.answers = self.engine.questionnaire.prune(answers, self.engine.facts(answers, intake.consultation_date))
        intake.next_step, intake.step_id = next_step, step.id

    def record(self, intake: Intake) -> dict[str, Any]:
        """The record of the current answers in the published format."""
        return self.engine.new_record(intake.consultation_date, self.engine.questionnaire.prune(intake.answers),
                                      intake.intake_id if _RECORD_ID.fullmatch(intake.intake_id) else None)

    def first_problem_step(self, intake: Intake) -> int | None:
        """The index of the first step with a problem, or None when the answers are complete."""
        problems = self.engine.validate(self.record(intake))
        if not problems:
            return None
        return self.step_index(next((p.step_id for p in problems if p.step_id), None))

    # -- submission -------------------------------------------------------------------------------

    def assess(self, intake: Intake) -> Assessment:
        """Freezes the record and assesses it (as of its consultation date).

        Raises:
            InvalidRecordError: the answers are not complete.
        """
        record = self.record(intake)
        intake.assessment = self.engine.assess(record)
        intake.record = record
        return intake.assessment

    def submit(self, intake: Intake, actor: Actor) -> Assessment:
        """Submits the record and its assessment to the store, once; a deferral becomes 'deferred'."""
        assessment = intake.assessment if intake.record is not None and intake.assessment else self.assess(intake)
        if intake.status == "draft":
            intake.status = self.store.submit(intake.intake_id, record=intake.record or {},
                                              assessment=assessment.to_dict(), staff=actor.staff,
                                              device=actor.device)
            intake.next_step = None
        return assessment

    def submit_stopped(self, intake: Intake, actor: Actor) -> Assessment:
        """Submits a kind-stopped draft's answers given as a deferral for its letter (`intake.lifecycle.stopped`)."""
        return stopped.submit(self, intake, actor)

    def import_record(self, record: Any, actor: Actor) -> Intake:
        """The intake of a complete answers file, stored once as a submitted (or deferred) intake (see
        `import_answers`, which also says whether this call stored it)."""
        return self.import_answers(record, actor).intake

    def import_answers(self, record: Any, actor: Actor) -> Imported:
        """Stores a complete answers file as a submitted (or deferred) intake under a new id, once: the same
        content imported again is found, not stored again (`intake.lifecycle.imports`).

        Raises:
            InvalidRecordError: with every problem of the record (nothing is written).
        """
        return imports.import_answers(self, record, actor)

    # -- signatures -------------------------------------------------------------------------------

    def photo_needed(self, intake: Intake) -> bool:
        """True when the client agreed to photos, so the photo consent needs its own signature."""
        return intake.answers.get(PHOTO_CONSENT_QUESTION) is True

    def photo_uses(self, intake: Intake) -> str | None:
        """The photo uses the client chose, in words, or None when photos were declined."""
        if not self.photo_needed(intake):
            return None
        question = self.engine.questionnaire.by_id.get(PHOTO_USES_QUESTION)
        if question is None:
            return ""
        return self.engine.questionnaire.display(question, intake.answers.get(PHOTO_USES_QUESTION),
                                                 self.engine.language)

    def statement(self, kind: str) -> str:
        """The exact statement a client affirms by signing 'consent' or 'photo_consent' (loads the renderer)."""
        return self.renderer().statement(kind)

    def signer(self, intake: Intake) -> tuple[str, str, str]:
        """Who signs this intake's consent, as (name, capacity, relationship): see intake.lifecycle.signers."""
        return signers.signer(self.engine, intake)

    def typed_signature(self, intake: Intake, kind: str, typed: str, signed_at: datetime | None = None, *,
                        capacity: str | None = None, relationship: str | None = None) -> Signature:
        """A typed-name signature with the documents' statement, by the client or (given or from the answers)
        their parent, guardian or representative.

        Raises:
            LifecycleError: this signer may not sign for this client.
            TextInputError: the name is empty, too long or not plain text.
        """
        from intake.documents.model import Signature

        name = check_name(typed, "the typed signature")
        _, default_capacity, default_relationship = self.signer(intake)
        capacity = capacity or default_capacity
        relationship = default_relationship if relationship is None and capacity == default_capacity \
            else (relationship or "")
        signers.check_signer(self.engine, intake, name, capacity, relationship)
        return Signature("typed", name, self.statement(signers.statement_kind(kind, capacity)),
                         signed_at or self.clock(), capacity=capacity, relationship=relationship)

    def same_photo_signature(self, consent: Signature, signed_at: datetime | None = None) -> Signature:
        """The photo consent signed with the consent's signature, as the signer chose (`signers.same_for_photos`)."""
        kind = signers.statement_kind("photo_consent", consent.capacity)
        return signers.same_for_photos(consent, self.statement(kind), signed_at or self.clock())

    def sign(self, intake: Intake, signatures: ClientSignatures, actor: Actor) -> None:
        """Keeps the client's signatures in the store until the countersignature (never for a deferral).

        Raises:
            LifecycleError: the intake is deferred or not submitted, or the photo signature is missing
                or not wanted.
        """
        if intake.verdict == "defer":
            raise LifecycleError("the verdict is DEFER: there is no consent to sign. The practitioner issues the "
                                 "deferral letter.")
        if intake.status != "submitted":
            raise LifecycleError(f"intake {intake.intake_id} is {intake.status}: only a submitted intake is signed.")
        if self.photo_needed(intake) != (signatures.photo is not None):
            raise LifecycleError("the client agreed to photos, so the photo consent needs its own signature."
                                 if self.photo_needed(intake) else
                                 "the client did not agree to photos; there is no photo consent to sign.")
        for signature in (signatures.consent, signatures.photo):
            if signature is not None:
                signers.check_signer(self.engine, intake, signature.name, signature.capacity,
                                     signature.relationship)
        signers.check_photo(signatures.consent, signatures.photo)
        self.store.keep_signatures(intake.intake_id, signatures.to_dict(), staff=actor.staff, device=actor.device)
        intake.signatures = signatures

    # -- resuming ---------------------------------------------------------------------------------

    def load(self, intake_id: str) -> tuple[Intake, IntakeView]:
        """An intake as stored, with its record re-assessed and its kept signatures restored when readable."""
        view = self.store.load_intake(intake_id)
        intake = Intake(view.intake_id, str(view.consultation_date),
                        self.engine.questionnaire.prune(dict(view.answers or {})), view.status, view.next_step,
                        view.step_id)
        if view.record:
            intake.record = dict(view.record)
            intake.answers = self.engine.questionnaire.prune(intake.record["answers"])
            intake.assessment, intake.kind_stop = stopped.assess_kept(self.engine, intake.record, intake.status)
            intake.signatures = kept_signatures(view.signatures, self.photo_needed(intake))
        return intake, view

    def resume(self, intake_id: str) -> Resumption:
        """Where an unfinished intake continues.

        A draft continues at its next step (or the review when every step was answered); a submitted
        intake at the signatures, or at the practitioner when the client's signatures were kept; a
        deferral at its letter. An intake with its documents is done.
        """
        intake, view = self.load(intake_id)
        if view.documents or intake.status not in ("draft", "submitted", "deferred"):
            return Resumption("done", intake)
        if intake.status == "deferred":
            return Resumption("letter", intake)
        if intake.status == "submitted":
            return Resumption("practitioner" if intake.signatures else "sign", intake)
        if intake.next_step is None and intake.step_id is not None:
            first = self.first_problem_step(intake)
            return Resumption("review", intake) if first is None else Resumption("steps", intake, first)
        return Resumption("steps", intake, self.step_index(intake.next_step))

    # -- the practitioner ---------------------------------------------------------------------------

    def default_plan(self, intake: Intake) -> TreatmentPlan | None:
        """The rules' starting plan, or None for a deferral or an intake not yet assessed."""
        if intake.assessment is None or intake.record is None or intake.verdict == "defer":
            return None
        return self.engine.default_plan(intake.record, intake.assessment)

    def decide(self, intake: Intake, practitioner_id: str, kind: str, reason: str, actor: Actor) -> None:
        """Records 'clearance_noted' or 'override' (with its reason) for an intake that needs clearance.

        Raises:
            LifecycleError: a deferral (never cleared or overridden), or a verdict that needs no decision.
            TextInputError: the reason is missing, too long or not plain text.
        """
        if intake.verdict == "defer":
            raise LifecycleError("a deferral cannot be overridden or cleared; the client can be seen again in a "
                                 "new consultation when the reason has passed.")
        if intake.verdict != "clearance":
            raise LifecycleError(f"the verdict is {intake.verdict!r}: no clearance decision is needed.")
        reason = check_reason(reason, required=True)
        self.store.record_decision(intake.intake_id, practitioner_id=practitioner_id, kind=kind, reason=reason,
                                   staff=actor.staff, device=actor.device)

    def decision(self, intake_id: str) -> tuple[str, str]:
        """The latest recorded decision of an intake as (kind, reason), or ('none', '')."""
        decisions = self.store.load_intake(intake_id).decisions
        return (decisions[-1].kind, decisions[-1].reason) if decisions else ("none", "")

    def countersignature(self, intake: Intake, practitioner_id: str, plan: TreatmentPlan | None = None,
                         signed_at: datetime | None = None) -> Countersignature:
        """The practitioner's countersignature, carrying the decision recorded in the store (the one source).

        The documents print and embed its `document_time` (the minute); the seal carries the exact moment.

        Raises:
            LifecycleError: the practitioner is not one of the clinic's, or clearance is still undecided.
        """
        if self.engine.config.practitioner(practitioner_id) is None:
            known = ", ".join(p.id for p in self.engine.config.practitioners)
            raise LifecycleError(f"{practitioner_id!r} is not a practitioner of this clinic (known: {known}).")
        kind, reason = self.decision(intake.intake_id)
        if intake.verdict == "clearance" and kind == "none":
            raise LifecycleError("this intake needs clearance: note the clearance or override it (with a reason) "
                                 "before countersigning.")
        return self.expected_countersignature(intake, practitioner_id, kind, reason, plan, signed_at or self.clock())

    def expected_countersignature(self, intake: Intake, practitioner_id: str, decision: str, reason: str,
                                  plan: TreatmentPlan | None, signed_at: datetime) -> Countersignature:
        """The countersignature these choices would make at `signed_at`, without reading the store.

        What `countersignature` returns once the decision is recorded; for `prepare` while the
        practitioner reviews (any thread). The reason is trimmed as `decide` keeps it.
        """
        from intake.documents.model import Countersignature

        exact = signed_at.astimezone(UTC).replace(microsecond=0)
        printed = document_time(exact, intake.signatures if intake.verdict != "defer" else None)
        if reason:
            reason = check_reason(reason, required=False)
        return Countersignature(practitioner_id=practitioner_id, signed_at=printed, decision=decision, reason=reason,
                                plan=plan if intake.verdict != "defer" else None,
                                sealed_at=exact if exact != printed else None)

    def discard(self, intake_id: str, reason: str, actor: Actor) -> None:
        """Erases a draft staff abandon on purpose (a test, a mistake); the audit trail keeps who and why."""
        from intake.records.erase import discard_draft  # imported on first use
        if len(reason := check_reason(reason, required=False)) < 3:
            raise TextInputError("say why the draft is discarded (for example: a test, or started twice).")
        discard_draft(self.store, intake_id, reason, actor.staff, actor.device)
