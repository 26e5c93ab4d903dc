"""Provides Records: the clinic's record keeping, the same on every engine (intake.records.RecordStore).

An engine (intake.records.tables.Backend: SQLite, PostgreSQL or memory) keeps the rows; the rest is here: checks,
sealed values, row seals and digests (intake.records.tables), the audit chain and its checkpoints (anchor, and a
clinic group server's own). Each change writes its audit entry in its transaction and returns once it is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from intake.records import (
    anchor,
    chain,
    clients,
    decisions,
    drafts,
    erase,
    export,
    imports,
    rollback,
    search,
    verification,
    workflow,
)
from intake.records.chain import AuditEvent, AuditReport, Entry
from intake.records.checks import check_who
from intake.records.crypto import Keyring
from intake.records.errors import RecordNotFoundError, StoreError
from intake.records.model import (
    AnswerChange,
    AuditPosition,
    Clock,
    DecisionKind,
    DocumentInfo,
    DraftSummary,
    ErasureReport,
    ExportFormat,
    IntakeStatus,
    IntakeView,
    Row,
    SearchResult,
    iso,
)
from intake.records.staff import StaffDirectory
from intake.records.tables import Backend, Tables
from intake.records.visits import VisitRecords

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine


def _ad(intake_id: str, column: str) -> str:
    return f"intake:{intake_id}:{column}"


class Records:
    """The clinic's records on one engine: health data sealed with the data key, every change audited and anchored.

    Args:
        config: the clinic's configuration.
        backend: the engine keeping the rows.
        keyring: the keys derived from the data key.
        clock: returns the current time, timezone-aware (injectable for tests).
        engine: the clinic's Engine, when already loaded (else loaded on first use).
        checkpoint: the audit checkpoint outside the data folder, when there is one.
    """

    #: whether the engine keeps a checkpoint of its own on the server (a clinic group's), written in each transaction
    group_anchored: ClassVar[bool] = False

    def __init__(self, config: ClinicConfig, backend: Backend, keyring: Keyring, clock: Clock,
                 engine: Engine | None = None, checkpoint: anchor.Checkpoint | None = None):
        self.config = config
        self.backend = backend
        self.keyring = keyring
        self.tables = Tables(backend, keyring)
        self.clock = clock
        self._engine = engine
        self._lock = threading.RLock()
        self.checkpoint = checkpoint
        self._anchor_due = False
        self._anchor_error: str | None = None
        self._txn_at: str | None = None
        self._txn_first: int | None = None
        self._anchoring_known = False

    def close(self) -> None:
        """Lets go of the engine (committed work is already kept)."""

    def use_keyring(self, keyring: Keyring) -> None:
        """Keys everything from now on with `keyring` (a key rotation, inside its write transaction)."""
        self.keyring = keyring
        self.tables.keyring = keyring
        if self.checkpoint is not None:
            self.checkpoint = anchor.Checkpoint(self.checkpoint.path, keyring, self.checkpoint.mirrors)
        self._anchoring_known = False

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions, the clock, audit entries --------------------------------------------------------

    @contextmanager
    def write(self, action: str) -> Iterator[None]:
        """One atomic, durable write transaction (`action` names it in errors); a transaction that wrote an
        audit entry is anchored in the checkpoint file after it commits (crash rule: intake.records.anchor)."""
        with self._lock:
            self._anchor_due, self._txn_at, self._txn_first = False, None, None
            state = None
            try:
                with self.backend.write(action):
                    self.tables.begin()
                    yield
                    if self._anchor_due and self.checkpoint is not None:
                        self._mark_anchoring()
                    self.tables.flush()
                    group = self._anchor_due and self.group_anchored
                    state = self.anchor_state() if self._anchor_due and (self.checkpoint or group) else None
                    if group and state is not None:
                        self.anchor_in_group(state)
            finally:
                self.tables.abort()
                self._txn_at = self._txn_first = None
            if state is not None and self.checkpoint is not None:
                self._anchor(self.checkpoint, state)

    def anchor_in_group(self, state: tuple[int, str, str, dict[str, list[int]]]) -> None:
        """Writes this transaction's line into the server's checkpoint, inside it (when group_anchored)."""

    def group_checkpoint(self) -> rollback.Group | None:
        """The server checkpoint verification compares (None for engines without one)."""
        return None

    def _anchor(self, checkpoint: anchor.Checkpoint, state: tuple[int, str, str, dict[str, list[int]]]) -> None:
        try:
            checkpoint.append(*state)
            self._anchor_error = None
        except StoreError as exc:  # the change is saved; the next change anchors it
            self._anchor_error = str(exc)

    def _mark_anchoring(self) -> None:
        if not self._anchoring_known:
            self._anchoring_known = anchor.mark_start(self.backend, self.keyring, self._txn_first)

    def anchor_state(self) -> tuple[int, str, str, dict[str, list[int]]]:
        """(latest entry number, its hash, now, table digests): what a checkpoint line records."""
        last = self.backend.last_entry()
        seq, head = (last.seq, last.hash) if last else (0, chain.GENESIS)
        return seq, head, self.now(), self.backend.digests()

    @contextmanager
    def read(self, action: str) -> Iterator[None]:
        """A consistent snapshot for several reads."""
        with self._lock, self.backend.read(action):
            yield

    def now(self) -> str:
        """The store clock's time as a UTC ISO string."""
        return iso(self.clock())

    def audit(self, event: AuditEvent, *, staff: str, device: str, intake_id: str | None = None,
              client_id: str | None = None, **details: Any) -> int:
        """Appends an audit entry inside the current write transaction; returns its number.

        Every entry of one transaction carries the same time, later than any entry before it.
        """
        self._anchor_due = True
        if self._txn_at is None:
            self._txn_at = chain.transaction_time(self.now(), self.backend.last_entry())
        seq = self.backend.append_audit(self.keyring, at=self._txn_at, event=event, staff=staff, device=device,
                                        intake_id=intake_id, client_id=client_id, details=details)
        self._txn_first = self._txn_first or seq
        return seq

    @cached_property
    def engine(self) -> Engine:
        """The clinic's Engine (questionnaire, validator, assessor), loaded on first use."""
        if self._engine is None:
            from intake.engine import Engine

            self._engine = Engine.load(self.config)
        return self._engine

    # -- sealed values and rows -------------------------------------------------------------------------

    def row(self, intake_id: str) -> Row:
        """The whole row of one intake, after checking its seal.

        Raises:
            RecordNotFoundError: there is no such intake.
            TamperedRecordError: it was changed outside intake.
        """
        row = self.tables.checked("intakes", intake_id)
        if row is None:
            raise RecordNotFoundError(f"there is no intake {intake_id!r}. `intake records list` shows them all.")
        return row

    def open_sealed(self, intake_id: str, column: str, blob: bytes | None, what: str) -> Any:
        """Opens a sealed JSON column of an intake (None stays None)."""
        if blob is None:
            return None
        return self.keyring.open_json(blob, _ad(intake_id, column), f"the {what} of intake {intake_id}")

    def seal_value(self, intake_id: str, column: str, value: Any) -> bytes:
        """Seals a JSON value for a column of an intake."""
        return self.keyring.seal_json(value, _ad(intake_id, column))

    def update_identity(self, intake_id: str, before: Mapping[str, Any], after: Mapping[str, Any],
                        client_id: str | None) -> str | None:
        """Keeps the label and the client link in step with the name and date of birth."""
        return clients.update_identity(self, intake_id, before, after, client_id)

    def device_name(self) -> str:
        """This computer's name for entries intake writes by itself ([kiosk] device, else "this computer")."""
        return str(self.config.section("kiosk").get("device") or "this computer")

    def checkpoint_wal(self) -> None:
        """Lets the engine drop what it still holds of erased data (SQLite: its write-ahead log)."""

    # -- drafts ---------------------------------------------------------------------------------

    def start_intake(self, *, staff: str, device: str, consultation_date: str,
                     claim: Callable[[str], None] | None = None, languages: Mapping[str, str] | None = None) -> str:
        """Starts a new draft and returns its id; `claim(id)` runs in the same transaction (imports.claim);
        `languages` is what the client chose ({"language": "de"}), kept with the draft."""
        return drafts.start(self, staff=staff, device=device, consultation_date=consultation_date, claim=claim,
                            languages=languages)

    def choose_languages(self, intake_id: str, languages: Mapping[str, str], *, staff: str, device: str) -> None:
        """Keeps what the client chose for a draft ({"language": "de"}), replacing those choices made before.

        Raises:
            WorkflowError: the intake is no longer a draft.
        """
        drafts.choose_languages(self, intake_id, languages, staff=staff, device=device)

    def save_step(self, intake_id: str, *, step_id: str, answers: Mapping[str, Any], next_step: str | None,
                  staff: str, device: str) -> None:
        """Saves one step's answers durably before returning (intake.records.drafts.save_step).

        Raises:
            InvalidRecordError: an answer is not acceptable (problems name the questions).
            WorkflowError: the intake is no longer a draft.
        """
        drafts.save_step(self, intake_id, step_id=step_id, answers=answers, next_step=next_step, staff=staff,
                         device=device)

    def drafts(self) -> list[DraftSummary]:
        """Drafts that can be resumed, most recently saved first."""
        with self.read("listing drafts"):
            return drafts.listed(self)

    def load_intake(self, intake_id: str) -> IntakeView:
        """Everything stored about an intake, decrypted (for resuming; staff views use `view`)."""
        with self.read("reading an intake"):
            return workflow.load_view(self, intake_id)

    def view(self, intake_id: str, *, staff: str, device: str) -> IntakeView:
        """Like load_intake, for a staff member looking at a record: writes a 'viewed' audit entry."""
        check_who(staff, device)
        with self.write("opening an intake"):
            intake = workflow.load_view(self, intake_id)
            self.audit("viewed", staff=staff, device=device, intake_id=intake_id, client_id=intake.client_id)
        return intake

    # -- finding ----------------------------------------------------------------------------

    def find_returning(self, full_name: str, date_of_birth: str, *, staff: str = "kiosk",
                       device: str = "kiosk") -> dict[str, Any] | None:
        """Answers to offer a returning client to confirm: the prefill questions of their latest intake, or None
        when no earlier submitted intake matches the name and date of birth exactly (after normalising case,
        accents and spacing). Writes a 'viewed' audit entry when found."""
        return clients.returning_answers(self, full_name, date_of_birth, staff, device)

    def find_returning_client(self, full_name: str, date_of_birth: str, *, staff: str = "kiosk",
                              device: str = "kiosk") -> tuple[dict[str, Any], str] | None:
        """Like find_returning, with the language of that latest intake (the language the client used last)."""
        return clients.returning_client(self, full_name, date_of_birth, staff, device)

    def search(self, text: str | None = None, status: str | None = None, limit: int = 50,
               client_id: str | None = None) -> SearchResult:
        """Intakes whose client matches name words (prefixes) and/or a date of birth, newest first."""
        with self.read("searching the records"):
            return search.run(self, text, status, limit, client_id)

    def resolve(self, text: str) -> str:
        """The intake id that `text` names in full or by a unique beginning (at least 4 characters)."""
        with self.read("looking up an intake"):
            return search.resolve(self.backend, text)

    def client_identity(self, client_id: str) -> dict[str, str] | None:
        """A client's full_name and date_of_birth, decrypted (None when the client is gone)."""
        with self.read("reading a client"):
            row = self.tables.checked("clients", client_id)
            return clients.open_identity(self.keyring, client_id, row["identity"]) if row else None

    def intake_page(self, *, client_id: str | None = None, since: str | None = None, until: str | None = None,
                    after: tuple[str, str] | None = None, limit: int = 500) -> list[tuple[str, str]]:
        """One page of (consultation_date, intake id), in that order and after `after`, of intakes that are
        not erased or expired: one client's, and/or consulted between `since` and `until` (inclusive)."""
        with self.read("listing intakes to export"):
            return self.backend.intake_page(client_id=client_id, since=since, until=until, after=after, limit=limit)

    # -- audit ---------------------------------------------------------------------------------

    def verify_audit(self) -> AuditReport:
        """Checks the whole audit trail, every row's seal, rows against the trail, and the database against its
        checkpoint and mirrors (intake.records.verification)."""
        with self.read("checking the audit trail"):
            report = verification.verify(self)
        if self._anchor_error:
            return AuditReport(report.entries, report.head, report.problems,
                               (*report.notes, f"the latest change could not be anchored: {self._anchor_error}"))
        return report

    def audit_trail(self, intake_id: str | None = None) -> list[Entry]:
        """The audit entries, all or for one intake."""
        with self.read("reading the audit trail"):
            return self.backend.entries(intake_id)

    def audit_head(self) -> AuditPosition:
        """Where the trail stands now: what a sealed document carries as the audit position at its sealing."""
        with self.read("reading the audit trail"):
            last = self.backend.last_entry()
        return AuditPosition(last.seq, last.hash, self.keyring.key_id) if last else AuditPosition(
            0, chain.GENESIS, self.keyring.key_id)

    # -- the rest of the life of an intake (workflow.py, decisions.py, erase.py, export.py) --------------

    def submit(self, intake_id: str, *, record: Mapping[str, Any], assessment: Mapping[str, Any], staff: str,
               device: str, kind_stop: bool = False) -> IntakeStatus:
        """Submits a draft with its complete (or `kind_stop`: answers up to a kind stop) record; returns the status."""
        return workflow.submit(self, intake_id, record, assessment, staff, device, kind_stop)

    def keep_signatures(self, intake_id: str, signatures: Mapping[str, Any], *, staff: str, device: str) -> None:
        """Keeps a submitted intake's client signatures (JSON objects by kind) until the consent is sealed."""
        workflow.keep_signatures(self, intake_id, signatures, staff, device)

    def record_decision(self, intake_id: str, *, practitioner_id: str, kind: DecisionKind, reason: str, staff: str,
                        device: str, supersedes: int | None = None, supersede_reason: str = "") -> int:
        """Records a clearance note or override (never on a deferral); see intake.records.decisions.record."""
        return decisions.record(self, intake_id, practitioner_id=practitioner_id, kind=kind, reason=reason,
                                staff=staff, device=device, supersedes=supersedes, supersede_reason=supersede_reason)

    def correct_answers(self, intake_id: str, *, practitioner_id: str, changes: Sequence[AnswerChange], reason: str,
                        record: Mapping[str, Any], assessment: Mapping[str, Any], staff: str,
                        device: str) -> tuple[int, IntakeStatus]:
        """Corrects answers with the client present; returns (decision id, status) (decisions.correct)."""
        return decisions.correct(self, intake_id, practitioner_id=practitioner_id, changes=changes, reason=reason,
                                 record=record, assessment=assessment, staff=staff, device=device)

    def add_documents(self, intake_id: str, documents: Sequence[Any], *, staff: str, device: str) -> IntakeStatus:
        """Stores sealed documents; a consent document signs a submitted intake. Returns the status."""
        return workflow.add_documents(self, intake_id, documents, staff, device)

    def reprint(self, intake_id: str, *, kind: str | None = None, staff: str, device: str,
                deliver: Callable[[list[tuple[DocumentInfo, bytes]]], None] | None = None
                ) -> list[tuple[DocumentInfo, bytes]]:
        """The stored PDFs, checked against their SHA-256; audited once `deliver(them)` (writing them) returned."""
        return workflow.reprint(self, intake_id, kind, staff, device, deliver)

    def export(self, intake_id: str, fmt: ExportFormat | str, *, staff: str, device: str,
               deliver: Callable[[str], None] | None = None) -> str:
        """One intake as json, csv or fhir (R4) text; audited once `deliver(text)` (writing it) has returned."""
        return export.export_intake(self, intake_id, fmt, staff, device, deliver)

    def record_bulk_export(self, *, staff: str, device: str, client_id: str | None = None, **details: Any) -> None:
        """Writes the one 'exported' audit entry of a whole-clinic or one-client export."""
        check_who(staff, device)
        with self.write("recording an export"):
            self.audit("exported", staff=staff, device=device, client_id=client_id, **details)

    def erase_client(self, client_id: str, *, staff: str, device: str) -> ErasureReport:
        """Erases a client's data, keeping consent evidence until the retention period ends."""
        return erase.erase_client(self, client_id, staff, device)

    def expire_drafts(self, now: datetime | None = None) -> int:
        """Erases drafts not saved for [storage] draft_expiry_days; returns how many."""
        return erase.expire_drafts(self, now)

    def purge_retention(self, now: datetime | None = None) -> int:
        """Erases kept consent evidence whose retention period has ended; returns how many intakes."""
        return erase.purge_retention(self, now)

    def discard_draft(self, intake_id: str, *, reason: str, staff: str, device: str) -> None:
        """Erases one draft now, as expiry would, auditing who discarded it and why."""
        erase.discard_draft(self, intake_id, reason, staff, device)

    def claim_import(self, record: Mapping[str, Any], *, staff: str, device: str) -> imports.Claim:
        """The intake an answers file's content belongs to, or a new draft claimed for it (intake.records.imports)."""
        return imports.Imports(self).claim(record, staff=staff, device=device)

    def find_import(self, record: Mapping[str, Any]) -> imports.Claim | None:
        """The intake this record's content was imported as, or None."""
        return imports.Imports(self).find(record)

    @cached_property
    def visits(self) -> VisitRecords:
        """The further sessions of the clients' courses (intake.records.visits)."""
        return VisitRecords(self)

    @property
    def staff(self) -> StaffDirectory:
        """The clinic's staff accounts and wrong-PIN counts in this store."""
        return StaffDirectory(self)
