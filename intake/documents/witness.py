"""Provides AuditWitness: where the clinic's audit trail stood when a document was sealed.

The lifecycle puts it in the countersignature; the seal writes it into the document's properties in the
sealed revision; `intake audit verify --documents` reads it back (intake.lifecycle.witnesses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditWitness:
    """Where the clinic's audit trail stood at sealing: its latest entry's number and that entry's hash."""

    entry: int
    hash: str

    #: the names of the two entries in a sealed document's properties (its information dictionary)
    ENTRY_KEY = "/IntakeAuditEntry"
    HASH_KEY = "/IntakeAuditHash"

    def properties(self) -> dict[str, str]:
        """The document properties that carry this witness."""
        return {self.ENTRY_KEY: str(self.entry), self.HASH_KEY: self.hash}

    @classmethod
    def from_properties(cls, info: Mapping[str, Any]) -> AuditWitness | None:
        """The witness in a document's properties, or None when it has none (or it is malformed)."""
        entry, digest = str(info.get(cls.ENTRY_KEY, "")), str(info.get(cls.HASH_KEY, ""))
        if not entry.isdigit() or not digest:
            return None
        return cls(int(entry), digest)
