"""Provides records data-key rotation: every sealed value re-encrypted and every keyed hash remade, crash-safe.

The steps, and what a crash at each leaves:

1. A new random key is written beside the old one as `<data key file>.new` (0600, fsync'd).
   Crash: the database still opens with the old key; the stray `.new` file is replaced next time.
2. In ONE write transaction: every sealed column (names, answers, records, assessments, reasons,
   documents, kept signatures, labels) is opened with the old key and sealed with the new; the search
   tokens, the audit chain, the sealed audit head, the imported files' fingerprints, every row seal, the
   table digests, the checkpoint's witness and the key check are remade with the new key; a 'key_rotated'
   audit entry is appended.
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
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intake.privatefile import write_private
from intake.records import anchor, imports
from intake.records.crypto import KEY_BYTES, KEY_CHECK, Keyring, key_check_value, key_file, key_file_text
from intake.records.errors import KeyFileError, StoreError
from intake.records.sqlite import audit
from intake.records.sqlite.keys import PendingConfig, finish_switch, open_pending, pending_path
from intake.records.tokens import client_tokens

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.records.sqlite.ops import StoreOps

__all__ = ["PendingConfig", "finish_switch", "open_pending", "pending_path", "rotate_data_key"]
_PendingConfig = PendingConfig  # the name the rotation's tests know it by

#: Sealed columns: table, key column(s), sealed column, associated data from the row.
_SEALED: tuple[tuple[str, str, str, Callable[[tuple[Any, ...]], str]], ...] = (
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
    ("visits", "id", "answers", lambda r: f"visit:{r[0]}:answers"),
    ("visits", "id", "assessment", lambda r: f"visit:{r[0]}:assessment"),
    ("visits", "id", "outcome", lambda r: f"visit:{r[0]}:outcome"),
    ("visits", "id", "treatment", lambda r: f"visit:{r[0]}:treatment"),
)


def _reseal_values(conn: sqlite3.Connection, old: Keyring, new: Keyring) -> None:
    """Every sealed column opened with the old key and sealed with the new."""
    for table, keys, column, ad in _SEALED:
        rows = conn.execute(f"SELECT {keys}, {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()
        for row in rows:
            where = ad(row)
            plain = old.open(row[-1], where, f"{column} of {table} row {row[0]}")
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (new.seal(plain, where), row[0]))


def _remake_keyed(conn: sqlite3.Connection, new: Keyring) -> None:
    """Search tokens, import fingerprints, the chain and the key check, remade with the new key."""
    conn.execute("UPDATE staff SET pin_tag = -1")  # PIN tags are keyed: each is remade at its next unlock
    conn.execute("DELETE FROM search_tokens")
    for client_id, blob in conn.execute("SELECT id, identity FROM clients").fetchall():
        identity = new.open_json(blob, f"client:{client_id}:identity", f"the name of client {client_id}")
        conn.executemany("INSERT OR IGNORE INTO search_tokens (token, client_id) VALUES (?, ?)",
                         [(t, client_id) for t in client_tokens(new, identity["full_name"],
                                                                identity["date_of_birth"])])
    claims = [(intake_id, at, new.open_json(blob, f"intake:{intake_id}:record", f"the record of intake {intake_id}")
               if blob is not None else None) for intake_id, at, blob in conn.execute(
        "SELECT i.intake_id, i.at, s.record FROM imports i JOIN intakes s ON s.id = i.intake_id").fetchall()]
    conn.execute("DELETE FROM imports")
    conn.executemany("INSERT INTO imports (id, intake_id, at) VALUES (:id, :intake_id, :at)",
                     imports.remade(new, claims))
    audit.rechain(conn, new)
    conn.execute("UPDATE meta SET value = ? WHERE key = ?", (key_check_value(new), KEY_CHECK))


def _rekey(conn: sqlite3.Connection, old: Keyring, new: Keyring, store: StoreOps, staff: str, device: str) -> None:
    """Step 2, inside the store's write transaction: the store ends up keyed with `new`."""
    witness, _ = anchor.read_witness(store.backend.meta(anchor.WITNESS_KEY), old)
    _reseal_values(conn, old, new)
    _remake_keyed(conn, new)
    store.use_keyring(new)
    store.tables.reseal_all()
    seq = store.audit("key_rotated", staff=staff, device=device, old_key=old.key_id, new_key=new.key_id)
    counted = witness.counted if witness else seq
    store.backend.set_meta(anchor.WITNESS_KEY, anchor.Witness(counted, seq if store.checkpoint else None).text(new))


def rotate_data_key(config: ClinicConfig, *, staff: str, device: str) -> tuple[str, str]:
    """Rotates the records data key (see the module notes); returns (old key id, new key id).

    Raises:
        KeyFileError: the key comes from $INTAKE_DATA_KEY or no key file is configured.
        StoreError: the store cannot be opened or written (nothing changed).
    """
    from intake.records.sqlite.store import Store

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
        try:  # committed, then anchored with the new key before the key files move
            with store.write("re-encrypting the records with the new key"):
                _rekey(store.conn, old, new, store, staff, device)
        except BaseException:
            pending_path(key_path).unlink(missing_ok=True)
            store.use_keyring(old)
            raise
        try:
            finish_switch(key_path)
        except OSError as exc:
            raise StoreError(f"the records now use the new key, kept in {pending_path(key_path)}; moving it to "
                             f"{key_path} failed ({exc.strerror}). Move it there by hand.") from None
    return old.key_id, new.key_id
