"""Provides the append-only, hash-chained audit trail and a verifier that names each damaged entry.

Each entry stores the hash of the entry before it and its own hash, an HMAC-SHA256 (keyed with a
key derived from the data key) over that previous hash and its content. Changing, removing, adding
or moving an entry therefore breaks either an entry's own hash or a link, and `verify` says which.
The latest hash is also kept (sealed) in the meta table, so removing the newest entries shows too.
Entries hold ids, staff, device and non-identifying details only: never names or answers.
"""

from __future__ import annotations

import hmac
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from intake.records.crypto import Keyring

EVENTS = {
    "started": "started", "step_saved": "step saved", "submitted": "submitted", "assessed": "assessed",
    "decision": "decision", "client_signed": "client signed (waiting for countersignature)",
    "signed": "signed", "rendered": "rendered", "viewed": "viewed",
    "exported": "exported", "erased": "erased", "key_rotated": "data key rotated",
    "staff_added": "staff member added", "staff_disabled": "staff member disabled",
    "staff_unlocked": "staff unlocked", "pin_refused": "wrong staff PIN", "act_refused": "staff act refused",
}
GENESIS = "0" * 64
HEAD_KEY = "audit_head"
TRIGGERS = ("audit_no_update", "audit_no_delete")
_COLUMNS = "seq, at, event, intake_id, client_id, staff, device, details, prev_hash, hash"


@dataclass(frozen=True)
class Entry:
    """One audit entry as stored."""

    seq: int
    at: str
    event: str
    intake_id: str | None
    client_id: str | None
    staff: str
    device: str
    details: str
    prev_hash: str
    hash: str

    @property
    def data(self) -> dict[str, Any]:
        """The details as a dictionary ({} when unreadable)."""
        try:
            value = json.loads(self.details)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def describe(self) -> str:
        """Names the entry for people: '#12 (step saved, 2026-11-20T10:15:03Z, intake k3m9…)'."""
        what = EVENTS.get(self.event, self.event)
        whose = f", intake {self.intake_id}" if self.intake_id else (
            f", client {self.client_id}" if self.client_id else "")
        return f"#{self.seq} ({what}, {self.at}{whose})"


@dataclass(frozen=True)
class AuditProblem:
    """One finding of `verify`: which entry, what happened to it, in words."""

    seq: int | None
    kind: str  # edited | deleted | inserted | reordered | head | protection
    message: str


@dataclass(frozen=True)
class AuditReport:
    """The result of verifying the whole trail."""

    entries: int
    head: str
    problems: tuple[AuditProblem, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())  # not problems: e.g. entries not anchored yet after a crash

    @property
    def ok(self) -> bool:
        """True when no entry was changed, removed, added or moved."""
        return not self.problems


def _content(prev_hash: str, at: str, event: str, intake_id: str | None, client_id: str | None,
             staff: str, device: str, details: str) -> bytes:
    return json.dumps([prev_hash, at, event, intake_id, client_id, staff, device, details],
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _head_mac(keyring: Keyring, seq: int, entry_hash: str) -> str:
    return keyring.audit_mac(f"head:{seq}:{entry_hash}".encode("ascii"))


def append(conn: sqlite3.Connection, keyring: Keyring, *, at: str, event: str, staff: str, device: str,
           intake_id: str | None = None, client_id: str | None = None,
           details: dict[str, Any] | None = None) -> int:
    """Appends one entry inside the caller's write transaction and returns its number."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    entry_hash = keyring.audit_mac(_content(prev_hash, at, event, intake_id, client_id, staff, device, text))
    conn.execute(f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (seq, at, event, intake_id, client_id, staff, device, text, prev_hash, entry_hash))
    head = json.dumps({"seq": seq, "hash": entry_hash, "mac": _head_mac(keyring, seq, entry_hash)})
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (HEAD_KEY, head))
    return seq


def rechain(conn: sqlite3.Connection, keyring: Keyring) -> None:
    """Re-hashes the whole chain and its sealed head with a new key (key rotation), inside the caller's
    write transaction; the append-only triggers are lifted for the duration and put back as they were."""
    saved = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"
                         " AND name IN (?, ?)", TRIGGERS).fetchall()
    for name, _ in saved:
        conn.execute(f"DROP TRIGGER {name}")
    prev_hash, seq = GENESIS, 0
    for row in entries(conn):
        entry_hash = keyring.audit_mac(_content(prev_hash, row.at, row.event, row.intake_id, row.client_id,
                                                row.staff, row.device, row.details))
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev_hash, entry_hash, row.seq))
        prev_hash, seq = entry_hash, row.seq
    for _, sql in saved:
        conn.execute(sql)
    if seq:
        head = json.dumps({"seq": seq, "hash": prev_hash, "mac": _head_mac(keyring, seq, prev_hash)})
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (HEAD_KEY, head))


def entries(conn: sqlite3.Connection, intake_id: str | None = None) -> list[Entry]:
    """The stored entries in order, optionally only those of one intake."""
    if intake_id is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY seq").fetchall()
    else:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM audit WHERE intake_id = ? ORDER BY seq",
                            (intake_id,)).fetchall()
    return [Entry(*row) for row in rows]


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence (patience sorting)."""
    import bisect

    tails: list[int] = []
    tail_index: list[int] = []
    parent = [-1] * len(values)
    for i, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[k], tail_index[k] = value, i
        parent[i] = tail_index[k - 1] if k else -1
    keep, i = set(), tail_index[-1] if tail_index else -1
    while i >= 0:
        keep.add(i)
        i = parent[i]
    return keep


def _read_head(conn: sqlite3.Connection, keyring: Keyring) -> tuple[dict | None, str | None]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (HEAD_KEY,)).fetchone()
    if row is None:
        return None, "the record of the latest audit entry is missing from the meta table"
    try:
        head = json.loads(row[0])
        valid = hmac.compare_digest(head["mac"], _head_mac(keyring, int(head["seq"]), str(head["hash"])))
    except (ValueError, KeyError, TypeError):
        return None, "the record of the latest audit entry is unreadable"
    if not valid:
        return None, "the record of the latest audit entry was changed outside intake"
    return head, None


def verify(conn: sqlite3.Connection, keyring: Keyring) -> AuditReport:
    """Checks every entry's hash, every link, the order and the sealed head."""
    rows = entries(conn)
    problems: list[AuditProblem] = []
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for trigger in TRIGGERS:
        if trigger not in present:
            problems.append(AuditProblem(None, "protection", f"the append-only protection of the audit trail "
                                         f"(trigger {trigger}) was removed outside intake"))
    sealed = [hmac.compare_digest(r.hash, keyring.audit_mac(_content(
        r.prev_hash, r.at, r.event, r.intake_id, r.client_id, r.staff, r.device, r.details))) for r in rows]
    by_hash: dict[str, int] = {}
    duplicates: set[int] = set()
    for i, row in enumerate(rows):
        if row.hash in by_hash:
            duplicates.add(i)
        else:
            by_hash[row.hash] = i
    successors: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if i not in duplicates:
            successors.setdefault(row.prev_hash, []).append(i)
    head, head_problem = _read_head(conn, keyring)
    head_hash = head["hash"] if head else None

    def rank(i: int) -> tuple:
        linked = rows[i].hash in successors or rows[i].hash == head_hash
        return (not sealed[i], not linked, i)

    # Walk the chain from the start and from every entry whose predecessor has vanished.
    starts = [i for i, r in enumerate(rows) if i not in duplicates and
              (r.prev_hash == GENESIS or r.prev_hash not in by_hash)]
    reached: dict[int, int] = {}  # row index -> segment number
    segments: list[list[int]] = []
    for start in starts:
        if start in reached:
            continue
        segment: list[int] = []
        current: int | None = start
        while current is not None and current not in reached:
            reached[current] = len(segments)
            segment.append(current)
            options = sorted((j for j in successors.get(rows[current].hash, []) if j not in reached), key=rank)
            current = options[0] if options else None
        segments.append(segment)

    tail_edited = False
    replaced: set[int] = set()  # orphans explained by an edited predecessor whose hash was rewritten
    for i, row in enumerate(rows):
        if i in duplicates or i not in reached:
            copy = " (a copy of another entry)" if i in duplicates else ""
            problems.append(AuditProblem(row.seq, "inserted", f"entry {row.describe()} was added outside "
                                         f"intake{copy}: it is not part of the chain"))
            continue
        if sealed[i]:
            continue
        next_orphan = i + 1 < len(rows) and rows[i + 1].prev_hash not in by_hash and rows[i + 1].prev_hash != GENESIS
        last_rewritten = (head is not None and int(head["seq"]) == row.seq and head_hash not in by_hash)
        if row.hash in successors or row.hash == head_hash or next_orphan or last_rewritten:
            if next_orphan:
                replaced.add(i + 1)
            tail_edited = tail_edited or last_rewritten
            problems.append(AuditProblem(row.seq, "edited", f"entry {row.describe()} was changed after it was "
                                         "written: its content no longer matches its hash"))
        else:
            problems.append(AuditProblem(row.seq, "inserted", f"entry {row.describe()} was added outside "
                                         "intake: its hash does not match and no other entry refers to it"))
    for i in starts:
        row = rows[i]
        if row.prev_hash == GENESIS or i in replaced or not sealed[i]:
            continue
        before = rows[i - 1].seq if i else 0
        gap = f"entries #{before + 1} to #{row.seq - 1}" if row.seq - before > 2 else (
            f"entry #{before + 1}" if row.seq - before == 2 else "an entry")
        problems.append(AuditProblem(row.seq, "deleted", f"{gap} before entry {row.describe()} "
                                     "was deleted: the entry it links back to is missing"))
    for segment in segments:
        keep = _longest_increasing(segment)
        for position, i in enumerate(segment):
            if position in keep:
                continue
            if position > 0:
                where = f"it was written right after entry #{rows[segment[position - 1]].seq}"
            else:
                where = f"it was written before entry #{rows[segment[1]].seq}"
            problems.append(AuditProblem(rows[i].seq, "reordered", f"entry {rows[i].describe()} was moved: "
                                         f"{where}"))
    if head_problem and (rows or not head_problem.endswith("missing from the meta table")):
        problems.append(AuditProblem(None, "head", head_problem))
    elif head is not None and head_hash not in by_hash and not tail_edited:
        last = rows[-1].seq if rows else 0
        problems.append(AuditProblem(int(head["seq"]), "deleted", f"the latest entries were deleted: the "
                                     f"trail should run to entry #{head['seq']} but now ends at #{last}"))
    elif head is not None and head_hash is not None and any(sealed[j] for j in successors.get(head_hash, [])):
        problems.append(AuditProblem(None, "head", "the record of the latest audit entry was rolled back: "
                                     f"sealed entries follow entry #{head['seq']}"))
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return AuditReport(len(rows), head_hash or (rows[-1].hash if rows else GENESIS), tuple(problems))
