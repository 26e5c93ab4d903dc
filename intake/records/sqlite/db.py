"""Provides the SQLite connection: file checks, 0600 files, WAL with synchronous=FULL, and plain-word errors."""

from __future__ import annotations

import random
import shutil
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from intake.privatefile import write_private
from intake.records.errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    ForeignDatabaseError,
    StorageFullError,
    StorageIOError,
    StoreError,
)

DB_NAME = "intake.sqlite3"
#: Written into the SQLite header (offset 68) so `file` and intake can recognise the database: "INTK".
APPLICATION_ID = 0x494E544B
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDECARS = ("-wal", "-shm")

# SQLite primary result codes (https://sqlite.org/rescode.html).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB, _PERM = 5, 6, 8, 10, 11, 13, 14, 26, 3


def prepare_folder(data_dir: Path) -> None:
    """Creates the data folder with mode 0700 (an existing folder is left as it is)."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise StorageIOError(f"the data folder {data_dir} is a file, not a folder. Check [storage] data_dir.") from None
    except OSError as exc:
        raise StorageIOError(f"cannot create the data folder {data_dir} ({exc.strerror}). "
                             "Check [storage] data_dir and the folder's permissions.") from None


def inspect_file(path: Path) -> str:
    """Checks the database file without changing it: 'new' (absent or empty) or 'existing'.

    Raises:
        CorruptDatabaseError: not a SQLite file, or too short to be one.
        ForeignDatabaseError: a SQLite database of another program.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        return "new"
    except NotADirectoryError:
        raise StorageIOError(f"the data folder {path.parent} is a file, not a folder. Check [storage] data_dir."
                             ) from None
    except OSError as exc:
        raise StorageIOError(f"cannot read {path} ({exc.strerror}); check its permissions.") from None
    if not header:
        return "new"
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise CorruptDatabaseError(
            f"{path} is not an intake database: it is damaged or is some other kind of file. Nothing was "
            "changed. Restore the data folder from your latest backup, or move this file away to start afresh.")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        raise foreign(path)
    return "existing"


def foreign(path: Path) -> ForeignDatabaseError:
    """The error for a SQLite database that belongs to another program."""
    return ForeignDatabaseError(
        f"{path} is a SQLite database of another program, not intake's. Nothing was changed. "
        "Check that [storage] data_dir points at intake's own data folder.")


def identify(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """(application id, number of schema objects, schema version), read in one consistent snapshot."""
    conn.execute("BEGIN")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.execute("COMMIT")
    return app_id, objects, version


def _create_private(path: Path) -> None:
    if path.exists():
        return
    try:
        write_private(path, b"", replace=False)
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageIOError(f"cannot create {path} ({exc.strerror}). Check the data folder's permissions.") from None


def tighten_permissions(path: Path) -> None:
    """Makes the database and its -wal/-shm files private to their owner (0600)."""
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDECARS)):
        try:
            mode = candidate.stat().st_mode
            if stat.S_IMODE(mode) & 0o077:
                candidate.chmod(0o600)
        except FileNotFoundError:
            continue
        except OSError:
            continue  # not ours to change; SQLite creates sidecars with the database's mode anyway


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Opens (creating 0600 if needed) the database with the store's pragmas.

    The caller has already checked the file with `inspect_file`. WAL with synchronous=FULL makes
    every commit durable (fsync'd) before it returns; the busy timeout lets two kiosks take turns.
    """
    _create_private(path)
    with translate(path, "opening the records database", busy_timeout):
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header: corrupt shows here
        except BaseException:
            conn.close()
            raise
    return conn


def enable_wal(conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
    """Switches to WAL with synchronous=FULL (a no-op write when the database is already in WAL)."""
    with translate(path, "preparing the records database", busy_timeout):
        # Two kiosks opening a new database at once: SQLite may answer BUSY at once, without waiting.
        mode = _retry_while_busy(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0], conn, busy_timeout)
        if str(mode).lower() != "wal":
            raise StorageIOError(f"{path} cannot use write-ahead logging (journal mode {mode}); keep the data "
                                 "folder on a local disk, not a network share.")
        conn.execute("PRAGMA synchronous = FULL")
    tighten_permissions(path)


def _nearly_full(folder: Path) -> bool:
    """True when the disk holding `folder` has almost no space left (SQLite then reports I/O errors)."""
    try:
        return shutil.disk_usage(folder).free < 256 * 1024
    except OSError:
        return False


def describe(exc: sqlite3.Error, path: Path, action: str, busy_timeout: float) -> StoreError | None:
    """Turns a SQLite error into an error a person can act on; None for programming errors."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc)
    if code in (_BUSY, _LOCKED) or "locked" in text:
        return DatabaseLockedError(
            f"{action}: the records database {path} is busy. Another intake program (another kiosk or a staff "
            f"command) held it for more than {busy_timeout:g} s. Nothing was lost; try again in a moment. "
            "If it keeps happening, close the other program.")
    if code == _FULL or "disk is full" in text or (code == _IOERR and _nearly_full(path.parent)):
        return StorageFullError(
            f"{action}: the disk holding {path.parent} is full, so this change was not saved. Everything saved "
            "before is safe. Free some disk space, then try again.")
    if code in (_CORRUPT, _NOTADB):
        return CorruptDatabaseError(
            f"{action}: {path} is damaged ({text}). Nothing was changed. Restore the data folder from your "
            "latest backup; `intake audit verify` shows what the backup holds.")
    if code in (_READONLY, _PERM, _CANTOPEN):
        return StorageIOError(f"{action}: {path} cannot be written or opened ({text}). Check that the data "
                              "folder and its files belong to the user running intake.")
    if code == _IOERR:
        return StorageIOError(f"{action}: the disk reported an error on {path} ({text}). The change was not "
                              "saved; check the disk, then try again.")
    return None


@contextmanager
def translate(path: Path, action: str, busy_timeout: float) -> Iterator[None]:
    """Re-raises SQLite errors as StoreError subclasses with plain words."""
    try:
        yield
    except sqlite3.Error as exc:
        error = describe(exc, path, action, busy_timeout)
        if error is None:
            raise
        raise error from None
    except OSError as exc:
        if exc.errno == 28:  # ENOSPC
            raise StorageFullError(f"{action}: the disk holding {path.parent} is full, so this change was not "
                                   "saved. Everything saved before is safe. Free some disk space, then try again."
                                   ) from None
        raise StorageIOError(f"{action}: {exc.strerror or exc}.") from None


_T = TypeVar("_T")


def _retry_while_busy(operation: Callable[[], _T], conn: sqlite3.Connection, busy_timeout: float) -> _T:
    """Runs `operation` until it is not refused as busy, retrying every few milliseconds (with jitter).

    SQLite's own busy handler sleeps up to 100 ms between tries, so a kiosk waiting behind another
    that writes often may never find the lock free, and some refusals (changing the journal mode)
    skip the handler altogether. Short, jittered retries let both take turns.
    """
    deadline = time.monotonic() + busy_timeout
    pause = 0.0005
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                return operation()
            except sqlite3.OperationalError as exc:
                code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
                if code not in (_BUSY, _LOCKED) or time.monotonic() >= deadline:
                    raise
            time.sleep(random.uniform(pause / 2, pause))
            pause = min(pause * 1.5, 0.008)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")


def begin_immediate(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Takes the write lock, waiting up to the busy timeout."""
    _retry_while_busy(lambda: conn.execute("BEGIN IMMEDIATE"), conn, busy_timeout)


@contextmanager
def write_transaction(conn: sqlite3.Connection, path: Path, action: str,
                      busy_timeout: float) -> Iterator[sqlite3.Connection]:
    """One atomic, durable write: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
    with translate(path, action, busy_timeout):
        begin_immediate(conn, busy_timeout)
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with suppress(sqlite3.Error):  # SQLite may already have rolled back (e.g. after SQLITE_FULL)
                    conn.execute("ROLLBACK")
            raise


@contextmanager
def read_transaction(conn: sqlite3.Connection, path: Path, action: str,
                     busy_timeout: float) -> Iterator[sqlite3.Connection]:
    """A consistent snapshot for several reads."""
    with translate(path, action, busy_timeout):
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
