"""Provides PostgresStore: the clinic's records on a PostgreSQL server (a clinic group's one database).

The record keeping is Records' (intake.records.store), the same on every engine; this is the PostgreSQL part:
opening (the connection string from intake.records.postgres.settings, the schema made on first use, a newer
schema refused, the key checked before anything is written). The data key stays on the clinic's computer, in
the keys folder, as for SQLite: the server only ever holds sealed values, row seals and keyed hashes. The audit
checkpoint is kept beside the key, as for SQLite (intake.records.anchor).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from intake.records import anchor, rollback
from intake.records.crypto import KEY_CHECK, Keyring, check_key, key_check_value, load_for_store
from intake.records.errors import NewerDatabaseError, WrongKeyError
from intake.records.model import Clock, utc_now
from intake.records.postgres import schema, settings
from intake.records.postgres.backend import PostgresBackend
from intake.records.postgres.connection import describe
from intake.records.rotate import key_for_records, keys_here, refusal, stored_key_id
from intake.records.store import Records

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.engine import Engine


class PostgresStore(Records):
    """The clinic's records in a PostgreSQL database, health data sealed with the data key before it leaves.

    Every method that changes something writes its audit entry in the same transaction, and returns only after
    the server has committed it.
    """

    backend: PostgresBackend

    @classmethod
    def open(cls, config: ClinicConfig, *, dsn: str | None = None, clock: Clock | None = None,
             engine: Engine | None = None) -> PostgresStore:
        """Opens the clinic's records on the server, making intake's schema in an empty database.

        Args:
            dsn: the connection string (default: $INTAKE_DATABASE_URL or [storage] postgresql_dsn_file).

        Raises:
            DatabaseSettingsError: no connection string, or its file is readable by others.
            ServerUnavailableError: the server cannot be reached or refuses the user, password or database.
            MissingKeyError, KeyFileError, WrongKeyError: the data key is absent or does not open these records.
            NewerDatabaseError: the schema was made by a newer version of intake.
        """
        dsn = dsn if dsn is not None else settings.dsn(config)
        busy = float(config.section("storage").get("busy_timeout_seconds", 10))
        backend = PostgresBackend(dsn, busy)
        try:
            with backend.read("opening the records database"):
                version = schema.version(backend.conn)
                stored_check = backend.meta(KEY_CHECK) if version is not None else None
            _refuse_newer(version, dsn)
            keyring = load_for_store(config, "new" if version is None else "existing")
            if version is not None:  # (the new key of a rotation interrupted after its commit is taken up here)
                keyring = key_for_records(config, stored_check, keyring, describe(dsn), backend.rotation_of)
            store = cls(config, backend, keyring, clock or utc_now, engine, _checkpoint(config, keyring))
            if version is None:
                store._keyed = False
                store._create()
            elif version < schema.VERSION:
                store._upgrade()
        except BaseException:
            backend.close()
            raise
        return store

    def _create(self) -> None:
        """Makes the schema, the key check and the witness in one transaction (once, whoever comes first)."""
        with self.write("making the records database"):
            version = schema.version(self.backend.conn)  # read again under the writers' lock
            _refuse_newer(version, self.backend.dsn)
            if version is None:
                schema.create(self.backend.conn, self.now())
                self.backend.set_meta(KEY_CHECK, key_check_value(self.keyring))
                self.backend.set_meta("created_at", self.now())
                witness = anchor.Witness(1, 1 if self.checkpoint else None)
                self.backend.set_meta(anchor.WITNESS_KEY, witness.text(self.keyring))
                self.backend.set_meta(anchor.SERVER_WITNESS_KEY,
                                      anchor.Witness(1, 1).text(self.keyring, anchor.SERVER_WITNESS_KEY))
                self.tables.recompute_digests()
        self._keyed = True
        check_key(self.backend.meta(KEY_CHECK), self.keyring, describe(self.backend.dsn))

    _keyed = True  # False only while the schema (and with it the key check) is being made
    _writing = False

    @contextmanager
    def write(self, action: str) -> Iterator[None]:
        """Records' write transaction, refused before anything is written when the records are sealed with another
        key than this store's (a rotation committed since it was opened, at this site or another)."""
        with super().write(action):
            if self._keyed:
                self._same_key(writing=True)
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    @contextmanager
    def read(self, action: str) -> Iterator[None]:
        """Records' consistent read, refused as the write is when the records' key is no longer this store's (so a
        rotation made since is named, not taken for records changed outside intake)."""
        with super().read(action):
            if not self._writing:
                self._same_key(writing=False)
            yield

    def _same_key(self, *, writing: bool) -> None:
        """Inside the transaction: the records' key check names this store's key, or the transaction is refused."""
        stored = self.backend.meta(KEY_CHECK)
        current = stored_key_id(stored)
        if current == self.keyring.key_id:
            return
        where = describe(self.backend.dsn)
        if current in keys_here(self.config):
            raise WrongKeyError(f"the records in {where} were re-encrypted with a new data key (key {current}) while "
                                "intake was open on this computer; the key file here already holds it. Close intake "
                                "and start it again. " + ("This change was not saved; nothing was written with the "
                                                          "retired key." if writing else "Nothing was changed."))
        message = refusal(self.keyring, self.backend.rotation_of(self.keyring.key_id), where)
        if message:
            raise WrongKeyError(message)
        check_key(stored, self.keyring, where)  # names the key the records were made with

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Statements sent without waiting for each one's answer (libpq pipeline mode) until a read needs one: a
        rotation's many updates of one transaction, each checked when the pipeline syncs (an error still rolls
        the whole transaction back)."""
        with self.backend.conn.pipeline():
            yield

    def rechain_audit(self, keyring: Keyring) -> None:
        """Re-hashes the audit chain and its sealed head with a new key (a key rotation, inside its write
        transaction; the trail's append-only triggers lifted for it alone)."""
        self.backend.rechain(keyring)

    def _upgrade(self) -> None:
        """Brings an older schema up to this version (once, whoever comes first): schema 2 adds the server's
        checkpoint, anchoring from the next transaction on."""
        with self.write("upgrading the records database"):
            found = schema.version(self.backend.conn)
            if found is not None and found < schema.VERSION:
                schema.upgrade(self.backend.conn, found, self.now())
                last = self.backend.last_entry()
                counted, _ = anchor.read_witness(self.backend.meta(anchor.WITNESS_KEY), self.keyring)
                witness = anchor.Witness(counted.counted if counted else 1, (last.seq if last else 0) + 1)
                self.backend.set_meta(anchor.SERVER_WITNESS_KEY,
                                      witness.text(self.keyring, anchor.SERVER_WITNESS_KEY))

    @property
    def site(self) -> str:
        """This site's name in the clinic group ([storage] site, else the computer's host name)."""
        return str(self.config.section("storage").get("site") or socket.gethostname() or "this site")

    group_anchored = True

    def anchor_in_group(self, state: tuple[int, str, str, dict[str, list[int]]]) -> None:
        """Writes this transaction's line, naming this site, into the server's checkpoint (inside it)."""
        seq, entry_hash, at, digests = state
        self.backend.insert_anchor(seq, self.site, anchor.line_text(self.keyring, seq, entry_hash, at, digests,
                                                                   self.site))

    def group_checkpoint(self) -> rollback.Group:
        """The server's checkpoint, its witness and this site, for verification (inside its read)."""
        name = "the server's checkpoint (table intake.anchors)"
        lines = anchor.server_lines(self.keyring, self.backend.anchor_rows(), name)
        witness, problem = anchor.read_witness(self.backend.meta(anchor.SERVER_WITNESS_KEY), self.keyring,
                                               anchor.SERVER_WITNESS_KEY)
        return rollback.Group(lines, witness, self.site, problem)

    def close(self) -> None:
        """Closes the connection (committed work is on the server)."""
        with self._lock:
            self.backend.close()

    def __enter__(self) -> PostgresStore:
        return self


def _refuse_newer(version: int | None, dsn: str) -> None:
    if version is not None and version > schema.VERSION:
        raise NewerDatabaseError(
            f"the records in {describe(dsn)} were written by a newer version of intake (schema {version}; this "
            f"version knows up to {schema.VERSION}). Nothing was changed. Update intake on this computer.")


def _checkpoint(config: ClinicConfig, keyring: Keyring) -> anchor.Checkpoint | None:
    path = anchor.checkpoint_path(config, keyring)
    return anchor.Checkpoint(path, keyring, anchor.mirror_paths(config, path)) if path else None
