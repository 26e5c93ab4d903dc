"""Provides the whole-store check behind `intake audit verify`: the chain, every row, and the checkpoint.

In one consistent read: the hash chain (edited, deleted, inserted, reordered entries and the sealed head;
intake.records.chain), what protects the trail in the engine (its append-only triggers), every row's
seal, rows against the trail (an intake, document or decision deleted or added behind intake's back),
what the engine derives for itself (the per-intake search index), the witness, and the database
against its checkpoint and mirrors outside the data folder (intake.records.anchor). Each table is read
once: its rows' seals and its digest come from the same pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from intake.records import anchor, chain, rollback, sealing
from intake.records.chain import AuditProblem, AuditReport
from intake.records.crypto import Keyring
from intake.records.sealing import MODULUS, Digests, RowProblem

if TYPE_CHECKING:
    from intake.records.tables import Backend


class Verified(Protocol):
    """What verification reads of a store: its engine, its keys and its checkpoint."""

    @property
    def backend(self) -> Backend:
        """The engine keeping the rows."""
        ...

    @property
    def keyring(self) -> Keyring:
        """The keys derived from the data key."""
        ...

    @property
    def checkpoint(self) -> anchor.Checkpoint | None:
        """The audit checkpoint outside the data folder, when there is one."""
        ...

    def group_checkpoint(self) -> rollback.Group | None:
        """A clinic group's server checkpoint (None for engines without one)."""
        ...


class TableScan:
    """One pass over every table: rows whose seal does not match, each table's digest, and the keys present."""

    def __init__(self, keyring: Keyring, tables: dict[str, Iterable[dict[str, Any]]]):
        self.problems: list[RowProblem] = []
        self.digests: Digests = {}
        self.keys: dict[str, set[Any]] = {}
        for table, rows in tables.items():
            self._scan(keyring, table, rows)

    def _scan(self, keyring: Keyring, table: str, rows: Iterable[dict[str, Any]]) -> None:
        total = count = 0
        keys: set[Any] = set()
        broken = []
        for row in rows:
            if table in sealing.SEALED and not sealing.seal_matches(keyring, table, row):
                broken.append(row)
            total = (total + sealing.digest_term(keyring, table, row)) % MODULUS
            count += 1
            keys.add(sealing.key_of(table, row))
        self.problems += sealing.seal_problems(keyring, table, broken)
        self.digests[table] = [total, count]
        self.keys[table] = keys


def _news(finding: rollback.Finding, chained: tuple[AuditProblem, ...]) -> bool:
    """False for a checkpoint finding that only repeats what the chain's own check already named."""
    if finding.kind == "trail replaced" and chained:
        return False
    return finding.seq is None or finding.seq not in {p.seq for p in chained}


def verify(store: Verified, *, legacy: bool = False, pending: int = 0) -> AuditReport:
    """Checks everything `intake audit verify` checks, inside the caller's transaction.

    Args:
        store: the store.
        legacy: a store from before schema 8 (being upgraded): it has no witness yet.
        pending: transactions of the caller's own (not yet committed, so not yet anchored).
    """
    backend, keyring = store.backend, store.keyring
    entries = backend.entries()
    report = chain.check(entries, backend.meta(chain.HEAD_KEY), keyring)
    problems = sorted([*report.problems, *(AuditProblem(None, "protection", message)
                                           for message in backend.protection_problems())],
                      key=lambda p: (p.seq is None, p.seq or 0))
    scan = TableScan(keyring, {table: backend.scan(table) for table in sealing.DIGESTED})
    problems += [AuditProblem(None, p.kind, p.message) for p in scan.problems]
    problems += [AuditProblem(None, p.kind, p.message) for p in sealing.trail_problems(
        entries, scan.keys["intakes"], scan.keys["documents"], scan.keys["decisions"])]
    problems += [AuditProblem(None, "search index", message) for message in backend.derived_problems()]
    witness, witness_problem = anchor.read_witness(backend.meta(anchor.WITNESS_KEY), keyring)
    if witness_problem and not legacy:
        problems.append(AuditProblem(None, "witness", witness_problem))
    state = rollback.State(entries, None if legacy else witness, lambda: scan.digests, pending)
    group = store.group_checkpoint()
    if group is None:
        found, notes = rollback.verify(store.checkpoint, state)
    else:
        found, notes = rollback.verify_group(store.checkpoint, group, state)
    problems += [AuditProblem(f.seq, f.kind, f.message) for f in found if _news(f, report.problems)]
    return AuditReport(report.entries, report.head, tuple(problems), tuple(notes))
