"""Provides the typed, frozen document context: what a template may read, with every optional part explicit.

A template reads attributes of these objects. A value a legitimate record may lack is a field that is
None (or an empty tuple), never a missing key, so `{% if x.y is not none %}` is always safe, and a
misspelt attribute is still a StrictUndefined error caught by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from intake.documents.signature import SignatureDrawing
from intake.signing import Capacity


@dataclass(frozen=True)
class ClinicView:
    """The clinic as printed on every page; email and website are "" when not configured."""

    name: str
    address: str
    phone: str
    email: str
    website: str
    timezone: str


@dataclass(frozen=True)
class RecordView:
    """The record's identity and the versions of the data it was assessed with."""

    id: str
    id_derived: bool
    consultation_date: date
    questionnaire_version: str
    rules_version: str
    treatment_version: str


@dataclass(frozen=True)
class GuardianView:
    """The parent or guardian of a client under the legal age (who consents, or is the contact)."""

    name: str
    relationship: str


@dataclass(frozen=True)
class ClientView:
    """The client; date_of_birth and age are None when not known.

    minor: under the legal age ([policy] legal_age), the only clients with a parent or guardian involved;
    guardian: the parent or guardian named in the answers (None unless a minor's was named);
    consent_by: who gives the consent, and so whom the documents address: the signer's capacity once signed,
    else "guardian" for a minor the clinic does not let consent for themselves (minors policy defer or
    clearance), else "client".
    """

    name: str
    date_of_birth: date | None
    age: int | None
    concerns: tuple[str, ...]
    adult_age: int
    legal_age: int
    minor: bool
    guardian: GuardianView | None
    consent_by: Capacity


@dataclass(frozen=True)
class FindingView:
    """One finding as the documents show it.

    until is the end of its waiting period (None when it has none); lasting is True for a finding that
    will not pass with time; come_back is the condition after which a temporary one has passed ("" if none);
    reason is the client message without its instruction; risk what it adds to the consent's risks ("" if none);
    needs, for a CLEARANCE finding, what settles it ("guardian", "review", "approval" or "wait"; else "").
    """

    rule: str
    severity: str
    question: str
    answer: str
    client_message: str
    practitioner_message: str
    until: date | None
    lasting: bool
    come_back: str
    reason: str
    risk: str
    needs: str


@dataclass(frozen=True)
class Severities:
    """The findings grouped by severity (each tuple may be empty)."""

    defer: tuple[FindingView, ...]
    clearance: tuple[FindingView, ...]
    caution: tuple[FindingView, ...]


@dataclass(frozen=True)
class PlanLimits:
    """The limits the screening set on the plan; each is None when no finding set it."""

    max_depth_mm: float | None
    min_interval_weeks: int | None

    @property
    def any(self) -> bool:
        """Whether the screening set any limit."""
        return self.max_depth_mm is not None or self.min_interval_weeks is not None


@dataclass(frozen=True)
class AssessmentView:
    """The verdict and findings; return_date is None when no waiting period has a date.

    lasting and temporary split the DEFER findings: those that will not pass, and those that will.
    precautions: the CAUTION findings' wording with their instructions merged by topic (intake.advice).
    aftercare: the aftercare additions merged by topic; checklists: each topic's checklist line (the strongest
    advice's, or what everyone gets), read with checklist_line.
    clearance_needs: what the CLEARANCE findings ask for, in order: "guardian", "review", "approval", "wait".
    """

    verdict: str
    findings: tuple[FindingView, ...]
    by_severity: Severities
    rules: tuple[str, ...]
    aftercare: tuple[str, ...]
    plan_limits: PlanLimits
    return_date: date | None
    open_ended: bool
    lasting: tuple[FindingView, ...]
    temporary: tuple[FindingView, ...]
    precautions: tuple[str, ...]
    checklists: tuple[tuple[str, str], ...]
    clearance_needs: tuple[str, ...]

    def checklist_line(self, topic: str, default: str = "") -> str:
        """The aftercare checklist line on a topic, or `default` when the data gives none."""
        return next((line for name, line in self.checklists if name == topic and line), default)


@dataclass(frozen=True)
class AreaView:
    """One treatment area with its needle depths in mm."""

    id: str
    label: str
    depth_min: float
    depth_max: float


@dataclass(frozen=True)
class PlanView:
    """The treatment plan (None on a deferral letter)."""

    areas: tuple[AreaView, ...]
    sessions: int
    interval_weeks: int
    maintenance_months: tuple[int, ...]
    downtime_days: tuple[float, ...]
    deepest_mm: float


@dataclass(frozen=True)
class DateWindow:
    """A span of days, first and last included."""

    start: date
    end: date


@dataclass(frozen=True)
class ScheduleView:
    """When treatment can start; first_session and next_window are None while approvals are outstanding."""

    signed_day: date
    waiting_for_clearance: bool
    first_session: date | None
    first_session_later: bool
    next_window: DateWindow | None


@dataclass(frozen=True)
class AnswerItem:
    """One answered question; severity is the strongest finding it led to, or None."""

    id: str
    label: str
    answer: str
    long: bool
    severity: str | None


@dataclass(frozen=True)
class AnswerSection:
    """The answered questions of one questionnaire step."""

    title: str
    items: tuple[AnswerItem, ...]


@dataclass(frozen=True)
class PhotoView:
    """Photo consent: the uses agreed and not agreed (both empty when not given)."""

    given: bool
    uses: tuple[str, ...]
    not_chosen: tuple[str, ...]
    retention_years: int


@dataclass(frozen=True)
class PrivacyView:
    """How the clinic keeps the client's data, from [privacy] and [storage] retention_years."""

    controller: str
    contact: str
    retention_years: int


@dataclass(frozen=True)
class SignatureView:
    """A kept signature; drawing is None for a typed one.

    capacity is "client", "guardian" or "representative"; relationship is "" for the client themselves;
    same_as_consent: the photo consent was signed with the treatment consent's signature, as the signer chose.
    """

    method: str
    name: str
    statement: str
    signed_at: datetime
    drawing: SignatureDrawing | None
    capacity: str
    relationship: str
    same_as_consent: bool = False


@dataclass(frozen=True)
class PersonView:
    """A practitioner as the documents name them; role and registration are "" when not configured."""

    id: str
    name: str
    role: str
    registration: str


@dataclass(frozen=True)
class AnswerChangeView:
    """One answer a correction changed, in words: the question, what the client had said, and what it is now."""

    question: str
    before: str
    after: str


@dataclass(frozen=True)
class DecisionNoteView:
    """A superseded decision or a correction of answers, with who made it and, if replaced, who replaced it."""

    kind: str
    by: PersonView
    on: date
    reason: str
    superseded_on: date | None
    superseded_by: PersonView | None
    replaced_because: str
    changes: tuple[AnswerChangeView, ...]


@dataclass(frozen=True)
class PractitionerView:
    """The countersigner, and the decision in force with the practitioner who made it (who may be another).

    decision is "none" when none was recorded (then decided_by is None); reason is "" when none was given;
    history lists superseded decisions and corrections of answers, oldest first.
    """

    id: str
    name: str
    role: str
    registration: str
    signed_at: datetime
    decision: str
    reason: str
    decided_by: PersonView | None
    decided_on: date | None
    history: tuple[DecisionNoteView, ...]


@dataclass(frozen=True)
class SignaturesView:
    """The signatures a document carries; each is None until signed."""

    client: SignatureView | None
    photo: SignatureView | None
    practitioner: PractitionerView | None


@dataclass(frozen=True)
class DocumentContext:
    """Everything the documents of one packet say about the client (documents add their own kind and versions)."""

    language: str
    clinic: ClinicView
    record: RecordView
    client: ClientView
    assessment: AssessmentView
    plan: PlanView | None
    schedule: ScheduleView
    disclosures: tuple[AnswerSection, ...]
    affirmations: tuple[str, ...]
    photo: PhotoView
    privacy: PrivacyView
    signatures: SignaturesView
    issued_at: datetime
    #: When signatures given earlier were entered and the document sealed; None when it was at issued_at.
    entered_at: datetime | None

    def variables(self) -> dict[str, Any]:
        """The template's top-level names, each bound to its typed part."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
