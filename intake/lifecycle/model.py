"""Provides the plain data of the intake lifecycle: who acted, an intake as front ends hold it, signatures."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from intake.assessment import Assessment
from intake.errors import IntakeError

if TYPE_CHECKING:
    from intake.documents.model import Countersignature, Packet, Signature

#: The question whose answer says photos were agreed (so the photo consent has its own signature).
PHOTO_CONSENT_QUESTION = "photo_consent"
#: Where an intake continues, one vocabulary for the lifecycle and every front end. `Lifecycle.resume` answers
#: steps, review, sign, practitioner, letter or done; the wizard also passes through stopped (a kind stop shown to
#: the client), stopped-staff (the same, resumed by staff), information, photo, submit and handback.
Stage = Literal["steps", "stopped", "stopped-staff", "review", "information", "sign", "photo", "submit", "handback",
                "practitioner", "letter", "done"]
STAGES: tuple[Stage, ...] = get_args(Stage)


class LifecycleError(IntakeError):
    """A step of the lifecycle was asked for at the wrong time, or with inputs that do not fit."""


@dataclass(frozen=True)
class Actor:
    """Who did something, and on which device, for the audit trail."""

    staff: str
    device: str


def device_name(config: Any) -> str:
    """This device's name for the audit trail: $INTAKE_DEVICE, else [kiosk] device, else the host name."""
    return (os.environ.get("INTAKE_DEVICE") or config.section("kiosk").get("device") or socket.gethostname()
            or "this computer")


class Renderer(Protocol):
    """What the lifecycle needs of a document renderer (intake.documents.PacketRenderer, or its child process)."""

    def statement(self, kind: str, language: str | None = None) -> str:
        """The statement a client affirms when signing 'consent' or 'photo_consent' (in `language`; the clinic's
        when None)."""

    def render(self, record: Mapping[str, Any], *, client_signature: Signature | None = None,
               countersignature: Countersignature | None = None, photo_signature: Signature | None = None,
               sealed: bool = True, issued_at: datetime | None = None, kind_stop: bool = False) -> Packet:
        """Renders the packet of a record (see PacketRenderer.render)."""


@dataclass(frozen=True)
class ClientSignatures:
    """The client's signatures: the consent's, and the photo consent's when photos were agreed."""

    consent: Signature
    photo: Signature | None = None

    @property
    def photo_same_as_consent(self) -> bool:
        """The signer chose to sign the photo consent with the consent's signature (kept and printed as that choice;
        see `intake.lifecycle.signers.same_for_photos`); False when the photo consent was signed on its own."""
        return self.photo is not None and self.photo.same_as_consent

    def to_dict(self) -> dict[str, Any]:
        """The signatures as the store keeps them: documents' JSON form by kind."""
        kept = {"consent": self.consent.to_dict()}
        if self.photo is not None:
            kept["photo_consent"] = self.photo.to_dict()
        return kept

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClientSignatures:
        """The signatures back from `to_dict`'s form, checked.

        Raises:
            SignatureInputError: a signature is missing or malformed.
        """
        from intake.documents.model import Signature

        consent = Signature.from_dict(data.get("consent"), "the kept consent signature")
        photo = data.get("photo_consent")
        return cls(consent, Signature.from_dict(photo, "the kept photo consent signature") if photo else None)


@dataclass
class Intake:
    """One intake as a front end holds it: its answers and, once submitted, its record and assessment."""

    intake_id: str
    consultation_date: str
    answers: dict[str, Any] = field(default_factory=dict)
    status: str = "draft"
    next_step: str | None = None
    step_id: str | None = None
    record: dict[str, Any] | None = None
    assessment: Assessment | None = None
    signatures: ClientSignatures | None = None
    documents: list[Path] = field(default_factory=list)
    #: The record holds only the answers given up to a kind stop (its deferral letter is made from them).
    kind_stop: bool = False
    #: The language the client chose for this intake ('' until known: the clinic's; see Lifecycle.language).
    language: str = ""
    #: The language chosen for the client's documents alone ('' for the screens' language; see
    #: Lifecycle.documents_language), e.g. Urdu from [clinic] documents_only.
    documents_language: str = ""

    @property
    def verdict(self) -> str | None:
        """The verdict, once assessed."""
        return self.assessment.verdict if self.assessment else None


@dataclass(frozen=True)
class Resumption:
    """Where a resumed intake continues: a stage of STAGES, and for 'steps' the step's index."""

    stage: Stage
    intake: Intake
    step_index: int = 0


def document_time(signed_at: datetime, signatures: ClientSignatures | None = None) -> datetime:
    """The countersignature's time as the documents print and embed it: the minute it was made.

    The documents print times to the minute, so this loses nothing they show; it is what lets the
    documents be laid out before the practitioner countersigns (only the seal, which carries the
    exact moment, is left for then). When the client signed earlier in that same minute, the
    client's signing time is used instead, so the countersignature never reads as earlier than the
    signatures it countersigns. The same moment always gives the same time.

    Args:
        signed_at: the exact moment of countersigning, timezone-aware.
        signatures: the client's signatures, if any.
    """
    exact = signed_at.astimezone(UTC).replace(microsecond=0)
    minute = exact.replace(second=0)
    client = [s.signed_at.astimezone(UTC).replace(microsecond=0)
              for s in ((signatures.consent, signatures.photo) if signatures else ()) if s is not None]
    latest = max(client, default=minute)
    return latest if minute < latest <= exact else minute


def kept_signatures(kept: Mapping[str, Any] | None, photo_needed: bool) -> ClientSignatures | None:
    """The client's signatures kept in the store, or None when any this intake needs is missing or unreadable."""
    if not kept:
        return None
    try:
        signatures = ClientSignatures.from_dict(kept)
    except IntakeError:
        return None
    if photo_needed and signatures.photo is None:
        return None
    return signatures if photo_needed else replace(signatures, photo=None)
