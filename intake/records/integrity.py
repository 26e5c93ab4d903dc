"""Provides row seals: a keyed hash over every column of each stored row, so edits behind intake's back show.

AES-GCM already protects what is sealed (answers, names, documents). The plain columns beside them
(status, dates, client links, document hashes and template versions, retention dates) are covered
by `seal`, an HMAC-SHA256 over the table name and every other column (blobs by their SHA-256). The
seal is kept up to date by TEMP triggers that exist only on intake's own connection and call an
application function, so every write intake makes is sealed, and a write made with another tool
leaves a seal that no longer matches.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from intake.records.crypto import Keyring
from intake.records.errors import TamperedRecordError

SEALED: dict[str, tuple[str, ...]] = {
    "intakes": ("id", "client_id", "status", "consultation_date", "questionnaire_version", "started_at",
                "updated_at", "started_by", "device", "step_id", "next_step", "label", "answers", "record",
                "assessment", "submitted_at", "signed_at", "erased_at", "retained_until"),
    "clients": ("id", "identity", "created_at", "erasure_requested_at", "retained_until"),
    "decisions": ("id", "intake_id", "at", "practitioner_id", "kind", "reason", "staff", "device", "supersedes",
                  "details"),
    "documents": ("id", "intake_id", "kind", "filename", "sha256", "template_versions", "size", "pdf",
                  "created_at", "staff", "device"),
    "signatures": ("id", "data", "at", "staff", "device"),
    "staff": ("id", "name", "role", "practitioner_id", "pin_hash", "pin_tag", "active", "created_at", "disabled_at"),
    "pin_attempts": ("id", "failures", "locked_until"),
    "imports": ("id", "intake_id", "at"),
}
WHAT = {"intakes": "intake", "clients": "client", "decisions": "decision", "documents": "document",
        "signatures": "the kept signatures of intake", "staff": "staff member", "pin_attempts": "the PIN count of",
        "imports": "the import record"}
FUNCTION = "intake_seal"


def _expression(table: str, prefix: str = "") -> str:
    columns = ", ".join(f"{prefix}{column}" for column in SEALED[table])
    return f"{FUNCTION}('{table}', {columns})"


def register(conn: sqlite3.Connection, keyring: Keyring) -> None:
    """Makes the seal function available on this connection (migrations may use it to reseal rows)."""

    def seal(table: str, *values: object) -> str:
        parts = [table, *(hashlib.sha256(v).hexdigest() if isinstance(v, bytes) else v for v in values)]
        return keyring.row_mac(json.dumps(parts, separators=(",", ":")).encode("utf-8"))

    conn.create_function(FUNCTION, -1, seal, deterministic=True)


def reseal_sql(table: str) -> str:
    """SQL that reseals every row of a table (for a migration that rewrites sealed rows)."""
    return f"UPDATE {table} SET seal = {_expression(table)}"


def install_triggers(conn: sqlite3.Connection) -> None:
    """Creates the TEMP triggers that keep every row's seal current on this connection."""
    for table, columns in SEALED.items():
        body = f"UPDATE {table} SET seal = {_expression(table, 'NEW.')} WHERE id = NEW.id;"
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS seal_{table}_insert AFTER INSERT ON main.{table} "
                     f"BEGIN {body} END")
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS seal_{table}_update AFTER UPDATE OF {', '.join(columns)} "
                     f"ON main.{table} BEGIN {body} END")


def check(conn: sqlite3.Connection, table: str, key: object) -> None:
    """Confirms one row still carries its seal.

    Raises:
        TamperedRecordError: the row was changed outside intake.
    """
    row = conn.execute(f"SELECT seal IS {_expression(table)} FROM {table} WHERE id = ?", (key,)).fetchone()
    if row is not None and not row[0]:
        raise TamperedRecordError(
            f"{WHAT[table]} {key} was changed outside intake: its stored details no longer match their seal. "
            "Nothing was changed; restore the data folder from a backup and run `intake audit verify`.")


@dataclass(frozen=True)
class RowProblem:
    """A row changed, added or missing behind intake's back."""

    kind: str  # row changed | row missing | row added
    message: str


def verify(conn: sqlite3.Connection, entries: list) -> list[RowProblem]:
    """Checks every row's seal and that rows and audit trail tell the same story."""
    problems = []
    for table in SEALED:
        for (key,) in conn.execute(f"SELECT id FROM {table} WHERE seal IS NOT {_expression(table)} ORDER BY id"):
            problems.append(RowProblem("row changed", f"{WHAT[table]} {key} ({table} table) was changed or added "
                                                      "outside intake: its seal does not match"))
    intakes = {key for (key,) in conn.execute("SELECT id FROM intakes")}
    started = {e.intake_id: e for e in entries if e.event == "started"}
    for intake_id, entry in started.items():
        if intake_id not in intakes:
            problems.append(RowProblem("row missing", f"intake {intake_id}, started in audit entry #{entry.seq}, "
                                                      "was deleted outside intake"))
    for intake_id in sorted(intakes - set(started)):
        problems.append(RowProblem("row added", f"intake {intake_id} has no 'started' audit entry: it was added "
                                                "outside intake"))
    erased = set()
    for e in entries:
        if e.event == "erased":
            data = e.data
            erased.update([e.intake_id, *data.get("erased", []), *data.get("kept_until", {})])
    for table, event, field in (("documents", "rendered", "document_id"), ("decisions", "decision", "decision_id")):
        present = {key for (key,) in conn.execute(f"SELECT id FROM {table}")}
        for e in entries:
            key = e.data.get(field)
            if e.event == event and key not in present and e.intake_id not in erased:
                problems.append(RowProblem("row missing", f"{WHAT[table]} {key} of intake {e.intake_id}, recorded "
                                                          f"in audit entry #{e.seq}, was deleted outside intake"))
    return problems
