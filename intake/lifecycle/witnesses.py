"""Provides check_documents: sealed documents as witnesses that the audit trail was not put back to an older state.

Each document sealed at a countersignature carries, inside its seal, where the trail stood then (its
latest entry's number and hash; intake.documents.model.AuditWitness). A records folder restored from an
old backup, with its checkpoint, passes every check of the trail alone; but a document sealed later names
an entry the trail no longer has, or an entry that is now different. `intake audit verify --documents`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake.documents.witness import AuditWitness
from intake.records.chain import Entry


@dataclass
class WitnessReport:
    """What the documents of a folder say about the trail.

    Attributes:
        checked: PDF files read.
        witnesses: of them, sealed documents that carry the trail's position.
        problems: in words, each naming the document that proves it.
        skipped: files that are not sealed intake documents, or whose seal does not verify, in words.
    """

    checked: int = 0
    witnesses: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_witness(data: bytes) -> AuditWitness | None:
    """The trail's position sealed into a document (from the revision its seal covers), without checking the seal.

    Raises:
        ValueError: the file is not a sealed PDF.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    from intake.documents.verify import sealed_witness

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception as exc:  # noqa: BLE001 - any parser failure: not a document we can read
        raise ValueError(f"not a readable PDF ({exc.__class__.__name__})") from None
    if not signatures:
        raise ValueError("not sealed")
    return sealed_witness(data, signatures[0])


def check_documents(trail: Iterable[Entry], files: Iterable[Path], config: Any) -> WitnessReport:
    """Compares the position sealed into each document with the trail as it is now.

    A document's claim counts only once its seal verifies (intake.documents.verify_pdf): a file anyone
    could write proves nothing. Only documents whose position the trail does not hold are verified in
    full, so a large folder is read quickly.
    """
    hashes: Mapping[int, str] = {entry.seq: entry.hash for entry in trail}
    last = max(hashes, default=0)
    report = WitnessReport()
    for path in sorted(files):
        report.checked += 1
        try:
            data = path.read_bytes()
            witness = read_witness(data)
        except (OSError, ValueError) as exc:
            report.skipped.append(f"{path.name}: {exc}")
            continue
        if witness is None:
            continue
        report.witnesses += 1
        problem = _against_trail(witness, hashes, last)
        if problem is None:
            continue
        if (reason := _seal_problem(data, config)) is not None:
            report.skipped.append(f"{path.name}: its seal does not verify ({reason}), so its claim is not counted")
            continue
        report.problems.append(f"{path.name} was sealed when the trail {problem}")
    return report


def _against_trail(witness: AuditWitness, hashes: Mapping[int, str], last: int) -> str | None:
    """In words, how the trail differs from the one a document was sealed against; None when it holds it."""
    if witness.entry == 0:
        return None  # sealed before the first entry: any trail holds that
    if witness.entry > last:
        return (f"had reached entry {witness.entry}, but it ends at entry {last} now: the records were put back "
                "to an older state (an older copy restored) or entries were removed")
    if hashes.get(witness.entry) != witness.hash:
        return (f"stood at entry {witness.entry} with hash {witness.hash[:16]}…, but entry {witness.entry} is "
                "different now: the trail was replaced or rewritten")
    return None


def _seal_problem(data: bytes, config: Any) -> str | None:
    from intake.documents import verify_pdf

    report = verify_pdf(data, config)
    return None if report.ok else report.reason
