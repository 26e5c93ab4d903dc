"""Provides the SQLite engine's audit table: where the chain's entries and sealed head are kept, append-only.

The chain itself (hashes, links, the sealed head, the checks) is intake.records.chain's, the same for
every engine. Here it is stored: one row per entry in `audit`, the head in `meta`, and two triggers
that refuse any UPDATE or DELETE of an entry (lifted only while a key rotation re-hashes the chain).
`verify(conn, keyring)` checks a database's trail as it stands, the triggers included.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from intake.records import chain
from intake.records.chain import HEAD_KEY, AuditEvent, AuditProblem, AuditReport, Entry
from intake.records.crypto import Keyring

TRIGGERS = ("audit_no_update", "audit_no_delete")
_COLUMNS = "seq, at, event, intake_id, client_id, staff, device, details, prev_hash, hash"


class SqliteTrail:
    """The chain's storage (intake.records.chain.Trail) on one connection, inside its write transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def last_entry(self) -> Entry | None:
        """The newest entry."""
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        return Entry(*row) if row else None

    def insert_entry(self, entry: Entry) -> None:
        """Stores one new entry."""
        self.conn.execute(f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (entry.seq, entry.at, entry.event, entry.intake_id, entry.client_id, entry.staff,
                           entry.device, entry.details, entry.prev_hash, entry.hash))

    def set_head(self, text: str) -> None:
        """Stores the sealed head."""
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (HEAD_KEY, text))


def append(conn: sqlite3.Connection, keyring: Keyring, *, at: str, event: AuditEvent, staff: str, device: str,
           intake_id: str | None = None, client_id: str | None = None,
           details: dict[str, Any] | None = None) -> int:
    """Appends one entry (intake.records.chain.append) inside the caller's write transaction; returns its number."""
    return chain.append(SqliteTrail(conn), keyring, at=at, event=event, staff=staff, device=device,
                        intake_id=intake_id, client_id=client_id, details=details)


def entries(conn: sqlite3.Connection, intake_id: str | None = None) -> list[Entry]:
    """The stored entries in order, optionally only those of one intake."""
    if intake_id is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY seq").fetchall()
    else:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM audit WHERE intake_id = ? ORDER BY seq",
                            (intake_id,)).fetchall()
    return [Entry(*row) for row in rows]


def head(conn: sqlite3.Connection) -> str | None:
    """The stored sealed head."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (HEAD_KEY,)).fetchone()
    return row[0] if row else None


def protection_problems(conn: sqlite3.Connection) -> list[str]:
    """The append-only triggers that were removed outside intake."""
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return [f"the append-only protection of the audit trail (trigger {trigger}) was removed outside intake"
            for trigger in TRIGGERS if trigger not in present]


def verify(conn: sqlite3.Connection, keyring: Keyring) -> AuditReport:
    """Checks every entry's hash, every link, the order, the sealed head and the append-only triggers."""
    report = chain.check(entries(conn), head(conn), keyring)
    lifted = [AuditProblem(None, "protection", message) for message in protection_problems(conn)]
    problems = sorted([*report.problems, *lifted], key=lambda p: (p.seq is None, p.seq or 0))
    return AuditReport(report.entries, report.head, tuple(problems), report.notes)


def rechain(conn: sqlite3.Connection, keyring: Keyring) -> None:
    """Re-hashes the whole chain and its sealed head with a new key (key rotation), inside the caller's
    write transaction; the append-only triggers are lifted for the duration and put back as they were."""
    saved = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"
                         " AND name IN (?, ?)", TRIGGERS).fetchall()
    for name, _ in saved:
        conn.execute(f"DROP TRIGGER {name}")
    changed, new_head = chain.rehash(entries(conn), keyring)
    conn.executemany("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?",
                     [(prev_hash, entry_hash, seq) for seq, prev_hash, entry_hash in changed])
    for _, sql in saved:
        conn.execute(sql)
    if new_head is not None:
        SqliteTrail(conn).set_head(new_head)
