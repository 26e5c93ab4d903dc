"""Provides the sessions of a course as records: a visit's life from start to countersignature.

A course is a client's signed consultation; each session of treatment given under it is a visit, numbered by
the treatments actually given (intake.lifecycle.visits explains the numbering). A visit is started (by whom, on
which device, for which day), re-screened (the client's answers and their assessment, and what came of them:
ready, deferred, waiting, or a new consent needed, with the reasons), recorded by the practitioner who treated
(what was done, kept sealed), and countersigned. The treatment given on the day the consultation was countersigned
is session 1 and is kept in one write (`record_first`): its re-screen is the consultation itself. Each step is
one write transaction, checked first (nothing is written when refused), sealed like every row, and audited as a
'visit' entry.

The checks that need the store's own state are made here, inside the transaction: the course is a signed
intake of this client, the client is not being erased, no other visit of the client is open, a visit is not
dated before the course's last session, and each step comes in its order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

from intake.records.checks import check_who, fingerprint
from intake.records.errors import RecordNotFoundError, StoreError, TamperedRecordError, WorkflowError
from intake.records.model import Row, Visit, VisitStatus, new_id

if TYPE_CHECKING:
    from intake.records.store import Records

#: What a re-screen can come to.
RescreenOutcome = Literal["ready", "deferred", "waiting", "needs_consent"]
OUTCOMES: tuple[RescreenOutcome, ...] = get_args(RescreenOutcome)
#: A visit in one of these is still going on: the client has no other visit until it ends.
OPEN: tuple[VisitStatus, ...] = ("open", "ready", "recorded")
#: Visits in these gave a session of the course.
TREATED: tuple[VisitStatus, ...] = ("recorded", "signed")
_SEALED_COLUMNS = ("answers", "assessment", "outcome", "treatment")
#: The documents a visit keeps: a countersigned session's, and a deferred visit's letter.
VISIT_DOCUMENTS = ("session_record", "session_aftercare", "visit_deferral")
#: Kept with the consent evidence when the client asks to be erased (the treatment given under the consent, as
#: its visits are); the aftercare sheets and letters go then, as the consultation's do.
KEPT_WITH_CONSENT = ("session_record",)


def _ad(visit_id: str, column: str) -> str:
    return f"visit:{visit_id}:{column}"


def _row(store: Records, visit_id: str) -> Row:
    if not isinstance(visit_id, str) or not visit_id.startswith("v-") or len(visit_id) > 40:
        raise RecordNotFoundError(f"{str(visit_id)[:40]!r} is not a visit id (visit ids start with 'v-'; "
                                  "`intake records visit list CLIENT` lists a client's).")
    row = store.tables.get("visits", visit_id)
    if row is None:
        raise RecordNotFoundError(f"there is no visit {visit_id}. `intake records visit list CLIENT` lists a "
                                  "client's visits.")
    store.tables.check("visits", row)
    return row


def _view(store: Records, row: Row) -> Visit:
    """A row as a Visit (a row written in this transaction holds only the columns given so far)."""
    opened = {column: store.keyring.open_json(row[column], _ad(row["id"], column),
                                              f"the {column} of visit {row['id']}") if row.get(column) else None
              for column in _SEALED_COLUMNS}
    return Visit(row["id"], row["client_id"], row["course_id"], row["number"], row["visit_date"], row["status"],
                 row["started_at"], row["started_by"], row["device"], opened["answers"], opened["assessment"],
                 opened["outcome"] or {}, opened["treatment"], row.get("practitioner_id"), row.get("recorded_at"),
                 row.get("signed_at"), row.get("countersigned_by"))


def course_consent(store: Records, course_id: str) -> bytes:
    """The sealed consent PDF a course stands on (checked against its SHA-256), for reading its plan.

    Raises:
        RecordNotFoundError, WorkflowError: no such intake, or it is not signed (no course).
        TamperedRecordError: the stored PDF is not the one signed.
    """
    with store.read("reading a course's consent"):
        row = store.row(course_id)
        if row["status"] != "signed":
            raise WorkflowError(f"intake {course_id} is {row['status']}, not signed: a course of sessions starts "
                                "from a countersigned consent.")
        docs = store.backend.documents_of(course_id, "consent")
        if not docs or docs[-1]["pdf"] is None:
            raise WorkflowError(f"intake {course_id} has no stored consent: a course of sessions starts from one.")
        doc = docs[-1]
        store.tables.check("documents", doc)
        pdf = store.keyring.open(doc["pdf"], f"document:{course_id}:{doc['id']}:pdf",
                                 f"the consent of intake {course_id}")
        if hashlib.sha256(pdf).hexdigest() != doc["sha256"]:
            raise TamperedRecordError(f"the consent of intake {course_id} does not match the SHA-256 recorded when "
                                      "it was signed. Do not use it; restore a backup.")
        return pdf


def of_client(store: Records, client_id: str) -> list[Visit]:
    """A client's visits, oldest first."""
    with store.read("listing visits"):
        rows = store.backend.visits_of(client_id)
        for row in rows:
            store.tables.check("visits", row)
        return [_view(store, row) for row in rows]


def load(store: Records, visit_id: str) -> Visit:
    """One visit, decrypted."""
    with store.read("reading a visit"):
        return _view(store, _row(store, visit_id))


def start(store: Records, course_id: str, *, visit_date: str, staff: str, device: str) -> Visit:
    """Starts a further session of the course on `visit_date`; returns the visit.

    Raises:
        RecordNotFoundError: no such intake.
        WorkflowError: the intake is not a signed consent, its client is erased or being erased, another visit
            of the client is open, or the date is before the course's last session.
    """
    check_who(staff, device)
    with store.write("starting a visit"):
        course, client_id, course_visits = _session_of(
            store, course_id, "not a countersigned consent: a further session needs the client's signed consent "
            "first (a new consultation).", "no further sessions are recorded for them.")
        last = max([course["consultation_date"], *(v["visit_date"] for v in course_visits)])
        if visit_date < last:
            raise WorkflowError(f"the visit date {visit_date} is before the course's last session on {last}.")
        number = 1 + given(course_visits)
        visit_id = new_id(prefix="v-")
        now = store.now()
        store.tables.insert("visits", {
            "id": visit_id, "client_id": client_id, "course_id": course_id, "number": number,
            "visit_date": visit_date, "status": "open", "started_at": now, "started_by": staff, "device": device,
            "updated_at": now})
        store.audit("visit", staff=staff, device=device, intake_id=course_id, client_id=client_id, act="started",
                    visit_id=visit_id, session=number, visit_date=visit_date)
        return _view(store, store.tables.get("visits", visit_id) or {})



def _session_of(store: Records, course_id: str, not_signed: str, erased: str) -> tuple[Row, str, list[Row]]:
    """A course a session may be kept for (inside the caller's write): its intake row, its client and the course's
    visits so far. Refused (WorkflowError, ending with `not_signed` or `erased`) unless the intake is a
    countersigned consent of a client not being erased, with no visit of the client open."""
    course = store.row(course_id)
    client_id = course["client_id"]
    if course["status"] != "signed" or client_id is None:
        raise WorkflowError(f"intake {course_id} is {course['status']}, {not_signed}")
    client = store.tables.get("clients", client_id)
    if client is None or client["erasure_requested_at"]:
        raise WorkflowError(f"the client of intake {course_id} asked to be erased: {erased}")
    earlier = store.backend.visits_of(client_id)
    busy = [v for v in earlier if v["status"] in OPEN]
    if busy:
        raise WorkflowError(f"the client already has visit {busy[0]['id']} open (session {busy[0]['number']} "
                            f"on {busy[0]['visit_date']}): finish or countersign it first.")
    return course, str(client_id), [v for v in earlier if v["course_id"] == course_id]

def given(course_visits: Sequence[Row]) -> int:
    """The sessions of a course given so far: the highest session number treated (the count of treatments given;
    visits kept before session 1 was recorded from the consultation day start at 2 and count it)."""
    return max((int(v["number"]) for v in course_visits if v["status"] in TREATED), default=0)


def record_first(store: Records, course_id: str, *, visit_date: str, assessment: Mapping[str, Any],
                 treatment: Mapping[str, Any], practitioner_id: str, staff: str, device: str) -> Visit:
    """Keeps the treatment given on the day the course's consent was countersigned as session 1, in one write:
    its re-screen is the consultation (`assessment` is the consultation's), so it is kept recorded, for the
    countersignature. Returns the visit.

    Raises:
        RecordNotFoundError: no such intake.
        WorkflowError: the intake is not a countersigned consent, its client is erased, another visit of the client
            is open, or the course has a visit already (session 1 recorded, or a later visit begun); nothing is
            written.
    """
    check_who(staff, device)
    with store.write("keeping the first session's treatment record"):
        course, client_id, course_visits = _session_of(
            store, course_id, "not countersigned: the first session's treatment is recorded after the consultation "
            "is countersigned.", "no treatment is recorded for them.")
        if course_visits:
            first = course_visits[0]
            raise WorkflowError(
                f"the first session of the course of intake {course_id} is recorded already (visit {first['id']} "
                f"on {first['visit_date']}); it takes no second record." if
                _view(store, first).outcome.get("rescreen") == "consultation" else
                f"the course of intake {course_id} has had a visit since its consultation (visit {first['id']} on "
                f"{first['visit_date']}): the consultation day's treatment can no longer be recorded; record "
                "each treatment at its own visit.")
        visit_id = new_id(prefix="v-")
        now = store.now()
        store.tables.insert("visits", {
            "id": visit_id, "client_id": client_id, "course_id": course_id, "number": 1, "visit_date": visit_date,
            "status": "recorded", "started_at": now, "started_by": staff, "device": device, "updated_at": now,
            "assessment": store.keyring.seal_json(dict(assessment), _ad(visit_id, "assessment")),
            "outcome": store.keyring.seal_json({"outcome": "ready", "reasons": [], "until": None,
                                                "rescreen": "consultation"}, _ad(visit_id, "outcome")),
            "recorded_at": now, "practitioner_id": practitioner_id,
            "treatment": store.keyring.seal_json(dict(treatment), _ad(visit_id, "treatment"))})
        store.audit("visit", staff=staff, device=device, intake_id=course_id, client_id=client_id, act="started",
                    visit_id=visit_id, session=1, visit_date=visit_date, rescreen="consultation")
        store.audit("visit", staff=staff, device=device, intake_id=course_id, client_id=client_id,
                    act="treatment_recorded", visit_id=visit_id, practitioner=practitioner_id,
                    areas=sorted(treatment.get("areas", {})), cartridge_lot=treatment.get("cartridge_lot"))
        return _view(store, store.tables.get("visits", visit_id) or {})


def rescreen(store: Records, visit_id: str, *, answers: Mapping[str, Any], assessment: Mapping[str, Any],
             outcome: RescreenOutcome, reasons: Sequence[str], until: str | None, staff: str,
             device: str) -> Visit:
    """Keeps a visit's re-screen: the answers, their assessment and what came of them (with reasons, and the
    day the client may come back when deferred or waiting).

    Raises:
        WorkflowError: the visit was re-screened already, or the outcome is not one intake knows.
    """
    check_who(staff, device)
    if outcome not in OUTCOMES:
        raise WorkflowError(f"{outcome!r} is not a re-screen outcome ({', '.join(OUTCOMES)}).")
    status: VisitStatus = "ready" if outcome == "ready" else outcome
    with store.write("keeping a re-screen"):
        row = _row(store, visit_id)
        if row["status"] == "not_treated":
            raise WorkflowError(_not_ready(visit_id, row["status"], "re-screen"))
        if row["status"] != "open":
            raise WorkflowError(f"visit {visit_id} was re-screened already ({row['status']}); start a new visit "
                                "to ask again.")
        now = store.now()
        store.tables.update("visits", visit_id, status=status, updated_at=now,
                            answers=store.keyring.seal_json(dict(answers), _ad(visit_id, "answers")),
                            assessment=store.keyring.seal_json(dict(assessment), _ad(visit_id, "assessment")),
                            outcome=store.keyring.seal_json({"outcome": outcome, "reasons": list(reasons),
                                                             "until": until}, _ad(visit_id, "outcome")))
        store.audit("visit", staff=staff, device=device, intake_id=row["course_id"], client_id=row["client_id"],
                    act="rescreened", visit_id=visit_id, outcome=outcome, verdict=assessment.get("verdict"),
                    until=until, answers_hmac=fingerprint(store, "answers", dict(answers)))
        return _view(store, store.tables.get("visits", visit_id) or {})


def end_untreated(store: Records, visit_id: str, *, reason: str, staff: str, device: str) -> Visit:
    """Ends a visit that was started, or re-screened ready, without treatment: the client left, or the practitioner
    decided not to treat today. The reason is kept sealed with the visit's outcome, with who ended it and when; the
    visit gave no session, and the client's next visit can start.

    Raises:
        WorkflowError: the visit had its treatment recorded (it was given: countersign it), or ended otherwise
            (deferred, waiting, a new consent needed, countersigned, ended already); nothing is written.
    """
    check_who(staff, device)
    with store.write("ending a visit without treatment"):
        row = _row(store, visit_id)
        if row["status"] not in ("open", "ready"):
            raise WorkflowError(f"visit {visit_id} ended already ({row['status']})." if row["status"] != "recorded"
                                else f"visit {visit_id} has its treatment record: the treatment was given, so the "
                                "visit is countersigned, not ended without treatment.")
        now = store.now()
        before = _view(store, row).outcome
        ended = {"reason": reason, "at": now, "by": staff, "was": row["status"]}
        store.tables.update("visits", visit_id, status="not_treated", updated_at=now,
                            outcome=store.keyring.seal_json({**before, "not_treated": ended},
                                                            _ad(visit_id, "outcome")))
        store.audit("visit", staff=staff, device=device, intake_id=row["course_id"], client_id=row["client_id"],
                    act="ended_untreated", visit_id=visit_id, was=row["status"])
        return _view(store, store.tables.get("visits", visit_id) or {})


def record_treatment(store: Records, visit_id: str, *, treatment: Mapping[str, Any], practitioner_id: str,
                     staff: str, device: str) -> Visit:
    """Keeps the practitioner's record of what was done at a visit that was re-screened ready.

    Raises:
        WorkflowError: the visit is not ready for treatment (not re-screened, deferred, waiting, needing a new
            consent) or was recorded already.
    """
    check_who(staff, device)
    with store.write("keeping a treatment record"):
        row = _row(store, visit_id)
        if row["status"] != "ready":
            raise WorkflowError(_not_ready(visit_id, row["status"], "a treatment record"))
        now = store.now()
        store.tables.update("visits", visit_id, status="recorded", recorded_at=now, updated_at=now,
                            practitioner_id=practitioner_id,
                            treatment=store.keyring.seal_json(dict(treatment), _ad(visit_id, "treatment")))
        store.audit("visit", staff=staff, device=device, intake_id=row["course_id"], client_id=row["client_id"],
                    act="treatment_recorded", visit_id=visit_id, practitioner=practitioner_id,
                    areas=sorted(treatment.get("areas", {})), cartridge_lot=treatment.get("cartridge_lot"))
        return _view(store, store.tables.get("visits", visit_id) or {})


def countersign(store: Records, visit_id: str, *, practitioner_id: str, staff: str, device: str,
                documents: Sequence[Any] = (), signed_at: str | None = None) -> Visit:
    """The practitioner countersigns a recorded visit: the session is complete. Its sealed documents (the session
    record and aftercare sheet), when given, are kept in the same write. `signed_at` (UTC ISO) is when they
    countersigned when that was earlier than now (checked by the lifecycle); the act is audited now.

    Raises:
        WorkflowError: the visit has no treatment record yet, or is countersigned already.
        StoreError: a document is malformed (nothing is written).
    """
    check_who(staff, device)
    checked = [_checked(i, d) for i, d in enumerate(documents)]
    with store.write("countersigning a visit"):
        row = _row(store, visit_id)
        if row["status"] != "recorded":
            raise WorkflowError(_not_ready(visit_id, row["status"], "a countersignature"))
        now = store.now()
        store.tables.update("visits", visit_id, status="signed", signed_at=signed_at or now,
                            countersigned_by=practitioner_id, updated_at=now)
        store.audit("visit", staff=staff, device=device, intake_id=row["course_id"], client_id=row["client_id"],
                    act="countersigned", visit_id=visit_id, practitioner=practitioner_id,
                    **({"signed_at": signed_at} if signed_at else {}))
        _keep(store, row, checked, now, staff, device)
        return _view(store, store.tables.get("visits", visit_id) or {})


def add_documents(store: Records, visit_id: str, documents: Sequence[Any], *, staff: str, device: str) -> None:
    """Keeps the sealed deferral letter of a visit the re-screen deferred.

    Raises:
        WorkflowError: the visit was not deferred.
        StoreError: no document given, or one is malformed (nothing is written).
    """
    check_who(staff, device)
    checked = [_checked(i, d) for i, d in enumerate(documents)]
    if not checked:
        raise StoreError("no documents were given to store.")
    with store.write("storing a visit's documents"):
        row = _row(store, visit_id)
        if row["status"] != "deferred":
            raise WorkflowError(f"visit {visit_id} is {row['status']}, not deferred: it has no deferral letter.")
        _keep(store, row, checked, store.now(), staff, device)


def _checked(index: int, doc: Any) -> Any:
    """A document as the store keeps an intake's, checked the same way (intake.records.workflow)."""
    from intake.records.workflow import check_document

    checked = check_document(index, doc)
    if checked.kind not in VISIT_DOCUMENTS:
        raise StoreError(f"document {index + 1}: {checked.kind!r} is not a visit's document "
                         f"({', '.join(VISIT_DOCUMENTS)}).")
    return checked


def _keep(store: Records, row: Row, documents: Sequence[Any], now: str, staff: str, device: str) -> None:
    """Stores a visit's documents beside its course's (sealed row, PDF encrypted, digest), each audited."""
    from intake.records.workflow import store_document

    for doc in documents:
        doc_id = store_document(store, row["course_id"], doc, now, staff, device, visit_id=row["id"])
        store.audit("rendered", staff=staff, device=device, intake_id=row["course_id"], client_id=row["client_id"],
                    visit_id=row["id"], document_id=doc_id, kind=doc.kind,
                    pdf_hmac=fingerprint(store, "pdf", doc.sha256), size=len(doc.pdf),
                    template_versions=doc.template_versions)


def documents(store: Records, visit_id: str, *, kind: str | None = None, staff: str, device: str,
              deliver: Callable[[list[tuple[Any, bytes]]], None] | None = None) -> list[tuple[Any, bytes]]:
    """A visit's stored documents, byte-identical and checked against their SHA-256 (a reprint), audited as
    exported once `deliver` (which writes them) has returned.

    Raises:
        RecordNotFoundError: no such visit, or it has no stored documents (of that kind).
        TamperedRecordError: a stored PDF is not the one sealed.
    """
    from intake.records.workflow import open_document

    check_who(staff, device)
    with store.read("reprinting a visit's documents"):
        row = _row(store, visit_id)
        rows = [d for d in store.backend.documents_of(row["course_id"], kind or None) if d.get("visit_id") == visit_id]
        if not rows:
            what = f"{kind} documents" if kind else "documents"
            raise RecordNotFoundError(f"visit {visit_id} has no stored {what}.")
        result = [open_document(store, row["course_id"], d) for d in rows]
    if deliver is not None:
        deliver(result)
    with store.write("recording a reprint"):
        store.audit("exported", staff=staff, device=device, intake_id=row["course_id"], client_id=row["client_id"],
                    format="pdf", visit_id=visit_id, documents=[info.document_id for info, _ in result])
    return result


def not_ready(visit_id: str, status: str, what: str) -> str:
    """Why a visit in `status` takes no `what` yet (or any more), in words."""
    return _not_ready(visit_id, status, what)


def _not_ready(visit_id: str, status: str, what: str) -> str:
    return {
        "open": f"visit {visit_id} has not been re-screened yet: the client answers first, then {what}.",
        "deferred": f"visit {visit_id} was deferred by the re-screen: no treatment today, so no {what}.",
        "waiting": f"visit {visit_id} came too soon after the last session: no treatment today, so no {what}.",
        "needs_consent": f"visit {visit_id} needs a new consent first: the signed one no longer covers it.",
        "ready": f"visit {visit_id} has no treatment record yet: the practitioner records it first.",
        "recorded": f"visit {visit_id} has its treatment record already; it takes no second one.",
        "signed": f"visit {visit_id} is countersigned: it is complete and takes no {what}.",
        "not_treated": f"visit {visit_id} ended without treatment: it takes no {what}; start a new visit.",
    }.get(status, f"visit {visit_id} is {status}: it takes no {what}.")


def export(store: Records, visit_id: str, fmt: str, *, staff: str, device: str,
           deliver: Callable[[str], None] | None = None) -> str:
    """A visit as JSON, CSV or FHIR (intake.course.export), audited as 'exported' once `deliver` (which writes it
    where it goes) has returned: an export that could not be written is not recorded.

    Raises:
        StoreError: an unknown format.
    """
    from intake.course.export import VISIT_FORMATS, visit_text

    check_who(staff, device)
    if fmt not in VISIT_FORMATS:
        raise StoreError(f"{fmt!r} is not a visit export format; use one of: {', '.join(VISIT_FORMATS)}.")
    visit = load(store, visit_id)
    text = visit_text(store.engine, visit, fmt)
    if deliver is not None:
        deliver(text)
    with store.write("recording an export"):
        store.audit("exported", staff=staff, device=device, intake_id=visit.course_id, client_id=visit.client_id,
                    format=fmt, visit_id=visit_id)
    return text


def forget_course(store: Records, course_id: str) -> None:
    """Removes the visits of a course whose intake is erased (inside the caller's write transaction)."""
    for row in store.backend.visits_of_course(course_id):
        store.tables.delete("visits", row["id"])


class VisitRecords:
    """A store's visits (`RecordStore.visits`): the functions of this module on one store."""

    def __init__(self, store: Records):
        self._store = store

    def course_consent(self, course_id: str) -> bytes:
        """The sealed consent PDF the course stands on, checked (see `course_consent`)."""
        return course_consent(self._store, course_id)

    def of_client(self, client_id: str) -> list[Visit]:
        """A client's visits, oldest first."""
        return of_client(self._store, client_id)

    def load(self, visit_id: str) -> Visit:
        """One visit."""
        return load(self._store, visit_id)

    def start(self, course_id: str, *, visit_date: str, staff: str, device: str) -> Visit:
        """Starts a further session (see `start`)."""
        return start(self._store, course_id, visit_date=visit_date, staff=staff, device=device)

    def record_first(self, course_id: str, *, visit_date: str, assessment: Mapping[str, Any],
                     treatment: Mapping[str, Any], practitioner_id: str, staff: str, device: str) -> Visit:
        """Keeps the consultation day's treatment as session 1, recorded (see `record_first`)."""
        return record_first(self._store, course_id, visit_date=visit_date, assessment=assessment,
                            treatment=treatment, practitioner_id=practitioner_id, staff=staff, device=device)

    def rescreen(self, visit_id: str, *, answers: Mapping[str, Any], assessment: Mapping[str, Any],
                 outcome: RescreenOutcome, reasons: Sequence[str], until: str | None, staff: str,
                 device: str) -> Visit:
        """Keeps a visit's re-screen and what came of it (see `rescreen`)."""
        return rescreen(self._store, visit_id, answers=answers, assessment=assessment, outcome=outcome,
                        reasons=reasons, until=until, staff=staff, device=device)

    def record_treatment(self, visit_id: str, *, treatment: Mapping[str, Any], practitioner_id: str, staff: str,
                         device: str) -> Visit:
        """Keeps the practitioner's record of the session (see `record_treatment`)."""
        return record_treatment(self._store, visit_id, treatment=treatment, practitioner_id=practitioner_id,
                                staff=staff, device=device)

    def countersign(self, visit_id: str, *, practitioner_id: str, staff: str, device: str,
                    documents: Sequence[Any] = (), signed_at: str | None = None) -> Visit:
        """Countersigns a recorded session, keeping its documents (see `countersign`)."""
        return countersign(self._store, visit_id, practitioner_id=practitioner_id, staff=staff, device=device,
                           documents=documents, signed_at=signed_at)

    def end_untreated(self, visit_id: str, *, reason: str, staff: str, device: str) -> Visit:
        """Ends a started or ready visit without treatment, keeping the reason (see `end_untreated`)."""
        return end_untreated(self._store, visit_id, reason=reason, staff=staff, device=device)

    def add_documents(self, visit_id: str, documents: Sequence[Any], *, staff: str, device: str) -> None:
        """Keeps a deferred visit's letter (see `add_documents`)."""
        add_documents(self._store, visit_id, documents, staff=staff, device=device)

    def documents(self, visit_id: str, *, kind: str | None = None, staff: str, device: str,
                  deliver: Callable[[list[tuple[Any, bytes]]], None] | None = None) -> list[tuple[Any, bytes]]:
        """A visit's stored documents, checked, audited once delivered (see `documents`)."""
        return documents(self._store, visit_id, kind=kind, staff=staff, device=device, deliver=deliver)

    def export(self, visit_id: str, fmt: str, *, staff: str, device: str,
               deliver: Callable[[str], None] | None = None) -> str:
        """A visit as JSON, CSV or FHIR, audited once delivered (see `export`)."""
        return export(self._store, visit_id, fmt, staff=staff, device=device, deliver=deliver)
