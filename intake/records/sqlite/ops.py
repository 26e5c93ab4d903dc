"""Provides StoreOps: what the SQLite engine's own modules (migrations, upgrade) use of an open Store.

Private to this package: the record keeping outside it uses `Records` (intake.records.store) through the
engine-neutral write path, and front ends use `RecordStore` (intake.records.interface). Store implements it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from intake.records.chain import AuditEvent
from intake.records.crypto import Keyring
from intake.records.model import Clock, Row

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine
    from intake.records.anchor import Checkpoint
    from intake.records.rollback import Group
    from intake.records.sqlite.backend import SqliteBackend
    from intake.records.tables import Tables


class StoreOps(Protocol):
    """An open SQLite store, as the engine's own modules see it."""

    config: ClinicConfig
    conn: sqlite3.Connection
    keyring: Keyring
    clock: Clock
    path: Path
    backend: SqliteBackend
    tables: Tables
    checkpoint: Checkpoint | None

    @property
    def engine(self) -> Engine:
        """The clinic's Engine."""
        ...

    def write(self, action: str) -> AbstractContextManager[None]:
        """One atomic, durable write transaction, anchored in the checkpoint once committed."""
        ...

    def read(self, action: str) -> AbstractContextManager[None]:
        """A consistent snapshot for several reads."""
        ...

    def now(self) -> str:
        """The store clock's time as a UTC ISO string."""
        ...

    def audit(self, event: AuditEvent, *, staff: str, device: str, intake_id: str | None = None,
              client_id: str | None = None, **details: Any) -> int:
        """Appends an audit entry inside the current write transaction; returns its number."""
        ...

    def row(self, intake_id: str) -> Row:
        """One intake's whole row, after checking its seal."""
        ...

    def open_sealed(self, intake_id: str, column: str, blob: bytes | None, what: str) -> Any:
        """Opens a sealed JSON column of an intake."""
        ...

    def seal_value(self, intake_id: str, column: str, value: Any) -> bytes:
        """Seals a JSON value for a column of an intake."""
        ...

    def update_identity(self, intake_id: str, before: Mapping[str, Any], after: Mapping[str, Any],
                        client_id: str | None) -> str | None:
        """Keeps the label and the client link in step with the name and date of birth."""
        ...

    def group_checkpoint(self) -> Group | None:
        """A clinic group's server checkpoint (None: SQLite keeps none)."""
        ...

    def use_keyring(self, keyring: Keyring) -> None:
        """Keys everything from now on with `keyring` (a key rotation)."""
        ...

    def device_name(self) -> str:
        """This computer's name for entries intake writes by itself."""
        ...

    def checkpoint_wal(self) -> None:
        """Moves committed changes out of the write-ahead log."""
        ...
