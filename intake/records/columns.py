"""Provides the tables every engine keeps for the write path: each table's columns, in order, with their kind.

This is the one place a table's columns are listed for the engines that make their tables from a list: the
in-memory engine (intake.records.memory) and the PostgreSQL engine (intake.records.postgres) read it, so a new
table or column needs no engine-specific code there. The SQLite engine keeps its own versioned migrations
(intake.records.sqlite.migrations); tests/records/test_postgres_engine.py checks that they make exactly these
columns with these kinds.

Kinds: "text", "integer" (64-bit) and "blob" (bytes). The engines' own tables (the audit trail, settings, digests,
schema history) are each engine's business, not listed here.
"""

from __future__ import annotations

from typing import Any, Literal

from intake.records import sealing

Kind = Literal["text", "integer", "blob"]

_T: Kind = "text"
_I: Kind = "integer"
_B: Kind = "blob"

#: Every column of each table with its kind, in the SQLite schema's order (a column not written reads as its default).
TABLES: dict[str, dict[str, Kind]] = {
    "clients": {"id": _T, "identity": _B, "created_at": _T, "erasure_requested_at": _T, "retained_until": _T,
                "seal": _T},
    "search_tokens": {"token": _I, "client_id": _T},
    "intakes": {"id": _T, "client_id": _T, "status": _T, "consultation_date": _T, "questionnaire_version": _T,
                "started_at": _T, "updated_at": _T, "started_by": _T, "device": _T, "step_id": _T, "next_step": _T,
                "label": _B, "answers": _B, "record": _B, "assessment": _B, "submitted_at": _T, "signed_at": _T,
                "erased_at": _T, "retained_until": _T, "seal": _T, "languages": _T},
    "documents": {"id": _I, "intake_id": _T, "kind": _T, "filename": _B, "sha256": _T, "template_versions": _T,
                  "size": _I, "pdf": _B, "created_at": _T, "staff": _T, "device": _T, "seal": _T,
                  "visit_id": _T},
    "signatures": {"id": _T, "data": _B, "at": _T, "staff": _T, "device": _T, "seal": _T},
    "staff": {"id": _T, "name": _T, "role": _T, "practitioner_id": _T, "pin_hash": _T, "pin_tag": _I, "active": _I,
              "created_at": _T, "disabled_at": _T, "seal": _T},
    "pin_attempts": {"id": _T, "failures": _I, "locked_until": _T, "seal": _T},
    "decisions": {"id": _I, "intake_id": _T, "at": _T, "practitioner_id": _T, "kind": _T, "reason": _B, "staff": _T,
                  "device": _T, "supersedes": _I, "details": _B, "seal": _T},
    "imports": {"id": _T, "intake_id": _T, "at": _T, "seal": _T},
    "visits": {"id": _T, "client_id": _T, "course_id": _T, "number": _I, "visit_date": _T, "status": _T,
               "started_at": _T, "started_by": _T, "device": _T, "answers": _B, "assessment": _B, "outcome": _B,
               "treatment": _B, "practitioner_id": _T, "recorded_at": _T, "signed_at": _T, "countersigned_by": _T,
               "updated_at": _T, "seal": _T},
}
#: Every column of each table, in order.
COLUMNS: dict[str, tuple[str, ...]] = {table: tuple(columns) for table, columns in TABLES.items()}
#: Defaults of columns that have one (every other column defaults to NULL).
DEFAULTS: dict[str, dict[str, Any]] = {"staff": {"active": 1}}
#: The primary key of each table (intake.records.sealing.KEYS).
KEYS = sealing.KEYS
