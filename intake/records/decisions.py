"""Provides practitioners' decisions as a history: clearance noted, override, and corrections of answers.

Nothing is overwritten. A decision that replaces the one in force says so (`supersedes`, with its own
reason) and both stay; a correction changes answers with the client present, keeps what they were, and
supersedes the decision in force (it was made on other answers). Each row is sealed like every other
(intake.records.sealing) and audited as a 'decision' entry with keyed hashes of its texts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from intake.records.checks import check_who, fingerprint, require_state
from intake.records.errors import StoreError, WorkflowError
from intake.records.model import DECISION_KINDS, RULING_KINDS, AnswerChange, Decision, DecisionKind, IntakeStatus
from intake.text import MAX_REASON

if TYPE_CHECKING:
    from intake.records.store import Records


def _reason_ad(intake_id: str, decision_id: int) -> str:
    return f"decision:{intake_id}:{decision_id}"


def _details_ad(intake_id: str, decision_id: int) -> str:
    return f"decision:{intake_id}:{decision_id}:details"


def load(store: Records, intake_id: str) -> list[Decision]:
    """Every decision of an intake in the order made, each with what superseded it; inside the caller's read."""
    rows = store.backend.decisions_of(intake_id)
    replaced_by = {row["supersedes"]: row["id"] for row in rows if row["supersedes"] is not None}
    found = []
    for row in rows:
        store.tables.check("decisions", row)
        decision_id = row["id"]
        what = f"decision {decision_id} of intake {intake_id}"
        text = store.keyring.open_json(row["reason"], _reason_ad(intake_id, decision_id), f"the reason of {what}") \
            if row["reason"] else ""
        extra = store.keyring.open_json(row["details"], _details_ad(intake_id, decision_id),
                                        f"the details of {what}") if row["details"] else {}
        changes = tuple(AnswerChange(c["question"], c["from"], c["to"]) for c in extra.get("changes", ()))
        found.append(Decision(row["practitioner_id"], row["kind"], text, row["at"], row["staff"], row["device"],
                              decision_id, row["supersedes"], replaced_by.get(decision_id),
                              extra.get("supersede_reason", ""), changes))
    return found


def in_force(decisions: Sequence[Decision]) -> Decision | None:
    """The clearance note or override that stands (not superseded), or None."""
    return next((d for d in reversed(decisions) if d.kind in RULING_KINDS and d.superseded_by is None), None)


def _check_reason(reason: str, what: str, minimum: int = 0) -> str:
    reason = (reason or "").strip()
    if len(reason) < minimum:
        raise WorkflowError(f"{what} needs a reason: write why, in a few words.")
    if len(reason) > MAX_REASON:
        raise StoreError(f"the reason is {len(reason):,} characters long; keep it under {MAX_REASON:,}.")
    return reason


def _insert(store: Records, intake_id: str, kind: DecisionKind, practitioner_id: str, reason: str, staff: str,
            device: str, supersedes: int | None, details: Mapping[str, Any] | None) -> int:
    decision_id = store.backend.next_id("decisions")
    sealed = store.keyring.seal_json(reason, _reason_ad(intake_id, decision_id)) if reason else None
    extra = store.keyring.seal_json(dict(details), _details_ad(intake_id, decision_id)) if details else None
    store.tables.insert("decisions", {
        "id": decision_id, "intake_id": intake_id, "at": store.now(), "practitioner_id": practitioner_id,
        "kind": kind, "reason": sealed, "staff": staff, "device": device, "supersedes": supersedes,
        "details": extra})
    store.tables.update("intakes", intake_id, updated_at=store.now())
    return decision_id


def _check_practitioner(store: Records, practitioner_id: str) -> None:
    if store.config.practitioner(practitioner_id) is None:
        known = ", ".join(p.id for p in store.config.practitioners)
        raise StoreError(f"{practitioner_id!r} is not a practitioner of this clinic (known: {known}).")


def record(store: Records, intake_id: str, *, practitioner_id: str, kind: DecisionKind, reason: str, staff: str,
           device: str, supersedes: int | None = None, supersede_reason: str = "") -> int:
    """Records a clearance note or an override for an intake whose verdict is clearance; returns its id.

    When a decision is already in force, the new one must name it in `supersedes` with a reason: both
    are kept, the earlier one marked as superseded by this one.

    Raises:
        WorkflowError: a deferral, a verdict that needs no decision, a signed intake, an override without a
            reason, or a decision in force that is not superseded explicitly.
    """
    check_who(staff, device)
    if kind not in RULING_KINDS:
        raise StoreError(f"{kind!r} is not a decision; use one of: {', '.join(RULING_KINDS)}.")
    _check_practitioner(store, practitioner_id)
    reason = _check_reason(reason, "an override", 3 if kind == "override" else 0)
    supersede_reason = _check_reason(supersede_reason, "replacing a decision", 3 if supersedes else 0)
    with store.write("recording a decision"):
        row = store.row(intake_id)
        status, client_id = row["status"], row["client_id"]
        verdict = _verdict(store, intake_id, row["assessment"])
        if status == "deferred" or verdict == "defer":
            raise WorkflowError(f"intake {intake_id} was deferred: a deferral cannot be overridden or cleared. "
                                "The client can be seen again in a new consultation when the reason has passed.")
        require_state(intake_id, status, "recording a decision")
        if status == "signed":
            raise WorkflowError(f"intake {intake_id} is already signed: decisions are made before the consent.")
        if verdict != "clearance":
            raise WorkflowError(f"intake {intake_id} was assessed {verdict!r}: no clearance decision is needed.")
        current = in_force(load(store, intake_id))
        _check_supersedes(intake_id, current, supersedes)
        decision_id = _insert(store, intake_id, kind, practitioner_id, reason, staff, device, supersedes,
                              {"supersede_reason": supersede_reason} if supersedes else None)
        store.audit("decision", staff=staff, device=device, intake_id=intake_id, client_id=client_id, kind=kind,
                    practitioner=practitioner_id, decision_id=decision_id, supersedes=supersedes,
                    reason_hmac=fingerprint(store, "reason", reason) if reason else None)
    return decision_id


def _check_supersedes(intake_id: str, current: Decision | None, supersedes: int | None) -> None:
    if current is None and supersedes is not None:
        raise WorkflowError(f"intake {intake_id} has no decision in force to replace; record the decision without "
                            "superseding anything.")
    if current is not None and supersedes != current.decision_id:
        said = current.kind.replace("_", " ")
        raise WorkflowError(f"intake {intake_id} already has a decision in force: {said} by {current.practitioner_id}"
                            f" at {current.at} (decision {current.decision_id}). A new decision replaces it only "
                            "when it says so, with a reason (--supersede REASON on the command line).")


def correct(store: Records, intake_id: str, *, practitioner_id: str, changes: Sequence[AnswerChange], reason: str,
            record: Mapping[str, Any], assessment: Mapping[str, Any], staff: str,
            device: str) -> tuple[int, IntakeStatus]:
    """Corrects answers of a submitted (or deferred, letter not yet issued) intake; returns (decision id, status).

    In one transaction: the corrected record and its new assessment replace the old ones (the verdict
    may change, and with it deferred/submitted), the client's kept signatures are dropped (they signed
    other answers), the decision in force is superseded by the correction, and the correction is kept
    with every answer's before and after. The caller has validated and assessed `record`.

    Raises:
        WorkflowError: a draft, a signed, erased or expired intake, or one whose documents exist.
    """
    check_who(staff, device)
    _check_practitioner(store, practitioner_id)
    reason = _check_reason(reason, "a correction", 3)
    if not changes:
        raise WorkflowError("a correction changes at least one answer.")
    verdict = assessment.get("verdict")
    with store.write("correcting answers"):
        row = store.row(intake_id)
        status, client_id = row["status"], row["client_id"]
        require_state(intake_id, status, "correcting answers")
        if status == "signed" or store.backend.document_ids(intake_id):
            raise WorkflowError(f"intake {intake_id} has its sealed documents already: answers can no longer be "
                                "corrected. Start a new consultation for new answers.")
        current = in_force(load(store, intake_id))
        details = {"changes": [{"question": c.question_id, "from": c.before, "to": c.after} for c in changes]}
        decision_id = _insert(store, intake_id, "correction", practitioner_id, reason, staff, device,
                              current.decision_id if current else None, details)
        new_status: IntakeStatus = "deferred" if verdict == "defer" else "submitted"
        answers = store.engine.questionnaire.prune(record["answers"])
        before = store.open_sealed(intake_id, "answers", row["answers"], "answers") or {}
        client_id = store.update_identity(intake_id, before, answers, client_id)  # a corrected name or birth date
        store.tables.update("intakes", intake_id, status=new_status,
                            answers=store.seal_value(intake_id, "answers", answers),
                            record=store.seal_value(intake_id, "record", dict(record)),
                            assessment=store.seal_value(intake_id, "assessment", dict(assessment)))
        dropped = store.tables.delete("signatures", intake_id)
        store.audit("decision", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                    kind="correction", practitioner=practitioner_id, decision_id=decision_id,
                    supersedes=current.decision_id if current else None,
                    questions=[c.question_id for c in changes],
                    changes_hmac=fingerprint(store, "changes", details),
                    reason_hmac=fingerprint(store, "reason", reason), signatures_dropped=dropped)
        store.audit("assessed", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                    verdict=verdict, rules_version=assessment.get("rules_version"),
                    assessment_hmac=fingerprint(store, "assessment", dict(assessment)))
    return decision_id, new_status


def _verdict(store: Records, intake_id: str, blob: bytes | None) -> str | None:
    value = store.open_sealed(intake_id, "assessment", blob, "assessment")
    return value.get("verdict") if value else None


__all__ = ["DECISION_KINDS", "correct", "in_force", "load", "record"]
