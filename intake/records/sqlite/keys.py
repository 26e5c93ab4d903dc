"""Provides the key a database opens with: the configured data key, or the new key of an interrupted rotation.

A rotation (intake.records.sqlite.rotate) writes the new key beside the old as `<data key file>.new`,
commits the re-encrypted records, then moves the new key into place. A crash between the commit and
the move leaves records that only the `.new` key opens; opening the store finds it there (the key
check in the meta table tells) and finishes the switch (`finish_switch`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from intake.privatefile import sync_folder
from intake.records.crypto import KEY_CHECK, Keyring, check_key, key_file, load_keyring
from intake.records.errors import KeyFileError, StoreError, WrongKeyError

if TYPE_CHECKING:
    import sqlite3

    from intake.config import ClinicConfig


def pending_path(key_path: Path) -> Path:
    """Where a rotation keeps the new key until the database has switched to it."""
    return key_path.with_name(key_path.name + ".new")


def finish_switch(key_path: Path) -> None:
    """Keeps the old key as `.retired-<time>` (a hard link) and moves the new key into place."""
    new = pending_path(key_path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    retired = key_path.with_name(f"{key_path.name}.retired-{stamp}")
    if key_path.exists() and not retired.exists():
        os.link(key_path, retired)
    os.replace(new, key_path)
    sync_folder(key_path.parent)


class PendingConfig:
    """The clinic's configuration with data_key_file pointing at another key file (the pending or a retired one)."""

    def __init__(self, config: ClinicConfig, path: Path):
        self._config = config
        self._path = path
        self.data_dir = config.data_dir
        self.source = config.source

    def path(self, section: str, key: str, default: str | None = None) -> Path | None:
        """The configuration's path setting, with data_key_file replaced."""
        if (section, key) == ("security", "data_key_file"):
            return self._path
        return self._config.path(section, key, default)


def open_pending(config: ClinicConfig, key_path: Path) -> Keyring | None:
    """The new key of an interrupted rotation, if one is waiting beside the key file."""
    new = pending_path(key_path)
    if not new.exists():
        return None
    try:
        return load_keyring(PendingConfig(config, new))
    except StoreError:
        return None


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
    try:
        check_key(stored_check(conn), keyring, path)
        return keyring
    except WrongKeyError:
        key_path = key_file(config)
        if key_path is None or keyring.source != str(key_path):
            raise
        pending = open_pending(config, key_path)
        if pending is None:
            raise
        try:
            check_key(stored_check(conn), pending, path)
        except WrongKeyError:
            raise WrongKeyError(f"neither the data key {key_path} nor the rotation's new key "
                                f"{pending_path(key_path)} opens {path}. Nothing was changed.") from None
    try:
        finish_switch(key_path)
    except OSError as exc:
        raise KeyFileError(f"the records use the new key in {pending_path(key_path)}; moving it to {key_path} "
                           f"failed ({exc.strerror}). Move it there by hand.") from None
    return load_keyring(config)
