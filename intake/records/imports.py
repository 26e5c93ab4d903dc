"""Provides imports that store each answers file once, keyed by a fingerprint of its content.

An import claims the keyed fingerprint (HMAC, key derived from the data key, like the audit's
fingerprints) of the file's content in the same transaction that starts its intake; the record is
then submitted to that intake. Run again (after a crash, or by mistake), the same content finds its
claim: an intake already submitted is reported with its id and nothing is stored; a draft left by an
import interrupted between the two transactions is submitted now, so each file is stored exactly
once. The content is the record without its `record_id` (the sender's id is replaced by the intake's
own): the same answers for the same consultation are the same intake, whatever id a sender gave.
A fingerprint lets no one without the data key test whether a given file was imported; an intake's
claim is removed when the intake is erased or expires, and remade from the record when the key is
rotated.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intake.records import integrity
from intake.records.crypto import Keyring

if TYPE_CHECKING:
    from intake.records.store import Store

#: Statuses of an intake that no longer holds what was imported: the file may be imported again.
_GONE = ("erased", "expired")


def content(record: Mapping[str, Any]) -> dict[str, Any]:
    """What a file's fingerprint covers: the record without its `record_id`."""
    return {key: value for key, value in record.items() if key != "record_id"}


def fingerprint(keyring: Keyring, record: Mapping[str, Any]) -> str:
    """The keyed fingerprint of a record's content (canonical JSON: sorted keys, no spaces, UTF-8)."""
    text = json.dumps(["import", content(record)], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return keyring.fingerprint(text.encode("utf-8"))


@dataclass(frozen=True)
class Claim:
    """The intake an answers file belongs to.

    Attributes:
        intake_id: the intake.
        status: its status now; "draft" means the record is still to be submitted to it.
        new: the intake was started by this claim (False: the file was imported before).
    """

    intake_id: str
    status: str
    new: bool


class _Taken(Exception):
    """The fingerprint is claimed already (raised inside the transaction, which then changes nothing)."""

    def __init__(self, intake_id: str, status: str):
        super().__init__(intake_id)
        self.claim = Claim(intake_id, status, new=False)


def _claimed(conn: sqlite3.Connection, key: str) -> tuple[str, str] | None:
    """(intake id, status) of the intake holding this claim, when it still holds what was imported."""
    row = conn.execute("SELECT i.intake_id, s.status FROM imports i JOIN intakes s ON s.id = i.intake_id "
                       "WHERE i.id = ?", (key,)).fetchone()
    if row is None:
        return None
    integrity.check(conn, "imports", key)
    return None if row[1] in _GONE else (row[0], row[1])


class Imports:
    """The answers files imported into a store."""

    def __init__(self, store: Store):
        self.store = store

    def find(self, record: Mapping[str, Any]) -> Claim | None:
        """The intake this record's content was imported as, or None."""
        with self.store.read("looking up an import"):
            found = _claimed(self.store.conn, fingerprint(self.store.keyring, record))
        return Claim(found[0], found[1], new=False) if found else None

    def claim(self, record: Mapping[str, Any], *, staff: str, device: str) -> Claim:
        """The intake for this record: the one it was imported as, or a new draft claimed for it (one transaction).

        Raises:
            StoreError: the store cannot be written (nothing changed).
        """
        store = self.store
        key = fingerprint(store.keyring, record)

        def take(intake_id: str) -> None:
            found = _claimed(store.conn, key)
            if found:
                raise _Taken(*found)
            store.conn.execute("DELETE FROM imports WHERE id = ?", (key,))  # an erased or expired intake's
            store.conn.execute("INSERT INTO imports (id, intake_id, at) VALUES (?, ?, ?)",
                               (key, intake_id, store.now()))

        try:
            intake_id = store.start_intake(staff=staff, device=device,
                                           consultation_date=record["consultation_date"], claim=take)
        except _Taken as taken:
            return taken.claim
        return Claim(intake_id, "draft", new=True)


def forget(conn: sqlite3.Connection, intake_id: str) -> None:
    """Removes an intake's import claim (inside the caller's transaction: erasure, expiry)."""
    conn.execute("DELETE FROM imports WHERE intake_id = ?", (intake_id,))


def rekey(conn: sqlite3.Connection, new: Keyring) -> None:
    """Remakes every claim's fingerprint with a new data key, from the record its intake keeps.

    Runs inside a key rotation's transaction, after the records were sealed with the new key. A claim
    whose intake has no record yet (an import interrupted before its submission) is dropped: run again,
    that file starts a new intake, and the empty draft expires.
    """
    rows = conn.execute("SELECT i.intake_id, i.at, s.record FROM imports i JOIN intakes s "
                        "ON s.id = i.intake_id").fetchall()
    conn.execute("DELETE FROM imports")
    for intake_id, at, blob in rows:
        if blob is not None:
            record = new.open_json(blob, f"intake:{intake_id}:record", f"the record of intake {intake_id}")
            conn.execute("INSERT INTO imports (id, intake_id, at) VALUES (?, ?, ?)",
                         (fingerprint(new, record), intake_id, at))
