"""Provides the audit chain: entries hash-chained with a key, written and checked the same way by every engine.

Each entry stores the hash of the entry before it and its own hash, an HMAC-SHA256 (keyed with a
key derived from the data key) over that previous hash and its content. Changing, removing, adding
or moving an entry therefore breaks either an entry's own hash or a link, and `check` says which.
The latest entry's number and hash are also kept as the sealed head, so removing the newest entries
shows too. Entries hold ids, staff, device and non-identifying details only: never names or answers.

The chain is computed here, in intake's own code; an engine only keeps what `append` hands it
(`Trail`). Every entry of one write transaction carries the same time `at`, and each transaction's
time is later than the one before (by a millisecond at least, whatever the clock says), so the
transactions of a trail can be told apart and counted (the checkpoint's rule: a crash leaves at
most one transaction unanchored).
"""

from __future__ import annotations

import bisect
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from intake.records.crypto import Keyring

AuditEvent = Literal[
    "started", "step_saved", "submitted", "assessed", "decision", "client_signed", "signed", "rendered", "viewed",
    "exported", "erased", "key_rotated", "staff_added", "staff_disabled", "staff_unlocked", "pin_refused",
    "act_refused", "store_upgraded", "visit", "languages_chosen"]
#: Every event, in words for people.
EVENTS: dict[AuditEvent, str] = {
    "started": "started", "step_saved": "step saved", "submitted": "submitted", "assessed": "assessed",
    "decision": "decision", "client_signed": "client signed (waiting for countersignature)",
    "signed": "signed", "rendered": "rendered", "viewed": "viewed",
    "exported": "exported", "erased": "erased", "key_rotated": "data key rotated",
    "staff_added": "staff member added", "staff_disabled": "staff member disabled",
    "staff_unlocked": "staff unlocked", "pin_refused": "wrong staff PIN", "act_refused": "staff act refused",
    "store_upgraded": "records store upgraded", "visit": "further session",
    "languages_chosen": "the client's language chosen",
}
GENESIS = "0" * 64
HEAD_KEY = "audit_head"
ProblemKind = Literal[
    "edited", "deleted", "inserted", "reordered", "head", "protection", "row changed", "row missing", "row added",
    "search index", "rolled back", "trail replaced", "rows deleted", "rows added", "rows replaced", "checkpoint",
    "not anchored", "mirror", "witness", "document"]


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
        what = EVENTS.get(self.event, self.event)  # type: ignore[call-overload]  # a stored, unchecked name
        whose = f", intake {self.intake_id}" if self.intake_id else (
            f", client {self.client_id}" if self.client_id else "")
        return f"#{self.seq} ({what}, {self.at}{whose})"


@dataclass(frozen=True)
class AuditProblem:
    """One finding of a verification: which entry (if one), what happened, in words."""

    seq: int | None
    kind: ProblemKind
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


class Trail(Protocol):
    """Where an engine keeps the chain (inside its write transaction for the writing methods)."""

    def last_entry(self) -> Entry | None:
        """The newest entry, or None for an empty trail."""
        ...

    def insert_entry(self, entry: Entry) -> None:
        """Stores one new entry."""
        ...

    def set_head(self, text: str) -> None:
        """Stores the sealed head (the record of the latest entry)."""
        ...


def content(prev_hash: str, at: str, event: str, intake_id: str | None, client_id: str | None,
            staff: str, device: str, details: str) -> bytes:
    """The bytes an entry's hash covers."""
    return json.dumps([prev_hash, at, event, intake_id, client_id, staff, device, details],
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(keyring: Keyring, prev_hash: str, entry: Entry) -> str:
    """The keyed hash of an entry placed after `prev_hash`."""
    return keyring.audit_mac(content(prev_hash, entry.at, entry.event, entry.intake_id, entry.client_id,
                                     entry.staff, entry.device, entry.details))


def head_text(keyring: Keyring, seq: int, latest_hash: str) -> str:
    """The sealed head: the latest entry's number and hash, with a keyed hash over both."""
    return json.dumps({"seq": seq, "hash": latest_hash, "mac": _head_mac(keyring, seq, latest_hash)})


def _head_mac(keyring: Keyring, seq: int, latest_hash: str) -> str:
    return keyring.audit_mac(f"head:{seq}:{latest_hash}".encode("ascii"))


def transaction_time(now: str, last: Entry | None) -> str:
    """The `at` of a new transaction's entries: now, or a millisecond after the newest entry when that is not earlier.

    Both are UTC times as '2026-11-20T10:15:03.123Z'; so transaction times never repeat or go back.
    """
    if last is None or now > last.at:
        return now
    try:
        moment = datetime.strptime(last.at, "%Y-%m-%dT%H:%M:%S.%fZ") + timedelta(milliseconds=1)
    except ValueError:
        return now  # an unreadable time; `check` names the entry
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def append(trail: Trail, keyring: Keyring, *, at: str, event: AuditEvent, staff: str, device: str,
           intake_id: str | None = None, client_id: str | None = None,
           details: Mapping[str, Any] | None = None) -> int:
    """Appends one entry inside the caller's write transaction and returns its number."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    last = trail.last_entry()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
    text = json.dumps(dict(details or {}), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    entry = Entry(seq, at, event, intake_id, client_id, staff, device, text, prev_hash, "")
    entry = Entry(seq, at, event, intake_id, client_id, staff, device, text, prev_hash,
                  entry_hash(keyring, prev_hash, entry))
    trail.insert_entry(entry)
    trail.set_head(head_text(keyring, seq, entry.hash))
    return seq


def rehash(entries: Iterable[Entry], keyring: Keyring) -> tuple[list[tuple[int, str, str]], str | None]:
    """The chain made again with another key (key rotation): (seq, prev_hash, hash) of each entry, and the new head."""
    prev_hash, seq, changed = GENESIS, 0, []
    for entry in entries:
        new_hash = entry_hash(keyring, prev_hash, entry)
        changed.append((entry.seq, prev_hash, new_hash))
        prev_hash, seq = new_hash, entry.seq
    return changed, head_text(keyring, seq, prev_hash) if seq else None


def read_head(text: str | None, keyring: Keyring) -> tuple[dict[str, Any] | None, str | None]:
    """The sealed head as {seq, hash}, or the problem with it in words."""
    if text is None:
        return None, "the record of the latest audit entry is missing from the meta table"
    try:
        head = json.loads(text)
        valid = hmac.compare_digest(head["mac"], _head_mac(keyring, int(head["seq"]), str(head["hash"])))
    except (ValueError, KeyError, TypeError):
        return None, "the record of the latest audit entry is unreadable"
    if not valid:
        return None, "the record of the latest audit entry was changed outside intake"
    return head, None


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence (patience sorting)."""
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


class _Walk:
    """The entries as a graph of links: which are sealed, duplicated, linked, and the chain segments walked."""

    def __init__(self, rows: Sequence[Entry], keyring: Keyring, head_hash: str | None):
        self.rows = rows
        self.head_hash = head_hash
        self.sealed = [hmac.compare_digest(r.hash, entry_hash(keyring, r.prev_hash, r)) for r in rows]
        self.by_hash: dict[str, int] = {}
        self.duplicates: set[int] = set()
        for i, row in enumerate(rows):
            if row.hash in self.by_hash:
                self.duplicates.add(i)
            else:
                self.by_hash[row.hash] = i
        self.successors: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            if i not in self.duplicates:
                self.successors.setdefault(row.prev_hash, []).append(i)
        self.starts = [i for i, r in enumerate(rows) if i not in self.duplicates and
                       (r.prev_hash == GENESIS or r.prev_hash not in self.by_hash)]
        self.reached: set[int] = set()
        self.segments: list[list[int]] = []
        for start in self.starts:
            if start not in self.reached:
                self.segments.append(self._segment(start))

    def _rank(self, i: int) -> tuple[bool, bool, int]:
        linked = self.rows[i].hash in self.successors or self.rows[i].hash == self.head_hash
        return (not self.sealed[i], not linked, i)

    def _segment(self, start: int) -> list[int]:
        """Walks the chain from one start, at each step to the best unvisited successor."""
        segment: list[int] = []
        current: int | None = start
        while current is not None and current not in self.reached:
            self.reached.add(current)
            segment.append(current)
            options = sorted((j for j in self.successors.get(self.rows[current].hash, []) if j not in self.reached),
                             key=self._rank)
            current = options[0] if options else None
        return segment


def _entry_problems(walk: _Walk, head: dict[str, Any] | None) -> tuple[list[AuditProblem], set[int], bool]:
    """Entries added outside intake or changed after writing; (problems, orphans explained, tail edited)."""
    rows, problems = walk.rows, []
    tail_edited = False
    replaced: set[int] = set()  # orphans explained by an edited predecessor whose hash was rewritten
    for i, row in enumerate(rows):
        if i in walk.duplicates or i not in walk.reached:
            copy = " (a copy of another entry)" if i in walk.duplicates else ""
            problems.append(AuditProblem(row.seq, "inserted", f"entry {row.describe()} was added outside "
                                         f"intake{copy}: it is not part of the chain"))
            continue
        if walk.sealed[i]:
            continue
        next_orphan = (i + 1 < len(rows) and rows[i + 1].prev_hash not in walk.by_hash
                       and rows[i + 1].prev_hash != GENESIS)
        last_rewritten = head is not None and int(head["seq"]) == row.seq and walk.head_hash not in walk.by_hash
        if row.hash in walk.successors or row.hash == walk.head_hash or next_orphan or last_rewritten:
            if next_orphan:
                replaced.add(i + 1)
            tail_edited = tail_edited or last_rewritten
            problems.append(AuditProblem(row.seq, "edited", f"entry {row.describe()} was changed after it was "
                                         "written: its content no longer matches its hash"))
        else:
            problems.append(AuditProblem(row.seq, "inserted", f"entry {row.describe()} was added outside "
                                         "intake: its hash does not match and no other entry refers to it"))
    return problems, replaced, tail_edited


def _gap_problems(walk: _Walk, replaced: set[int]) -> list[AuditProblem]:
    """Entries deleted from inside the chain (an entry links back to one that is gone)."""
    problems, rows = [], walk.rows
    for i in walk.starts:
        row = rows[i]
        if row.prev_hash == GENESIS or i in replaced or not walk.sealed[i]:
            continue
        before = rows[i - 1].seq if i else 0
        gap = f"entries #{before + 1} to #{row.seq - 1}" if row.seq - before > 2 else (
            f"entry #{before + 1}" if row.seq - before == 2 else "an entry")
        problems.append(AuditProblem(row.seq, "deleted", f"{gap} before entry {row.describe()} "
                                     "was deleted: the entry it links back to is missing"))
    return problems


def _order_problems(walk: _Walk) -> list[AuditProblem]:
    """Entries moved: out of number order within a walked segment."""
    problems, rows = [], walk.rows
    for segment in walk.segments:
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
    return problems


def _head_problems(walk: _Walk, head: dict[str, Any] | None, head_problem: str | None,
                   tail_edited: bool) -> list[AuditProblem]:
    """The sealed head missing, changed, behind the trail, or ahead of it (the newest entries deleted)."""
    rows = walk.rows
    if head_problem and (rows or not head_problem.endswith("missing from the meta table")):
        return [AuditProblem(None, "head", head_problem)]
    if head is not None and walk.head_hash not in walk.by_hash and not tail_edited:
        last = rows[-1].seq if rows else 0
        return [AuditProblem(int(head["seq"]), "deleted", f"the latest entries were deleted: the trail should run "
                             f"to entry #{head['seq']} but now ends at #{last}")]
    if head is not None and walk.head_hash is not None and any(
            walk.sealed[j] for j in walk.successors.get(walk.head_hash, [])):
        return [AuditProblem(None, "head", "the record of the latest audit entry was rolled back: "
                             f"sealed entries follow entry #{head['seq']}")]
    return []


def check(rows: Sequence[Entry], head_text: str | None, keyring: Keyring) -> AuditReport:
    """Checks every entry's hash, every link, the order and the sealed head; names each damaged entry."""
    head, head_problem = read_head(head_text, keyring)
    head_hash = head["hash"] if head else None
    walk = _Walk(rows, keyring, head_hash)
    problems, replaced, tail_edited = _entry_problems(walk, head)
    problems += _gap_problems(walk, replaced)
    problems += _order_problems(walk)
    problems += _head_problems(walk, head, head_problem, tail_edited)
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return AuditReport(len(rows), head_hash or (rows[-1].hash if rows else GENESIS), tuple(problems))


def transactions(entries: Iterable[Entry], counted_from: int | None) -> int:
    """How many write transactions wrote these entries: one per `at` from `counted_from` on (entries before it,
    written before transactions were marked, count as one)."""
    marked = {e.at for e in entries if counted_from is not None and e.seq >= counted_from}
    unmarked = any(counted_from is None or e.seq < counted_from for e in entries)
    return len(marked) + unmarked
