"""Provides the one write path every engine shares, and `Backend`, what an engine does under it.

Every row intake writes goes through `Tables`: it gets the row's seal computed here (intake.records.sealing)
and each table's running digest moved by the row's part (added on insert, taken away on delete, both on
update), so an engine only stores what it is handed and never computes a seal, a digest or a hash itself
(no functions registered in the database, no triggers calling back into intake). The digests are written
once at the end of each write transaction. Rows read inside a write transaction are remembered, so an
update needs no second read.

`Backend` is the engine: transactions, plain row storage by key, the audit trail's storage (chain.Trail),
and the handful of queries intake's record keeping asks (drafts, a client's intakes, search candidates...).
The SQLite engine (intake.records.sqlite), the PostgreSQL one (intake.records.postgres) and the in-memory one
(intake.records.memory) implement it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from intake.records import sealing
from intake.records.chain import Entry
from intake.records.crypto import Keyring
from intake.records.model import Row
from intake.records.sealing import MODULUS, Digests


class Backend(Protocol):
    """What an engine provides: storage, transactions and queries; nothing is computed in it."""

    # -- transactions: durable before `write` returns, all or nothing ----------------------------------

    def write(self, action: str) -> AbstractContextManager[None]:
        """One atomic, durable write transaction (`action` names it in errors)."""
        ...

    def read(self, action: str) -> AbstractContextManager[None]:
        """A consistent snapshot for several reads."""
        ...

    # -- rows by key, for the write path -----------------------------------------------------------------

    def fetch(self, table: str, key: Any) -> Row | None:
        """One whole row (its seal included), or None."""
        ...

    def insert(self, table: str, row: Row) -> None:
        """Stores a new row."""
        ...

    def update(self, table: str, key: Any, changes: Row) -> None:
        """Changes some columns of a row."""
        ...

    def delete(self, table: str, key: Any) -> None:
        """Removes a row."""
        ...

    def scan(self, table: str) -> Iterator[Row]:
        """Every row of a table (for verification and re-keying)."""
        ...

    def digests(self) -> Digests:
        """The running digests: table -> [digest, rows]."""
        ...

    def save_digests(self, digests: Digests) -> None:
        """Stores running digests (only the tables given)."""
        ...

    def meta(self, key: str) -> str | None:
        """A value of the store's own settings (key check, sealed head, witness)."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Sets a value of the store's own settings."""
        ...

    # -- the audit trail -----------------------------------------------------------------------------

    def last_entry(self) -> Entry | None:
        """The newest audit entry."""
        ...

    def insert_entry(self, entry: Entry) -> None:
        """Stores one new audit entry."""
        ...

    def set_head(self, text: str) -> None:
        """Stores the sealed head."""
        ...

    def append_audit(self, keyring: Keyring, **entry: Any) -> int:
        """Appends an entry through intake.records.chain.append (the engine's trail); returns its number."""
        ...

    def entries(self, intake_id: str | None = None) -> list[Entry]:
        """The audit entries in order, all or one intake's."""
        ...

    def protection_problems(self) -> list[str]:
        """What protects the trail in this engine that was taken away (e.g. append-only triggers)."""
        ...

    def derived_problems(self) -> list[str]:
        """Differences between what the engine derives for itself (indexes) and what it is derived from."""
        ...

    # -- queries --------------------------------------------------------------------------------------

    def next_id(self, table: str) -> int:
        """One more than the highest numeric id of a table (documents, decisions)."""
        ...

    def intake_ids(self, prefix: str = "", limit: int | None = None) -> list[str]:
        """Intake ids in order, those starting with `prefix` (all when empty)."""
        ...

    def drafts(self, before: str | None = None, newest_first: bool = True) -> list[Row]:
        """Whole rows of draft intakes, by when last saved; only those saved before `before` when given."""
        ...

    def kept_until(self, day: str) -> list[Row]:
        """Whole rows of intakes whose kept evidence is due to go on `day` (retained_until on or before it)."""
        ...

    def clients_kept_until(self, day: str) -> list[str]:
        """Clients who asked to be erased whose kept evidence is due to go on `day`."""
        ...

    def client_intakes(self, client_id: str) -> list[Row]:
        """Whole rows of a client's intakes, oldest first."""
        ...

    def latest_record(self, client_id: str) -> Row | None:
        """The whole row of a client's latest submitted (deferred, signed) intake that has its record."""
        ...

    def clients_with_token(self, token: int) -> list[Row]:
        """Whole rows of the clients carrying a search token, oldest first."""
        ...

    def tokens_of(self, client_id: str) -> list[int]:
        """A client's search tokens."""
        ...

    def decisions_of(self, intake_id: str) -> list[Row]:
        """Whole rows of an intake's decisions, oldest first."""
        ...

    def documents_of(self, intake_id: str, kind: str | None = None) -> list[Row]:
        """Whole rows of an intake's documents (the PDF included), oldest first; only one kind when given."""
        ...

    def document_ids(self, intake_id: str) -> list[tuple[int, str]]:
        """(id, kind) of an intake's documents, oldest first."""
        ...

    def import_keys(self, intake_id: str) -> list[str]:
        """The import claims held by an intake."""
        ...

    def visits_of(self, client_id: str) -> list[Row]:
        """Whole rows of a client's visits, oldest first (by day, then when started)."""
        ...

    def visits_of_course(self, course_id: str) -> list[Row]:
        """Whole rows of a course's visits, oldest first."""
        ...

    def staff_rows(self, *, pin_tag: int | None = None, practitioner_id: str | None = None) -> list[Row]:
        """Whole rows of staff accounts by id: all, or the active ones tagged `pin_tag` (or untagged, -1), or the
        active one linked to `practitioner_id`."""
        ...

    def search_rows(self, tokens: Sequence[int], status: str | None, client_id: str | None) -> Iterator[Row]:
        """Candidate intakes, newest first: whole rows with their client's sealed identity as `client_identity`.

        With tokens, only intakes whose client carries every one of them (an engine may walk the rarest first);
        without, every intake. Read lazily: the caller stops after the rows it needs.
        """
        ...

    def intake_page(self, *, client_id: str | None, since: str | None, until: str | None,
                    after: tuple[str, str] | None, limit: int) -> list[tuple[str, str]]:
        """A page of (consultation_date, id) of intakes not erased or expired, in that order, after `after`."""
        ...


class Tables:
    """The one write path: every row written carries its seal, every table's digest follows its rows.

    Use inside the store's write transaction: `begin()` when it starts, `flush()` before it commits,
    `abort()` when it rolls back.
    """

    def __init__(self, backend: Backend, keyring: Keyring):
        self.backend = backend
        self.keyring = keyring
        self._rows: dict[tuple[str, Any], Row | None] = {}
        self._moved: dict[str, list[int]] = {}
        self._writing = False

    def begin(self) -> None:
        """A write transaction starts: nothing read or moved before counts."""
        self._rows.clear()
        self._moved.clear()
        self._writing = True

    def abort(self) -> None:
        """The write transaction was rolled back."""
        self._rows.clear()
        self._moved.clear()
        self._writing = False

    def flush(self) -> None:
        """Writes the digests the transaction moved (just before it commits)."""
        if self._moved:
            current = self.backend.digests()
            self.backend.save_digests({table: [(current.get(table, [0, 0])[0] + total) % MODULUS,
                                               current.get(table, [0, 0])[1] + rows]
                                       for table, (total, rows) in self._moved.items()})
        self.abort()

    def _move(self, table: str, row: Mapping[str, Any], sign: int) -> None:
        moved = self._moved.setdefault(table, [0, 0])
        moved[0] += sign * sealing.digest_term(self.keyring, table, row)
        moved[1] += sign

    # -- reading -----------------------------------------------------------------------------------------

    def get(self, table: str, key: Any) -> Row | None:
        """A whole row by key (remembered for the rest of a write transaction), unchecked."""
        if not self._writing:
            return self.backend.fetch(table, key)
        if (table, key) not in self._rows:
            self._rows[(table, key)] = self.backend.fetch(table, key)
        found = self._rows[(table, key)]
        return dict(found) if found is not None else None

    def checked(self, table: str, key: Any) -> Row | None:
        """A whole row by key after checking its seal, or None.

        Raises:
            TamperedRecordError: the row was changed outside intake.
        """
        row = self.get(table, key)
        if row is not None:
            sealing.check(self.keyring, table, row)
        return row

    def check(self, table: str, row: Mapping[str, Any]) -> None:
        """Checks a row read by a query (raises TamperedRecordError when its seal does not match)."""
        sealing.check(self.keyring, table, row)

    def seal_ok(self, table: str, row: Mapping[str, Any]) -> bool:
        """True when a row read by a query still carries its seal."""
        return sealing.seal_matches(self.keyring, table, row)

    # -- writing -----------------------------------------------------------------------------------------

    def _sealed(self, table: str, row: Mapping[str, Any]) -> Row:
        full = {column: sealing.plain(value) for column, value in row.items()}
        if table in sealing.SEALED:
            full["seal"] = sealing.row_seal(self.keyring, table, full)
        return full

    def insert(self, table: str, row: Mapping[str, Any]) -> Row:
        """Stores a new row with its seal; returns it as stored."""
        full = self._sealed(table, row)
        self.backend.insert(table, full)
        self._move(table, full, +1)
        if self._writing:
            self._rows[(table, sealing.key_of(table, full))] = dict(full)
        return full

    def update(self, table: str, key: Any, **changes: Any) -> Row:
        """Changes columns of a row and reseals it; returns it as stored.

        Raises:
            KeyError: there is no such row (the caller has looked it up first).
        """
        before = self.get(table, key)
        if before is None:
            raise KeyError(f"{table} {key!r}")
        after = self._sealed(table, {**before, **changes})
        written = {column: after[column] for column in (*changes, "seal") if column in after}
        self.backend.update(table, key, written)
        self._move(table, before, -1)
        self._move(table, after, +1)
        if self._writing:
            self._rows[(table, key)] = dict(after)
        return after

    def delete(self, table: str, key: Any) -> bool:
        """Removes a row, if there; True when one was removed."""
        before = self.get(table, key)
        if before is None:
            return False
        self.backend.delete(table, key)
        self._move(table, before, -1)
        if self._writing:
            self._rows[(table, key)] = None
        return True

    # -- whole tables (key rotation, migrations) ------------------------------------------------------------

    def reseal_all(self) -> None:
        """Reseals every row of every sealed table and sets every digest afresh from the rows (a new key)."""
        self.reseal(sealing.SEALED)
        self.recompute_digests()

    def reseal(self, tables: Iterable[str]) -> None:
        """Reseals every row of these tables whose seal differs (a new key, or a table rebuilt by a migration)."""
        for table in tables:
            for row in list(self.backend.scan(table)):
                seal = sealing.row_seal(self.keyring, table, row)
                if seal != row.get("seal"):
                    self.backend.update(table, sealing.key_of(table, row), {"seal": seal})

    def recompute_digests(self, tables: Iterable[str] = sealing.DIGESTED) -> Digests:
        """Sets these tables' digests from all their rows; returns them."""
        digests = self.actual_digests(tables)
        self.backend.save_digests(digests)
        return digests

    def actual_digests(self, tables: Iterable[str] = sealing.DIGESTED) -> Digests:
        """Tables' digests computed afresh from their rows (what verification compares)."""
        return sealing.digests_of(self.keyring, {table: self.backend.scan(table) for table in tables})
