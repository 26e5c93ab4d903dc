"""Provides the plain data the wizard keeps about one client: answers, signatures, review."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intake.assessment import Assessment
    from intake.treatment import TreatmentPlan


@dataclass(frozen=True)
class SignatureCapture:
    """A client's signature as captured on screen: drawn strokes (normalised 0..1, y down) or a typed name."""

    method: str
    name: str
    intent_statement: str
    signed_at: datetime
    strokes: tuple[tuple[tuple[float, float], ...], ...] = ()
    aspect_ratio: float = 3.0

    def to_dict(self) -> dict[str, Any]:
        """The signature in the documents' JSON form (as the store keeps it until the countersignature)."""
        from intake.documents.model import Signature

        return Signature(self.method, self.name, self.intent_statement, self.signed_at,
                         [list(stroke) for stroke in self.strokes], self.aspect_ratio).to_dict()

    @classmethod
    def from_dict(cls, data: Any, kind: str) -> SignatureCapture:
        """A signature back from `to_dict`'s form, checked.

        Raises:
            IntakeError: the data is not a complete, valid signature.
        """
        from intake.documents.model import Signature

        signature = Signature.from_dict(data, f"the kept {kind} signature")
        return cls(signature.method, signature.name, signature.intent_statement, signature.signed_at,
                   tuple(signature.strokes), signature.aspect_ratio)


@dataclass(frozen=True)
class Review:
    """The practitioner's countersignature: decision, reason and the agreed plan (None for a deferral)."""

    practitioner_id: str
    decision: str
    reason: str
    plan: TreatmentPlan | None
    signed_at: datetime


@dataclass
class ClientState:
    """Everything about the client being served; a fresh instance for every client."""

    intake_id: str | None = None
    consultation_date: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    next_step: str | None = None
    submitted: bool = False
    record: dict[str, Any] | None = None
    assessment: Assessment | None = None
    client_signature: SignatureCapture | None = None
    photo_signature: SignatureCapture | None = None
    review: Review | None = None
    documents: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Resumption:
    """Where a resumed intake continues: 'steps' (at step_index), 'review', 'information' or 'practitioner'."""

    stage: str
    step_index: int = 0
