"""Provides the record store: drafts that survive a crash, sealed health data, a tamper-evident audit trail.

Public API (front ends import only from here)::

    from intake.records import Store, create_data_key, open_store

    store = open_store(config)        # on the engine [storage] engine names: Store.open (SQLite, the default)
                                      # or PostgresStore.open (intake.records.postgres), same arguments.
    store = Store.open(config)        # ClinicConfig; optional clock=callable returning an aware datetime,
                                      # engine=Engine to share one already loaded. Creates the data folder
                                      # (0700) and database (0600), runs migrations. Raises IntakeError
                                      # subclasses (see intake.records.errors) with plain-word messages.
    intake_id = store.start_intake(staff=..., device=..., consultation_date="2026-11-20") -> str
    store.save_step(intake_id, step_id="about_you", answers={...}, next_step="your_skin",
                    staff=..., device=...)
        # Durable (WAL, synchronous=FULL) before it returns. Answers replace that step's earlier
        # answers, so calling it after every answer loses at most the answer being typed. Answers are
        # checked like the wizard checks them (InvalidRecordError lists the problems).
    store.drafts() -> list[DraftSummary(intake_id, started_at, updated_at, step_id, client_label,
                                        device, next_step)]
    store.load_intake(intake_id) -> IntakeView(intake_id, status, consultation_date, answers, step_id,
                                               record, assessment, decisions, documents, next_step,
                                               client_id, ...)
    store.view(intake_id, staff=..., device=...) -> IntakeView          # staff look: audits 'viewed'
    store.find_returning(full_name, date_of_birth) -> dict | None
        # Answers of the client's latest submitted intake to questions marked "prefill" in the
        # questionnaire (demographics and lasting history), for the client to confirm.
    store.submit(intake_id, record=record, assessment=assessment.to_dict(), staff=..., device=...)
        # -> "submitted", or "deferred" when the verdict is defer. The record is validated and
        #    re-assessed; a mismatching assessment is refused.
    store.record_decision(intake_id, practitioner_id="ajordan", kind="clearance_noted" | "override",
                          reason="...", staff=..., device=...)
        # Only for a clearance verdict; an override needs a reason; a deferral is never overridden.
    store.add_documents(intake_id, [doc, ...], staff=..., device=...) -> status
        # Each doc has .kind .filename .pdf (bytes) .sha256 (hex of .pdf) .template_versions (dict).
        # kind "consent" signs a submitted intake (after the practitioner's decision when the verdict
        # is clearance); any other kind (e.g. "deferral_letter") leaves the status as it is.
    store.reprint(intake_id, kind=None, staff=..., device=..., deliver=None) -> [(DocumentInfo, pdf_bytes)]
    store.export(intake_id, "json" | "csv" | "fhir", staff=..., device=..., deliver=None) -> str
        # Each writes its 'exported' entry after deliver(documents | text) has returned (a caller that writes a
        # file passes the writing, synced, as deliver); when deliver raises nothing is audited.
    Imports(store).claim(record, staff=..., device=...) -> Claim(intake_id, status, new)
        # The intake an answers file's content belongs to (keyed fingerprint), or a new draft claimed for it;
        # Lifecycle.import_answers submits to it.
    store.search(text=None, status=None, limit=50) -> SearchResult(rows=[ListRow], more, damaged=[DamagedRow])
        # A damaged intake (or client) is named in `damaged`; every intact one is still listed.
    store.erase_client(client_id, staff=..., device=...) -> ErasureReport
    store.expire_drafts(now=None) -> int        # drafts idle for [storage] draft_expiry_days
    store.purge_retention(now=None) -> int      # kept consent evidence past [storage] retention_years
    store.verify_audit() -> AuditReport(entries, head, problems)
        # The hash chain (edited / deleted / inserted / reordered entries, named), the seal of every
        # stored row, and rows against the trail (an intake or document deleted behind intake's back).
    store.resolve(text) -> intake id            # a full id or a unique beginning of 4+ characters
    store.audit_trail(intake_id=None) -> [audit.Entry]
    store.close()                               # or use `with Store.open(config) as store:`

    create_data_key(config, force=False) -> Path   # new 0600 key file at [security] data_key_file
    rotate.rotate_data_key(config, staff=..., device=...) -> (old key id, new key id)   # crash-safe, either engine

    StaffDirectory(store).add(id, name=..., role="front_desk" | "practitioner", pin=..., practitioner_id=None,
                              by=..., device=...) -> StaffMember
    StaffDirectory(store).authenticate(pin, device=...) -> StaffMember(staff_id, name, role, practitioner_id)
        # PinRefused (a StoreError) with .wait_seconds / .tries_left; the back-off is kept in the store.

After every committed change a line is appended to the audit checkpoint beside the data key
(intake.records.anchor); verify_audit compares the database with it (rollback, replayed rows,
deleted rows of any table; intake.records.rollback).

`RecordStore` (intake.records.interface) is what the lifecycle and the front ends use of a store; `Store` (the
SQLite engine, intake.records.sqlite), `PostgresStore` (a clinic group's server, intake.records.postgres) and
`MemoryStore` (intake.records.memory, for front-end tests) all honour it, on the same record keeping
(intake.records.store.Records) and the same write path (intake.records.tables).

Every call that changes something writes its audit entry in the same transaction. Reads check each
row's seal and raise TamperedRecordError (naming the intake) when it was edited outside intake. Times are UTC
ISO strings ('2026-11-20T10:15:03.123Z'). The data key comes from $INTAKE_DATA_KEY (base64) or the
key file, which must not be inside the data folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.records.crypto import KEY_ENV, create_data_key
from intake.records.interface import RecordStore
from intake.records.model import (
    DECISION_KINDS,
    STATUSES,
    DamagedRow,
    Decision,
    DocumentInfo,
    DraftSummary,
    ErasureReport,
    IntakeView,
    ListRow,
    SearchResult,
)
from intake.records.sqlite.store import Store
from intake.records.staff import PinRefused, StaffDirectory, StaffMember

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine
    from intake.records.model import Clock
    from intake.records.postgres import PostgresStore

#: [storage] engine values, the first the default.
ENGINES = ("sqlite", "postgresql")


def open_store(config: ClinicConfig, *, clock: Clock | None = None, engine: Engine | None = None
               ) -> Store | PostgresStore:
    """Opens the clinic's records on the engine [storage] engine names: "sqlite" (the default) or "postgresql".

    The PostgreSQL engine (and its driver) is imported only when chosen.

    Raises:
        IntakeError subclasses with plain messages (intake.records.errors, intake.records.postgres).
    """
    if str(config.section("storage").get("engine", ENGINES[0])) == "postgresql":
        from intake.records.postgres import PostgresStore

        return PostgresStore.open(config, clock=clock, engine=engine)
    return Store.open(config, clock=clock, engine=engine)

__all__ = [
    "DECISION_KINDS", "KEY_ENV", "STATUSES", "DamagedRow", "Decision", "DocumentInfo", "DraftSummary", "ErasureReport",
    "ENGINES", "IntakeView", "ListRow", "PinRefused", "RecordStore", "SearchResult", "StaffDirectory", "StaffMember",
    "Store", "create_data_key", "open_store",
]
