"""Provides RecordStore: everything the lifecycle, the front ends and the command line use of a record store.

One typed protocol for every engine: the SQLite store on disk (intake.records.Store) and the in-memory
store (intake.records.MemoryStore) both honour it, and a conformance test runs the same tests on both
(tests/records/test_conformance.py). Front ends and the lifecycle depend on this protocol only.

The small vocabularies are defined once, in the core, and shared: intake statuses (`IntakeStatus`),
decision kinds (`DecisionKind`), verdicts (`intake.verdicts.Verdict`), export formats (`ExportFormat`),
staff roles (`StaffRole`), audit events (`AuditEvent`) and the lifecycle's stages
(`intake.lifecycle.Stage`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from intake.records.chain import AuditReport, Entry
from intake.records.imports import Claim
from intake.records.model import (
    AnswerChange,
    AuditPosition,
    DecisionKind,
    DocumentInfo,
    DraftSummary,
    ErasureReport,
    ExportFormat,
    IntakeStatus,
    IntakeView,
    SearchResult,
)
from intake.records.staff import StaffDirectory
from intake.records.visits import VisitRecords

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine


class RecordStore(Protocol):
    """A clinic's record store, whatever keeps it. Every change is audited in its own transaction and kept before
    the call returns; bad input is refused with a plain message (an IntakeError) and changes nothing."""

    config: ClinicConfig

    @property
    def engine(self) -> Engine:
        """The clinic's Engine (questionnaire, validator, assessor)."""
        ...

    @property
    def visits(self) -> VisitRecords:
        """The further sessions of the clients' courses: start, re-screen, treatment record, countersignature."""
        ...

    @property
    def staff(self) -> StaffDirectory:
        """The clinic's staff accounts and wrong-PIN counts in this store."""
        ...

    def now(self) -> str:
        """The store's clock as a UTC ISO string."""
        ...

    def close(self) -> None:
        """Lets go of the store (committed work is already kept)."""
        ...

    def __enter__(self) -> RecordStore:
        """The store itself, closed when the `with` block ends."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Closes the store."""
        ...

    # -- drafts and intakes ---------------------------------------------------------------------------

    def start_intake(self, *, staff: str, device: str, consultation_date: str,
                     claim: Callable[[str], None] | None = None, languages: Mapping[str, str] | None = None) -> str:
        """Starts a new draft, keeping what the client chose ({"language": "de"}); returns its id."""
        ...

    def choose_languages(self, intake_id: str, languages: Mapping[str, str], *, staff: str, device: str) -> None:
        """Keeps what the client chose for a draft, replacing those choices made before."""
        ...

    def save_step(self, intake_id: str, *, step_id: str, answers: Mapping[str, Any], next_step: str | None,
                  staff: str, device: str) -> None:
        """Saves one step's answers (they replace that step's earlier answers), checked as the wizard checks them."""
        ...

    def drafts(self) -> list[DraftSummary]:
        """Drafts that can be resumed, most recently saved first."""
        ...

    def load_intake(self, intake_id: str) -> IntakeView:
        """Everything stored about an intake (for resuming)."""
        ...

    def view(self, intake_id: str, *, staff: str, device: str) -> IntakeView:
        """An intake as a staff member looks at it (audited as viewed)."""
        ...

    def find_returning(self, full_name: str, date_of_birth: str, *, staff: str = ...,
                       device: str = ...) -> dict[str, Any] | None:
        """A returning client's lasting answers of their latest intake, or None."""
        ...

    def find_returning_client(self, full_name: str, date_of_birth: str, *, staff: str = ...,
                              device: str = ...) -> tuple[dict[str, Any], str] | None:
        """A returning client's lasting answers and the language of their latest intake, or None."""
        ...

    def search(self, text: str | None = None, status: str | None = None, limit: int = 50,
               client_id: str | None = None) -> SearchResult:
        """Intakes whose client matches name beginnings and/or a date of birth, newest first."""
        ...

    def resolve(self, text: str) -> str:
        """The intake id that `text` names in full or by a unique beginning (at least 4 characters)."""
        ...

    def client_identity(self, client_id: str) -> dict[str, str] | None:
        """A client's full_name and date_of_birth (None when the client is gone)."""
        ...

    def intake_page(self, *, client_id: str | None = None, since: str | None = None, until: str | None = None,
                    after: tuple[str, str] | None = None, limit: int = 500) -> list[tuple[str, str]]:
        """One page of (consultation_date, intake id) of intakes not erased or expired, after `after`."""
        ...

    # -- the life of an intake ----------------------------------------------------------------------------

    def submit(self, intake_id: str, *, record: Mapping[str, Any], assessment: Mapping[str, Any], staff: str,
               device: str, kind_stop: bool = False) -> IntakeStatus:
        """Submits a draft with its record (validated and re-assessed); "submitted" or "deferred"."""
        ...

    def keep_signatures(self, intake_id: str, signatures: Mapping[str, Any], *, staff: str, device: str) -> None:
        """Keeps a submitted intake's client signatures until the consent is sealed."""
        ...

    def record_decision(self, intake_id: str, *, practitioner_id: str, kind: DecisionKind, reason: str, staff: str,
                        device: str, supersedes: int | None = None, supersede_reason: str = "") -> int:
        """Records a clearance note or an override; returns its id."""
        ...

    def correct_answers(self, intake_id: str, *, practitioner_id: str, changes: Sequence[AnswerChange], reason: str,
                        record: Mapping[str, Any], assessment: Mapping[str, Any], staff: str,
                        device: str) -> tuple[int, IntakeStatus]:
        """Corrects answers with the client present; returns (decision id, status)."""
        ...

    def add_documents(self, intake_id: str, documents: Sequence[Any], *, staff: str, device: str) -> IntakeStatus:
        """Stores sealed documents (a consent signs the intake); returns the status."""
        ...

    def reprint(self, intake_id: str, *, kind: str | None = None, staff: str, device: str,
                deliver: Callable[[list[tuple[DocumentInfo, bytes]]], None] | None = None
                ) -> list[tuple[DocumentInfo, bytes]]:
        """The stored PDFs, checked; audited once `deliver` (writing them) has returned."""
        ...

    def export(self, intake_id: str, fmt: ExportFormat | str, *, staff: str, device: str,
               deliver: Callable[[str], None] | None = None) -> str:
        """One intake as json, csv or fhir text; audited once `deliver` (writing it) has returned."""
        ...

    def record_bulk_export(self, *, staff: str, device: str, client_id: str | None = None, **details: Any) -> None:
        """The one audit entry of a whole-clinic or one-client export."""
        ...

    def discard_draft(self, intake_id: str, *, reason: str, staff: str, device: str) -> None:
        """Erases a draft staff abandon on purpose; the trail keeps who and why."""
        ...

    def erase_client(self, client_id: str, *, staff: str, device: str) -> ErasureReport:
        """Erases a client's data, keeping consent evidence until the retention period ends."""
        ...

    def expire_drafts(self, now: datetime | None = None) -> int:
        """Erases drafts not saved for [storage] draft_expiry_days; returns how many."""
        ...

    def purge_retention(self, now: datetime | None = None) -> int:
        """Erases kept consent evidence past its retention period; returns how many intakes."""
        ...

    def claim_import(self, record: Mapping[str, Any], *, staff: str, device: str) -> Claim:
        """The intake an answers file's content belongs to, or a new draft claimed for it."""
        ...

    def find_import(self, record: Mapping[str, Any]) -> Claim | None:
        """The intake this record's content was imported as, or None."""
        ...

    # -- the audit trail ----------------------------------------------------------------------------------

    def verify_audit(self) -> AuditReport:
        """Checks the trail, every row and the checkpoint; names each problem."""
        ...

    def audit_trail(self, intake_id: str | None = None) -> list[Entry]:
        """The audit entries, all or one intake's."""
        ...

    def audit_head(self) -> AuditPosition:
        """Where the trail stands now (what a sealed document carries)."""
        ...
