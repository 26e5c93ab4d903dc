"""Provides MemoryStore: the record keeping of intake.records.store on an engine that keeps its rows in memory.

The same `Records` as the SQLite store (intake.records.Store): every check, sealed value, row seal, digest
and audit entry comes from the one write path, so the in-memory store honours the `RecordStore` contract
(tests/records/test_conformance.py runs the same tests on both). What it lacks is what needs a disk: nothing
survives the process, there is no checkpoint file, and a write is all-or-nothing only within the process
(a snapshot taken at the start of each write transaction is put back when it fails). Meant for front-end
tests and demonstrations, never for a clinic's records.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from intake.records import anchor, chain, sealing
from intake.records.chain import Entry
from intake.records.columns import COLUMNS, DEFAULTS
from intake.records.crypto import KEY_BYTES, KEY_CHECK, Keyring, key_check_value
from intake.records.model import Clock, Row, utc_now
from intake.records.sealing import Digests
from intake.records.store import Records

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine

_KEPT = ("submitted", "deferred", "signed")


class MemoryBackend:
    """Rows in dictionaries by table and key; the audit trail in a list (intake.records.tables.Backend)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Row]] = {table: {} for table in COLUMNS}
        self.trail: list[Entry] = []
        self.meta_values: dict[str, str] = {}
        self.digest_values: Digests = {}

    @contextmanager
    def write(self, action: str) -> Iterator[None]:
        """All or nothing: a snapshot taken first is put back when the transaction fails."""
        saved = copy.deepcopy((self.tables, self.trail, self.meta_values, self.digest_values))
        try:
            yield
        except BaseException:
            self.tables, self.trail, self.meta_values, self.digest_values = saved
            raise

    @contextmanager
    def read(self, action: str) -> Iterator[None]:
        """Reads see every committed change (one process, under the store's lock)."""
        yield

    # -- rows by key --------------------------------------------------------------------------------------

    def fetch(self, table: str, key: Any) -> Row | None:
        """One whole row (a copy), or None."""
        row = self.tables[table].get(key)
        return dict(row) if row is not None else None

    def insert(self, table: str, row: Row) -> None:
        """Stores a new row; every column not given takes its default."""
        key = sealing.key_of(table, row)
        if key in self.tables[table]:
            raise ValueError(f"{table} already holds {key!r}")
        full = {column: DEFAULTS.get(table, {}).get(column) for column in COLUMNS[table]}
        self.tables[table][key] = {**full, **row}

    def update(self, table: str, key: Any, changes: Row) -> None:
        """Changes some columns of a row."""
        self.tables[table][key].update(changes)

    def delete(self, table: str, key: Any) -> None:
        """Removes a row."""
        self.tables[table].pop(key, None)

    def scan(self, table: str) -> Iterator[Row]:
        """Every row of a table (copies)."""
        return iter([dict(row) for row in self.tables[table].values()])

    def digests(self) -> Digests:
        """The running digests."""
        return {table: list(value) for table, value in self.digest_values.items()}

    def save_digests(self, digests: Digests) -> None:
        """Stores running digests (only the tables given)."""
        self.digest_values.update({table: list(value) for table, value in digests.items()})

    def meta(self, key: str) -> str | None:
        """A value of the store's own settings."""
        return self.meta_values.get(key)

    def set_meta(self, key: str, value: str) -> None:
        """Sets a value of the store's own settings."""
        self.meta_values[key] = value

    # -- the audit trail ------------------------------------------------------------------------------------

    def last_entry(self) -> Entry | None:
        """The newest audit entry."""
        return self.trail[-1] if self.trail else None

    def insert_entry(self, entry: Entry) -> None:
        """Stores one new audit entry."""
        self.trail.append(entry)

    def set_head(self, text: str) -> None:
        """Stores the sealed head."""
        self.meta_values[chain.HEAD_KEY] = text

    def append_audit(self, keyring: Keyring, **entry: Any) -> int:
        """Appends an entry through intake.records.chain.append; returns its number."""
        return chain.append(self, keyring, **entry)

    def entries(self, intake_id: str | None = None) -> list[Entry]:
        """The audit entries in order, all or one intake's."""
        return [e for e in self.trail if intake_id is None or e.intake_id == intake_id]

    def protection_problems(self) -> list[str]:
        """Nothing outside the process can reach the list."""
        return []

    def derived_problems(self) -> list[str]:
        """There is no derived index: search walks the tokens themselves."""
        return []

    # -- queries --------------------------------------------------------------------------------------------

    def _intakes(self, *, status: Sequence[str] | None = None, client_id: str | None = None) -> list[Row]:
        return [dict(r) for r in self.tables["intakes"].values()
                if (status is None or r["status"] in status) and (client_id is None or r["client_id"] == client_id)]

    def next_id(self, table: str) -> int:
        """One more than the highest numeric id of a table."""
        return max((int(key) for key in self.tables[table]), default=0) + 1

    def intake_ids(self, prefix: str = "", limit: int | None = None) -> list[str]:
        """Intake ids in order, those starting with `prefix`."""
        return sorted(key for key in self.tables["intakes"] if key.startswith(prefix))[:limit]

    def drafts(self, before: str | None = None, newest_first: bool = True) -> list[Row]:
        """Draft intakes by when last saved (only those saved before `before` when given)."""
        rows = [r for r in self._intakes(status=("draft",)) if before is None or r["updated_at"] < before]
        return sorted(rows, key=lambda r: r["updated_at"], reverse=newest_first)

    def kept_until(self, day: str) -> list[Row]:
        """Intakes whose kept evidence is due to go on `day`."""
        return [r for r in self._intakes() if r["retained_until"] is not None and r["retained_until"] <= day]

    def clients_kept_until(self, day: str) -> list[str]:
        """Clients who asked to be erased whose kept evidence is due to go on `day`."""
        return [c["id"] for c in self.tables["clients"].values() if c["erasure_requested_at"] is not None
                and c["retained_until"] is not None and c["retained_until"] <= day]

    def client_intakes(self, client_id: str) -> list[Row]:
        """A client's intakes, oldest first."""
        return sorted(self._intakes(client_id=client_id), key=lambda r: r["started_at"])

    def latest_record(self, client_id: str) -> Row | None:
        """The client's latest submitted (deferred, signed) intake that has its record."""
        rows = [r for r in self._intakes(status=_KEPT, client_id=client_id) if r["record"] is not None]
        return max(rows, key=lambda r: r["submitted_at"] or "", default=None)

    def clients_with_token(self, token: int) -> list[Row]:
        """The clients carrying a search token, oldest first."""
        owners = [self.tables["clients"][c] for (t, c) in self.tables["search_tokens"]
                  if t == token and c in self.tables["clients"]]
        return sorted((dict(c) for c in owners), key=lambda c: c["created_at"])

    def tokens_of(self, client_id: str) -> list[int]:
        """A client's search tokens."""
        return [t for (t, c) in self.tables["search_tokens"] if c == client_id]

    def decisions_of(self, intake_id: str) -> list[Row]:
        """An intake's decisions, oldest first."""
        return sorted((dict(r) for r in self.tables["decisions"].values() if r["intake_id"] == intake_id),
                      key=lambda r: r["id"])

    def documents_of(self, intake_id: str, kind: str | None = None) -> list[Row]:
        """An intake's documents, oldest first (one kind when given)."""
        return sorted((dict(r) for r in self.tables["documents"].values()
                       if r["intake_id"] == intake_id and (kind is None or r["kind"] == kind)), key=lambda r: r["id"])

    def document_ids(self, intake_id: str) -> list[tuple[int, str]]:
        """(id, kind) of an intake's documents, oldest first."""
        return [(r["id"], r["kind"]) for r in self.documents_of(intake_id)]

    def import_keys(self, intake_id: str) -> list[str]:
        """The import claims held by an intake."""
        return [r["id"] for r in self.tables["imports"].values() if r["intake_id"] == intake_id]

    def visits_of(self, client_id: str) -> list[Row]:
        """Whole rows of a client's visits, oldest first."""
        return self._visits("client_id", client_id)

    def visits_of_course(self, course_id: str) -> list[Row]:
        """Whole rows of a course's visits, oldest first."""
        return self._visits("course_id", course_id)

    def _visits(self, column: str, value: str) -> list[Row]:
        rows = [dict(r) for r in self.tables["visits"].values() if r[column] == value]
        return sorted(rows, key=lambda r: (r["visit_date"], r["started_at"], r["id"]))

    def staff_rows(self, *, pin_tag: int | None = None, practitioner_id: str | None = None) -> list[Row]:
        """Staff accounts by id: all, the active ones tagged (or untagged), or a practitioner's."""
        rows = sorted((dict(r) for r in self.tables["staff"].values()), key=lambda r: r["id"])
        if pin_tag is not None:
            return [r for r in rows if r["active"] and (r["pin_tag"] == pin_tag or (r["pin_tag"] or 0) < 0)]
        if practitioner_id is not None:
            return [r for r in rows if r["active"] and r["practitioner_id"] == practitioner_id]
        return rows

    def search_rows(self, tokens: Sequence[int], status: str | None, client_id: str | None) -> Iterator[Row]:
        """Candidate intakes newest first, each with its client's sealed identity as `client_identity`."""
        wanted = set(tokens)
        for row in sorted(self._intakes(), key=lambda r: (r["updated_at"], r["id"]), reverse=True):
            if (status and row["status"] != status) or (client_id and row["client_id"] != client_id):
                continue
            if wanted and (row["client_id"] is None or not wanted <= set(self.tokens_of(row["client_id"]))):
                continue
            client = self.tables["clients"].get(row["client_id"])
            yield {**row, "client_identity": client["identity"] if client else None}

    def intake_page(self, *, client_id: str | None, since: str | None, until: str | None,
                    after: tuple[str, str] | None, limit: int) -> list[tuple[str, str]]:
        """A page of (consultation_date, id) of intakes not erased or expired, after `after`."""
        found = sorted((r["consultation_date"], r["id"]) for r in self._intakes(client_id=client_id)
                       if r["status"] not in ("erased", "expired")
                       and (since is None or r["consultation_date"] >= since)
                       and (until is None or r["consultation_date"] <= until))
        return [item for item in found if after is None or item > after][:limit]


class MemoryStore(Records):
    """A clinic's records kept in memory under a data key of their own (gone when the process ends).

    Args:
        config: the clinic's configuration (its data folder and key file are not used).
        clock: returns the current time, timezone-aware (injectable for tests).
        engine: the clinic's Engine, when already loaded.
    """

    backend: MemoryBackend

    def __init__(self, config: ClinicConfig, *, clock: Clock | None = None, engine: Engine | None = None):
        keyring = Keyring(secrets.token_bytes(KEY_BYTES), "a data key kept in memory")
        super().__init__(config, MemoryBackend(), keyring, clock or utc_now, engine, None)
        with self.write("starting the records in memory"):
            self.backend.set_meta(KEY_CHECK, key_check_value(keyring))
            self.backend.set_meta("created_at", self.now())
            self.backend.set_meta(anchor.WITNESS_KEY, anchor.Witness(1, None).text(keyring))
