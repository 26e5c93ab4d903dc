"""Provides Store, the record store's public API for front ends and staff commands."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.dates import parse_iso_date
from intake.errors import InvalidRecordError
from intake.records import anchor, audit, clients, db, erase, export, integrity, migrations, rotate, search, workflow
from intake.records import decisions as decision_book
from intake.records.audit import AuditProblem, AuditReport, Entry
from intake.records.crypto import KEY_CHECK, Keyring, check_database_key, key_check_value, load_for_store
from intake.records.errors import NewerDatabaseError, RecordNotFoundError, StoreError, TamperedRecordError
from intake.records.export_reads import ExportReads
from intake.records.model import (
    Clock,
    DocumentInfo,
    DraftSummary,
    ErasureReport,
    IntakeView,
    SearchResult,
    client_label,
    iso,
    new_id,
    utc_now,
)
from intake.records.ops import check_who, require_draft
from intake.validation import Problem

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine


def _ad(intake_id: str, column: str) -> str:
    return f"intake:{intake_id}:{column}"


class Store(ExportReads):
    """The clinic's records: one SQLite file in the data folder, health data sealed with the data key.

    Every method that changes something writes its audit entry in the same transaction, and
    returns only after the change is on disk.
    """

    def __init__(self, config: ClinicConfig, conn: sqlite3.Connection, keyring: Keyring, path: Path,
                 busy_timeout: float, clock: Clock, engine: Engine | None = None,
                 checkpoint: anchor.Checkpoint | None = None):
        self.config = config
        self.conn = conn
        self.keyring = keyring
        self.path = path
        self.busy_timeout = busy_timeout
        self.clock = clock
        self._engine = engine
        self._lock = threading.RLock()
        self.checkpoint = checkpoint
        self._anchor_due = False
        self._anchor_error: str | None = None

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, config: ClinicConfig, *, clock: Clock | None = None, engine: Engine | None = None) -> Store:
        """Opens the store of a clinic, creating the folder (0700), database (0600) and schema as needed.

        The key is checked before anything is written: a wrong or missing key changes nothing.

        Raises:
            MissingKeyError, KeyFileError, WrongKeyError: the data key is absent or does not fit.
            CorruptDatabaseError, ForeignDatabaseError, NewerDatabaseError: the file is not usable.
            DatabaseLockedError, StorageFullError, StorageIOError: the disk or another program is in the way.
        """
        data_dir = config.data_dir
        path = data_dir / db.DB_NAME
        busy = float(config.section("storage").get("busy_timeout_seconds", 10))
        kind = db.inspect_file(path)
        keyring = load_for_store(config, kind)
        anchor_path = anchor.checkpoint_path(config, keyring)
        db.prepare_folder(data_dir)
        conn = db.connect(path, busy)
        try:
            with db.translate(path, "opening the records database", busy):
                app_id, objects, version = db.identify(conn)
                if app_id != db.APPLICATION_ID and (app_id != 0 or objects):
                    raise db.foreign(path)
                if version > migrations.LATEST:
                    raise NewerDatabaseError(
                        f"{path} was written by a newer version of intake (schema {version}; this version knows "
                        f"up to {migrations.LATEST}). Nothing was changed. Update intake on this computer.")
                if app_id == db.APPLICATION_ID:  # (the new key of an interrupted rotation is taken up here)
                    keyring = rotate.key_for_database(config, conn, keyring, path)
            db.enable_wal(conn, path, busy)
            store = cls(config, conn, keyring, path, busy, clock or utc_now, engine,
                        anchor.Checkpoint(anchor_path, keyring) if anchor_path else None)
            with db.translate(path, "opening the records database", busy):  # e.g. a full disk at first open
                integrity.register(conn, keyring)
                anchor.register(conn, keyring)
                store._migrate()
                integrity.install_triggers(conn)
                anchor.install_triggers(conn)
                check_database_key(conn, keyring, path)  # another process may have created it with its own key
        except BaseException:
            conn.close()
            raise
        return store

    def _migrate(self, steps: Sequence[migrations.Migration] | None = None) -> int:
        applied = 0
        for migration in migrations.pending(self.conn, steps or migrations.MIGRATIONS):
            with self.write(f"upgrading the records database to schema {migration.version}"):
                done = migrations.apply(self.conn, migration, self.now(), self._initialise)
                if done and migrations.current_version(self.conn) >= anchor.SINCE_VERSION:
                    anchor.recompute_all(self.conn)  # a migration may have rewritten rows or their seals
                    self._anchor_due = True
                applied += done
        return applied

    def _initialise(self, conn: sqlite3.Connection) -> None:
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                         ((KEY_CHECK, key_check_value(self.keyring)), ("created_at", self.now())))

    def close(self) -> None:
        """Closes the database (committed work is already on disk)."""
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the inner operations the package's modules use (intake.records.ops.StoreOps) --------------

    @contextmanager
    def write(self, action: str) -> Iterator[sqlite3.Connection]:
        """One atomic, durable write transaction (`action` names it in errors); a transaction that wrote an
        audit entry is anchored in the checkpoint file after it commits (crash rule: intake.records.anchor)."""
        with self._lock:
            self._anchor_due = False
            with db.write_transaction(self.conn, self.path, action, self.busy_timeout) as conn:
                yield conn
                state = self.anchor_state() if self._anchor_due and self.checkpoint else None
            if state is not None and self.checkpoint is not None:
                try:
                    self.checkpoint.append(*state)
                    self._anchor_error = None
                except StoreError as exc:  # the change is saved; the next change anchors it
                    self._anchor_error = str(exc)

    def anchor_state(self) -> tuple[int, str, str, dict[str, list[int]]]:
        """(latest entry number, its hash, now, table digests): what a checkpoint line records."""
        last = self.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, head = (last[0], last[1]) if last else (0, audit.GENESIS)
        return seq, head, self.now(), anchor.stored(self.conn)

    @contextmanager
    def read(self, action: str) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several reads."""
        with self._lock, db.read_transaction(self.conn, self.path, action, self.busy_timeout) as conn:
            yield conn

    def now(self) -> str:
        """The store clock's time as a UTC ISO string."""
        return iso(self.clock())

    def audit(self, event: str, *, staff: str, device: str, intake_id: str | None = None,
              client_id: str | None = None, **details: Any) -> int:
        """Appends an audit entry inside the current write transaction; returns its number."""
        self._anchor_due = True
        return audit.append(self.conn, self.keyring, at=self.now(), event=event, staff=staff, device=device,
                            intake_id=intake_id, client_id=client_id, details=details)

    @cached_property
    def engine(self) -> Engine:
        """The clinic's Engine (questionnaire, validator, assessor), loaded on first use."""
        if self._engine is None:
            from intake.engine import Engine

            self._engine = Engine.load(self.config)
        return self._engine

    def row(self, intake_id: str, columns: str) -> tuple[Any, ...]:
        """The given columns of one intake, after checking the row's seal."""
        row = self.conn.execute(f"SELECT {columns} FROM intakes WHERE id = ?", (intake_id,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"there is no intake {intake_id!r}. `intake records list` shows them all.")
        integrity.check(self.conn, "intakes", intake_id)
        return tuple(row)

    def open_sealed(self, intake_id: str, column: str, blob: bytes | None, what: str) -> Any:
        """Opens a sealed JSON column of an intake (None stays None)."""
        if blob is None:
            return None
        return self.keyring.open_json(blob, _ad(intake_id, column), f"the {what} of intake {intake_id}")

    def seal_value(self, intake_id: str, column: str, value: Any) -> bytes:
        """Seals a JSON value for a column of an intake."""
        return self.keyring.seal_json(value, _ad(intake_id, column))

    def checkpoint_wal(self) -> None:
        """Moves committed changes out of the write-ahead log so old (sealed) pages do not linger there."""
        with self._lock, suppress(sqlite3.Error):  # a busy checkpoint is retried by SQLite later
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- drafts ---------------------------------------------------------------------------------

    def start_intake(self, *, staff: str, device: str, consultation_date: str,
                     claim: Callable[[str], None] | None = None) -> str:
        """Starts a new draft and returns its id; `claim(id)` runs in the same transaction (imports.claim)."""
        check_who(staff, device)
        if parse_iso_date(consultation_date) is None:
            raise StoreError(f"the consultation date {consultation_date!r} is not a date written as YYYY-MM-DD.")
        intake_id, version = new_id(), self.engine.questionnaire.version
        with self.write("starting an intake"):
            now = self.now()
            self.conn.execute(
                "INSERT INTO intakes (id, status, consultation_date, questionnaire_version, started_at, updated_at,"
                " started_by, device, answers) VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
                (intake_id, consultation_date, version, now, now, staff, device,
                 self.seal_value(intake_id, "answers", {})))
            self.audit("started", staff=staff, device=device, intake_id=intake_id,
                        consultation_date=consultation_date, questionnaire_version=version)
            if claim:
                claim(intake_id)
        return intake_id

    def save_step(self, intake_id: str, *, step_id: str, answers: Mapping[str, Any], next_step: str | None,
                  staff: str, device: str) -> None:
        """Saves one step's answers (all or part of them) durably before returning: they replace that step's
        earlier answers, answers to questions they hide are dropped, each is checked as the wizard checks it.

        Raises:
            InvalidRecordError: an answer is not acceptable (problems name the questions).
            WorkflowError: the intake is no longer a draft.
        """
        check_who(staff, device)
        questionnaire = self.engine.questionnaire
        step_ids = {s.id for s in questionnaire.steps}
        if step_id not in step_ids or (next_step is not None and next_step not in step_ids):
            unknown = step_id if step_id not in step_ids else next_step
            raise StoreError(f"{unknown!r} is not a step of questionnaire {questionnaire.version}.")
        own = {q.id for q in questionnaire.step(step_id).questions}
        given = {k: v for k, v in dict(answers).items() if v is not None}
        strangers = sorted(set(answers) - own)
        if strangers:
            raise InvalidRecordError([Problem(k, k, f"'{k}' is not a question of step '{step_id}'.", step_id)
                                      for k in strangers])
        with self.write(f"saving step '{step_id}'"):
            status, consultation, blob, client_id = self.row(
                intake_id, "status, consultation_date, answers, client_id")
            require_draft(intake_id, status)
            before = self.open_sealed(intake_id, "answers", blob, "answers") or {}
            merged = {k: v for k, v in before.items() if k not in own}
            merged.update(given)
            merged = questionnaire.prune(merged)
            problems = [p for p in self.engine.validator.step_problems(step_id, merged, consultation)
                        if p.field in given]
            if problems:
                raise InvalidRecordError(problems)
            self.update_identity(intake_id, before, merged, client_id)
            self.conn.execute("UPDATE intakes SET answers = ?, step_id = ?, next_step = ?, updated_at = ?"
                              " WHERE id = ?", (self.seal_value(intake_id, "answers", merged), step_id, next_step,
                                                self.now(), intake_id))
            self.audit("step_saved", staff=staff, device=device, intake_id=intake_id, step=step_id,
                        next_step=next_step, answers=len(given))

    def update_identity(self, intake_id: str, before: Mapping[str, Any], after: Mapping[str, Any],
                        client_id: str | None) -> str | None:
        """Keeps the label and the client link in step with the name and date of birth."""
        return clients.update_identity(self, intake_id, before, after, client_id)

    def drafts(self) -> list[DraftSummary]:
        """Drafts that can be resumed, most recently saved first."""
        with self.read("listing drafts"):
            rows = self.conn.execute("SELECT id, started_at, updated_at, step_id, label, device, next_step"
                                     " FROM intakes WHERE status = 'draft' ORDER BY updated_at DESC").fetchall()
            return [DraftSummary(i, started, updated, step, self._draft_label(i, label), dev, nxt)
                    for i, started, updated, step, label, dev, nxt in rows]

    def _draft_label(self, intake_id: str, label: bytes | None) -> str:
        """The client label of a draft, or a plain warning for a damaged one (the others still list)."""
        try:
            integrity.check(self.conn, "intakes", intake_id)
            return self.open_sealed(intake_id, "label", label, "client label") or client_label(None, None)
        except TamperedRecordError:
            return "(damaged: changed outside intake; run `intake audit verify`)"

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

    def search(self, text: str | None = None, status: str | None = None, limit: int = 50,
               client_id: str | None = None) -> SearchResult:
        """Intakes whose client matches name words (prefixes) and/or a date of birth, newest first."""
        with self.read("searching the records"):
            return search.run(self, text, status, limit, client_id)

    def resolve(self, text: str) -> str:
        """The intake id that `text` names in full or by a unique beginning (at least 4 characters)."""
        with self.read("looking up an intake"):
            return search.resolve(self.conn, text)

    # -- audit ---------------------------------------------------------------------------------

    def verify_audit(self) -> AuditReport:
        """Checks the whole audit trail (see intake.records.audit.verify), every row's seal, and that rows and
        trail agree (no intake, document or decision deleted or added behind intake's back)."""
        with self.read("checking the audit trail"):
            report = audit.verify(self.conn, self.keyring)
            entries = audit.entries(self.conn)
            rows = integrity.verify(self.conn, entries)
            anchored, notes = anchor.verify(self.conn, self.checkpoint, {e.seq: e.hash for e in entries})
            derived = search.index_problems(self.conn)
        extra = tuple(AuditProblem(None, p.kind, p.message) for p in rows)
        extra += tuple(AuditProblem(None, "search index", message) for message in derived)
        extra += tuple(AuditProblem(f.seq, f.kind, f.message) for f in anchored if _news(f, report.problems))
        if self._anchor_error:
            notes.append(f"the latest change could not be anchored: {self._anchor_error}")
        return AuditReport(report.entries, report.head, report.problems + extra, tuple(notes))

    def audit_trail(self, intake_id: str | None = None) -> list[Entry]:
        """The audit entries, all or for one intake."""
        with self.read("reading the audit trail"):
            return audit.entries(self.conn, intake_id)

    # -- the rest of the life of an intake (workflow.py, erase.py, export.py) --------------------

    def submit(self, intake_id: str, *, record: Mapping[str, Any], assessment: Mapping[str, Any], staff: str,
               device: str, kind_stop: bool = False) -> str:
        """Submits a draft with its complete (or `kind_stop`: answers up to a kind stop) record; returns the status."""
        return workflow.submit(self, intake_id, record, assessment, staff, device, kind_stop)

    def keep_signatures(self, intake_id: str, signatures: Mapping[str, Any], *, staff: str, device: str) -> None:
        """Keeps a submitted intake's client signatures (JSON objects by kind) until the consent is sealed."""
        workflow.keep_signatures(self, intake_id, signatures, staff, device)

    def record_decision(self, intake_id: str, **decision: Any) -> int:
        """Records a clearance note or override (never on a deferral); see intake.records.decisions.record."""
        return decision_book.record(self, intake_id, **decision)

    def add_documents(self, intake_id: str, documents: Sequence[Any], *, staff: str, device: str) -> str:
        """Stores sealed documents; a consent document signs a submitted intake. Returns the status."""
        return workflow.add_documents(self, intake_id, documents, staff, device)

    def reprint(self, intake_id: str, *, kind: str | None = None, staff: str, device: str,
                deliver: Callable[[list[tuple[DocumentInfo, bytes]]], None] | None = None
                ) -> list[tuple[DocumentInfo, bytes]]:
        """The stored PDFs, checked against their SHA-256; audited once `deliver(them)` (writing them) returned."""
        return workflow.reprint(self, intake_id, kind, staff, device, deliver)

    def export(self, intake_id: str, fmt: str, *, staff: str, device: str,
               deliver: Callable[[str], None] | None = None) -> str:
        """One intake as json, csv or fhir (R4) text; audited once `deliver(text)` (writing it) has returned."""
        return export.export_intake(self, intake_id, fmt, staff, device, deliver)

    def erase_client(self, client_id: str, *, staff: str, device: str) -> ErasureReport:
        """Erases a client's data, keeping consent evidence until the retention period ends."""
        return erase.erase_client(self, client_id, staff, device)

    def expire_drafts(self, now: datetime | None = None) -> int:
        """Erases drafts not saved for [storage] draft_expiry_days; returns how many."""
        return erase.expire_drafts(self, now)

    def purge_retention(self, now: datetime | None = None) -> int:
        """Erases kept consent evidence whose retention period has ended; returns how many intakes."""
        return erase.purge_retention(self, now)


def _news(finding: anchor.Finding, chain: tuple[AuditProblem, ...]) -> bool:
    """False for a checkpoint finding that only repeats what the chain's own check already named."""
    if finding.kind == "trail replaced" and chain:
        return False
    return finding.seq is None or finding.seq not in {p.seq for p in chain}
