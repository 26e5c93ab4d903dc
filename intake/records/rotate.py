"""Provides records data-key rotation: every sealed value re-encrypted and every keyed hash remade, crash-safe.

The steps, and what a crash at each leaves:

1. A new random key is written beside the old one as `<data key file>.new` (0600, fsync'd).
   Crash: the database still opens with the old key; the stray `.new` file is replaced next time.
2. In ONE write transaction: every sealed column (names, answers, records, assessments, reasons,
   documents, kept signatures, labels) is opened with the old key and sealed with the new; the search
   tokens, the audit chain, the sealed audit head, the imported files' fingerprints, every row seal, the
   table digests and the key check are remade with the new key; a 'key_rotated' audit entry is appended.
   Crash: SQLite rolls the transaction back; the old key still opens the database.
3. After the commit: a checkpoint line is written with the new key, the old key is kept as
   `<data key file>.retired-<UTC time>` (a hard link) and the new key is moved into place (atomic rename).
   Crash after the commit but before the rename: the database needs the new key, which is in `.new`;
   opening the store finds it there (the key check tells) and finishes the switch.

Keyed hashes inside audit details made before the rotation (signature and reason fingerprints) are
kept as they were; they can still be checked with the retired key.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from intake.privatefile import sync_folder, write_private
from intake.records import anchor, audit, imports, integrity, search
from intake.records.crypto import (
    KEY_BYTES,
    KEY_CHECK,
    Keyring,
    check_database_key,
    key_check_value,
    key_file,
    key_file_text,
    load_keyring,
)
from intake.records.errors import KeyFileError, StoreError, WrongKeyError

#: Sealed columns: table, key column(s), sealed column, associated data from the row, JSON or raw bytes.
_SEALED = (
    ("intakes", "id", "label", lambda r: f"intake:{r[0]}:label"),
    ("intakes", "id", "answers", lambda r: f"intake:{r[0]}:answers"),
    ("intakes", "id", "record", lambda r: f"intake:{r[0]}:record"),
    ("intakes", "id", "assessment", lambda r: f"intake:{r[0]}:assessment"),
    ("clients", "id", "identity", lambda r: f"client:{r[0]}:identity"),
    ("decisions", "id, intake_id", "reason", lambda r: f"decision:{r[1]}:{r[0]}"),
    ("decisions", "id, intake_id", "details", lambda r: f"decision:{r[1]}:{r[0]}:details"),
    ("documents", "id, intake_id", "filename", lambda r: f"document:{r[1]}:{r[0]}:filename"),
    ("documents", "id, intake_id", "pdf", lambda r: f"document:{r[1]}:{r[0]}:pdf"),
    ("signatures", "id", "data", lambda r: f"signatures:{r[0]}"),
)


def pending_path(key_path: Path) -> Path:
    """Where a rotation keeps the new key until the database has switched to it."""
    return key_path.with_name(key_path.name + ".new")


def finish_switch(key_path: Path) -> None:
    """Step 3: keeps the old key as `.retired-<time>` and moves the new key into place."""
    new = pending_path(key_path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    retired = key_path.with_name(f"{key_path.name}.retired-{stamp}")
    if key_path.exists() and not retired.exists():
        os.link(key_path, retired)
    os.replace(new, key_path)
    sync_folder(key_path.parent)


def _rekey(conn, old: Keyring, new: Keyring, now: str, staff: str, device: str) -> None:
    """Step 2, inside the caller's write transaction."""
    for table, keys, column, ad in _SEALED:
        rows = conn.execute(f"SELECT {keys}, {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()
        for row in rows:
            where = ad(row)
            plain = old.open(row[-1], where, f"{column} of {table} row {row[0]}")
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (new.seal(plain, where), row[0]))
    conn.execute("UPDATE staff SET pin_tag = -1")  # PIN tags are keyed: each is remade at its next unlock
    conn.execute("DELETE FROM search_tokens")
    for client_id, blob in conn.execute("SELECT id, identity FROM clients").fetchall():
        identity = new.open_json(blob, f"client:{client_id}:identity", f"the name of client {client_id}")
        conn.executemany("INSERT OR IGNORE INTO search_tokens (token, client_id) VALUES (?, ?)",
                         [(t, client_id) for t in search.client_tokens(new, identity["full_name"],
                                                                         identity["date_of_birth"])])
    audit.rechain(conn, new)
    conn.execute("UPDATE meta SET value = ? WHERE key = ?", (key_check_value(new), KEY_CHECK))
    integrity.register(conn, new)
    anchor.register(conn, new)
    imports.rekey(conn, new)
    for table in integrity.SEALED:
        conn.execute(integrity.reseal_sql(table))
    anchor.recompute_all(conn)
    audit.append(conn, new, at=now, event="key_rotated", staff=staff, device=device,
                 details={"old_key": old.key_id, "new_key": new.key_id})


def rotate_data_key(config, *, staff: str, device: str) -> tuple[str, str]:
    """Rotates the records data key (see the module notes); returns (old key id, new key id).

    Raises:
        KeyFileError: the key comes from $INTAKE_DATA_KEY or no key file is configured.
        StoreError: the store cannot be opened or written (nothing changed).
    """
    from intake.records.store import Store

    key_path = key_file(config)
    if key_path is None or os.environ.get("INTAKE_DATA_KEY"):
        raise KeyFileError("only a key kept in [security] data_key_file can be rotated: unset INTAKE_DATA_KEY and "
                           "point data_key_file at the key file.")
    with Store.open(config) as store:  # opens with the current key (finishing an interrupted switch first)
        old = store.keyring
        raw = secrets.token_bytes(KEY_BYTES)
        try:
            write_private(pending_path(key_path), key_file_text(raw))
        except OSError as exc:
            raise KeyFileError(f"cannot write the new key beside {key_path} ({exc.strerror}); nothing changed."
                               ) from None
        new = Keyring(raw, str(key_path))
        try:
            with store.write("re-encrypting the records with the new key"):
                _rekey(store.conn, old, new, store.now(), staff, device)
        except BaseException:
            pending_path(key_path).unlink(missing_ok=True)
            integrity.register(store.conn, old)
            anchor.register(store.conn, old)
            raise
        store.keyring = new
        if store.checkpoint is not None:  # anchored with the new key before the key files move
            store.checkpoint = anchor.Checkpoint(store.checkpoint.path, new)
            with store.read("anchoring the new key"):
                state = store.anchor_state()
            store.checkpoint.append(*state)
        try:
            finish_switch(key_path)
        except OSError as exc:
            raise StoreError(f"the records now use the new key, kept in {pending_path(key_path)}; moving it to "
                             f"{key_path} failed ({exc.strerror}). Move it there by hand.") from None
    return old.key_id, new.key_id


def open_pending(config, key_path: Path) -> Keyring | None:
    """The new key of an interrupted rotation, if one is waiting beside the key file."""
    new = pending_path(key_path)
    if not new.exists():
        return None
    try:
        return load_keyring(_PendingConfig(config, new))
    except StoreError:
        return None


class _PendingConfig:
    """The clinic's configuration with data_key_file pointing at the pending key."""

    def __init__(self, config, path: Path):
        self._config = config
        self._path = path
        self.data_dir = config.data_dir
        self.source = config.source

    def path(self, section: str, key: str, default: str | None = None) -> Path | None:
        if (section, key) == ("security", "data_key_file"):
            return self._path
        return self._config.path(section, key, default)


def key_for_database(config, conn, keyring: Keyring, path: Path) -> Keyring:
    """The key that opens this database: the configured one, or the new key of a rotation interrupted
    after its commit (then the switch is finished here).

    Raises:
        WrongKeyError: neither key opens it.
    """
    try:
        check_database_key(conn, keyring, path)
        return keyring
    except WrongKeyError:
        key_path = key_file(config)
        if key_path is None or keyring.source != str(key_path):
            raise
        pending = open_pending(config, key_path)
        if pending is None:
            raise
        try:
            check_database_key(conn, pending, path)
        except WrongKeyError:
            raise WrongKeyError(f"neither the data key {key_path} nor the rotation's new key "
                                f"{pending_path(key_path)} opens {path}. Nothing was changed.") from None
    try:
        finish_switch(key_path)
    except OSError as exc:
        raise KeyFileError(f"the records use the new key in {pending_path(key_path)}; moving it to {key_path} "
                           f"failed ({exc.strerror}). Move it there by hand.") from None
    return load_keyring(config)
