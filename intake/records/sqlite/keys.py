"""Provides the key a SQLite database opens with: the configured data key, or the new key of an interrupted rotation.

A rotation (intake.records.rotate) writes the new key beside the old as `<data key file>.new`, commits the
re-encrypted records, then moves the new key into place. A crash between the commit and the move leaves
records that only the `.new` key opens; opening the store finds it there (the key check in the meta table
tells) and finishes the switch (intake.records.rotate.key_for_records).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from intake.records.crypto import KEY_CHECK, Keyring
from intake.records.rotate import key_for_records

if TYPE_CHECKING:
    import sqlite3

    from intake.config import ClinicConfig


def stored_check(conn: sqlite3.Connection) -> str | None:
    """The database's key check (meta key_check)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (KEY_CHECK,)).fetchone()
    return str(row[0]) if row else None


def key_for_database(config: ClinicConfig, conn: sqlite3.Connection, keyring: Keyring, path: Path) -> Keyring:
    """The key that opens this database: the configured one, or the new key of a rotation interrupted
    after its commit (then the switch is finished here).

    Raises:
        WrongKeyError: neither key opens it.
    """
    return key_for_records(config, stored_check(conn), keyring, path)
