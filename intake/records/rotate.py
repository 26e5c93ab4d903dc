"""Provides records data-key rotation on every engine: every sealed value re-encrypted and every keyed hash remade.

The steps, and what a crash at each leaves (the same on SQLite and PostgreSQL):

1. A new random key is written beside the old one as `<data key file>.new` (0600, fsync'd).
   Crash: the records still open with the old key; the stray `.new` file is replaced next time.
2. In ONE write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock every writer takes, so
   writers of every site wait for it): every sealed column (names, answers, records, assessments, reasons,
   documents, kept signatures, labels, visits) is opened with the old key and sealed with the new; the search
   tokens (and with them the PostgreSQL per-intake index, kept by its triggers), the imported files'
   fingerprints, the audit chain and its sealed head (the engine lifts the trail's append-only protection for
   this transaction only), every row seal, the table digests, the witnesses and the key check are remade with
   the new key; a 'key_rotated' audit entry names who, which device (and on PostgreSQL which site), and both
   key ids. Staff PIN tags are keyed: each is remade at the member's next unlock.
   Crash: the engine rolls the transaction back; the old key still opens the records.
3. After the commit: a checkpoint line is written with the new key, the old key is kept as
   `<data key file>.retired-<UTC time>` (a hard link) and the new key is moved into place (atomic rename).
   Crash after the commit but before the rename: the records need the new key, which is in `.new`; opening
   the store (or `intake keys rotate` again) finds it there (the key check tells) and finishes the switch.

Checkpoints follow a rotation by key: each line carries the id of the key that wrote it, so lines written
under the old key are skipped (and counted in a note), and the witness, re-keyed in the rotation's
transaction, says anchoring under the new key begins at the 'key_rotated' entry. A clinic group
(PostgreSQL): the server's checkpoint (append-only) keeps its old lines and gets its first new-key line
in the rotation's own transaction; the server's witness starts there too. Each site's checkpoint file
continues under the new key from that site's first write with it: the site that rotated from the
rotation itself, every other site once staff have copied the new key file there. Until then that site is
refused before anything is written (`refusal`: the rotation, who, when and from which site, and where to
copy the key file), and a process still open with the old key is refused at its next write.

Keyed hashes inside audit details made before the rotation (signature and reason fingerprints) are
kept as they were; they can still be checked with the retired key.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.privatefile import sync_folder, write_private
from intake.records import anchor, imports
from intake.records.chain import Entry
from intake.records.crypto import (
    KEY_BYTES,
    KEY_CHECK,
    Keyring,
    check_key,
    key_check_value,
    key_file,
    key_file_text,
    load_keyring,
)
from intake.records.errors import KeyFileError, StoreError, WrongKeyError
from intake.records.tokens import client_tokens

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.records.postgres.store import PostgresStore
    from intake.records.sqlite.store import Store
    from intake.records.tables import Backend

__all__ = ["PendingConfig", "finish_switch", "key_for_records", "keys_here", "open_pending", "pending_path", "refusal",
           "rotate_data_key"]

#: Sealed columns: table, key column(s), sealed column, associated data from the row.
SEALED: tuple[tuple[str, tuple[str, ...], str, Callable[[tuple[Any, ...]], str]], ...] = (
    ("intakes", ("id",), "label", lambda r: f"intake:{r[0]}:label"),
    ("intakes", ("id",), "answers", lambda r: f"intake:{r[0]}:answers"),
    ("intakes", ("id",), "record", lambda r: f"intake:{r[0]}:record"),
    ("intakes", ("id",), "assessment", lambda r: f"intake:{r[0]}:assessment"),
    ("clients", ("id",), "identity", lambda r: f"client:{r[0]}:identity"),
    ("decisions", ("id", "intake_id"), "reason", lambda r: f"decision:{r[1]}:{r[0]}"),
    ("decisions", ("id", "intake_id"), "details", lambda r: f"decision:{r[1]}:{r[0]}:details"),
    ("documents", ("id", "intake_id"), "filename", lambda r: f"document:{r[1]}:{r[0]}:filename"),
    ("documents", ("id", "intake_id"), "pdf", lambda r: f"document:{r[1]}:{r[0]}:pdf"),
    ("signatures", ("id",), "data", lambda r: f"signatures:{r[0]}"),
    ("visits", ("id",), "answers", lambda r: f"visit:{r[0]}:answers"),
    ("visits", ("id",), "assessment", lambda r: f"visit:{r[0]}:assessment"),
    ("visits", ("id",), "outcome", lambda r: f"visit:{r[0]}:outcome"),
    ("visits", ("id",), "treatment", lambda r: f"visit:{r[0]}:treatment"),
)


# -- the key files ------------------------------------------------------------------------------------------


def pending_path(key_path: Path) -> Path:
    """Where a rotation keeps the new key until the records have switched to it."""
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


_PendingConfig = PendingConfig  # the name the rotation's tests know it by


def open_pending(config: ClinicConfig, key_path: Path) -> Keyring | None:
    """The new key of an interrupted rotation, if one is waiting beside the key file."""
    new = pending_path(key_path)
    if not new.exists():
        return None
    try:
        return load_keyring(PendingConfig(config, new))
    except StoreError:
        return None


def refusal(keyring: Keyring, rotation: Entry | None, where: Path | str) -> str | None:
    """What staff are told when this computer's key was retired by a rotation made elsewhere (None otherwise)."""
    if rotation is None or rotation.data.get("old_key") != keyring.key_id:
        return None
    details = rotation.data
    site = f" from site '{details['site']}'" if details.get("site") else ""
    source = f"site '{details['site']}'" if details.get("site") else "the computer that rotated it"
    return (f"the records in {where} were re-encrypted with a new data key (key {details.get('new_key', '?')}) on "
            f"{rotation.at}{site} by {rotation.staff} ({rotation.device}); the data key here, {keyring.source} (key "
            f"{keyring.key_id}), is the one that rotation retired. Copy the new key file from {source} (its "
            f"data_key_file) to {keyring.source}, readable by the clinic's account only (mode 0600), then start "
            "intake again. Nothing was changed: nothing is written with a retired key.")


def key_for_records(config: ClinicConfig, stored: str | None, keyring: Keyring, where: Path | str,
                    rotation: Callable[[str], Entry | None] = lambda key_id: None) -> Keyring:
    """The key that opens these records: the configured one, or the new key of a rotation interrupted after its
    commit (then the switch is finished here). `rotation` gives the 'key_rotated' entry that retired a key id (a
    rotation made at another site), if one did.

    Raises:
        WrongKeyError: neither key opens them (naming the rotation that retired this key, when one did).
        KeyFileError: the finished switch could not move the key file.
    """
    try:
        check_key(stored, keyring, where)
        return keyring
    except WrongKeyError:
        key_path = key_file(config)
        pending = open_pending(config, key_path) if key_path is not None and keyring.source == str(key_path) \
            else None
        if pending is None or key_path is None:
            message = refusal(keyring, rotation(keyring.key_id), where)
            if message:
                raise WrongKeyError(message) from None
            raise
        try:
            check_key(stored, pending, where)
        except WrongKeyError:
            raise WrongKeyError(f"neither the data key {key_path} nor the rotation's new key "
                                f"{pending_path(key_path)} opens {where}. Nothing was changed.") from None
    try:
        finish_switch(key_path)
    except OSError as exc:
        raise KeyFileError(f"the records use the new key in {pending_path(key_path)}; moving it to {key_path} "
                           f"failed ({exc.strerror}). Move it there by hand.") from None
    return load_keyring(config)


def keys_here(config: ClinicConfig) -> set[str]:
    """The ids of the keys this computer holds for the records: an unfinished rotation's and the key file's (read
    in that order, so a switch finishing meanwhile is seen in one or the other)."""
    found: set[str] = set()
    key_path = key_file(config)
    pending = open_pending(config, key_path) if key_path is not None else None
    if pending is not None:
        found.add(pending.key_id)
    with suppress(StoreError):  # no key file here (nothing to compare)
        found.add(load_keyring(config).key_id)
    return found


def stored_key_id(stored: str | None) -> str | None:
    """The key id a key check names (None when it names none)."""
    try:
        value = json.loads(stored or "")
    except ValueError:
        return None
    return str(value["key_id"]) if isinstance(value, dict) and "key_id" in value else None


# -- the re-keying, in the store's write transaction -----------------------------------------------------------


def _reseal_values(backend: Backend, old: Keyring, new: Keyring) -> None:
    """Every sealed column opened with the old key and sealed with the new."""
    for table, keys, column, ad in SEALED:
        rows = [(*(row[k] for k in keys), row[column]) for row in backend.scan(table) if row[column] is not None]
        for row in rows:
            where = ad(row)
            plain = old.open(row[-1], where, f"{column} of {table} row {row[0]}")
            backend.update(table, row[0], {column: new.seal(plain, where)})


def _remake_keyed(backend: Backend, new: Keyring) -> None:
    """Staff PIN tags cleared; search tokens and import fingerprints remade; the key check made with the new key."""
    for member in list(backend.scan("staff")):
        if member["pin_tag"] != -1:
            backend.update("staff", member["id"], {"pin_tag": -1})  # remade at each member's next unlock
    for row in list(backend.scan("search_tokens")):
        backend.delete("search_tokens", (row["token"], row["client_id"]))
    for client in list(backend.scan("clients")):
        identity = new.open_json(client["identity"], f"client:{client['id']}:identity",
                                 f"the name of client {client['id']}")
        for token in sorted(set(client_tokens(new, identity["full_name"], identity["date_of_birth"]))):
            backend.insert("search_tokens", {"token": token, "client_id": client["id"]})
    records = {row["id"]: row["record"] for row in backend.scan("intakes")}
    claims = [(row["intake_id"], row["at"], new.open_json(records[row["intake_id"]], f"intake:{row['intake_id']}:"
                                                          "record", f"the record of intake {row['intake_id']}")
               if records.get(row["intake_id"]) is not None else None)
              for row in list(backend.scan("imports")) if row["intake_id"] in records]
    for row in list(backend.scan("imports")):
        backend.delete("imports", row["id"])
    for row in imports.remade(new, claims):
        backend.insert("imports", row)
    backend.set_meta(KEY_CHECK, key_check_value(new))


def _rekey(store: Store | PostgresStore, old: Keyring, new: Keyring, staff: str, device: str) -> None:
    """Step 2, inside the store's write transaction: the store ends up keyed with `new`."""
    backend = store.backend
    witness, _ = anchor.read_witness(backend.meta(anchor.WITNESS_KEY), old)
    server, _ = anchor.read_witness(backend.meta(anchor.SERVER_WITNESS_KEY), old, anchor.SERVER_WITNESS_KEY)
    _reseal_values(backend, old, new)
    _remake_keyed(backend, new)
    store.rechain_audit(new)
    store.use_keyring(new)
    store.tables.reseal_all()
    site = getattr(store, "site", None) if store.group_anchored else None
    seq = store.audit("key_rotated", staff=staff, device=device, old_key=old.key_id, new_key=new.key_id,
                      **({"site": site} if site else {}))
    counted = witness.counted if witness else seq
    backend.set_meta(anchor.WITNESS_KEY, anchor.Witness(counted, seq if store.checkpoint else None).text(new))
    if store.group_anchored:  # the server's checkpoint: its first line under the new key is this transaction's
        witnessed = anchor.Witness(server.counted if server else counted, seq)
        backend.set_meta(anchor.SERVER_WITNESS_KEY, witnessed.text(new, anchor.SERVER_WITNESS_KEY))


def rotate_data_key(config: ClinicConfig, *, staff: str, device: str) -> tuple[str, str]:
    """Rotates the records data key on the engine [storage] names (see the module notes); returns (old key id,
    new key id).

    Raises:
        KeyFileError: the key comes from $INTAKE_DATA_KEY or no key file is configured.
        StoreError: the store cannot be opened or written (nothing changed).
    """
    from intake.records import open_store

    key_path = key_file(config)
    if key_path is None or os.environ.get("INTAKE_DATA_KEY"):
        raise KeyFileError("only a key kept in [security] data_key_file can be rotated: unset INTAKE_DATA_KEY and "
                           "point data_key_file at the key file.")
    with open_store(config) as store:  # opens with the current key (finishing an interrupted switch first)
        old = store.keyring
        raw = secrets.token_bytes(KEY_BYTES)
        try:
            write_private(pending_path(key_path), key_file_text(raw))
        except OSError as exc:
            raise KeyFileError(f"cannot write the new key beside {key_path} ({exc.strerror}); nothing changed."
                               ) from None
        new = Keyring(raw, str(key_path))
        try:  # committed, then anchored with the new key before the key files move
            with store.write("re-encrypting the records with the new key"), store.batched():
                _rekey(store, old, new, staff, device)
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

