"""Provides Lifecycle: the whole life of one intake, the same for the wizard, `intake ask` and the CLI.

An intake is begun, saved step by step, submitted, signed, decided on where clearance is needed,
countersigned and rendered into sealed documents the store keeps; `resume` says where any continues.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.assessment import Assessment
from intake.engine import Engine
from intake.lifecycle import auth, decisions, imports, rendering, signers, stopped
from intake.lifecycle.auth import Authenticated, StaffAct
from intake.lifecycle.imports import Imported
from intake.lifecycle.model import (
    PHOTO_CONSENT_QUESTION,
    Actor,
    ClientSignatures,
    Intake,
    LifecycleError,
    Renderer,
    Resumption,
    kept_signatures,
)
from intake.lifecycle.seal import ensure_seal
from intake.questionnaire import Step
from intake.text import TextInputError, check_reason
from intake.treatment import TreatmentPlan

if TYPE_CHECKING:
    from intake.documents.model import Countersignature, Packet, Signature
    from intake.records.interface import RecordStore
    from intake.records.model import Decision, IntakeView

#: Questions the lifecycle relies on by id.
NAME_QUESTION, PHOTO_USES_QUESTION = "full_name", "photo_uses"
_RECORD_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Lifecycle:
    """The life of intakes for one clinic: the engine, the store and (loaded on first use) the renderer.

    Args:
        engine: the loaded Engine.
        store: the open record store (any RecordStore: the SQLite store, or the in-memory one).
        renderer: a Renderer, or a callable that makes one (called once, from whichever thread first needs it).
        clock: returns the current time, timezone-aware (injectable for tests).
    """

    def __init__(self, engine: Engine, store: RecordStore, renderer: Renderer | Callable[[], Renderer] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))
        self._renderer_source = renderer
        self._renderer: Renderer | None = None
        self._lock = threading.Lock()
        #: the partial documents a killed write left (their writer gone), removed at this start; the documents are
        #: in the store and `intake records reprint` writes them again
        self.swept = rendering.sweep(self.out_dir)

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
            if self._renderer is None:
                self._renderer = rendering.make_renderer(self.engine, self._renderer_source)
            return self._renderer

    @property
    def has_renderer(self) -> bool:
        """True once the renderer was made."""
        return self._renderer is not None

    def step_index(self, step_id: str | None) -> int:
        """The position of a step, 0 when unknown."""
        return next((i for i, s in enumerate(self.steps) if s.id == step_id), 0)

    # -- answers ----------------------------------------------------------------------------------

    def begin(self, actor: Actor, prefill: Mapping[str, Any] | None = None, language: str | None = None,
              documents_language: str | None = None) -> Intake:
        """Starts a new draft dated today; `prefill` (a returning client's lasting answers) is shown to confirm.

        Args:
            language: the language the client chose (refused unless the clinic offers it); the clinic's if None.
            documents_language: the language chosen for the documents alone (refused unless the clinic offers
                documents in it); the screens' if None. Both are kept with the draft.
        """
        chosen = self.engine.offered_language(language)
        documents = self.engine.offered_documents_language(documents_language or None) or ""
        today = self.today()
        intake_id = self.store.start_intake(staff=actor.staff, device=actor.device, consultation_date=today,
                                            languages=_languages(chosen, documents))
        return Intake(intake_id, today, self.engine.questionnaire.prune(prefill or {}), next_step=self.steps[0].id,
                      language=chosen, documents_language=documents)

    def language(self, intake: Intake | None) -> str:
        """The language of this intake: the one the client chose, else the clinic's. Every client screen follows
        it; staff screens stay in the clinic's language (`Engine.language`)."""
        return intake.language if intake is not None and intake.language else self.engine.language

    def choose_language(self, intake: Intake, language: str, actor: Actor | None = None) -> None:
        """The client chose the language of their intake (refused unless the clinic offers it); kept with the
        stored draft when `actor` is given, so whoever resumes it continues in that language."""
        intake.language = self.engine.offered_language(language)
        if actor is not None:
            self.store.choose_languages(intake.intake_id, {"language": intake.language}, staff=actor.staff,
                                        device=actor.device)

    def documents_language(self, intake: Intake | None) -> str:
        """The language of this intake's documents: the one chosen for them, else the intake's own."""
        return (intake.documents_language if intake is not None and intake.documents_language
                else self.language(intake))

    def choose_documents_language(self, intake: Intake, language: str | None, actor: Actor | None = None) -> None:
        """The client (or staff with them) chose the language of the documents alone; None goes back to the
        screens' language (refused unless the clinic offers documents in it). Kept with the stored draft when
        `actor` is given, as the screens' language is."""
        intake.documents_language = self.engine.offered_documents_language(language) or ""
        if actor is not None:
            # Back to the screens' language is kept as that language (read back as none: no documents-only one).
            self.store.choose_languages(intake.intake_id,
                                        {"documents_language": intake.documents_language or self.language(intake)},
                                        staff=actor.staff, device=actor.device)

    def returning_answers(self, full_name: str, date_of_birth: str, actor: Actor) -> dict[str, Any] | None:
        """The lasting answers of a returning client's latest intake, or None."""
        found = self.returning(full_name, date_of_birth, actor)
        return found[0] if found else None

    def returning(self, full_name: str, date_of_birth: str, actor: Actor) -> tuple[dict[str, Any], str] | None:
        """A returning client's lasting answers and the language they used last (when the clinic still offers it,
        else its own), or None."""
        found = self.store.find_returning_client(full_name, date_of_birth, staff=actor.staff, device=actor.device)
        if not found:
            return None
        answers, language = found
        return dict(answers), language if language in self.engine.config.languages else self.engine.language

    def answers_with(self, intake: Intake, step: Step, working: Mapping[str, Any]) -> dict[str, Any]:
        """All answers, with this step's answers taken from `working` (the step being filled in)."""
        own = {q.id for q in step.questions}
        merged = {k: v for k, v in intake.answers.items() if k not in own}
        merged.update({k: v for k, v in working.items() if k in own})
        return merged

    def step_problems(self, intake: Intake, step: Step, working: Mapping[str, Any]) -> list[Any]:
        """The problems of one step's visible questions, in the core's words."""
        return self.engine.validator_in(self.language(intake)).step_problems(
            step.id, self.answers_with(intake, step, working), intake.consultation_date)

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
                                      intake.intake_id if _RECORD_ID.fullmatch(intake.intake_id) else None,
                                      self.language(intake), self.documents_language(intake))

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

    def client_assessment(self, intake: Intake) -> Assessment | None:
        """The intake's assessment in the client's language, for what the client is told (its verdict and findings
        are the kept assessment's; the practitioner reads that one, in the clinic's language). None before it
        is assessed."""
        if intake.assessment is None or intake.record is None or self.language(intake) == self.engine.language:
            return intake.assessment
        return self.engine.assessor_in(self.language(intake)).assess(intake.record)

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
        return signers.photo_uses(self.engine, intake, PHOTO_USES_QUESTION) if self.photo_needed(intake) else None

    def statement(self, kind: str, intake: Intake | None = None) -> str:
        """The exact statement a client affirms by signing 'consent' or 'photo_consent' (loads the renderer), in
        the language of `intake`'s screens (the one the client reads it in; the clinic's when None)."""
        return self.renderer().statement(kind, self.language(intake))

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
        return signers.typed(self.engine, intake, kind, typed, capacity, relationship,
                             lambda chosen: self.statement(chosen, intake), signed_at or self.clock())

    def same_photo_signature(self, consent: Signature, signed_at: datetime | None = None,
                             intake: Intake | None = None) -> Signature:
        """The photo consent signed with the consent's signature, as the signer chose (`signers.same_for_photos`);
        its statement in `intake`'s language, as the consent's."""
        kind = signers.statement_kind("photo_consent", consent.capacity)
        return signers.same_for_photos(consent, self.statement(kind, intake), signed_at or self.clock())

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
        signers.check_signatures(self.engine, intake, signatures, self.photo_needed(intake))
        self.store.keep_signatures(intake.intake_id, signatures.to_dict(), staff=actor.staff, device=actor.device)
        intake.signatures = signatures

    # -- resuming ---------------------------------------------------------------------------------

    def load(self, intake_id: str) -> tuple[Intake, IntakeView]:
        """An intake as stored, with its record re-assessed and its kept signatures restored when readable."""
        view = self.store.load_intake(intake_id)
        intake = Intake(view.intake_id, str(view.consultation_date),
                        self.engine.questionnaire.prune(dict(view.answers or {})), view.status, view.next_step,
                        view.step_id, language=self._kept_language(view.languages.get("language")),
                        documents_language=self._kept_documents_language(view.languages.get("documents_language")))
        if view.record:
            intake.record = dict(view.record)
            intake.language = str(intake.record.get("language") or "")
            intake.documents_language = str(intake.record.get("documents_language") or "")
            intake.answers = self.engine.questionnaire.prune(intake.record["answers"])
            intake.assessment, intake.kind_stop = stopped.assess_kept(self.engine, intake.record, intake.status)
            intake.signatures = kept_signatures(view.signatures, self.photo_needed(intake))
        return intake, view

    def _kept_language(self, language: str | None) -> str:
        """A draft's kept language while the clinic still offers it, else '' (the clinic's: a draft kept before
        languages were kept, or a language no longer offered)."""
        return language if language and language in self.engine.config.languages else ""

    def _kept_documents_language(self, language: str | None) -> str:
        """A draft's kept documents language while the clinic still offers documents in it, else '' (the
        screens')."""
        return language if language and language in self.engine.config.documents_only else ""

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

    def authenticate(self, credential: Any, act: StaffAct, device: str, *, staff_id: str | None = None,
                     practitioner_id: str | None = None) -> Authenticated:
        """Proves who is acting and that they may (intake.lifecycle.auth.authenticate, on this store)."""
        return auth.authenticate(self.store, credential, act, device, staff_id=staff_id,
                                 practitioner_id=practitioner_id)

    def decisions(self, intake_id: str) -> list[Decision]:
        """Every decision of an intake, oldest first, each with what superseded it."""
        return self.store.load_intake(intake_id).decisions

    def contradiction(self, intake: Intake, kind: str) -> str | None:
        """What a new decision would replace, in words for a confirmation; None when no decision stands."""
        return decisions.contradiction(self.decisions(intake.intake_id), kind)

    def decide(self, intake: Intake, who: Authenticated, kind: str, reason: str, *, practitioner_id: str | None = None,
               supersede: str | None = None) -> int:
        """Records a clearance note or override by `who` (see intake.lifecycle.decisions.decide); its id."""
        return decisions.decide(self, intake, who, kind, reason, practitioner_id=practitioner_id, supersede=supersede)

    def correct(self, intake: Intake, who: Authenticated, changes: Mapping[str, Any], reason: str, *,
                practitioner_id: str | None = None) -> int:
        """Corrects answers with the client present (see intake.lifecycle.decisions.correct); its id."""
        return decisions.correct(self, intake, who, changes, reason, practitioner_id=practitioner_id)

    def countersignature(self, intake: Intake, who: Authenticated, plan: TreatmentPlan | None = None,
                         signed_at: datetime | None = None, *, practitioner_id: str | None = None
                         ) -> Countersignature:
        """The countersignature of `who`, carrying every decision as recorded in the store (the one source).

        The documents print its `document_time` (the minute); the seal, the exact moment and the trail's position.

        Raises:
            AuthenticationError: `who` may not countersign, or not as `practitioner_id`.
            LifecycleError: clearance is still undecided.
        """
        practitioner = decisions.acting(self, who, "countersign", practitioner_id)
        history = self.decision_history(intake.intake_id)
        if intake.verdict == "clearance" and history[0] == "none":
            raise LifecycleError("this intake needs clearance: note the clearance or override it (with a reason) "
                                 "before countersigning.")
        counter = self.expected_countersignature(intake, practitioner, plan, signed_at or self.clock(), history)
        return decisions.witnessed(counter, self.store.audit_head())

    def decision_history(self, intake_id: str) -> tuple[Any, ...]:
        """(kind, reason, decided_by, decided_on, notes) of the decisions as the documents print them."""
        return decisions.countersigning_history(self, self.decisions(intake_id))

    def expected_countersignature(self, intake: Intake, practitioner_id: str, plan: TreatmentPlan | None,
                                  signed_at: datetime, history: tuple[Any, ...]) -> Countersignature:
        """The countersignature these choices would make at `signed_at`, without reading the store.

        What `countersignature` returns once the decisions are recorded; for `prepare` while the
        practitioner reviews (any thread). `history` is `decision_history`'s, or what it will be once the
        decision on screen is recorded (see `pending_history`).
        """
        return decisions.expected_countersignature(intake, practitioner_id, plan, signed_at, history)

    def pending_history(self, recorded: tuple[Any, ...], practitioner_id: str, kind: str, reason: str,
                        day: date, supersede: str = "") -> tuple[Any, ...]:
        """The decision history once a decision on screen (`kind` by `practitioner_id` on `day`) is recorded."""
        return decisions.pending(recorded, practitioner_id, kind, reason, day, supersede)

    def discard(self, intake_id: str, reason: str, who: Authenticated) -> None:
        """Erases a draft staff abandon on purpose (a test, a mistake); the audit trail keeps who and why."""
        if len(reason := check_reason(reason, required=False)) < 3:
            raise TextInputError("say why the draft is discarded (for example: a test, or started twice).")
        self.store.discard_draft(intake_id, reason=reason, staff=who.staff_id, device=who.device)

    # -- the documents: laid out ahead, rendered, kept --------------------------------------------------------

    def ensure_seal(self, signed_at: datetime | None = None) -> bool:
        """Makes the demo clinic's seal on first use; True when it was made now (see `ensure_seal`)."""
        return ensure_seal(self.engine.config, min(signed_at or self.clock(), self.clock()))

    def render(self, intake: Intake, countersignature: Countersignature | None, *, sealed: bool = True) -> Packet:
        """Renders the intake's documents: consent + aftercare, or for a deferral the letter (no client signature).

        Meant for a worker thread: it touches only the renderer. Documents prepared for exactly these
        inputs (see `prepare`) are only sealed.
        """
        return self.renderer().render(**rendering.render_arguments(intake, countersignature, sealed, self.clock()))

    def prepare(self, intake: Intake, countersignature: Countersignature) -> bool:
        """Lays the documents out ahead for an expected countersignature (a worker thread, while the practitioner
        reviews); False when the renderer cannot prepare. A `render` with other inputs ignores the preparation.

        Raises:
            The renderer's errors for inputs that do not fit (nothing is kept then).
        """
        prepare = getattr(self.renderer(), "prepare", None)
        if prepare is None:
            return False
        arguments = rendering.render_arguments(intake, countersignature, True, self.clock())
        del arguments["sealed"], arguments["issued_at"]
        return bool(prepare(**arguments))

    def forget_prepared(self) -> None:
        """Drops documents prepared ahead (the client has gone); does nothing before the renderer is made."""
        forget = getattr(self.renderer(), "forget", None) if self.has_renderer else None
        if forget is not None:
            forget()

    def keep_documents(self, intake: Intake, packet: Packet, actor: Actor, out_dir: Path | None = None) -> list[Path]:
        """Records the rendered documents in the store (signing the intake), then writes them (0600)."""
        return rendering.keep(self.store, intake, packet, actor, out_dir or self.out_dir)

    @property
    def out_dir(self) -> Path:
        """The configured documents folder (one folder per intake inside it)."""
        folder = self.engine.config.path("documents", "out_dir", "intake-documents")
        assert folder is not None  # a default is given
        return folder


def _languages(language: str, documents_language: str) -> dict[str, str]:
    """The languages chosen for an intake as the store keeps them with the draft (named as the record names them)."""
    return {"language": language, **({"documents_language": documents_language} if documents_language else {})}
