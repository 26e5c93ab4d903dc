"""Provides StoreOps, the typed inner surface of the record store that its own modules build on.

`Store` (store.py) implements it. workflow.py, erase.py, export.py and search.py receive a
`StoreOps` and use only what is listed here: transactions, the clock, audit entries, sealed values
and rows checked against their seals. The checks on who acts and on an intake's state live here too,
so no module reaches into another's private names.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from intake.records.crypto import Keyring
from intake.records.errors import StoreError, WorkflowError
from intake.records.model import Clock

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine

_WHO = re.compile(r"^[^\x00-\x1f\x7f]{1,120}$")


class StoreOps(Protocol):
    """What the record store's modules may use of an open store."""

    config: ClinicConfig
    conn: sqlite3.Connection
    keyring: Keyring
    clock: Clock

    @property
    def engine(self) -> Engine:
        """The clinic's Engine."""
        ...

    def write(self, action: str) -> AbstractContextManager[sqlite3.Connection]:
        """One atomic, durable write transaction (BEGIN IMMEDIATE … COMMIT), with plain-word errors."""
        ...

    def read(self, action: str) -> AbstractContextManager[sqlite3.Connection]:
        """A consistent snapshot for several reads."""
        ...

    def now(self) -> str:
        """The store clock's time as a UTC ISO string."""
        ...

    def audit(self, event: str, *, staff: str, device: str, intake_id: str | None = None,
              client_id: str | None = None, **details: Any) -> int:
        """Appends an audit entry inside the current write transaction; returns its number."""
        ...

    def row(self, intake_id: str, columns: str) -> tuple[Any, ...]:
        """The given columns of one intake row, after checking its seal (RecordNotFoundError if absent)."""
        ...

    def open_sealed(self, intake_id: str, column: str, blob: bytes | None, what: str) -> Any:
        """Opens a sealed JSON column of an intake (None stays None)."""
        ...

    def seal_value(self, intake_id: str, column: str, value: Any) -> bytes:
        """Seals a JSON value for a column of an intake."""
        ...

    def update_identity(self, intake_id: str, before: Mapping[str, Any], after: Mapping[str, Any],
                        client_id: str | None) -> str | None:
        """Keeps an intake's label and client link in step with its name and date of birth."""
        ...

    def checkpoint_wal(self) -> None:
        """Moves committed changes out of the write-ahead log (after an erasure)."""
        ...


def fingerprint(store: StoreOps, kind: str, value: Any) -> str:
    """A keyed hash (HMAC, key derived from the data key) of a JSON value, for audit details.

    An unkeyed hash of a signature or a reason would let anyone with the database test guesses
    (a list of names) against it, even after erasure; this one needs the key.
    """
    text = json.dumps([kind, value], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return store.keyring.fingerprint(text.encode("utf-8"))


def check_who(staff: str, device: str) -> None:
    """Refuses a staff or device name that is empty, too long or holds control characters.

    Raises:
        StoreError: naming which of the two.
    """
    for name, value in (("staff", staff), ("device", device)):
        if not isinstance(value, str) or not _WHO.match(value):
            raise StoreError(f"the {name} name must be 1 to 120 characters without control characters.")


def require_draft(intake_id: str, status: str) -> None:
    """Refuses to change the answers of an intake that is no longer a draft."""
    if status != "draft":
        raise WorkflowError(f"intake {intake_id} is {status}, not a draft: its answers can no longer be changed.")


def require_state(intake_id: str, status: str, action: str) -> None:
    """Refuses an action on a draft (not yet submitted) or on an erased or expired intake."""
    if status == "draft":
        raise WorkflowError(f"intake {intake_id} is still a draft: submit it before {action}.")
    if status in ("expired", "erased"):
        raise WorkflowError(f"intake {intake_id} was {status}: there is nothing left to {action.split()[0]}.")
