"""Provides the audit checkpoint: the trail's head and a keyed digest of every table, anchored outside the database.

Row seals and the hash chain show an edit, but not a whole older copy: a database restored from a
backup, or with its newest entries cut off and the sealed head put back, is consistent in itself.
So after every committed change the store appends one line to a checkpoint file kept beside the
data key (never in the data folder): the latest audit entry (number and hash) and, for every table
a reader sees, the number of rows and a keyed digest of them (intake.records.sealing). Each line
carries an HMAC (key derived from the data key) so it cannot be forged. Optional mirrors
(`[security] checkpoint_mirrors`, another disk or a share) get the same line.

intake.records.rollback then names: an older database or dropped newest entries (the trail ends before the
checkpoint), a rewritten trail (an entry differs from the one anchored), rows deleted, added or
replaced by older copies per table (the digests differ), a checkpoint deleted, emptied or put back
older (transactions that should be anchored are not), and a mirror behind or ahead of the checkpoint.

Crash-safety rule: the line is written only after the database commit has returned (and is itself
fsync'd). A crash between the two leaves the database at most one transaction ahead of the
checkpoint, never behind it: `verify` accepts a trail that extends the checkpoint's latest entry by
one transaction and says it is not anchored yet; the next committed change anchors it. Transactions
are told apart by their time (intake.records.chain: one `at` per transaction). A torn last line (a
crash mid-write) is ignored. Several processes append to the same file (one write per line,
O_APPEND, under an exclusive lock); the line with the highest entry number is the latest.

The witness (in the store's meta, keyed like the head) says from which entry on transactions are marked
by their time and from which entry on every transaction was anchored, so a checkpoint that has lost its
lines, or was never there although it should be, is named rather than passed.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intake.privatefile import append_private
from intake.records import sealing
from intake.records.crypto import Keyring, check_key_location, key_file
from intake.records.errors import KeyFileError, StorageFullError, StorageIOError
from intake.records.sealing import Digests

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.records.tables import Backend

#: Every table a reader sees (each has a digest in every checkpoint line).
DIGESTED = sealing.DIGESTED
#: The SQLite engine's other tables, and why they are outside the digests.
UNDIGESTED: dict[str, str] = {
    "audit": "the hash chain, whose head is in every checkpoint line",
    "meta": "the key check, the sealed audit head and the witness, each checked on its own",
    "migrations": "schema history only; the schema version is in the file header",
    "digests": "the running digests themselves, compared with the checkpoint",
    "intake_tokens": "derived from search_tokens and intakes; audit verify checks it against them",
}
FORMAT = 1
CONFIG_KEY = "audit_checkpoint_file"
MIRRORS_KEY = "checkpoint_mirrors"
WITNESS_KEY = "witness"
#: The server's own witness (a clinic group's server engine): from which audit entry on the server anchored
#: every transaction in its checkpoint table, kept in the meta table like WITNESS_KEY.
SERVER_WITNESS_KEY = "server_witness"


def checkpoint_path(config: ClinicConfig, keyring: Keyring) -> Path | None:
    """[security] audit_checkpoint_file, else `<data key file>.checkpoint` beside the key file the key came
    from; None when neither (a key from $INTAKE_DATA_KEY and no checkpoint file configured).

    Raises:
        KeyFileError: the file would be inside the data folder.
    """
    path = config.path("security", CONFIG_KEY)
    if path is None:
        key = key_file(config)
        if key is None or keyring.source != str(key):
            return None
        path = key.with_name(key.name + ".checkpoint")
    check_key_location(path, config.data_dir, what="audit checkpoint")
    return path


def mirror_paths(config: ClinicConfig, main: Path | None) -> list[Path]:
    """[security] checkpoint_mirrors: further copies of the checkpoint, each outside the data folder.

    Raises:
        KeyFileError: a mirror inside the data folder, the same file as the checkpoint, or mirrors without one.
    """
    mirrors = [Path(str(text)).expanduser() for text in config.section("security").get(MIRRORS_KEY, [])]
    if mirrors and main is None:
        raise KeyFileError(f"[security] {MIRRORS_KEY} copies the audit checkpoint, but there is none: the data key "
                           f"comes from $INTAKE_DATA_KEY. Set [security] {CONFIG_KEY} in {config.source} as well.")
    for mirror in mirrors:
        check_key_location(mirror, config.data_dir, what="checkpoint mirror")
        if main is not None and mirror.expanduser().resolve() == main.expanduser().resolve():
            raise KeyFileError(f"the checkpoint mirror {mirror} is the audit checkpoint itself; a mirror belongs on "
                               f"another disk or share. Change [security] {MIRRORS_KEY} in {config.source}.")
    return mirrors


@dataclass(frozen=True)
class Line:
    """One checkpoint line: the trail's head and the table digests after a committed change."""

    number: int  # line number in the file, from 1
    seq: int
    hash: str
    at: str
    digests: Digests
    #: the site that wrote the transaction (the server's checkpoint of a clinic group names it; files do not)
    site: str | None = None


def line_text(keyring: Keyring, seq: int, entry_hash: str, at: str, digests: Digests, site: str | None = None) -> str:
    """One checkpoint line as JSON with its keyed MAC (no newline)."""
    body: dict[str, object] = {"v": FORMAT, "key": keyring.key_id, "seq": seq, "hash": entry_hash, "at": at,
                               "d": digests}
    if site is not None:
        body["site"] = site
    return json.dumps({**body, "mac": _line_mac(keyring, body)}, sort_keys=True, separators=(",", ":"))


def _line_mac(keyring: Keyring, body: dict[str, object]) -> str:
    return keyring.checkpoint_mac(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def parse_line(keyring: Keyring, raw: str, number: int) -> Line | None:
    """A line read back: None when another data key wrote it.

    Raises:
        ValueError: the line was changed or damaged (its MAC does not match, or it is not a line at all).
    """
    try:
        item = json.loads(raw)
        mac = item.pop("mac")
        if item.get("key") != keyring.key_id:
            return None
        if not hmac.compare_digest(str(mac), _line_mac(keyring, item)):
            raise ValueError("changed")
        site = item.get("site")
        return Line(number, int(item["seq"]), str(item["hash"]), str(item["at"]),
                    {k: [int(v[0]), int(v[1])] for k, v in item["d"].items()}, None if site is None else str(site))
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError("damaged") from exc


@dataclass(frozen=True)
class Lines:
    """What one checkpoint file holds for this key: its lines, damaged lines, and lines of other keys skipped."""

    path: Path
    lines: list[Line]
    damaged: list[str]
    other_keys: int
    #: how messages name it (default: "the audit checkpoint <path>")
    name: str = ""

    @property
    def label(self) -> str:
        """How messages name this checkpoint."""
        return self.name or f"the audit checkpoint {self.path}"

    @property
    def latest(self) -> Line | None:
        """The line with the highest entry number (the last written of those)."""
        return max(self.lines, key=lambda line: (line.seq, line.number)) if self.lines else None


class Checkpoint:
    """The append-only checkpoint file of one store, and its mirrors."""

    def __init__(self, path: Path, keyring: Keyring, mirrors: Sequence[Path] = ()):
        self.path = path
        self.keyring = keyring
        self.mirrors = list(mirrors)
        self.mirror_errors: dict[Path, str] = {}

    def append(self, seq: int, entry_hash: str, at: str, digests: Digests) -> None:
        """Appends one line (after the database commit) to the checkpoint, then to each mirror, each on disk.

        A mirror that cannot be written is remembered (verify names it as behind); the checkpoint comes first.

        Raises:
            StorageFullError, StorageIOError: the checkpoint itself could not be written (the change is saved).
        """
        data = line_text(self.keyring, seq, entry_hash, at, digests) + "\n"
        try:
            append_private(self.path, data.encode("ascii"))
        except OSError as exc:
            where = f"the audit checkpoint {self.path}"
            if exc.errno == 28:
                raise StorageFullError(f"the disk holding {where} is full. The change was saved; free some space "
                                       "so the next change anchors it.") from None
            raise StorageIOError(f"cannot write {where} ({exc.strerror}). The change was saved; check the "
                                 "folder's permissions so the next change anchors it.") from None
        for mirror in self.mirrors:
            try:
                append_private(mirror, data.encode("ascii"))
                self.mirror_errors.pop(mirror, None)
            except OSError as exc:
                self.mirror_errors[mirror] = exc.strerror or str(exc)

    def read(self, path: Path | None = None) -> Lines:
        """The lines of the checkpoint (or of one mirror) made with this key."""
        path = path or self.path
        try:
            text = path.read_bytes().decode("ascii", errors="replace")
        except FileNotFoundError:
            return Lines(path, [], [], 0)
        except OSError as exc:
            return Lines(path, [], [f"the audit checkpoint {path} cannot be read ({exc.strerror})"], 0)
        lines: list[Line] = []
        damaged: list[str] = []
        other = 0
        for number, raw in enumerate(text.split("\n")[:-1], start=1):  # after the last newline: a torn write
            try:
                line = parse_line(self.keyring, raw, number)
            except ValueError:
                damaged.append(f"line {number} of the audit checkpoint {path} was changed or damaged")
                continue
            if line is None:
                other += 1
            else:
                lines.append(line)
        return Lines(path, lines, damaged, other)


def server_lines(keyring: Keyring, rows: Sequence[tuple[int, str]], name: str) -> Lines:
    """The server's checkpoint (a clinic group's server keeps one line per transaction in a table): `rows` are
    (the transaction's last audit entry, the line's text); `name` says where it is kept."""
    lines: list[Line] = []
    damaged: list[str] = []
    other = 0
    for seq, raw in rows:
        try:
            line = parse_line(keyring, raw, seq)
        except ValueError:
            damaged.append(f"the line of audit entry #{seq} in {name} was changed or damaged")
            continue
        if line is None:
            other += 1
        elif line.seq != seq:
            damaged.append(f"the line of audit entry #{seq} in {name} was moved (it anchors entry #{line.seq})")
        else:
            lines.append(line)
    return Lines(Path(name), lines, damaged, other, name)


# -- the witness: where transaction marks and anchoring begin --------------------------------------------------


@dataclass(frozen=True)
class Witness:
    """From which audit entry on each transaction has its own time (`counted`), and from which entry on every
    transaction was anchored in the checkpoint (`anchored`; None while none was)."""

    counted: int
    anchored: int | None

    def text(self, keyring: Keyring, key: str = WITNESS_KEY) -> str:
        """The witness as kept in the store's meta under `key`, with its keyed hash (bound to the key)."""
        return json.dumps({"counted": self.counted, "anchored": self.anchored, "key": keyring.key_id,
                           "mac": _witness_mac(keyring, self.counted, self.anchored, key)})


def _witness_mac(keyring: Keyring, counted: int, anchored: int | None, key: str) -> str:
    return keyring.audit_mac(f"{key}:{counted}:{anchored}".encode("ascii"))


def read_witness(text: str | None, keyring: Keyring, key: str = WITNESS_KEY) -> tuple[Witness | None, str | None]:
    """The witness kept in the store under `key`, or what is wrong with it in words."""
    what = "the server's checkpoint" if key == SERVER_WITNESS_KEY else "the audit checkpoint"
    if text is None:
        return None, (f"the witness of {what} (where anchoring begins, kept in the meta table) is "
                      "missing: it was deleted outside intake")
    try:
        item = json.loads(text)
        counted, anchored = int(item["counted"]), item["anchored"]
        anchored = None if anchored is None else int(anchored)
        valid = hmac.compare_digest(str(item["mac"]), _witness_mac(keyring, counted, anchored, key))
    except (ValueError, KeyError, TypeError):
        return None, f"the witness of {what} (in the meta table) is unreadable"
    if not valid:
        return None, f"the witness of {what} (in the meta table) was changed outside intake"
    return Witness(counted, anchored), None


def mark_start(backend: Backend, keyring: Keyring, first: int | None) -> bool:
    """Marks in the witness that anchoring begins at `first` (the first transaction anchored in a checkpoint);
    True once the witness says anchoring has begun (nothing more to mark). A witness changed or removed outside
    intake stays as it is, for verify to name."""
    witness, problem = read_witness(backend.meta(WITNESS_KEY), keyring)
    if witness is None or problem:
        return False
    if witness.anchored is None and first is not None:
        witness = Witness(witness.counted, first)
        backend.set_meta(WITNESS_KEY, witness.text(keyring))
    return witness.anchored is not None


# -- comparing ------------------------------------------------------------------------------------------------
