"""Provides Store, the record store's public API for front ends and staff commands."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from intake.dates import parse_iso_date
from intake.errors import InvalidRecordError
from intake.records import audit, clients, db, integrity, migrations, search
from intake.records.crypto import KEY_CHECK, Keyring, check_database_key, key_check_value, load_for_store
from intake.records.errors import (
    NewerDatabaseError,
    RecordNotFoundError,
    StoreError,
    WorkflowError,
)
from intake.records.model import Clock, DraftSummary, IntakeView, SearchResult, client_label, iso, new_id, utc_now
from intake.validation import Problem

_WHO = re.compile(r"^[^\x00-\x1f\x7f]{1,120}$")


def _ad(intake_id: str, column: str) -> str:
    return f"intake:{intake_id}:{column}"


class Store:
    """The clinic's records: one SQLite file in the data folder, health data sealed with the data key.

    Every method that changes something writes its audit entry in the same transaction, and
    returns only after the change is on disk.
    """

    def __init__(self, config, conn, keyring: Keyring, path: Path, busy_timeout: float, clock: Clock,
                 engine=None):
        self.config = config
        self.conn = conn
        self.keyring = keyring
        self.path = path
        self.busy_timeout = busy_timeout
        self.clock = clock
        self._engine = engine
        self._lock = threading.RLock()

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, config, *, clock: Clock | None = None, engine=None) -> Store:
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
                if app_id == db.APPLICATION_ID:
                    check_database_key(conn, keyring, path)
            db.enable_wal(conn, path, busy)
            store = cls(config, conn, keyring, path, busy, clock or utc_now, engine)
            integrity.register(conn, keyring)
            store._migrate()
            integrity.install_triggers(conn)
            with db.translate(path, "opening the records database", busy):
                check_database_key(conn, keyring, path)  # another process may have created it with its own key
        except BaseException:
            conn.close()
            raise
        return store

    def _migrate(self, steps: Sequence[migrations.Migration] | None = None) -> int:
        applied = 0
        for migration in migrations.pending(self.conn, steps or migrations.MIGRATIONS):
            with self._write(f"upgrading the records database to schema {migration.version}"):
                applied += migrations.apply(self.conn, migration, self._now(), self._initialise)
        return applied

    def _initialise(self, conn) -> None:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (KEY_CHECK, key_check_value(self.keyring)))
        conn.execute("INSERT INTO meta (key, value) VALUES ('created_at', ?)", (self._now(),))

    def close(self) -> None:
        """Closes the database (committed work is already on disk)."""
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing shared with the other modules of the package -----------------------------

    @contextmanager
    def _write(self, action: str) -> Iterator[Any]:
        with self._lock, db.write_transaction(self.conn, self.path, action, self.busy_timeout) as conn:
            yield conn

    @contextmanager
    def _read(self, action: str) -> Iterator[Any]:
        with self._lock, db.read_transaction(self.conn, self.path, action, self.busy_timeout) as conn:
            yield conn

    def _now(self) -> str:
        return iso(self.clock())

    def _audit(self, event: str, *, staff: str, device: str, intake_id: str | None = None,
               client_id: str | None = None, **details: Any) -> int:
        return audit.append(self.conn, self.keyring, at=self._now(), event=event, staff=staff, device=device,
                            intake_id=intake_id, client_id=client_id, details=details)

    @cached_property
    def engine(self):
        """The clinic's Engine (questionnaire, validator, assessor), loaded on first use."""
        if self._engine is None:
            from intake.engine import Engine

            self._engine = Engine.load(self.config)
        return self._engine

    def _row(self, intake_id: str, columns: str) -> tuple:
        row = self.conn.execute(f"SELECT {columns} FROM intakes WHERE id = ?", (intake_id,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"there is no intake {intake_id!r}. `intake records list` shows them all.")
        integrity.check(self.conn, "intakes", intake_id)
        return row

    def _open(self, intake_id: str, column: str, blob: bytes | None, what: str) -> Any:
        if blob is None:
            return None
        return self.keyring.open_json(blob, _ad(intake_id, column), f"the {what} of intake {intake_id}")

    def _seal(self, intake_id: str, column: str, value: Any) -> bytes:
        return self.keyring.seal_json(value, _ad(intake_id, column))

    # -- drafts ---------------------------------------------------------------------------------

    def start_intake(self, *, staff: str, device: str, consultation_date: str) -> str:
        """Starts a new draft and returns its id."""
        _check_who(staff, device)
        if parse_iso_date(consultation_date) is None:
            raise StoreError(f"the consultation date {consultation_date!r} is not a date written as YYYY-MM-DD.")
        intake_id = new_id()
        version = self.engine.questionnaire.version
        with self._write("starting an intake"):
            now = self._now()
            self.conn.execute(
                "INSERT INTO intakes (id, status, consultation_date, questionnaire_version, started_at, updated_at,"
                " started_by, device, answers) VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
                (intake_id, consultation_date, version, now, now, staff, device, self._seal(intake_id, "answers", {})))
            self._audit("started", staff=staff, device=device, intake_id=intake_id,
                        consultation_date=consultation_date, questionnaire_version=version)
        return intake_id

    def save_step(self, intake_id: str, *, step_id: str, answers: Mapping[str, Any], next_step: str | None,
                  staff: str, device: str) -> None:
        """Saves one step's answers (all or part of them) durably before returning.

        Answers given here replace that step's earlier answers; answers to questions the new answers
        hide are dropped. Each answer is checked like the wizard checks it.

        Raises:
            InvalidRecordError: an answer is not acceptable (problems name the questions).
            WorkflowError: the intake is no longer a draft.
        """
        _check_who(staff, device)
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
        with self._write(f"saving step '{step_id}'"):
            status, consultation, blob, client_id = self._row(
                intake_id, "status, consultation_date, answers, client_id")
            _require_draft(intake_id, status)
            before = self._open(intake_id, "answers", blob, "answers") or {}
            merged = {k: v for k, v in before.items() if k not in own}
            merged.update(given)
            merged = questionnaire.prune(merged)
            problems = [p for p in self.engine.validator.step_problems(step_id, merged, consultation)
                        if p.field in given]
            if problems:
                raise InvalidRecordError(problems)
            self._update_identity(intake_id, before, merged, client_id)
            self.conn.execute("UPDATE intakes SET answers = ?, step_id = ?, next_step = ?, updated_at = ?"
                              " WHERE id = ?", (self._seal(intake_id, "answers", merged), step_id, next_step,
                                                self._now(), intake_id))
            self._audit("step_saved", staff=staff, device=device, intake_id=intake_id, step=step_id,
                        next_step=next_step, answers=len(given))

    def _update_identity(self, intake_id: str, before: Mapping[str, Any], after: Mapping[str, Any],
                         client_id: str | None) -> str | None:
        """Keeps the label and the client link in step with the name and date of birth."""
        keys = (clients.NAME_QUESTION, clients.BIRTH_QUESTION)
        name, birth = (after.get(k) for k in keys)
        if name == before.get(keys[0]) and birth == before.get(keys[1]) and (client_id or not (name and birth)):
            return client_id
        new_client = clients.link_client(self.conn, self.keyring, name, birth, self._now()) if name and birth \
            else None
        label = self._seal(intake_id, "label", client_label(name, birth)) if name or birth else None
        self.conn.execute("UPDATE intakes SET client_id = ?, label = ? WHERE id = ?", (new_client, label, intake_id))
        if client_id and client_id != new_client:
            clients.drop_if_orphan(self.conn, client_id)
        return new_client

    def drafts(self) -> list[DraftSummary]:
        """Drafts that can be resumed, most recently saved first."""
        with self._read("listing drafts"):
            rows = self.conn.execute("SELECT id, started_at, updated_at, step_id, label, device, next_step"
                                     " FROM intakes WHERE status = 'draft' ORDER BY updated_at DESC").fetchall()
            for row in rows:
                integrity.check(self.conn, "intakes", row[0])
            return [DraftSummary(i, started, updated, step, self._open(i, "label", label, "client label")
                                 or client_label(None, None), dev, nxt)
                    for i, started, updated, step, label, dev, nxt in rows]

    def load_intake(self, intake_id: str) -> IntakeView:
        """Everything stored about an intake, decrypted (for resuming; staff views use `view`)."""
        from intake.records import workflow

        with self._read("reading an intake"):
            return workflow.load_view(self, intake_id)

    def view(self, intake_id: str, *, staff: str, device: str) -> IntakeView:
        """Like load_intake, for a staff member looking at a record: writes a 'viewed' audit entry."""
        from intake.records import workflow

        _check_who(staff, device)
        with self._write("opening an intake"):
            intake = workflow.load_view(self, intake_id)
            self._audit("viewed", staff=staff, device=device, intake_id=intake_id, client_id=intake.client_id)
        return intake

    # -- finding ----------------------------------------------------------------------------

    def find_returning(self, full_name: str, date_of_birth: str, *, staff: str = "kiosk",
                       device: str = "kiosk") -> dict[str, Any] | None:
        """Answers to offer a returning client to confirm: the prefill questions of their latest intake.

        Returns None when no earlier submitted intake matches the name and date of birth exactly
        (after normalising case, accents and spacing). Writes a 'viewed' audit entry when found.
        """
        _check_who(staff, device)
        questionnaire = self.engine.questionnaire
        with self._write("looking up a returning client"):
            client_id = clients.find_client(self.conn, self.keyring, full_name, date_of_birth)
            if client_id is None:
                return None
            row = self.conn.execute(
                "SELECT id, record FROM intakes WHERE client_id = ? AND status IN ('submitted', 'deferred', 'signed')"
                " AND record IS NOT NULL ORDER BY submitted_at DESC LIMIT 1", (client_id,)).fetchone()
            if row is None:
                return None
            record = self._open(row[0], "record", row[1], "record")
            self._audit("viewed", staff=staff, device=device, intake_id=row[0], client_id=client_id,
                        purpose="prefill for a returning client")
        keep = {q.id for q in questionnaire.questions() if q.prefill}
        return questionnaire.prune({k: v for k, v in record["answers"].items() if k in keep})

    def search(self, text: str | None = None, status: str | None = None, limit: int = 50,
               client_id: str | None = None) -> SearchResult:
        """Intakes whose client matches name words (prefixes) and/or a date of birth, newest first."""
        with self._read("searching the records"):
            return search.run(self, text, status, limit, client_id)

    def resolve(self, text: str) -> str:
        """The intake id that `text` names in full or by a unique beginning (at least 4 characters)."""
        text = text.strip().lower()
        with self._read("looking up an intake"):
            if self.conn.execute("SELECT 1 FROM intakes WHERE id = ?", (text,)).fetchone():
                return text
            found = [r[0] for r in self.conn.execute(
                "SELECT id FROM intakes WHERE id >= ? AND id < ? ORDER BY id LIMIT 3", (text, text + "\uffff"))]
        if len(text) >= 4 and len(found) == 1:
            return found[0]
        if len(found) > 1 and len(text) >= 4:
            raise StoreError(f"{text!r} is the beginning of several intake ids ({', '.join(found)}…); type more.")
        raise RecordNotFoundError(f"there is no intake {text!r}. `intake records list` shows them all.")

    # -- audit ---------------------------------------------------------------------------------

    def verify_audit(self) -> audit.AuditReport:
        """Checks the whole audit trail (see intake.records.audit.verify), every row's seal, and that rows and
        trail agree (no intake, document or decision deleted or added behind intake's back)."""
        with self._read("checking the audit trail"):
            report = audit.verify(self.conn, self.keyring)
            rows = integrity.verify(self.conn, audit.entries(self.conn))
        extra = tuple(audit.AuditProblem(None, p.kind, p.message) for p in rows)
        return audit.AuditReport(report.entries, report.head, report.problems + extra)

    def audit_trail(self, intake_id: str | None = None) -> list[audit.Entry]:
        """The audit entries, all or for one intake."""
        with self._read("reading the audit trail"):
            return audit.entries(self.conn, intake_id)

    # -- the rest of the life of an intake (workflow.py, erase.py, export.py) --------------------

    def submit(self, intake_id: str, *, record: dict, assessment: dict, staff: str, device: str) -> str:
        """Submits a draft with its complete record and assessment; returns the new status."""
        from intake.records import workflow

        return workflow.submit(self, intake_id, record, assessment, staff, device)

    def keep_signatures(self, intake_id: str, signatures: dict, *, staff: str, device: str) -> None:
        """Keeps a submitted intake's client signatures (JSON objects by kind) until the consent is sealed."""
        from intake.records import workflow

        workflow.keep_signatures(self, intake_id, signatures, staff, device)

    def record_decision(self, intake_id: str, *, practitioner_id: str, kind: str, reason: str,
                        staff: str, device: str) -> None:
        """Records a practitioner's clearance note or override (never on a deferred intake)."""
        from intake.records import workflow

        workflow.record_decision(self, intake_id, practitioner_id, kind, reason, staff, device)

    def add_documents(self, intake_id: str, documents: Sequence[Any], *, staff: str, device: str) -> str:
        """Stores sealed documents; a consent document signs a submitted intake. Returns the status."""
        from intake.records import workflow

        return workflow.add_documents(self, intake_id, documents, staff, device)

    def reprint(self, intake_id: str, *, kind: str | None = None, staff: str, device: str) -> list:
        """The stored PDFs, byte for byte, checked against their SHA-256 (writes an 'exported' entry)."""
        from intake.records import workflow

        return workflow.reprint(self, intake_id, kind, staff, device)

    def export(self, intake_id: str, fmt: str, *, staff: str, device: str) -> str:
        """One intake as json, csv or fhir (R4 QuestionnaireResponse) text (writes an 'exported' entry)."""
        from intake.records import export

        return export.export_intake(self, intake_id, fmt, staff, device)

    def erase_client(self, client_id: str, *, staff: str, device: str):
        """Erases a client's data, keeping consent evidence until the retention period ends."""
        from intake.records import erase

        return erase.erase_client(self, client_id, staff, device)

    def expire_drafts(self, now=None) -> int:
        """Erases drafts not saved for [storage] draft_expiry_days; returns how many."""
        from intake.records import erase

        return erase.expire_drafts(self, now)

    def purge_retention(self, now=None) -> int:
        """Erases kept consent evidence whose retention period has ended; returns how many intakes."""
        from intake.records import erase

        return erase.purge_retention(self, now)

    # -- discarding a draft (issue 11, staff tools; additive) --------------------------------------

    def discard_draft(self, intake_id: str, *, reason: str, staff: str, device: str) -> None:
        """Erases a draft staff abandon on purpose (a test, a mistake), with the reason in the audit trail.

        Raises:
            RecordNotFoundError: no such intake.
            WorkflowError: the intake is not a draft.
        """
        from intake.records import erase

        _check_who(staff, device)
        erase.discard_draft(self, intake_id, reason, staff, device)


def _check_who(staff: str, device: str) -> None:
    for name, value in (("staff", staff), ("device", device)):
        if not isinstance(value, str) or not _WHO.match(value):
            raise StoreError(f"the {name} name must be 1 to 120 characters without control characters.")


def _require_draft(intake_id: str, status: str) -> None:
    if status != "draft":
        raise WorkflowError(f"intake {intake_id} is {status}, not a draft: its answers can no longer be changed.")
