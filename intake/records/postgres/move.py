"""Provides the move of a clinic's SQLite store to PostgreSQL (`intake records migrate --to postgresql`).

The SQLite store in the data folder is verified first (a store that does not verify is not moved: a move
never launders damage). Then, in one transaction on the server, under the writers' lock: every row of every
table as it is (seals included: the data key is the same, so they stay valid), every audit entry in order with
its hash, the sealed head and the witness, the digests computed from the rows, and one more entry,
'store_upgraded', naming who moved the records from where, so the trail runs on unbroken. The server's copy is
verified before the transaction commits; it is rolled back otherwise.

Run again, it moves nothing twice: a server that already holds the move (the SQLite trail, then the move's
entry) is left as it is. A server holding anything else (other records, or a trail that went on on either side
after the move) is refused: nothing is merged. After the move the SQLite file is a backup, no longer a store in
use: the checkpoint beside the key follows the server from the move's entry on, so `audit verify` on the SQLite
file reports it as older than its checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from intake.records import anchor, chain
from intake.records.chain import Entry
from intake.records.columns import TABLES
from intake.records.errors import StoreError
from intake.records.postgres.connection import describe
from intake.records.postgres.store import PostgresStore
from intake.records.sqlite import db
from intake.records.sqlite.store import Store

if TYPE_CHECKING:
    from intake.config import ClinicConfig

MOVED = "sqlite to postgresql"


class MoveRefusedError(StoreError):
    """The records were not moved (the reason says why); nothing was changed on either side."""


@dataclass(frozen=True)
class MoveReport:
    """What a move did: rows per table and audit entries copied, or that the server already held them."""

    target: str
    rows: dict[str, int]
    entries: int
    already: bool = False


def _problems(report: chain.AuditReport) -> str:
    listed = "; ".join(p.message for p in report.problems[:3])
    return listed + (f"; and {len(report.problems) - 3} more" if len(report.problems) > 3 else "")


def _already_moved(target: list[Entry], source: list[Entry]) -> bool:
    """True when the server's trail is the SQLite trail followed by this move's own entry, and nothing else."""
    if len(target) != len(source) + 1 or [(e.seq, e.hash) for e in target[:-1]] != [(e.seq, e.hash) for e in source]:
        return False
    return target[-1].event == "store_upgraded" and target[-1].data.get("moved") == MOVED


def _refuse_other_records(target: PostgresStore, where: str) -> None:
    with target.read("looking at the server's records"):
        if target.backend.last_entry() is not None or any(
                next(target.backend.scan(table), None) is not None for table in TABLES):
            raise MoveRefusedError(f"{where} already holds other records (or the SQLite store changed after an "
                                   "earlier move), so nothing was moved: records are never merged. Move into an "
                                   "empty database.")


def move_to_postgresql(config: ClinicConfig, *, staff: str, device: str, dsn: str | None = None) -> MoveReport:
    """Moves the clinic's SQLite store to the PostgreSQL server (see the module's docstring).

    Raises:
        MoveRefusedError: there is no SQLite store, it does not verify, or the server holds other records.
        and the errors of Store.open and PostgresStore.open (key, server, settings), each with nothing changed.
    """
    path = config.data_dir / db.DB_NAME
    if not path.is_file():
        raise MoveRefusedError(f"there is no SQLite store to move: {path} does not exist. Nothing was changed.")
    with Store.open(config) as source, PostgresStore.open(config, dsn=dsn) as target:
        where = describe(target.backend.dsn)
        entries, held = source.audit_trail(), target.audit_trail()
        if held and _already_moved(held, entries):  # (the SQLite store no longer verifies: the checkpoint beside
            return MoveReport(where, {}, 0, already=True)  # the key follows the server from the move on)
        _refuse_other_records(target, where)
        report = source.verify_audit()
        if not report.ok:
            raise MoveRefusedError(f"the records in {path} do not verify ({_problems(report)}), so they were not "
                                   "moved. Nothing was changed. Restore them from a backup first.")
        with source.read("reading the records to move"), target.write("moving the records to PostgreSQL"):
            entries = source.backend.entries()
            if (entries[-1].hash if entries else chain.GENESIS) != report.head:
                raise MoveRefusedError(f"the records in {path} changed while they were being moved. Nothing was "
                                       "moved; stop every intake on this computer and run the move again.")
            _refuse_other_records(target, where)  # again, under the writers' lock
            rows = _copy(source, target, entries)
            target.audit("store_upgraded", staff=staff, device=device, moved=MOVED, source=str(path),
                         entries=len(entries))
            after = target.verify_audit()
            if not after.ok:  # rolled back with the transaction
                raise MoveRefusedError(f"the moved copy on {where} did not verify ({_problems(after)}); nothing "
                                       "was moved.")
    return MoveReport(where, rows, len(entries))


def _copy(source: Store, target: PostgresStore, entries: list[Entry]) -> dict[str, int]:
    """Every row, every entry, the sealed head, the witness and the digests, inside the target's transaction."""
    rows = {}
    for table in TABLES:
        count = 0
        for row in source.backend.scan(table):
            target.backend.insert(table, row)
            count += 1
        rows[table] = count
    for entry in entries:
        target.backend.insert_entry(entry)
    for key in (chain.HEAD_KEY, anchor.WITNESS_KEY):
        value = source.backend.meta(key)
        if value is not None:
            target.backend.set_meta(key, value)
    # the server anchors every transaction from the move's own entry on (the moved ones were anchored by SQLite's
    # checkpoint beside the key)
    witness, _ = anchor.read_witness(source.backend.meta(anchor.WITNESS_KEY), source.keyring)
    server = anchor.Witness(witness.counted if witness else 1, (entries[-1].seq if entries else 0) + 1)
    target.backend.set_meta(anchor.SERVER_WITNESS_KEY, server.text(target.keyring, anchor.SERVER_WITNESS_KEY))
    target.tables.recompute_digests()
    return rows
