"""Provides Store: the clinic's records in one SQLite file in the data folder (the engine intake runs on).

The record keeping is Records' (intake.records.store), the same on every engine; this is the SQLite part:
opening (folder 0700, database 0600, WAL with synchronous=FULL, the key checked before anything is
written), the schema migrations, and the connection itself for the engine's own modules (rotation).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from intake.records import anchor
from intake.records.crypto import KEY_CHECK, Keyring, check_key, key_check_value, load_for_store
from intake.records.errors import NewerDatabaseError
from intake.records.model import Clock, utc_now
from intake.records.sqlite import audit, db, keys, migrations
from intake.records.sqlite.backend import SqliteBackend
from intake.records.store import Records

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine


class Store(Records):
    """The clinic's records: one SQLite file in the data folder, health data sealed with the data key.

    Every method that changes something writes its audit entry in the same transaction, and
    returns only after the change is on disk.
    """

    backend: SqliteBackend

    def __init__(self, config: ClinicConfig, backend: SqliteBackend, keyring: Keyring, clock: Clock,
                 engine: Engine | None = None, checkpoint: anchor.Checkpoint | None = None):
        super().__init__(config, backend, keyring, clock, engine, checkpoint)
        self.conn = backend.conn
        self.path = backend.path
        self.busy_timeout = backend.busy_timeout

    @classmethod
    def open(cls, config: ClinicConfig, *, clock: Clock | None = None, engine: Engine | None = None) -> Store:
        """Opens the store of a clinic, creating the folder (0700), database (0600) and schema as needed.

        The key is checked before anything is written: a wrong or missing key changes nothing.

        Raises:
            MissingKeyError, KeyFileError, WrongKeyError: the data key is absent or does not fit.
            CorruptDatabaseError, ForeignDatabaseError, NewerDatabaseError: the file is not usable.
            DatabaseLockedError, StorageFullError, StorageIOError: the disk or another program is in the way.
            UpgradeRefusedError: an older store that does not verify is not upgraded.
        """
        data_dir = config.data_dir
        path = data_dir / db.DB_NAME
        busy = float(config.section("storage").get("busy_timeout_seconds", 10))
        keyring = load_for_store(config, db.inspect_file(path))
        checkpoint = _checkpoint(config, keyring)
        db.prepare_folder(data_dir)
        conn = db.connect(path, busy)
        try:
            keyring = _check_file(config, conn, keyring, path, busy)
            db.enable_wal(conn, path, busy)
            if checkpoint is not None and checkpoint.keyring is not keyring:  # an interrupted rotation's key
                checkpoint = anchor.Checkpoint(checkpoint.path, keyring, checkpoint.mirrors)
            store = cls(config, SqliteBackend(conn, path, busy), keyring, clock or utc_now, engine, checkpoint)
            with db.translate(path, "opening the records database", busy):  # e.g. a full disk at first open
                store._migrate()
                check_key(keys.stored_check(conn), store.keyring, path)  # another process may have made it
        except BaseException:
            conn.close()
            raise
        return store

    def _migrate(self, steps: Sequence[migrations.Migration] | None = None) -> int:
        applied = 0
        for migration in migrations.pending(self.conn, steps or migrations.MIGRATIONS):
            with self.write(f"upgrading the records database to schema {migration.version}"):
                done = migrations.apply(self, migration, self.now(), self._initialise)
                self._anchor_due = self._anchor_due or (done and migrations.current_version(self.conn) >= 4)
                applied += done
        return applied

    def _initialise(self) -> None:
        self.backend.set_meta(KEY_CHECK, key_check_value(self.keyring))
        self.backend.set_meta("created_at", self.now())

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Statements as they come (SQLite runs in this process: there is no round trip to save)."""
        yield

    def rechain_audit(self, keyring: Keyring) -> None:
        """Re-hashes the audit chain and its sealed head with a new key (a key rotation, inside its write
        transaction; the append-only triggers lifted for it and put back as they were)."""
        audit.rechain(self.conn, keyring)

    def close(self) -> None:
        """Closes the database (committed work is already on disk)."""
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def checkpoint_wal(self) -> None:
        """Moves committed changes out of the write-ahead log so old (sealed) pages do not linger there."""
        with self._lock:
            self.backend.checkpoint_wal()


def _checkpoint(config: ClinicConfig, keyring: Keyring) -> anchor.Checkpoint | None:
    path = anchor.checkpoint_path(config, keyring)
    mirrors = anchor.mirror_paths(config, path)
    return anchor.Checkpoint(path, keyring, mirrors) if path else None


def _check_file(config: ClinicConfig, conn: sqlite3.Connection, keyring: Keyring, path: Path,
                busy: float) -> Keyring:
    """Refuses another program's or a newer intake's database; the key that opens it (an interrupted rotation's)."""
    with db.translate(path, "opening the records database", busy):
        app_id, objects, version = db.identify(conn)
        if app_id != db.APPLICATION_ID and (app_id != 0 or objects):
            raise db.foreign(path)
        if version > migrations.LATEST:
            raise NewerDatabaseError(
                f"{path} was written by a newer version of intake (schema {version}; this version knows "
                f"up to {migrations.LATEST}). Nothing was changed. Update intake on this computer.")
        if app_id == db.APPLICATION_ID:  # (the new key of an interrupted rotation is taken up here)
            return keys.key_for_database(config, conn, keyring, path)
    return keyring
