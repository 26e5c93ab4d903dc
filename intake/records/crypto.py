"""Provides the data key (key file or INTAKE_DATA_KEY), AES-GCM sealing and the keys derived from it.

One 32-byte data key is kept outside the data folder. HKDF derives four independent keys from it:
AES-256-GCM for sealing answers, documents and names (random 96-bit nonce, the record id and field
as associated data, so a sealed value cannot be moved to another row or column); HMAC-SHA256 for
the blind search index; HMAC-SHA256 for the audit chain; HMAC-SHA256 for row seals.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import os
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from intake.privatefile import write_private
from intake.records.errors import KeyExistsError, KeyFileError, MissingKeyError, TamperedRecordError

if TYPE_CHECKING:
    from intake.config import ClinicConfig


class KeySettings(Protocol):
    """What reading a key needs from the configuration (a ClinicConfig, or one pointing at another key file)."""

    @property
    def source(self) -> Path | str: ...

    @property
    def data_dir(self) -> Path: ...

    def path(self, section: str, key: str, default: str | None = None) -> Path | None: ...

KEY_ENV = "INTAKE_DATA_KEY"
KEY_BYTES = 32
NONCE_BYTES = 12
BLOB_VERSION = 1
TOKEN_BITS = 24
_HEADER = "# intake data key: keep a copy in a safe place. Without it the records cannot be read.\n"


def _hkdf(raw: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"intake-data-key", info=info).derive(raw)


class Keyring:
    """The keys derived from one data key. Never prints or pickles key material."""

    __slots__ = ("source", "key_id", "_aead", "_index", "_audit", "_rows", "_checkpoint", "_names")

    def __init__(self, raw: bytes, source: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(raw) != KEY_BYTES:
            raise KeyFileError(f"{source}: a data key has {KEY_BYTES} bytes, this one has {len(raw)}.")
        self.source = source
        self._aead = AESGCM(_hkdf(raw, b"intake/v1/aes-256-gcm"))
        self._index = _hkdf(raw, b"intake/v1/search-index")
        self._audit = _hkdf(raw, b"intake/v1/audit-chain")
        self._rows = _hkdf(raw, b"intake/v1/row-seal")
        self._checkpoint = _hkdf(raw, b"intake/v1/audit-checkpoint")
        self._names = _hkdf(raw, b"intake/v1/audit-fingerprint")
        self.key_id = _hkdf(raw, b"intake/v1/key-id")[:4].hex()

    def __repr__(self) -> str:
        return f"Keyring(key_id={self.key_id!r}, source={self.source!r})"

    # -- sealing ------------------------------------------------------------------------------

    def seal(self, plaintext: bytes, ad: str) -> bytes:
        """Encrypts and authenticates bytes bound to `ad` (e.g. 'intake:<id>:answers')."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return bytes([BLOB_VERSION]) + nonce + self._aead.encrypt(nonce, plaintext, ad.encode("utf-8"))

    def open(self, blob: bytes, ad: str, what: str) -> bytes:
        """Decrypts a sealed value.

        Raises:
            TamperedRecordError: the value was changed, moved from another record, or the key is wrong.
        """
        from cryptography.exceptions import InvalidTag

        if not isinstance(blob, bytes) or len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != BLOB_VERSION:
            raise TamperedRecordError(f"{what} is not a sealed value any more: it was changed outside intake. "
                                      "Restore the data folder from a backup; run `intake audit verify`.")
        try:
            return self._aead.decrypt(blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:], ad.encode("utf-8"))
        except InvalidTag:
            raise TamperedRecordError(f"{what} does not match its seal: it was changed or copied from another "
                                      "record outside intake. Nothing was changed; restore it from a backup "
                                      "and run `intake audit verify`.") from None

    def seal_json(self, value: Any, ad: str) -> bytes:
        """Seals a JSON value."""
        return self.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), ad)

    def open_json(self, blob: bytes, ad: str, what: str) -> Any:
        """Opens a sealed JSON value."""
        return json.loads(self.open(blob, ad, what).decode("utf-8"))

    # -- keyed hashes ---------------------------------------------------------------------------

    def token(self, text: str) -> int:
        """A blind-index token: the first TOKEN_BITS bits of HMAC-SHA256 of normalised text."""
        digest = hmac.digest(self._index, text.encode("utf-8"), "sha256")
        return int.from_bytes(digest[:4], "big") >> (32 - TOKEN_BITS)

    def audit_mac(self, data: bytes) -> str:
        """The keyed hash that links and seals one audit entry."""
        return hmac.digest(self._audit, data, "sha256").hex()

    def row_mac(self, data: bytes) -> str:
        """The keyed hash that seals the plain columns of one stored row."""
        return hmac.digest(self._rows, data, "sha256").hex()

    def checkpoint_mac(self, data: bytes) -> str:
        """The keyed hash of one line of the audit checkpoint kept outside the data folder."""
        return hmac.digest(self._checkpoint, data, "sha256").hex()

    def fingerprint(self, data: bytes) -> str:
        """A keyed hash for audit details that must not identify anyone without the key (signatures, reasons)."""
        return hmac.digest(self._names, data, "sha256").hex()


# -- key file and environment -----------------------------------------------------------------


def key_file(config: KeySettings) -> Path | None:
    """The configured key file ([security] data_key_file), or None."""
    return config.path("security", "data_key_file")


def check_key_location(path: Path, data_dir: Path, what: str = "data key file") -> None:
    """Refuses a key file inside the data folder: a copy of the folder would carry its own key.

    Raises:
        KeyFileError: naming both paths.
    """
    key_abs, data_abs = path.expanduser().resolve(), data_dir.expanduser().resolve()
    if key_abs == data_abs or key_abs.is_relative_to(data_abs):
        raise KeyFileError(
            f"the {what} {path} is inside the data folder {data_dir}. Anyone who copies the folder "
            f"would get the {what} with it. Move it elsewhere (for example a separate intake-keys folder) "
            "and set its [security] key to the new place.")


def _decode(text: str, source: str) -> bytes:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    try:
        if len(lines) != 1:
            raise ValueError
        raw = base64.b64decode(lines[0].replace("-", "+").replace("_", "/"), validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyFileError(f"{source} is not an intake data key (expected one line of base64 holding "
                           f"{KEY_BYTES} bytes). Restore the right key from your backup. Nothing was changed.")
    return raw


def load_keyring(config: KeySettings) -> Keyring:
    """Loads the data key from $INTAKE_DATA_KEY, else from the configured key file.

    Raises:
        MissingKeyError: there is no key at all.
        KeyFileError: the key is malformed, readable by others, or inside the data folder.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return Keyring(_decode(env, f"${KEY_ENV}"), f"${KEY_ENV}")
    path = key_file(config)
    if path is None:
        raise MissingKeyError(f"no data key is configured. Set [security] data_key_file in {config.source} "
                              f"or the environment variable {KEY_ENV}.")
    check_key_location(path, config.data_dir)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"the data key {path} is not a file.")
        if info.st_mode & 0o077:
            raise KeyFileError(f"the data key {path} can be read by other users (mode {info.st_mode & 0o777:o}). "
                               f"Run `chmod 600 {path}` and try again.")
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise MissingKeyError(
            f"the data key file {path} does not exist. For a new installation create it with "
            f"`intake keys init`. If records already exist, restore the key file from your backup: a new key "
            "cannot open them. Nothing was changed.") from None
    except UnicodeDecodeError:
        raise KeyFileError(f"{path} is not an intake data key. Restore the right key from your backup.") from None
    except PermissionError:
        raise KeyFileError(f"the data key {path} cannot be read by this user; check its owner.") from None
    except OSError as exc:
        raise KeyFileError(f"the data key {path} cannot be read ({exc.strerror}).") from None
    return Keyring(_decode(text, str(path)), str(path))


def key_file_text(raw: bytes) -> bytes:
    """The content of a data key file: a comment line, then the key in base64."""
    return (_HEADER + base64.b64encode(raw).decode("ascii") + "\n").encode("ascii")


def create_data_key(config: ClinicConfig, force: bool = False) -> Path:
    """Creates a new random data key file (mode 0600) at [security] data_key_file.

    Args:
        config: the ClinicConfig.
        force: replace an existing key; the old one is kept beside it as `<name>.replaced-<UTC time>`.

    Returns:
        The path of the key file.

    Raises:
        KeyFileError: no key file configured, the path is inside the data folder, or the file exists.
    """
    path = key_file(config)
    if path is None:
        raise KeyFileError(f"no key file is configured: set [security] data_key_file in {config.source}.")
    check_key_location(path, config.data_dir)
    if path.exists() and not force:
        raise KeyExistsError(f"{path} already exists. It opens the records in {config.data_dir}; a new key could "
                           "not open them. Keep it. (To replace it anyway use --force; the old key is kept.)")
    try:
        if path.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            os.link(path, path.with_name(f"{path.name}.replaced-{stamp}"))
        # Unforced, a key that another process put there meanwhile is never replaced: records may already be sealed
        # with it (two demo wizards starting at once each found no key).
        write_private(path, key_file_text(secrets.token_bytes(KEY_BYTES)), replace=force)
    except FileExistsError:
        raise KeyExistsError(f"{path} already exists: another program created it just now. It opens the records in "
                             f"{config.data_dir}; keep it.") from None
    except OSError as exc:
        raise KeyFileError(f"cannot write the data key {path} ({exc.strerror}). Check that the folder "
                           "exists and is writable.") from None
    return path


# -- the key check kept in each database ------------------------------------------------------

KEY_CHECK = "key_check"


def key_check_value(keyring: Keyring) -> str:
    """The meta value that lets a later open tell a wrong key from damage: a sealed constant and the key id."""
    return json.dumps({"key_id": keyring.key_id,
                       "check": base64.b64encode(keyring.seal(b"intake data key check", "meta:key_check")).decode()})


def check_key(stored_check: str | None, keyring: Keyring, where: Path | str) -> None:
    """Confirms the key opens the records whose key check (meta `key_check`) is given, before anything is written.

    Raises:
        WrongKeyError: naming the key the records were made with and the key given.
        CorruptDatabaseError: the records have no key check.
    """
    from intake.records.errors import CorruptDatabaseError, WrongKeyError

    if stored_check is None:
        raise CorruptDatabaseError(f"{where} has no key check, so it was not made by intake or was damaged. "
                                   "Nothing was changed. Restore the data folder from your backup.")
    stored: Any = {}
    try:
        stored = json.loads(stored_check)
        keyring.open(base64.b64decode(stored["check"]), "meta:key_check", "the key check")
    except (TamperedRecordError, ValueError, KeyError, TypeError):
        made_with = stored.get("key_id", "?") if isinstance(stored, dict) else "?"
        raise WrongKeyError(
            f"the data key from {keyring.source} (key {keyring.key_id}) does not open {where}, which was created "
            f"with key {made_with}. Nothing was changed. Use the key kept from when these records were created "
            f"(check your backups, or {KEY_ENV}).") from None


def load_for_store(config: ClinicConfig, database_state: str) -> Keyring:
    """Loads the key; for the demo clinic only, creates one when neither key nor database exists yet."""
    try:
        return load_keyring(config)
    except MissingKeyError:
        if config.is_demo and database_state == "new" and not os.environ.get(KEY_ENV):
            # Another process (a second wizard starting at the same moment) may have made it first: that one is used.
            with contextlib.suppress(KeyExistsError):
                create_data_key(config)
            return load_keyring(config)
        raise
