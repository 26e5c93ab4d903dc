"""Provides the one way intake writes a private file: whole or not at all, owner-only, on disk before it returns.

`write_private(path, data)` writes a temporary file beside `path` (created exclusively, mode 0600 unless
told otherwise), flushes and fsyncs it, moves it into place and fsyncs the folder, so a crash leaves either
the old file or the new one, never a torn one, and the new name survives a power cut. With `replace=False`
an existing file is never replaced (a hard link puts the new one in place, and fails if the name is taken).
`PrivateStream` does the same for a file written piece by piece (an export streamed page by page), keeping
the SHA-256 of what was written. `append_private` appends one record to a file several processes share
(O_APPEND under an exclusive lock, fdatasync'd): the audit checkpoint and its mirrors. `open_private_log`
opens a log another process writes into (a child's error output), owner-only.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import IO

from intake.privatefolder import make_private_folder

PRIVATE = 0o600
PRIVATE_FOLDER = 0o700
#: Errors of file systems that have no hard links (then a rename puts the file in place).
_NO_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK)


def sync_folder(folder: Path) -> None:
    """Makes the names just created, replaced or removed in a folder durable (fsync of the folder)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary(path: Path, mode: int, partial: str | None = None) -> tuple[int, Path]:
    """A new file beside `path`, created exclusively with `mode` (a leftover of a crash is never reused); named
    `<partial><pid>-<random><suffix>` when `partial` is given, so a sweep can tell whose writer is gone."""
    make_private_folder(path.parent)
    token = secrets.token_hex(4)
    temp = path.with_name(f"{partial}{os.getpid()}-{token}{path.suffix}" if partial else f".{path.name}.{token}.tmp")
    return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), temp


def _put_in_place(temp: Path, path: Path, replace: bool) -> None:
    """Moves a finished temporary file to its name: replacing what is there, or only when the name is free."""
    if replace:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)  # fails with FileExistsError instead of replacing a file
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS or path.exists():
            raise
        os.replace(temp, path)  # a file system without hard links
    else:
        os.unlink(temp)


def write_private(path: Path, data: bytes, *, replace: bool = True, mode: int = PRIVATE,
                  durable: bool = True, partial: str | None = None) -> Path:
    """Writes a whole file atomically: a temporary file, fsync'd, moved into place, the folder fsync'd.

    Args:
        path: where the file goes (its folder is created 0700 when missing).
        data: the whole content.
        replace: replace a file already there; False raises FileExistsError instead.
        mode: the file's permissions (0600: its owner only).
        durable: fsync the file and its folder (False only when the caller syncs everything afterwards).
        partial: the temporary file's name prefix, followed by this process's id (documents: a crash's
            leftover is swept once its writer is gone, `intake.documents.model.sweep_partials`).

    Returns:
        The path written.

    Raises:
        FileExistsError: the file exists and `replace` is False (nothing was written).
        OSError: the disk refused: nothing new is at `path` (with `replace`, the file there may already be the
            new one when only the folder could not be synced).
    """
    fd, temp = _temporary(path, mode, partial)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(temp, mode)  # whatever the umask took away or added
        _put_in_place(temp, path, replace)
    finally:
        temp.unlink(missing_ok=True)
    if durable:
        _sync_new_name(path, replace)
    return path


def _sync_new_name(path: Path, replaced: bool) -> None:
    """Syncs the folder of a file just put in place; a new file whose name cannot be made durable is removed."""
    try:
        sync_folder(path.parent)
    except OSError:
        if not replaced:
            path.unlink(missing_ok=True)
        raise


class PrivateStream:
    """A private file written piece by piece, put in place only when closed whole; keeps its SHA-256.

    The content goes to a temporary file beside `path`; `close()` syncs it and links it to `path`
    (never replacing a file there) and returns the SHA-256 of everything written. Left unclosed (an
    error part-way), nothing appears at `path` and `discard()` removes the temporary file.
    """

    def __init__(self, path: Path, *, durable: bool = True):
        self.path = path
        self.durable = durable
        fd, self._temp = _temporary(path, PRIVATE)
        self._handle = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()

    def write(self, data: bytes) -> None:
        """Appends bytes to the file."""
        self._hash.update(data)
        self._handle.write(data)

    def close(self) -> str:
        """Flushes, syncs and puts the file in place; returns the SHA-256 of its content.

        Raises:
            FileExistsError: a file appeared at the path meanwhile (nothing replaced).
        """
        self._handle.flush()
        if self.durable:
            os.fsync(self._handle.fileno())
        self._handle.close()
        try:
            _put_in_place(self._temp, self.path, replace=False)
        finally:
            self._temp.unlink(missing_ok=True)
        if self.durable:
            _sync_new_name(self.path, replaced=False)
        return self._hash.hexdigest()

    def discard(self) -> None:
        """Drops an unfinished file."""
        if not self._handle.closed:
            self._handle.close()
        self._temp.unlink(missing_ok=True)

    def __enter__(self) -> PrivateStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is not None:
            self.discard()


def append_private(path: Path, data: bytes) -> None:
    """Appends one record to a file shared by several processes, durably (O_APPEND, exclusive lock, fdatasync).

    The file is created 0600 (its folder 0700) when missing, and the folder is then fsync'd so the new
    name survives a power cut. One `write` per record: readers never see two records interleaved.

    Raises:
        OSError: the disk refused.
    """
    make_private_folder(path.parent)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
        os.fdatasync(fd)
    finally:
        os.close(fd)
    if created:
        sync_folder(path.parent)


def open_private_log(path: Path) -> IO[bytes]:
    """`path` opened for appending, created 0600, and made 0600 when it was left readable by others: a log that a
    child process writes its error output into (a failed render's traceback can quote a client's answers)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, "ab")
