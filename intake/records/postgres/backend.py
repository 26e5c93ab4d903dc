"""Provides PostgresBackend: the PostgreSQL engine under the one write path (intake.records.tables.Backend).

It stores what it is handed and answers the record keeping's queries in SQL; it computes no seal, digest or
hash (those come from intake's own code above it, on the clinic's computer: the data key never reaches the
server). Rows are plain dictionaries of column values.

Transactions: every write transaction is durable when COMMIT returns (synchronous_commit = on for it, whatever
the server's default) and takes one advisory lock first (`pg_advisory_xact_lock`, held until it commits or rolls
back), so the writers of every computer and process take turns, each reading what the one before committed: the
audit chain and the running digests never fork. A wait longer than [storage] busy_timeout_seconds is refused as
busy. Reads of several rows share one REPEATABLE READ snapshot. Large
results (whole tables, search candidates) are read through a cursor in batches, inside their transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from intake.records import chain, sealing
from intake.records.chain import Entry
from intake.records.crypto import Keyring
from intake.records.model import Row
from intake.records.postgres import schema
from intake.records.postgres.connection import Connection, connect, translate
from intake.records.sealing import Digests
from intake.records.search import COUNT_CAP, index_differences

_AUDIT = "seq, at, event, intake_id, client_id, staff, device, details, prev_hash, hash"
_BATCH = 200
_SEARCH_COLUMNS = "i.*, c.identity AS client_identity"


def _where(table: str, key: Any) -> tuple[str, tuple[Any, ...]]:
    columns = sealing.KEYS.get(table, ("id",))
    values = key if len(columns) > 1 else (key,)
    return " AND ".join(f"{c} = %s" for c in columns), tuple(values)


def _entry(row: Row) -> Entry:
    return Entry(int(row["seq"]), row["at"], row["event"], row["intake_id"], row["client_id"], row["staff"],
                 row["device"], row["details"], row["prev_hash"], row["hash"])


class PostgresBackend:
    """One connection to the records server as the store's engine (reconnected when a transaction finds it broken).

    Args:
        dsn: the libpq connection string.
        busy_timeout: seconds a writer waits for another before the records are called busy.
    """

    def __init__(self, dsn: str, busy_timeout: float, conn: Connection | None = None):
        self.dsn = dsn
        self.busy_timeout = busy_timeout
        self.conn = conn if conn is not None else connect(dsn, busy_timeout)
        self._depth = 0
        self._writing = False
        self._transaction = 0  # counts transactions, so a cursor of an ended one is never closed in a later one
        self._cursors = itertools.count(1)

    def close(self) -> None:
        """Closes the connection (committed work is on the server)."""
        self.conn.close()

    # -- transactions ------------------------------------------------------------------------------------

    def _usable(self) -> None:
        if self.conn.closed or self.conn.broken:
            self.conn = connect(self.dsn, self.busy_timeout)

    def _first(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Runs the first statement of a transaction (or a read on its own), connecting again once when the
        connection was dropped while idle (a server restart, an idle timeout): nothing had started on it."""
        self._usable()
        try:
            cursor = self.conn.execute(sql, params)
        except psycopg.OperationalError:
            with suppress(psycopg.Error):
                self.conn.close()
            self.conn = connect(self.dsn, self.busy_timeout)
            cursor = self.conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []

    @contextmanager
    def _transaction_of(self, action: str, first: Sequence[str]) -> Iterator[None]:
        committing = [False]
        with translate(self.dsn, action, self.busy_timeout, committing):
            self._transaction += 1
            self._first("BEGIN")
            self._depth = 1
            try:
                for statement in first:
                    self.conn.execute(statement)
                yield
                committing[0] = True
                self.conn.execute("COMMIT")
            except BaseException:
                if not self.conn.broken and self.conn.info.transaction_status != TransactionStatus.IDLE:
                    with suppress(psycopg.Error):  # the error raised says what went wrong
                        self.conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
                self._writing = False

    @contextmanager
    def write(self, action: str) -> Iterator[None]:
        """One atomic write transaction under the writers' advisory lock (joined when one is already open)."""
        if self._depth:
            if not self._writing:
                raise RuntimeError(f"{action}: a write cannot start inside a read transaction")
            yield
            return
        self._writing = True
        wait = f"SET LOCAL lock_timeout = '{max(1, round(self.busy_timeout * 1000))}ms'"
        durable = "SET LOCAL synchronous_commit = on"  # whatever the server's default: kept once COMMIT returns
        with self._transaction_of(action, (wait, durable, f"SELECT pg_advisory_xact_lock({schema.LOCK_KEY})")):
            yield

    @contextmanager
    def read(self, action: str) -> Iterator[None]:
        """A consistent snapshot for several reads (REPEATABLE READ), or the transaction already open."""
        if self._depth:
            yield
            return
        with self._transaction_of(action, ("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",)):
            yield

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self._depth:
            return self.conn.execute(sql, params).fetchall()
        with translate(self.dsn, "reading the records", self.busy_timeout, [False]):  # a read on its own
            return self._first(sql, params)

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """Rows read lazily through a cursor inside the open transaction (all at once outside one)."""
        if not self._depth:
            yield from self._rows(sql, params)
            return
        name, transaction = f"intake_cursor_{next(self._cursors)}", self._transaction
        self.conn.execute(f"DECLARE {name} NO SCROLL CURSOR FOR {sql}", params)
        try:
            while batch := self._rows(f"FETCH {_BATCH} FROM {name}"):
                yield from batch
        finally:
            if transaction == self._transaction and self._depth and not self.conn.broken:
                self.conn.execute(f"CLOSE {name}")

    # -- rows by key -------------------------------------------------------------------------------------

    def fetch(self, table: str, key: Any) -> Row | None:
        """One whole row, or None."""
        where, params = _where(table, key)
        found = self._rows(f"SELECT * FROM {table} WHERE {where}", params)
        return found[0] if found else None

    def insert(self, table: str, row: Row) -> None:
        """Stores a new row."""
        marks = ", ".join(["%s"] * len(row))
        self._rows_written(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", tuple(row.values()))

    def _rows_written(self, sql: str, params: Sequence[Any]) -> None:
        self.conn.execute(sql, params)

    def update(self, table: str, key: Any, changes: Row) -> None:
        """Changes some columns of a row."""
        where, params = _where(table, key)
        sets = ", ".join(f"{column} = %s" for column in changes)
        self._rows_written(f"UPDATE {table} SET {sets} WHERE {where}", (*changes.values(), *params))

    def delete(self, table: str, key: Any) -> None:
        """Removes a row."""
        where, params = _where(table, key)
        self._rows_written(f"DELETE FROM {table} WHERE {where}", params)

    def scan(self, table: str) -> Iterator[Row]:
        """Every row of a table, read in batches."""
        return self._stream(f"SELECT * FROM {table}")

    def digests(self) -> Digests:
        """The running digests: table -> [digest, rows]."""
        return {row["name"]: [int(row["total"]), int(row["rows"])]
                for row in self._rows("SELECT name, total, rows FROM digests")}

    def save_digests(self, digests: Digests) -> None:
        """Stores running digests (only the tables given)."""
        with self.conn.cursor() as cursor:
            cursor.executemany("INSERT INTO digests (name, total, rows) VALUES (%s, %s, %s) ON CONFLICT (name) DO "
                               "UPDATE SET total = excluded.total, rows = excluded.rows",
                               [(name, total, rows) for name, (total, rows) in digests.items()])

    def meta(self, key: str) -> str | None:
        """A value of the meta table."""
        found = self._rows("SELECT value FROM meta WHERE key = %s", (key,))
        return str(found[0]["value"]) if found else None

    def set_meta(self, key: str, value: str) -> None:
        """Sets a value of the meta table."""
        self._rows_written("INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                           "value = excluded.value", (key, value))

    # -- the audit trail ---------------------------------------------------------------------------------

    def last_entry(self) -> Entry | None:
        """The newest audit entry."""
        found = self._rows(f"SELECT {_AUDIT} FROM audit ORDER BY seq DESC LIMIT 1")
        return _entry(found[0]) if found else None

    def insert_entry(self, entry: Entry) -> None:
        """Stores one new audit entry."""
        self._rows_written(f"INSERT INTO audit ({_AUDIT}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                           (entry.seq, entry.at, entry.event, entry.intake_id, entry.client_id, entry.staff,
                            entry.device, entry.details, entry.prev_hash, entry.hash))

    def set_head(self, text: str) -> None:
        """Stores the sealed head."""
        self.set_meta(chain.HEAD_KEY, text)

    def append_audit(self, keyring: Keyring, **entry: Any) -> int:
        """Appends an entry through intake.records.chain.append; returns its number."""
        return chain.append(self, keyring, **entry)

    def entries(self, intake_id: str | None = None) -> list[Entry]:
        """The audit entries in order, all or one intake's."""
        if intake_id is None:
            return [_entry(row) for row in self._stream(f"SELECT {_AUDIT} FROM audit ORDER BY seq")]
        return [_entry(row) for row in self._rows(f"SELECT {_AUDIT} FROM audit WHERE intake_id = %s ORDER BY seq",
                                                  (intake_id,))]

    def protection_problems(self) -> list[str]:
        """The append-only triggers of the audit table that were removed or disabled."""
        return schema.protection_problems(self.conn)

    def derived_problems(self) -> list[str]:
        """Differences between the per-intake search index and what it is derived from (client tokens x intakes).

        The index holds nothing of its own, so any difference was made outside intake: rows deleted hide
        intakes from search, rows added point searches at the wrong intakes.
        """
        derived = "SELECT t.token, i.updated_at, i.id FROM search_tokens t JOIN intakes i ON i.client_id = t.client_id"
        index = "SELECT token, updated_at, intake_id FROM intake_tokens"
        missing = self._rows(f"SELECT count(*) AS n FROM ({derived} EXCEPT {index}) s")[0]["n"]
        extra = self._rows(f"SELECT count(*) AS n FROM ({index} EXCEPT {derived}) s")[0]["n"]
        return index_differences(missing, extra)

    def rotation_of(self, key_id: str) -> Entry | None:
        """The 'key_rotated' entry that retired a key (what a site still holding it is told about), if one did."""
        rotations = [_entry(row) for row in self._rows(
            f"SELECT {_AUDIT} FROM audit WHERE event = 'key_rotated' ORDER BY seq DESC")]
        return next((entry for entry in rotations if entry.data.get("old_key") == key_id), None)

    def rechain(self, keyring: Keyring) -> None:
        """Re-hashes the whole chain and its sealed head with a new key (key rotation), inside the rotation's write
        transaction: the append-only triggers that are enabled are disabled for it (transactional DDL: no other
        transaction ever sees them off) and enabled again before it commits; any already off stay off, for
        verify to name."""
        enabled = schema.enabled_triggers(self.conn, "audit")
        for trigger in enabled:
            self.conn.execute(f"ALTER TABLE audit DISABLE TRIGGER {trigger}")
        changed, head = chain.rehash(self.entries(), keyring)
        with self.conn.cursor() as cursor:
            cursor.executemany("UPDATE audit SET prev_hash = %s, hash = %s WHERE seq = %s",
                               [(prev_hash, entry_hash, seq) for seq, prev_hash, entry_hash in changed])
        for trigger in enabled:
            self.conn.execute(f"ALTER TABLE audit ENABLE TRIGGER {trigger}")
        if head is not None:
            self.set_head(head)

    # -- the server's checkpoint ---------------------------------------------------------------------------

    def insert_anchor(self, seq: int, site: str, line: str) -> None:
        """Stores the server checkpoint's line of the transaction whose last entry is `seq`."""
        self._rows_written("INSERT INTO anchors (seq, site, line) VALUES (%s, %s, %s)", (seq, site, line))

    def anchor_rows(self) -> list[tuple[int, str]]:
        """The server checkpoint's lines: (last entry of the transaction, the line), in order."""
        rows = self._stream("SELECT seq, line FROM anchors ORDER BY seq")
        return [(int(row["seq"]), str(row["line"])) for row in rows]

    # -- queries ------------------------------------------------------------------------------------------

    def next_id(self, table: str) -> int:
        """One more than the highest id of a table."""
        return int(self._rows(f"SELECT coalesce(max(id), 0) + 1 AS n FROM {table}")[0]["n"])

    def intake_ids(self, prefix: str = "", limit: int | None = None) -> list[str]:
        """Intake ids in order, those starting with `prefix`."""
        sql = "SELECT id FROM intakes WHERE starts_with(id, %s) ORDER BY id"
        params: list[Any] = [prefix]
        if limit is not None:
            sql, params = sql + " LIMIT %s", [*params, limit]
        return [str(row["id"]) for row in self._rows(sql, params)]

    def drafts(self, before: str | None = None, newest_first: bool = True) -> list[Row]:
        """Whole rows of draft intakes by when last saved (only those saved before `before` when given)."""
        order = "DESC" if newest_first else "ASC"
        if before is None:
            return self._rows(f"SELECT * FROM intakes WHERE status = 'draft' ORDER BY updated_at {order}")
        return self._rows(f"SELECT * FROM intakes WHERE status = 'draft' AND updated_at < %s ORDER BY updated_at "
                          f"{order}", (before,))

    def kept_until(self, day: str) -> list[Row]:
        """Whole rows of intakes whose kept evidence is due to go on `day`."""
        return self._rows("SELECT * FROM intakes WHERE retained_until IS NOT NULL AND retained_until <= %s", (day,))

    def clients_kept_until(self, day: str) -> list[str]:
        """Clients who asked to be erased whose kept evidence is due to go on `day`."""
        return [str(row["id"]) for row in self._rows(
            "SELECT id FROM clients WHERE erasure_requested_at IS NOT NULL AND retained_until <= %s", (day,))]

    def client_intakes(self, client_id: str) -> list[Row]:
        """Whole rows of a client's intakes, oldest first."""
        return self._rows("SELECT * FROM intakes WHERE client_id = %s ORDER BY started_at", (client_id,))

    def latest_record(self, client_id: str) -> Row | None:
        """The client's latest submitted (deferred, signed) intake that has its record."""
        found = self._rows("SELECT * FROM intakes WHERE client_id = %s AND status IN ('submitted', 'deferred', "
                           "'signed') AND record IS NOT NULL ORDER BY submitted_at DESC NULLS LAST LIMIT 1",
                           (client_id,))
        return found[0] if found else None

    def clients_with_token(self, token: int) -> list[Row]:
        """Whole rows of the clients carrying a search token, oldest first."""
        return self._rows("SELECT c.* FROM search_tokens t JOIN clients c ON c.id = t.client_id WHERE t.token = %s"
                          " ORDER BY c.created_at", (token,))

    def tokens_of(self, client_id: str) -> list[int]:
        """A client's search tokens."""
        return [int(row["token"]) for row in self._rows("SELECT token FROM search_tokens WHERE client_id = %s",
                                                        (client_id,))]

    def decisions_of(self, intake_id: str) -> list[Row]:
        """Whole rows of an intake's decisions, oldest first."""
        return self._rows("SELECT * FROM decisions WHERE intake_id = %s ORDER BY id", (intake_id,))

    def documents_of(self, intake_id: str, kind: str | None = None) -> list[Row]:
        """Whole rows of an intake's documents, oldest first (one kind when given)."""
        if kind is None:
            return self._rows("SELECT * FROM documents WHERE intake_id = %s ORDER BY id", (intake_id,))
        return self._rows("SELECT * FROM documents WHERE intake_id = %s AND kind = %s ORDER BY id", (intake_id, kind))

    def document_ids(self, intake_id: str) -> list[tuple[int, str]]:
        """(id, kind) of an intake's documents, oldest first."""
        return [(int(row["id"]), str(row["kind"])) for row in self._rows(
            "SELECT id, kind FROM documents WHERE intake_id = %s ORDER BY id", (intake_id,))]

    def import_keys(self, intake_id: str) -> list[str]:
        """The import claims held by an intake."""
        return [str(row["id"]) for row in self._rows("SELECT id FROM imports WHERE intake_id = %s", (intake_id,))]

    def visits_of(self, client_id: str) -> list[Row]:
        """Whole rows of a client's visits, oldest first."""
        return self._rows("SELECT * FROM visits WHERE client_id = %s ORDER BY visit_date, started_at, id",
                          (client_id,))

    def visits_of_course(self, course_id: str) -> list[Row]:
        """Whole rows of a course's visits, oldest first."""
        return self._rows("SELECT * FROM visits WHERE course_id = %s ORDER BY visit_date, started_at, id",
                          (course_id,))

    def staff_rows(self, *, pin_tag: int | None = None, practitioner_id: str | None = None) -> list[Row]:
        """Whole rows of staff accounts by id: all, the active ones tagged (or untagged), or a practitioner's."""
        if pin_tag is not None:
            return self._rows("SELECT * FROM staff WHERE (pin_tag = %s OR pin_tag < 0) AND active = 1 ORDER BY id",
                              (pin_tag,))
        if practitioner_id is not None:
            return self._rows("SELECT * FROM staff WHERE practitioner_id = %s AND active = 1 ORDER BY id",
                              (practitioner_id,))
        return self._rows("SELECT * FROM staff ORDER BY id")

    def search_rows(self, tokens: Sequence[int], status: str | None, client_id: str | None) -> Iterator[Row]:
        """Candidate intakes newest first, each with its client's sealed identity as `client_identity`.

        With tokens, the intakes of the token carried by the fewest intakes are walked in the per-intake index's
        order (newest first; schema 4), the other tokens checked on the same index row by row, so the server stops
        as soon as the caller has read enough rows.
        """
        where: list[str] = ["TRUE"]
        params: list[Any] = []
        if client_id:
            where.append("i.client_id = %s")
            params.append(client_id)
        if status:
            where.append("i.status = %s")
            params.append(status)
        if not tokens:
            return self._stream(f"SELECT {_SEARCH_COLUMNS} FROM intakes i LEFT JOIN clients c ON c.id = i.client_id "
                                f"WHERE {' AND '.join(where)} ORDER BY i.updated_at DESC, i.id DESC", params)
        walked, *others = self._walk_order(list(tokens))
        also = "".join(" AND EXISTS (SELECT 1 FROM intake_tokens o WHERE o.token = %s AND o.updated_at = t.updated_at"
                       " AND o.intake_id = t.intake_id)" for _ in others)
        return self._stream(f"SELECT {_SEARCH_COLUMNS} FROM intake_tokens t JOIN intakes i ON i.id = t.intake_id "
                            f"LEFT JOIN clients c ON c.id = i.client_id WHERE t.token = %s{also} AND "
                            f"{' AND '.join(where)} ORDER BY t.updated_at DESC, t.intake_id DESC",
                            [walked, *others, *params])

    def _walk_order(self, tokens: list[int]) -> list[int]:
        """The query tokens, the one carried by the fewest intakes first (counted up to a cap, exactly when all
        reach it)."""
        if len(tokens) < 2:
            return tokens

        def cost(token: int, cap: int | None) -> int:
            sql = "SELECT count(*) AS n FROM intake_tokens WHERE token = %s" if cap is None else \
                "SELECT count(*) AS n FROM (SELECT 1 FROM intake_tokens WHERE token = %s LIMIT %s) s"
            return int(self._rows(sql, [token] if cap is None else [token, cap])[0]["n"])

        costs = {token: cost(token, COUNT_CAP) for token in tokens}
        if min(costs.values()) >= COUNT_CAP:
            costs = {token: cost(token, None) for token in tokens}
        return sorted(tokens, key=lambda token: (costs[token], token))

    def intake_page(self, *, client_id: str | None, since: str | None, until: str | None,
                    after: tuple[str, str] | None, limit: int) -> list[tuple[str, str]]:
        """A page of (consultation_date, id) of intakes not erased or expired, after `after`."""
        sql = "SELECT consultation_date, id FROM intakes WHERE status NOT IN ('erased', 'expired')"
        params: list[Any] = []
        for clause, value in (("client_id = %s", client_id), ("consultation_date >= %s", since),
                              ("consultation_date <= %s", until)):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        if after is not None:
            sql += " AND (consultation_date, id) > (%s, %s)"
            params += list(after)
        rows = self._rows(sql + " ORDER BY consultation_date, id LIMIT %s", [*params, limit])
        return [(str(row["consultation_date"]), str(row["id"])) for row in rows]
