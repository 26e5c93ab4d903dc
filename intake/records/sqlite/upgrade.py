"""Provides the upgrade to schema 8: seals and digests kept by intake's write path, and the checkpoint's witness.

Stores written before schema 8 had their row seals and table digests computed inside SQLite (functions
registered per connection, called from TEMP triggers). The values are the same as the write path computes
(intake.records.sealing), so no row changes; what the upgrade adds is the witness (intake.records.anchor:
from which audit entry on each transaction has its own time and is anchored in the checkpoint), and, for
a store that already has a trail, a 'store_upgraded' entry marking where the new rules begin.

The store is verified before (with the rules it was written under) and after, inside the upgrade's own
transaction: a store that does not verify is not upgraded (nothing is changed), so an upgrade never
launders damage, and a store the upgrade would leave failing is rolled back. A store whose schema version
was set back by hand keeps its witness; one whose trail records an upgrade but whose witness is gone is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.records import anchor, verification
from intake.records.errors import StoreError

if TYPE_CHECKING:
    from intake.records.sqlite.ops import StoreOps

SYSTEM = "intake (automatic)"
VERSION = 8


class UpgradeRefusedError(StoreError):
    """The store does not verify, so it is not upgraded (nothing was changed)."""


def _refuse(store: StoreOps, when: str, problems: list[str]) -> UpgradeRefusedError:
    listed = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return UpgradeRefusedError(
        f"the records in {store.path} were not upgraded to schema {VERSION}: {when} they do not verify "
        f"({listed}). Nothing was changed. Restore the data folder (and the keys folder's checkpoint) from a "
        "backup; the version of intake that wrote them can still open them and show the problems with "
        "`intake audit verify`.")


def _problems(store: StoreOps, *, before: bool) -> list[str]:
    report = verification.verify(store, legacy=before, pending=0 if before else 1)
    return [f"{p.kind}: {p.message}" for p in report.problems]


def to_write_path(store: StoreOps) -> None:
    """The schema 8 step (inside the migration's write transaction): verify, mark, verify again.

    A store that has its witness already (made by this version, its schema number set back since) keeps it as it
    is; one whose trail says it was upgraded before but whose witness is gone is refused.

    Raises:
        UpgradeRefusedError: the store does not verify before, or would not after (nothing is changed).
    """
    backend = store.backend
    witness, _ = anchor.read_witness(backend.meta(anchor.WITNESS_KEY), store.keyring)
    entries = backend.entries() if witness is None else []
    if any(e.event == "store_upgraded" for e in entries):
        raise _refuse(store, "they were upgraded before, yet their witness is gone (deleted outside intake), and",
                      ["the witness of the audit checkpoint is missing"])
    if witness is None and entries:
        problems = _problems(store, before=True)
        if problems:
            raise _refuse(store, "before the upgrade", problems)
        seq = store.audit("store_upgraded", staff=SYSTEM, device=store.device_name(), schema=VERSION,
                          verified=True)
        witness = anchor.Witness(seq, seq if store.checkpoint else None)
    elif witness is None:  # a new store: every entry to come is marked and, with a checkpoint, anchored
        witness = anchor.Witness(1, 1 if store.checkpoint else None)
    backend.set_meta(anchor.WITNESS_KEY, witness.text(store.keyring))
    problems = _problems(store, before=False)
    if problems:
        raise _refuse(store, "after the upgrade", problems)
