"""Provides SqliteBackend: the SQLite engine under the one write path (intake.records.tables.Backend).

It stores what it is handed and answers the record keeping's queries in SQL; it computes no seal, digest
or hash (those come from intake's own code above it). Rows are plain dictionaries of column values.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

from intake.records import sealing
from intake.records.chain import Entry
from intake.records.crypto import Keyring
from intake.records.model import Row
from intake.records.sealing import Digests
from intake.records.sqlite import audit, db, search


def _where(table: str, key: Any) -> tuple[str, tuple[Any, ...]]:
    columns = sealing.KEYS.get(table, ("id",))
    values = key if len(columns) > 1 else (key,)
    return " AND ".join(f"{c} = ?" for c in columns), tuple(values)


class SqliteBackend:
    """One SQLite connection as the store's engine."""

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout: float):
        self.conn = conn
        self.path = path
        self.busy_timeout = busy_timeout

    # -- transactions ------------------------------------------------------------------------------------

    @contextmanager
    def write(self, action: str) -> Iterator[None]:
        """One atomic, durable write: BEGIN IMMEDIATE … COMMIT (WAL, synchronous=FULL), plain-word errors."""
        with db.write_transaction(self.conn, self.path, action, self.busy_timeout):
            yield

    def read(self, action: str) -> AbstractContextManager[None]:
        """A consistent snapshot for several reads."""
        return self._read(action)

    @contextmanager
    def _read(self, action: str) -> Iterator[None]:
        with db.read_transaction(self.conn, self.path, action, self.busy_timeout):
            yield

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # -- rows by key -------------------------------------------------------------------------------------

    def fetch(self, table: str, key: Any) -> Row | None:
        """One whole row, or None."""
        where, params = _where(table, key)
        found = self._rows(f"SELECT * FROM {table} WHERE {where}", params)
        return found[0] if found else None

    def insert(self, table: str, row: Row) -> None:
        """Stores a new row."""
        columns = ", ".join(row)
        self.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))

    def update(self, table: str, key: Any, changes: Row) -> None:
        """Changes some columns of a row."""
        where, params = _where(table, key)
        sets = ", ".join(f"{column} = ?" for column in changes)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE {where}", (*changes.values(), *params))

    def delete(self, table: str, key: Any) -> None:
        """Removes a row."""
        where, params = _where(table, key)
        self.conn.execute(f"DELETE FROM {table} WHERE {where}", params)

    def scan(self, table: str) -> Iterator[Row]:
        """Every row of a table, read lazily."""
        cursor = self.conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def digests(self) -> Digests:
        """The running digests: table -> [digest, rows]."""
        return {name: [total, rows] for name, total, rows in self.conn.execute("SELECT name, total, rows FROM digests")}

    def save_digests(self, digests: Digests) -> None:
        """Stores running digests (only the tables given)."""
        self.conn.executemany("INSERT OR REPLACE INTO digests (name, total, rows) VALUES (?, ?, ?)",
                              [(name, total, rows) for name, (total, rows) in digests.items()])

    def meta(self, key: str) -> str | None:
        """A value of the meta table."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Sets a value of the meta table."""
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- the audit trail ---------------------------------------------------------------------------------

    def last_entry(self) -> Entry | None:
        """The newest audit entry."""
        return audit.SqliteTrail(self.conn).last_entry()

    def insert_entry(self, entry: Entry) -> None:
        """Stores one new audit entry."""
        audit.SqliteTrail(self.conn).insert_entry(entry)

    def set_head(self, text: str) -> None:
        """Stores the sealed head."""
        audit.SqliteTrail(self.conn).set_head(text)

    def append_audit(self, keyring: Keyring, **entry: Any) -> int:
        """Appends an entry to the audit table (intake.records.sqlite.audit.append); returns its number."""
        return audit.append(self.conn, keyring, **entry)

    def entries(self, intake_id: str | None = None) -> list[Entry]:
        """The audit entries in order, all or one intake's."""
        return audit.entries(self.conn, intake_id)

    def protection_problems(self) -> list[str]:
        """The append-only triggers of the audit table that were removed."""
        return audit.protection_problems(self.conn)

    def derived_problems(self) -> list[str]:
        """Differences between the per-intake search index and what it is derived from."""
        return search.index_problems(self.conn)

    def checkpoint_wal(self) -> None:
        """Moves committed changes out of the write-ahead log so old (sealed) pages do not linger there."""
        with suppress(sqlite3.Error):  # a busy checkpoint is retried by SQLite later
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- queries ------------------------------------------------------------------------------------------

    def next_id(self, table: str) -> int:
        """One more than the highest id of a table."""
        return int(self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])

    def intake_ids(self, prefix: str = "", limit: int | None = None) -> list[str]:
        """Intake ids in order, those starting with `prefix`."""
        sql = "SELECT id FROM intakes WHERE id >= ? AND id < ? ORDER BY id"
        params: list[str | int] = [prefix, prefix + "\uffff"]
        if limit is not None:
            sql, params = sql + " LIMIT ?", [*params, limit]
        return [str(r[0]) for r in self.conn.execute(sql, params)]

    def drafts(self, before: str | None = None, newest_first: bool = True) -> list[Row]:
        """Whole rows of draft intakes by when last saved (only those saved before `before` when given)."""
        order = "DESC" if newest_first else "ASC"
        if before is None:
            return self._rows(f"SELECT * FROM intakes WHERE status = 'draft' ORDER BY updated_at {order}")
        return self._rows(f"SELECT * FROM intakes WHERE status = 'draft' AND updated_at < ? ORDER BY updated_at "
                          f"{order}", (before,))

    def kept_until(self, day: str) -> list[Row]:
        """Whole rows of intakes whose kept evidence is due to go on `day`."""
        return self._rows("SELECT * FROM intakes WHERE retained_until IS NOT NULL AND retained_until <= ?", (day,))

    def clients_kept_until(self, day: str) -> list[str]:
        """Clients who asked to be erased whose kept evidence is due to go on `day`."""
        return [str(r[0]) for r in self.conn.execute(
            "SELECT id FROM clients WHERE erasure_requested_at IS NOT NULL AND retained_until <= ?", (day,))]

    def client_intakes(self, client_id: str) -> list[Row]:
        """Whole rows of a client's intakes, oldest first."""
        return self._rows("SELECT * FROM intakes WHERE client_id = ? ORDER BY started_at", (client_id,))

    def latest_record(self, client_id: str) -> Row | None:
        """The client's latest submitted (deferred, signed) intake that has its record."""
        found = self._rows("SELECT * FROM intakes WHERE client_id = ? AND status IN ('submitted', 'deferred', "
                           "'signed') AND record IS NOT NULL ORDER BY submitted_at DESC LIMIT 1", (client_id,))
        return found[0] if found else None

    def clients_with_token(self, token: int) -> list[Row]:
        """Whole rows of the clients carrying a search token, oldest first."""
        return self._rows("SELECT c.* FROM search_tokens t JOIN clients c ON c.id = t.client_id WHERE t.token = ?"
                          " ORDER BY c.created_at", (token,))

    def tokens_of(self, client_id: str) -> list[int]:
        """A client's search tokens."""
        return [int(r[0]) for r in self.conn.execute("SELECT token FROM search_tokens WHERE client_id = ?",
                                                     (client_id,))]

    def decisions_of(self, intake_id: str) -> list[Row]:
        """Whole rows of an intake's decisions, oldest first."""
        return self._rows("SELECT * FROM decisions WHERE intake_id = ? ORDER BY id", (intake_id,))

    def documents_of(self, intake_id: str, kind: str | None = None) -> list[Row]:
        """Whole rows of an intake's documents, oldest first (one kind when given)."""
        if kind is None:
            return self._rows("SELECT * FROM documents WHERE intake_id = ? ORDER BY id", (intake_id,))
        return self._rows("SELECT * FROM documents WHERE intake_id = ? AND kind = ? ORDER BY id", (intake_id, kind))

    def document_ids(self, intake_id: str) -> list[tuple[int, str]]:
        """(id, kind) of an intake's documents, oldest first."""
        return [(int(i), str(k)) for i, k in self.conn.execute(
            "SELECT id, kind FROM documents WHERE intake_id = ? ORDER BY id", (intake_id,))]

    def import_keys(self, intake_id: str) -> list[str]:
        """The import claims held by an intake."""
        return [str(r[0]) for r in self.conn.execute("SELECT id FROM imports WHERE intake_id = ?", (intake_id,))]

    def visits_of(self, client_id: str) -> list[Row]:
        """Whole rows of a client's visits, oldest first."""
        return self._rows("SELECT * FROM visits WHERE client_id = ? ORDER BY visit_date, started_at, id", (client_id,))

    def visits_of_course(self, course_id: str) -> list[Row]:
        """Whole rows of a course's visits, oldest first."""
        return self._rows("SELECT * FROM visits WHERE course_id = ? ORDER BY visit_date, started_at, id",
                          (course_id,))

    def staff_rows(self, *, pin_tag: int | None = None, practitioner_id: str | None = None) -> list[Row]:
        """Whole rows of staff accounts by id: all, the active ones tagged (or untagged), or a practitioner's."""
        if pin_tag is not None:
            return self._rows("SELECT * FROM staff WHERE (pin_tag = ? OR pin_tag < 0) AND active = 1 ORDER BY id",
                              (pin_tag,))
        if practitioner_id is not None:
            return self._rows("SELECT * FROM staff WHERE practitioner_id = ? AND active = 1 ORDER BY id",
                              (practitioner_id,))
        return self._rows("SELECT * FROM staff ORDER BY id")

    def search_rows(self, tokens: Sequence[int], status: str | None, client_id: str | None) -> Iterator[Row]:
        """Candidate intakes newest first, with their client's sealed identity (intake.records.sqlite.search)."""
        return search.candidates(self.conn, tokens, status, client_id)

    def intake_page(self, *, client_id: str | None, since: str | None, until: str | None,
                    after: tuple[str, str] | None, limit: int) -> list[tuple[str, str]]:
        """A page of (consultation_date, id) of intakes not erased or expired, after `after`."""
        sql = "SELECT consultation_date, id FROM intakes WHERE status NOT IN ('erased', 'expired')"
        params: list[Any] = []
        for clause, value in (("client_id = ?", client_id), ("consultation_date >= ?", since),
                              ("consultation_date <= ?", until)):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        if after is not None:
            sql += " AND (consultation_date, id) > (?, ?)"
            params += list(after)
        return [(str(day), str(intake_id)) for day, intake_id in
                self.conn.execute(sql + " ORDER BY consultation_date, id LIMIT ?", [*params, limit])]
