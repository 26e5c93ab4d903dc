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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intake.records.crypto import Keyring
from intake.records.model import GONE, IntakeStatus

if TYPE_CHECKING:
    from intake.records.store import Records


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
    status: IntakeStatus
    new: bool


class _Taken(Exception):
    """The fingerprint is claimed already (raised inside the transaction, which then changes nothing)."""

    def __init__(self, intake_id: str, status: IntakeStatus):
        super().__init__(intake_id)
        self.claim = Claim(intake_id, status, new=False)


def _claimed(store: Records, key: str) -> tuple[str, IntakeStatus] | None:
    """(intake id, status) of the intake holding this claim, when it still holds what was imported."""
    claim = store.tables.checked("imports", key)
    if claim is None:
        return None
    intake = store.tables.get("intakes", claim["intake_id"])
    if intake is None or intake["status"] in GONE:
        return None
    return claim["intake_id"], intake["status"]


class Imports:
    """The answers files imported into a store."""

    def __init__(self, store: Records):
        self.store = store

    def find(self, record: Mapping[str, Any]) -> Claim | None:
        """The intake this record's content was imported as, or None."""
        with self.store.read("looking up an import"):
            found = _claimed(self.store, fingerprint(self.store.keyring, record))
        return Claim(found[0], found[1], new=False) if found else None

    def claim(self, record: Mapping[str, Any], *, staff: str, device: str) -> Claim:
        """The intake for this record: the one it was imported as, or a new draft claimed for it (one transaction).

        Raises:
            StoreError: the store cannot be written (nothing changed).
        """
        store = self.store
        key = fingerprint(store.keyring, record)

        def take(intake_id: str) -> None:
            found = _claimed(store, key)
            if found:
                raise _Taken(*found)
            store.tables.delete("imports", key)  # an erased or expired intake's
            store.tables.insert("imports", {"id": key, "intake_id": intake_id, "at": store.now()})

        try:
            intake_id = store.start_intake(staff=staff, device=device,
                                           consultation_date=record["consultation_date"], claim=take)
        except _Taken as taken:
            return taken.claim
        return Claim(intake_id, "draft", new=True)


def forget(store: Records, intake_id: str) -> None:
    """Removes an intake's import claim (inside the caller's transaction: erasure, expiry)."""
    for key in store.backend.import_keys(intake_id):
        store.tables.delete("imports", key)


def remade(keyring: Keyring, claims: list[tuple[str, str, Mapping[str, Any] | None]]) -> list[dict[str, str]]:
    """Every claim's row made again with a new data key, from the record its intake keeps (key rotation).

    `claims` holds (intake id, claimed at, the intake's record). A claim whose intake has no record yet (an import
    interrupted before its submission) is dropped: run again, that file starts a new intake, and the empty draft
    expires.
    """
    return [{"id": fingerprint(keyring, record), "intake_id": intake_id, "at": at}
            for intake_id, at, record in claims if record is not None]
