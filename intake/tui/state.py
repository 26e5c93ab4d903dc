"""Provides the plain data the wizard keeps about one client: the intake, the signatures on screen, the review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (the records store, lifecycle and documents load after the first screen shows: intake.tui.flow)
    from intake.assessment import Assessment
    from intake.documents.model import Countersignature, Signature
    from intake.lifecycle import Intake
    from intake.treatment import TreatmentPlan

    SignatureCapture = Signature
else:
    def __getattr__(name: str) -> Any:
        """SignatureCapture: a signature as captured on screen is the documents' own Signature (one type for every
        front end), imported when first asked for, not before the welcome screen shows."""
        if name == "SignatureCapture":
            from intake.documents.model import Signature

            return Signature
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The id of an intake the client started but has not answered yet: it is not in the store (`ClientState.stored`).
NOT_STORED = ""


@dataclass(frozen=True)
class Review:
    """The practitioner's countersignature: decision, reason and the agreed plan (None for a deferral)."""

    practitioner_id: str
    decision: str
    reason: str
    plan: TreatmentPlan | None
    signed_at: datetime
    #: why the decision replaces the one that stands (None when nothing stands, or no decision is made)
    supersede: str | None = None


@dataclass(frozen=True)
class Expected:
    """What the practitioner's screen would countersign with if pressed now (all but the moment)."""

    practitioner_id: str
    decision: str
    reason: str
    plan: TreatmentPlan | None
    #: the decisions recorded already, as `Lifecycle.decision_history` gives them
    history: tuple[Any, ...] = ("none", "", None, None, ())
    #: why the decision on screen replaces the one that stands
    supersede: str = ""


@dataclass
class ClientState:
    """Everything about the client being served; a fresh instance for every client."""

    intake: Intake | None = None
    client_signature: Signature | None = None
    photo_signature: Signature | None = None
    review: Review | None = None
    #: the countersignature made from the review (with the decision recorded in the store)
    counter: Countersignature | None = None
    #: staff chose to carry on with every question after a kind stop (the answer was a misunderstanding)
    kind_stop_waived: bool = False
    #: what the practitioner's screen shows now, for laying the documents out ahead: (practitioner id,
    #: decision, reason, plan); None when it would not countersign as it stands
    expected: Expected | None = None
    #: the countersignatures the renderer holds documents prepared for (the last KEPT, oldest first)
    prepared: tuple[Countersignature, ...] = ()
    #: the countersignature the renderer is laying documents out for right now, if any
    preparing: Countersignature | None = None
    #: what the practitioner chose and typed on their review, kept while they correct an answer or close it
    practitioner_draft: dict[str, Any] | None = None

    @property
    def intake_id(self) -> str | None:
        """The intake's id, once it is in the store."""
        return self.intake.intake_id if self.intake and self.stored else None

    @property
    def stored(self) -> bool:
        """True once the intake is in the store (the client gave a first answer, or staff started it)."""
        return self.intake is not None and self.intake.intake_id != NOT_STORED

    @property
    def consultation_date(self) -> str:
        """The consultation date (the clinic's day when the intake began)."""
        return self.intake.consultation_date if self.intake else ""

    @property
    def answers(self) -> dict[str, Any]:
        """The answers so far."""
        return self.intake.answers if self.intake else {}

    @property
    def record(self) -> dict[str, Any] | None:
        """The frozen record, once assessed."""
        return self.intake.record if self.intake else None

    @property
    def assessment(self) -> Assessment | None:
        """The assessment, once assessed."""
        return self.intake.assessment if self.intake else None

    @property
    def submitted(self) -> bool:
        """True once the store holds the record."""
        return self.intake is not None and self.intake.status != "draft"

    @property
    def documents(self) -> list[Path]:
        """The documents written for this intake."""
        return self.intake.documents if self.intake else []


@dataclass(frozen=True)
class Resumption:
    """Where the wizard continues: 'steps' (at step_index), 'review', 'information' or 'practitioner'."""

    stage: str
    step_index: int = 0
