"""Provides the audit checkpoint: the trail's head and a keyed digest of every table, anchored outside the database.

Row seals and the hash chain show an edit, but not a whole older copy: a database restored from a
backup, or with its newest entries cut off and the sealed head put back, is consistent in itself.
So after every committed change the store appends one line to a checkpoint file kept beside the
data key (never in the data folder): the latest audit entry (number and hash) and, for every table
a reader sees, the number of rows and a keyed digest of them (the sum, modulo 2**61, of a 40-bit
HMAC of each row's seal; for the search index, of each token and client). The digests are kept up
to date in the `digests` table by triggers on intake's own connection, so writing the line costs
no scan. Each line carries an HMAC (key derived from the data key) so it cannot be forged.

`verify` then names: an older database or dropped newest entries (the trail ends before the
checkpoint), a rewritten trail (an entry differs from the one anchored), and rows deleted, added or
replaced by older copies per table (the digests differ), e.g. a draft row put back from a backup or
deleted search tokens.

Crash-safety rule: the line is written only after the database commit has returned (and is itself
fsync'd). A crash between the two leaves the database at most one transaction ahead of the
checkpoint, never behind it: `verify` accepts a trail that extends the checkpoint's latest entry
and says how many entries are not anchored yet; the next committed change anchors them. A torn
last line (a crash mid-write) is ignored. Several processes append to the same file (one write per
line, O_APPEND, under an exclusive lock); the line with the highest entry number is the latest.
"""

from __future__ import annotations

import hmac
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intake.privatefile import append_private
from intake.records.crypto import Keyring, check_key_location, key_file
from intake.records.errors import StorageFullError, StorageIOError

if TYPE_CHECKING:
    from intake.config import ClinicConfig

#: Every table a reader sees, and what of each row its digest covers.
DIGESTED: dict[str, str] = {
    "intakes": "seal", "clients": "seal", "decisions": "seal", "documents": "seal", "signatures": "seal",
    "search_tokens": "token || ':' || client_id", "staff": "seal", "pin_attempts": "seal", "imports": "seal",
}
#: Tables outside the digests, and why.
UNDIGESTED: dict[str, str] = {
    "audit": "the hash chain, whose head is in every checkpoint line",
    "meta": "the key check and the sealed audit head, both checked on their own",
    "migrations": "schema history only; the schema version is in the file header",
    "digests": "the running digests themselves, compared with the checkpoint",
    "intake_tokens": "derived from search_tokens and intakes; audit verify checks it against them",
}
WHAT = {"intakes": "intake", "clients": "client", "decisions": "decision", "documents": "document",
        "signatures": "kept-signature", "search_tokens": "search-index", "staff": "staff", "pin_attempts": "PIN-count",
        "imports": "import"}
MODULUS = 1 << 61
FUNCTION = "intake_digest"
SINCE_VERSION = 4  # the schema version that brought the digests table
FORMAT = 1
CONFIG_KEY = "audit_checkpoint_file"




def recompute_sql(table: str) -> str:
    """SQL that sets one table's digest from all its rows (used by migrations and key rotation)."""
    return (f"INSERT OR REPLACE INTO digests (name, total, rows) SELECT '{table}', "
            f"coalesce(sum({FUNCTION}('{table}', {DIGESTED[table]})), 0) % {MODULUS}, count(*) FROM {table}")


def recompute_all(conn: sqlite3.Connection) -> None:
    """Sets every existing table's digest from its rows (after a migration or a key rotation)."""
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in DIGESTED:
        if table in present:
            conn.execute(recompute_sql(table))


def register(conn: sqlite3.Connection, keyring: Keyring) -> None:
    """Makes the digest function available on this connection."""

    def digest(table: str, value: object) -> int:
        if value is None:
            return 0
        mac = keyring.row_mac(json.dumps(["digest", table, str(value)], separators=(",", ":")).encode("utf-8"))
        return int(mac[:10], 16)

    conn.create_function(FUNCTION, 2, digest, deterministic=True)


def install_triggers(conn: sqlite3.Connection) -> None:
    """TEMP triggers keeping the `digests` table current for every change made on this connection."""
    for table, expression in DIGESTED.items():
        new = f"{FUNCTION}('{table}', {_prefixed(expression, 'NEW.')})"
        old = f"{FUNCTION}('{table}', {_prefixed(expression, 'OLD.')})"
        change = (f"UPDATE digests SET total = (total + {MODULUS} + {{add}} - {{sub}}) % {MODULUS},"
                  f" rows = rows + {{n}} WHERE name = '{table}';")
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_insert AFTER INSERT ON main.{table} "
                     f"BEGIN {change.format(add=new, sub=0, n=1)} END")
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_delete AFTER DELETE ON main.{table} "
                     f"BEGIN {change.format(add=0, sub=old, n=-1)} END")
        columns = "seal" if expression == "seal" else "token, client_id"
        conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS digest_{table}_update AFTER UPDATE OF {columns} "
                     f"ON main.{table} BEGIN {change.format(add=new, sub=old, n=0)} END")


def _prefixed(expression: str, prefix: str) -> str:
    if expression == "seal":
        return prefix + "seal"
    return f"{prefix}token || ':' || {prefix}client_id"


def stored(conn: sqlite3.Connection) -> dict[str, list[int]]:
    """The running digests: table -> [digest, rows]."""
    return {name: [total, rows] for name, total, rows in conn.execute("SELECT name, total, rows FROM digests")}


def actual(conn: sqlite3.Connection) -> dict[str, list[int]]:
    """The digests computed afresh from every row."""
    result = {}
    for table, expression in DIGESTED.items():
        total, rows = conn.execute(f"SELECT coalesce(sum({FUNCTION}('{table}', {expression})), 0) % {MODULUS},"
                                   f" count(*) FROM {table}").fetchone()
        result[table] = [total, rows]
    return result


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


@dataclass(frozen=True)
class Line:
    """One checkpoint line: the trail's head and the table digests after a committed change."""

    number: int  # line number in the file, from 1
    seq: int
    hash: str
    at: str
    digests: dict[str, list[int]]


class Checkpoint:
    """The append-only checkpoint file of one store."""

    def __init__(self, path: Path, keyring: Keyring):
        self.path = path
        self.keyring = keyring

    def _mac(self, body: dict[str, object]) -> str:
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return self.keyring.checkpoint_mac(text.encode("utf-8"))

    def append(self, seq: int, entry_hash: str, at: str, digests: dict[str, list[int]]) -> None:
        """Appends one line (after the database commit) and waits until it is on disk.

        Raises:
            StorageFullError, StorageIOError: the line could not be written (the change itself is saved).
        """
        body: dict[str, object] = {"v": FORMAT, "key": self.keyring.key_id, "seq": seq, "hash": entry_hash,
                                   "at": at, "d": digests}
        data = (json.dumps({**body, "mac": self._mac(body)}, sort_keys=True, separators=(",", ":")) + "\n")
        try:
            append_private(self.path, data.encode("ascii"))
        except OSError as exc:
            where = f"the audit checkpoint {self.path}"
            if exc.errno == 28:
                raise StorageFullError(f"the disk holding {where} is full. The change was saved; free some space "
                                       "so the next change anchors it.") from None
            raise StorageIOError(f"cannot write {where} ({exc.strerror}). The change was saved; check the "
                                 "folder's permissions so the next change anchors it.") from None

    def read(self) -> tuple[list[Line], list[str], int]:
        """(lines made with this key, problems, lines made with other keys)."""
        try:
            text = self.path.read_bytes().decode("ascii", errors="replace")
        except FileNotFoundError:
            return [], [], 0
        except OSError as exc:
            return [], [f"the audit checkpoint {self.path} cannot be read ({exc.strerror})"], 0
        lines: list[Line] = []
        problems: list[str] = []
        other = 0
        raw_lines = text.split("\n")
        complete = raw_lines[:-1]  # the part after the last newline is a torn write (or empty)
        for number, raw in enumerate(complete, start=1):
            try:
                item = json.loads(raw)
                mac = item.pop("mac")
                if item.get("key") != self.keyring.key_id:
                    other += 1
                    continue
                if not hmac.compare_digest(str(mac), self._mac(item)):
                    raise ValueError
                lines.append(Line(number, int(item["seq"]), str(item["hash"]), str(item["at"]),
                                  {k: [int(v[0]), int(v[1])] for k, v in item["d"].items()}))
            except (ValueError, KeyError, TypeError, AttributeError, IndexError):
                problems.append(f"line {number} of the audit checkpoint {self.path} was changed or damaged")
        return lines, problems, other


@dataclass(frozen=True)
class Finding:
    """What the checkpoint says about the database: a problem (kind, message) or a note."""

    seq: int | None
    kind: str  # rolled back | trail replaced | rows deleted | rows added | rows replaced | checkpoint
    message: str


def _table_finding(table: str, anchored: list[int], now: list[int], seq: int) -> Finding | None:
    if anchored == now:
        return None
    what = WHAT[table]
    since = f"since audit entry #{seq} was anchored"
    if now[1] < anchored[1]:
        gone = anchored[1] - now[1]
        hint = (": the clients they belong to can no longer be found by search or as returning clients"
                if table == "search_tokens" else "")
        return Finding(None, "rows deleted", f"{gone} {what} row(s) of table {table} were deleted outside intake "
                                             f"{since}{hint}")
    if now[1] > anchored[1]:
        return Finding(None, "rows added", f"{now[1] - anchored[1]} {what} row(s) were added to table {table} "
                                           f"outside intake {since}")
    return Finding(None, "rows replaced", f"a {what} row of table {table} was replaced outside intake {since}, "
                                          "for example by an older copy put back from a backup (a draft or a "
                                          "deferral restored), or rows were swapped")


def verify(conn: sqlite3.Connection, checkpoint: Checkpoint | None, heads: dict[int, str]) -> tuple[
        list[Finding], list[str]]:
    """Compares the database with its checkpoint: (problems, notes). `heads` maps entry number to hash."""
    if checkpoint is None:
        return [], ["rollback detection is off: no [security] audit_checkpoint_file or data_key_file is set"]
    lines, damaged, other = checkpoint.read()
    problems = [Finding(None, "checkpoint", message) for message in damaged]
    notes = [f"{other} line(s) of the audit checkpoint were written with another data key and were skipped"] \
        if other else []
    if not lines:
        notes.append(f"the audit checkpoint {checkpoint.path} has no lines for this key yet; the next change "
                     "starts it")
        return problems, notes
    last = max(heads) if heads else 0
    replaced = [line for line in lines if line.seq <= last and line.seq and heads.get(line.seq) != line.hash]
    if replaced:
        first = replaced[0]
        problems.append(Finding(first.seq, "trail replaced", f"audit entry #{first.seq} is not the entry anchored "
                                f"in the checkpoint at {first.at} ({len(replaced)} anchored entries differ): the "
                                "trail was rolled back and written again, or replaced by another database's"))
    latest = max(lines, key=lambda line: (line.seq, line.number))
    if latest.seq > last:
        problems.append(Finding(latest.seq, "rolled back", f"the database is older than its checkpoint: the "
                                f"checkpoint outside the data folder records audit entry #{latest.seq} (at "
                                f"{latest.at}) but the trail ends at #{last}. An older copy of the database was "
                                "restored, or the newest entries were deleted"))
    elif latest.seq < last:
        notes.append(f"audit entries #{latest.seq + 1} to #{last} are not anchored in the checkpoint yet (a crash "
                     "between saving and anchoring); the next change anchors them")
    elif not replaced:
        now = actual(conn)
        for table in DIGESTED:
            finding = _table_finding(table, latest.digests.get(table, [0, 0]), now[table], latest.seq)
            if finding:
                problems.append(finding)
    return problems, notes
