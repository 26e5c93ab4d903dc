"""Provides the rollback checks: the database against its audit checkpoint, its mirrors and its witness.

What intake.records.anchor keeps outside the data folder is compared here with what the database holds:
an older database or dropped newest entries, a rewritten trail, rows deleted, added or replaced per table,
a checkpoint deleted, emptied or put back older while the witness says it should hold lines, more than one
unanchored transaction (a crash leaves at most one), and a mirror behind or ahead of the checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from intake.records.anchor import DIGESTED, Checkpoint, Line, Lines, Witness
from intake.records.chain import Entry, transactions
from intake.records.sealing import Digests

WHAT = {"intakes": "intake", "clients": "client", "decisions": "decision", "documents": "document",
        "signatures": "kept-signature", "search_tokens": "search-index", "staff": "staff", "pin_attempts": "PIN-count",
        "imports": "import"}

FindingKind = Literal["rolled back", "trail replaced", "rows deleted", "rows added", "rows replaced", "checkpoint",
                      "not anchored", "mirror", "witness"]


@dataclass(frozen=True)
class Finding:
    """What the checkpoint says about the database: a problem (kind, message) or a note."""

    seq: int | None
    kind: FindingKind
    message: str


@dataclass
class State:
    """What verification knows of the database: its entries, witness and table digests (computed on demand)."""

    entries: list[Entry]
    witness: Witness | None
    #: the table digests computed from the rows (used when the checkpoint's latest line is the trail's end)
    actual: Callable[[], Digests]
    #: transactions of the verifier's own, not committed yet (an upgrade verifying itself)
    pending: int = 0

    @property
    def last(self) -> int:
        """The newest entry's number (0 for an empty trail)."""
        return self.entries[-1].seq if self.entries else 0

    def between(self, first: int, last: int) -> list[Entry]:
        """The entries numbered first to last."""
        return [e for e in self.entries if first <= e.seq <= last]

    def transactions(self, first: int, last: int) -> int:
        """How many write transactions wrote entries first to last."""
        return transactions(self.between(first, last), self.witness.counted if self.witness else None)


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


def _empty(lines: Lines, state: State) -> tuple[list[Finding], list[str]]:
    """A checkpoint with no line for this key: new, deleted or emptied."""
    anchored = state.witness.anchored if state.witness else None
    if anchored is None or state.last < anchored:
        return [], [f"{lines.label} has no lines for this key yet; the next change starts it"]
    if state.transactions(anchored, state.last) - state.pending <= 1:
        return [], [f"audit entries #{anchored} to #{state.last} are not anchored in the checkpoint yet (a crash "
                    "between saving and anchoring); the next change anchors them"]
    return [Finding(anchored, "checkpoint", f"{lines.label} is missing or empty, but "
                    f"audit entries #{anchored} to #{state.last} were written while it was kept and should be "
                    "anchored in it: it was deleted, emptied or replaced")], []


def _start(lines: Lines, state: State) -> list[Finding]:
    """Lines missing at the start of the checkpoint: it was deleted or emptied, then started afresh."""
    anchored = state.witness.anchored if state.witness else None
    first = min(line.seq for line in lines.lines)
    if anchored is None or first <= anchored or state.transactions(anchored, first) <= 2:
        return []
    return [Finding(first, "checkpoint", f"{lines.label} begins at audit entry #{first}, but "
                    f"entries from #{anchored} on were written while it was kept and have no line: it was deleted "
                    "or emptied, then started afresh")]


def _tail(latest: Line, state: State, label: str) -> tuple[list[Finding], list[str]]:
    """Entries after the checkpoint's latest line: one transaction is a crash, more a checkpoint put back older."""
    count = state.transactions(latest.seq + 1, state.last) - state.pending
    if count <= 1:
        return [], [f"audit entries #{latest.seq + 1} to #{state.last} are not anchored in {label} yet (a "
                    "crash between saving and anchoring); the next change anchors them"]
    return [Finding(latest.seq + 1, "not anchored", f"audit entries #{latest.seq + 1} to #{state.last} ({count} "
                    f"transactions) are not anchored in {label}, and a crash leaves at most one: it "
                    "was put back older or its newest lines removed (or it could not be written, as the store said "
                    "at the time)")], []


def _against_latest(lines: Lines, state: State) -> tuple[list[Finding], list[str]]:
    """The database against the checkpoint's latest line: rolled back, replaced, unanchored or rows changed."""
    heads = {e.seq: e.hash for e in state.entries}
    problems: list[Finding] = []
    replaced = [line for line in lines.lines
                if line.seq <= state.last and line.seq and heads.get(line.seq) != line.hash]
    if replaced:
        first = replaced[0]
        problems.append(Finding(first.seq, "trail replaced", f"audit entry #{first.seq} is not the entry anchored "
                                f"in {lines.label} at {first.at} ({len(replaced)} anchored entries differ): the "
                                "trail was rolled back and written again, or replaced by another database's"))
    latest = lines.latest
    assert latest is not None
    if latest.seq > state.last:
        problems.append(Finding(latest.seq, "rolled back", f"the database is older than its checkpoint: "
                                f"{lines.label} records audit entry #{latest.seq} (at "
                                f"{latest.at}) but the trail ends at #{state.last}. An older copy of the database "
                                "was restored, or the newest entries were deleted"))
        return problems, []
    if latest.seq < state.last:
        found, notes = _tail(latest, state, lines.label)
        return problems + found, notes
    if not replaced:
        now = state.actual()
        problems += [f for table in DIGESTED
                     if (f := _table_finding(table, latest.digests.get(table, [0, 0]), now[table], latest.seq))]
    return problems, []


def _mirrors(checkpoint: Checkpoint, main: Lines, state: State) -> tuple[list[Finding], list[str]]:
    """Each mirror against the checkpoint: missing, behind, ahead or different."""
    problems: list[Finding] = []
    notes: list[str] = []
    ours = main.latest
    for path in checkpoint.mirrors:
        copy = checkpoint.read(path)
        problems += [Finding(None, "mirror", message) for message in copy.damaged]
        theirs = copy.latest
        failed = f" (writing it failed: {checkpoint.mirror_errors[path]})" if path in checkpoint.mirror_errors else ""
        if ours is None and theirs is None:
            continue
        if theirs is None:
            problems.append(Finding(None, "mirror", f"the checkpoint mirror {path} is missing or empty while the "
                                    f"checkpoint records audit entry #{ours.seq if ours else 0}{failed}"))
        elif ours is None or theirs.seq > ours.seq:
            problems.append(Finding(theirs.seq, "mirror", f"the checkpoint mirror {path} is ahead of the checkpoint "
                                    f"{checkpoint.path}: it records audit entry #{theirs.seq}, the checkpoint "
                                    f"{'nothing' if ours is None else f'#{ours.seq}'}. The checkpoint was put back "
                                    "older, emptied or had lines removed"))
        elif theirs.seq < ours.seq:
            if state.transactions(theirs.seq + 1, ours.seq) <= 1 and not failed:
                notes.append(f"the checkpoint mirror {path} misses the latest change (written just after the "
                             "checkpoint); the next change brings it level")
            else:
                problems.append(Finding(theirs.seq, "mirror", f"the checkpoint mirror {path} is behind the "
                                        f"checkpoint: it records audit entry #{theirs.seq}, the checkpoint "
                                        f"#{ours.seq}{failed}. The mirror was put back older, or could not be "
                                        "written (is its disk or share there?)"))
        elif theirs.hash != ours.hash:
            problems.append(Finding(theirs.seq, "mirror", f"the checkpoint mirror {path} records another audit "
                                    f"entry #{theirs.seq} than the checkpoint: one of them belongs to another trail"))
    return problems, notes


def verify(checkpoint: Checkpoint | None, state: State) -> tuple[list[Finding], list[str]]:
    """Compares the database with its checkpoint and mirrors: (problems, notes)."""
    if checkpoint is None:
        if state.witness is not None and state.witness.anchored is not None and state.last >= state.witness.anchored:
            return [Finding(None, "checkpoint", f"audit entries from #{state.witness.anchored} on were anchored in a "
                            "checkpoint, but none is configured now (the data key comes from $INTAKE_DATA_KEY and no "
                            "[security] audit_checkpoint_file is set): rollback detection was switched off")], []
        return [], ["rollback detection is off: no [security] audit_checkpoint_file or data_key_file is set"]
    main = checkpoint.read()
    problems = [Finding(None, "checkpoint", message) for message in main.damaged]
    notes = [f"{main.other_keys} line(s) of the audit checkpoint were written with another data key and were skipped"
             ] if main.other_keys else []
    if not main.lines:
        found, more = _empty(main, state)
    else:
        found, more = _against_latest(main, state)
        found = _start(main, state) + found
    mirrored, mirror_notes = _mirrors(checkpoint, main, state)
    return problems + found + mirrored, notes + more + mirror_notes


@dataclass(frozen=True)
class Group:
    """A clinic group's server checkpoint as verification reads it: its lines (one per transaction, each naming
    the site that wrote it), its own witness, and the site verifying."""

    lines: Lines
    witness: Witness | None
    site: str
    #: what is wrong with the server's witness (missing, changed), in words
    witness_problem: str | None = None


def _behind_server(own: Lines, group: Group, state: State) -> tuple[list[Finding], list[str]]:
    """This site's checkpoint file against the server's lines of this site and the server's trail."""
    heads = {e.seq: e.hash for e in state.entries}
    problems: list[Finding] = []
    replaced = [line for line in own.lines if line.seq and line.seq <= state.last and heads.get(line.seq) != line.hash]
    if replaced:
        problems.append(Finding(replaced[0].seq, "trail replaced", f"audit entry #{replaced[0].seq} on the server "
                                f"is not the entry this site anchored in {own.label} at {replaced[0].at} "
                                f"({len(replaced)} differ): the server's trail was rolled back and written again, or "
                                "replaced by another database's"))
    latest = own.latest
    if latest is not None and latest.seq > state.last:
        problems.append(Finding(latest.seq, "rolled back", f"the records server is older than this site's "
                                f"checkpoint: {own.label} records audit entry #{latest.seq} (at {latest.at}), written "
                                f"from site '{group.site}', but the server's trail ends at #{state.last}. The server "
                                "was restored from an older backup, or its newest entries were deleted"))
        return problems, []
    since = latest.seq if latest is not None else 0
    ours = [line.seq for line in group.lines.lines if line.site == group.site and line.seq > since]
    if len(ours) == 1:
        return problems, [f"the latest change from this site (audit entry #{ours[0]}) is not in {own.label} yet (a "
                          "crash between saving and anchoring); the next change from this site anchors it"]
    if ours:
        problems.append(Finding(ours[0], "checkpoint", f"{own.label} is behind the server's checkpoint: the server "
                                f"anchored {len(ours)} transactions written from site '{group.site}' after the file's "
                                f"latest line (audit entries #{ours[0]} to #{ours[-1]}). The file was put back older, "
                                "emptied or had lines removed"))
    return problems, []


def verify_group(checkpoint: Checkpoint | None, group: Group, state: State) -> tuple[list[Finding], list[str]]:
    """A clinic group's records: the server's trail against the server's own checkpoint (every transaction has
    its line there, written in the same transaction), then this site's checkpoint file against the server (the
    server put back older than the site's file, or the site's file older than the server's record of the site),
    and the file's mirrors: (problems, notes)."""
    server = replace(state, witness=group.witness)
    problems = [Finding(None, "checkpoint", message) for message in group.lines.damaged]
    if group.witness_problem:
        problems.append(Finding(None, "witness", group.witness_problem))
    if group.lines.lines:
        found, notes = _against_latest(group.lines, server)
        problems += _start(group.lines, server) + found
    else:
        found, notes = _empty(group.lines, server)
        problems += found
    if checkpoint is None:
        return problems, [*notes, "this computer keeps no checkpoint of its own (no [security] audit_checkpoint_file "
                                  "or data_key_file): a server restored from an older backup is found by another "
                                  "site's checkpoint only"]
    own = checkpoint.read()
    problems += [Finding(None, "checkpoint", message) for message in own.damaged]
    found, more = _behind_server(own, group, state)
    mirrored, mirror_notes = _mirrors(checkpoint, own, state)
    return problems + found + mirrored, notes + more + mirror_notes
