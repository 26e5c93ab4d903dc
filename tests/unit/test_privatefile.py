"""The one private-file writer: whole or not at all, owner-only whatever the umask, durable, and used everywhere."""

from __future__ import annotations

import ast
import errno
import os
import stat
import subprocess
import sys

import pytest

from intake.privatefile import PrivateStream, append_private, write_private
from tests.conftest import ROOT


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def loose_umask():
    old = os.umask(0o000)
    yield
    os.umask(old)


def test_a_new_file_is_whole_owner_only_and_its_folder_made_private(tmp_path, loose_umask):
    path = tmp_path / "new" / "deeper" / "file.bin"
    assert write_private(path, b"content") == path
    assert path.read_bytes() == b"content" and mode(path) == 0o600 and mode(path.parent) == 0o700
    assert leftovers(path.parent) == []


def test_replacing_swaps_the_whole_file_and_refusing_keeps_the_old_one(tmp_path):
    path = tmp_path / "file.bin"
    write_private(path, b"first")
    write_private(path, b"second")
    assert path.read_bytes() == b"second"
    with pytest.raises(FileExistsError) as raised:
        write_private(path, b"third", replace=False)
    assert raised.value.filename == str(path)
    assert path.read_bytes() == b"second" and leftovers(tmp_path) == []


def test_a_given_mode_is_kept(tmp_path, loose_umask):
    path = write_private(tmp_path / "cert.pem", b"public", mode=0o644)
    assert mode(path) == 0o644


@pytest.mark.parametrize("replace", [True, False])
def test_a_full_disk_while_writing_leaves_the_old_file_and_no_temporary_one(tmp_path, monkeypatch, replace):
    path = tmp_path / "file.bin"
    if replace:
        write_private(path, b"old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        write_private(path, b"new", replace=replace)
    assert (path.read_bytes() == b"old") if replace else not path.exists()
    assert leftovers(tmp_path) == []


def test_a_new_name_that_cannot_be_made_durable_is_taken_back(tmp_path, monkeypatch):
    real, calls = os.fsync, []

    def folder_fails(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 1:  # the file's own fsync passes, the folder's fails
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(fd)

    monkeypatch.setattr(os, "fsync", folder_fails)
    with pytest.raises(OSError):
        write_private(tmp_path / "file.bin", b"new", replace=False)
    assert list(tmp_path.iterdir()) == []


def test_a_stream_appears_only_when_closed_whole(tmp_path):
    path = tmp_path / "out" / "bundle.json"
    stream = PrivateStream(path)
    stream.write(b"part one, ")
    stream.write(b"part two")
    assert not path.exists()
    digest = stream.close()
    assert path.read_bytes() == b"part one, part two" and mode(path) == 0o600
    import hashlib

    assert digest == hashlib.sha256(b"part one, part two").hexdigest()
    with pytest.raises(ValueError), PrivateStream(tmp_path / "out" / "broken.json") as broken:
        broken.write(b"half")
        raise ValueError("the export failed part-way")
    assert sorted(p.name for p in path.parent.iterdir()) == ["bundle.json"]


def test_appending_creates_a_private_file_and_keeps_every_record(tmp_path, loose_umask):
    path = tmp_path / "keys" / "log"
    append_private(path, b"one\n")
    append_private(path, b"two\n")
    assert path.read_bytes() == b"one\ntwo\n" and mode(path) == 0o600 and mode(path.parent) == 0o700


def test_processes_appending_at_once_never_interleave_records(tmp_path):
    path = tmp_path / "shared"
    code = ("import sys; from pathlib import Path; from intake.privatefile import append_private\n"
            "for n in range(200): append_private(Path(sys.argv[1]), (sys.argv[2] * 300 + '\\n').encode())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [subprocess.Popen([sys.executable, "-c", code, str(path), letter], env=env) for letter in "ab"]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    lines = path.read_text().splitlines()
    assert len(lines) == 400 and all(line in ("a" * 300, "b" * 300) for line in lines)


def _writes_files_itself(path) -> list[str]:
    """Calls that create or replace a file by hand (the one writer's business). `os.fdopen` is not one: it wraps a
    descriptor already open (a pipe's end, for a tablet's wizard), and whatever opened a file for it is caught here."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("O_EXCL", "O_TRUNC", "O_APPEND", "mkstemp"):
            found.append(f"line {node.lineno}: {node.attr}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "open"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "os"):
            found.append(f"line {node.lineno}: os.open")
    return found


def test_intake_writes_private_files_only_through_the_one_writer():
    offenders = {}
    for path in sorted((ROOT / "intake").rglob("*.py")):
        if path.name == "privatefile.py":
            continue
        found = _writes_files_itself(path)
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
