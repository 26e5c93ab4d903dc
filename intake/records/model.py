"""Provides the plain data the store hands to front ends (drafts, intakes, documents) and id/time helpers."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, get_args

from intake.verdicts import Verdict

#: Statuses of an intake. draft -> submitted -> signed, or draft -> deferred; expired and erased end a life.
IntakeStatus = Literal["draft", "submitted", "deferred", "signed", "expired", "erased"]
STATUSES: tuple[IntakeStatus, ...] = get_args(IntakeStatus)
#: Statuses after which nothing of the intake is kept (its bare row stays for the audit trail).
GONE: tuple[IntakeStatus, ...] = ("expired", "erased")
#: Where a further session of a course stands: started, re-screened (ready for treatment, deferred, waiting for
#: its date, or needing a new consent), recorded by the practitioner who treated, countersigned.
VisitStatus = Literal["open", "ready", "deferred", "waiting", "needs_consent", "recorded", "signed",
                      "not_treated"]
VISIT_STATUSES: tuple[VisitStatus, ...] = get_args(VisitStatus)
#: What a practitioner records: a clearance noted, an override, or a correction of the client's answers.
DecisionKind = Literal["clearance_noted", "override", "correction"]
DECISION_KINDS: tuple[DecisionKind, ...] = get_args(DecisionKind)
#: The decisions that settle a CLEARANCE verdict (one stands at a time).
RULING_KINDS: tuple[DecisionKind, ...] = ("clearance_noted", "override")
#: Document kinds that carry the client's signature: adding one signs a submitted intake.
CONSENT_KINDS = ("consent",)
#: Formats one intake is exported in.
ExportFormat = Literal["json", "csv", "fhir"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
#: A stored row: column name to value, as the engine keeps it (text, integers, bytes or None).
Row = dict[str, Any]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case: no i, l, o, u

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A UTC time as '2026-11-20T10:15:03.123Z'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_id(length: int = 10, prefix: str = "") -> str:
    """A random id that is easy to read aloud and type (50 bits for the default length)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def is_id_text(text: str) -> bool:
    """True when text could be (part of) an intake or client id."""
    body = text[2:] if text.startswith("c-") else text
    return bool(body) and all(ch in _ALPHABET for ch in body)


def client_label(full_name: str | None, date_of_birth: str | None) -> str:
    """A short label for lists at the front desk: first name, initial of the last name, birth year."""
    words = (full_name or "").split()
    year = f" ({date_of_birth[:4]})" if date_of_birth and len(date_of_birth) >= 4 else ""
    if not words:
        return f"(name not given yet){year}"
    name = words[0] if len(words) == 1 else f"{words[0]} {words[-1][:1]}."
    return name + year


class AuditPosition(NamedTuple):
    """Where the audit trail stood: its latest entry's number and hash, and the data key it was made with.

    Sealed documents carry the position at their sealing, so a trail older than a document shows.
    """

    entry: int
    hash: str
    key: str


@dataclass(frozen=True)
class DraftSummary:
    """A draft that can be resumed."""

    intake_id: str
    started_at: str
    updated_at: str
    step_id: str | None
    client_label: str
    device: str
    next_step: str | None = None
    #: what the client chose, as the record names it ({"language": "de"}); {} for a draft kept before: the clinic's
    languages: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerChange:
    """One answer a correction changed: its question, what the client had answered, and what it is now."""

    question_id: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Decision:
    """A practitioner's decision on an intake: a clearance noted, an override, or a correction of answers.

    Attributes:
        practitioner_id: who decided (a `[[practitioners]]` id).
        staff: the staff account that proved it (or the shared PIN's "staff").
        decision_id: its number; `supersedes` names the decision it replaced, `superseded_by` the one that
            replaced it (None while it stands).
        supersede_reason: why it replaced the earlier decision.
        changes: for a correction, each answer before and after.
    """

    practitioner_id: str
    kind: DecisionKind
    reason: str
    at: str
    staff: str
    device: str
    decision_id: int = 0
    supersedes: int | None = None
    superseded_by: int | None = None
    supersede_reason: str = ""
    changes: tuple[AnswerChange, ...] = ()

    @property
    def in_force(self) -> bool:
        """True for a clearance note or override that no later decision replaced."""
        return self.kind in RULING_KINDS and self.superseded_by is None


@dataclass(frozen=True)
class DocumentInfo:
    """A stored, sealed document (the PDF itself is fetched with Store.document_pdf)."""

    document_id: int
    kind: str
    filename: str
    sha256: str
    template_versions: Mapping[str, Any]
    size: int
    created_at: str
    kept: bool = True


@dataclass(frozen=True)
class IntakeView:
    """Everything stored about one intake, decrypted."""

    intake_id: str
    status: IntakeStatus
    consultation_date: str
    answers: dict[str, Any]
    step_id: str | None
    record: dict[str, Any] | None
    assessment: dict[str, Any] | None
    decisions: list[Decision]
    documents: list[DocumentInfo]
    next_step: str | None = None
    client_id: str | None = None
    questionnaire_version: str = ""
    started_at: str = ""
    updated_at: str = ""
    submitted_at: str | None = None
    signed_at: str | None = None
    started_by: str = ""
    device: str = ""
    retained_until: str | None = None
    #: the client's signatures kept until the countersignature ({"consent": {...}, "photo_consent": {...}})
    signatures: dict[str, Any] | None = None
    #: what the client chose, as the record names it ({"language": "de"}); {} for an intake kept before: the clinic's
    languages: Mapping[str, str] = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict | None:
        """The assessment's verdict, when assessed."""
        found = self.assessment.get("verdict") if self.assessment else None
        return next((v for v in get_args(Verdict) if v == found), None)


@dataclass(frozen=True)
class ListRow:
    """One line of `intake records list`."""

    intake_id: str
    status: IntakeStatus
    consultation_date: str
    updated_at: str
    client_id: str | None
    client_name: str
    date_of_birth: str


@dataclass(frozen=True)
class SearchResult:
    """Rows found, newest first, whether more matched than were returned, and rows that could not be read."""

    rows: list[ListRow]
    more: bool = False
    damaged: list[DamagedRow] = field(default_factory=list)


@dataclass(frozen=True)
class DamagedRow:
    """An intake a listing could not show: changed outside intake, or its client's sealed name is damaged."""

    intake_id: str
    message: str


@dataclass
class ErasureReport:
    """What `erase` removed and what it kept (consent evidence within retention)."""

    client_id: str
    erased_intakes: list[str] = field(default_factory=list)
    kept_intakes: dict[str, str] = field(default_factory=dict)  # intake id -> kept until (date)
    client_removed: bool = False


@dataclass(frozen=True)
class Visit:
    """A session of a course (intake.records.visits), decrypted.

    Attributes:
        number: the session's number in the course: the count of treatments given up to it (the treatment given on
            the consultation's day, when recorded, is session 1; see intake.lifecycle.visits).
        answers: the re-screen's answers (None until re-screened, and for session 1 recorded on the consultation's
            day, whose re-screen is the consultation: `outcome["rescreen"] == "consultation"`).
        assessment: their assessment, dated to the visit.
        outcome: what came of the re-screen: {"outcome", "reasons", "until"} ({} until re-screened).
        treatment: the practitioner's record of what was done (None until recorded).
        practitioner_id: who treated; countersigned_by: who countersigned.
    """

    visit_id: str
    client_id: str
    course_id: str
    number: int
    visit_date: str
    status: VisitStatus
    started_at: str
    started_by: str
    device: str
    answers: dict[str, Any] | None
    assessment: dict[str, Any] | None
    outcome: dict[str, Any]
    treatment: dict[str, Any] | None
    practitioner_id: str | None
    recorded_at: str | None
    signed_at: str | None
    countersigned_by: str | None
