"""Provides row seals and table digests, computed by intake's own code for every engine.

AES-GCM already protects what is sealed (answers, names, documents). The plain columns beside them
(status, dates, client links, document hashes and template versions, retention dates) are covered
by `seal`, an HMAC-SHA256 over the table name and every other column (blobs by their SHA-256), so an
edit made behind intake's back leaves a seal that no longer matches.

A table's digest is the sum, modulo 2**61, of a 40-bit HMAC of each row's seal (for the search index,
of each token and client) with the number of rows: what the audit checkpoint outside the data folder
anchors after every change (intake.records.anchor), so a row deleted, added or put back from an older
copy shows even when each row's own seal is valid. Both are computed in the one write path
(intake.records.tables), never inside the database, so any engine can keep the records without calling
back into intake.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from intake.records.chain import Entry
from intake.records.crypto import Keyring
from intake.records.errors import TamperedRecordError
from intake.records.model import Row

#: Every column a row's seal covers, in order (the seal column itself aside).
SEALED: dict[str, tuple[str, ...]] = {
    "intakes": ("id", "client_id", "status", "consultation_date", "questionnaire_version", "started_at",
                "updated_at", "started_by", "device", "step_id", "next_step", "label", "answers", "record",
                "assessment", "submitted_at", "signed_at", "erased_at", "retained_until", "languages"),
    "clients": ("id", "identity", "created_at", "erasure_requested_at", "retained_until"),
    "decisions": ("id", "intake_id", "at", "practitioner_id", "kind", "reason", "staff", "device", "supersedes",
                  "details"),
    "documents": ("id", "intake_id", "kind", "filename", "sha256", "template_versions", "size", "pdf",
                  "created_at", "staff", "device", "visit_id"),
    "signatures": ("id", "data", "at", "staff", "device"),
    "staff": ("id", "name", "role", "practitioner_id", "pin_hash", "pin_tag", "active", "created_at", "disabled_at"),
    "pin_attempts": ("id", "failures", "locked_until"),
    "imports": ("id", "intake_id", "at"),
    "visits": ("id", "client_id", "course_id", "number", "visit_date", "status", "started_at", "started_by", "device",
               "answers", "assessment", "outcome", "treatment", "practitioner_id", "recorded_at", "signed_at",
               "countersigned_by", "updated_at"),
}
#: Every table a reader sees, each with its digest; the search index's rows have no seal of their own.
DIGESTED: tuple[str, ...] = ("intakes", "clients", "decisions", "documents", "signatures", "search_tokens", "staff",
                             "pin_attempts", "imports", "visits")
#: The primary key columns of each table written through the write path.
KEYS: dict[str, tuple[str, ...]] = {**{table: ("id",) for table in SEALED}, "search_tokens": ("token", "client_id")}
#: What a row of each table is, in words.
WHAT = {"intakes": "intake", "clients": "client", "decisions": "decision", "documents": "document",
        "signatures": "the kept signatures of intake", "staff": "staff member", "pin_attempts": "the PIN count of",
        "imports": "the import record", "search_tokens": "search-index", "visits": "visit"}
MODULUS = 1 << 61
Digests = dict[str, list[int]]  # table -> [digest, rows]


def plain(value: Any) -> Any:
    """A value as every engine stores and returns it: a bool as 0 or 1, any bytes-like as bytes."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


#: Columns a sealed table gained later: a row where one is NULL is sealed as it was before the column came, so the
#: rows written before keep their seals (no reseal, which would also bless a row changed behind intake's back).
ADDED_LATER: dict[str, tuple[str, ...]] = {"documents": ("visit_id",), "intakes": ("languages",)}


def row_seal(keyring: Keyring, table: str, row: Mapping[str, Any]) -> str:
    """The seal of one row: HMAC over the table name and every sealed column (blobs by their SHA-256)."""
    later = ADDED_LATER.get(table, ())
    values = (plain(row.get(column)) for column in SEALED[table]
              if column not in later or row.get(column) is not None)
    parts = [table, *(hashlib.sha256(v).hexdigest() if isinstance(v, bytes) else v for v in values)]
    return keyring.row_mac(json.dumps(parts, separators=(",", ":")).encode("utf-8"))


def seal_matches(keyring: Keyring, table: str, row: Mapping[str, Any]) -> bool:
    """True when a row still carries its own seal."""
    stored = row.get("seal")
    return isinstance(stored, str) and hmac.compare_digest(stored, row_seal(keyring, table, row))


def check(keyring: Keyring, table: str, row: Mapping[str, Any]) -> None:
    """Confirms one row still carries its seal.

    Raises:
        TamperedRecordError: the row was changed outside intake.
    """
    if not seal_matches(keyring, table, row):
        raise TamperedRecordError(
            f"{WHAT[table]} {row.get('id')} was changed outside intake: its stored details no longer match their "
            "seal. Nothing was changed; restore the data folder from a backup and run `intake audit verify`.")


def key_of(table: str, row: Mapping[str, Any]) -> Any:
    """A row's primary key: one value, or a tuple for a table keyed by several columns."""
    columns = KEYS[table]
    return row[columns[0]] if len(columns) == 1 else tuple(row[c] for c in columns)


def digest_term(keyring: Keyring, table: str, row: Mapping[str, Any]) -> int:
    """What one row adds to its table's digest: 40 bits of an HMAC of its seal (or of token and client)."""
    value = f"{row['token']}:{row['client_id']}" if table == "search_tokens" else row.get("seal")
    if value is None:
        return 0
    mac = keyring.row_mac(json.dumps(["digest", table, str(value)], separators=(",", ":")).encode("utf-8"))
    return int(mac[:10], 16)


def digests_of(keyring: Keyring, tables: Mapping[str, Iterable[Mapping[str, Any]]]) -> Digests:
    """The digests computed afresh from every row of every table."""
    result: Digests = {}
    for table, rows in tables.items():
        total = count = 0
        for row in rows:
            total = (total + digest_term(keyring, table, row)) % MODULUS
            count += 1
        result[table] = [total, count]
    return result


@dataclass(frozen=True)
class RowProblem:
    """A row changed, added or missing behind intake's back."""

    kind: Literal["row changed", "row missing", "row added"]
    message: str


def seal_problems(keyring: Keyring, table: str, rows: Iterable[Row]) -> list[RowProblem]:
    """Rows of a table whose seal does not match, in key order."""
    broken: list[Any] = [row.get("id") for row in rows if not seal_matches(keyring, table, row)]
    broken.sort()
    return [RowProblem("row changed", f"{WHAT[table]} {key} ({table} table) was changed or added outside intake: "
                                      "its seal does not match") for key in broken]


def trail_problems(entries: Iterable[Entry], intakes: set[str], documents: set[Any],
                   decisions: set[Any]) -> list[RowProblem]:
    """Rows and trail telling different stories: an intake, document or decision deleted or added outside intake."""
    entries = list(entries)
    problems = []
    started = {e.intake_id: e for e in entries if e.event == "started"}
    for intake_id, entry in started.items():
        if intake_id not in intakes:
            problems.append(RowProblem("row missing", f"intake {intake_id}, started in audit entry #{entry.seq}, "
                                                      "was deleted outside intake"))
    for intake_id in sorted(intakes - set(started)):
        problems.append(RowProblem("row added", f"intake {intake_id} has no 'started' audit entry: it was added "
                                                "outside intake"))
    erased: set[Any] = set()
    for e in entries:
        if e.event == "erased":
            erased.update([e.intake_id, *e.data.get("erased", []), *e.data.get("kept_until", {})])
    for table, present, event, field in (("documents", documents, "rendered", "document_id"),
                                         ("decisions", decisions, "decision", "decision_id")):
        for e in entries:
            key = e.data.get(field)
            if e.event == event and key not in present and e.intake_id not in erased:
                problems.append(RowProblem("row missing", f"{WHAT[table]} {key} of intake {e.intake_id}, recorded "
                                                          f"in audit entry #{e.seq}, was deleted outside intake"))
    return problems
