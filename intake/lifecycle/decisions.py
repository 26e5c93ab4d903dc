"""Provides the practitioner's decisions in the lifecycle: clearance noted, override, correction of answers.

Each is made by an `Authenticated` practitioner (intake.lifecycle.auth) and kept as history in the store
(intake.records.decisions): a decision replaces the one in force only when it says so, with a reason;
a correction changes answers with the client present, keeps what they were, re-assesses, and replaces
the decision in force. The documents are told who made each decision (`countersigning_history`),
separately from who countersigns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from intake.errors import InvalidRecordError
from intake.lifecycle.auth import Authenticated
from intake.lifecycle.model import Intake, LifecycleError, document_time
from intake.records.decisions import in_force
from intake.records.model import RULING_KINDS, AnswerChange, AuditPosition, Decision, IntakeStatus
from intake.text import check_reason

if TYPE_CHECKING:
    from intake.assessment import Assessment
    from intake.documents.model import Countersignature, DecisionNote
    from intake.lifecycle.core import Lifecycle
    from intake.treatment import TreatmentPlan

#: Why a decision stopped standing when a correction replaced it (the correction's own reason is printed with it).
CORRECTED = "the answers it was made on were corrected"


def acting(life: Lifecycle, who: Authenticated, act: str, practitioner_id: str | None) -> str:
    """The practitioner an act is attributed to, one of the clinic's.

    Raises:
        AuthenticationError: `who` may not do the act, or not as `practitioner_id`.
        LifecycleError: the practitioner is not one of the clinic's.
    """
    practitioner = who.acting_practitioner(act, practitioner_id)
    if life.engine.config.practitioner(practitioner) is None:
        known = ", ".join(p.id for p in life.engine.config.practitioners)
        raise LifecycleError(f"{practitioner!r} is not a practitioner of this clinic (known: {known}).")
    return practitioner


def contradiction(decisions: list[Decision], kind: str) -> str | None:
    """What a new decision of `kind` would replace, in words for a confirmation; None when nothing stands."""
    current = in_force(decisions)
    if current is None:
        return None
    said = "a clearance note" if current.kind == "clearance_noted" else "an override"
    same = " of the same kind" if current.kind == kind else ""
    return (f"{said} by {current.practitioner_id} on {current.at[:10]} stands (decision {current.decision_id}); "
            f"recording this decision{same} replaces it.")


def decide(life: Lifecycle, intake: Intake, who: Authenticated, kind: str, reason: str, *,
           practitioner_id: str | None = None, supersede: str | None = None) -> int:
    """Records a clearance note or an override by the authenticated practitioner; returns the decision's id.

    Args:
        supersede: when a decision already stands, why this one replaces it (required then; refused when
            nothing stands).

    Raises:
        AuthenticationError: the person may not decide, or not as `practitioner_id`.
        LifecycleError: a deferral, a verdict that needs no decision, or a standing decision not superseded.
        TextInputError: a reason missing, too long or not plain text.
    """
    practitioner = acting(life, who, "decide", practitioner_id)
    if intake.verdict == "defer":
        raise LifecycleError("a deferral cannot be overridden or cleared; the client can be seen again in a "
                             "new consultation when the reason has passed.")
    if intake.verdict != "clearance":
        raise LifecycleError(f"the verdict is {intake.verdict!r}: no clearance decision is needed.")
    if kind not in RULING_KINDS:
        raise LifecycleError(f"{kind!r} is not a decision; use one of: {', '.join(RULING_KINDS)}.")
    reason = check_reason(reason, required=True)
    current = in_force(life.store.load_intake(intake.intake_id).decisions)
    if current is not None and supersede is None:
        raise LifecycleError(f"{contradiction([current], kind)} Say why it is replaced (--supersede REASON), or "
                             "keep the decision that stands.")
    if current is None and supersede is not None:
        raise LifecycleError("no decision stands yet, so there is nothing to replace: record the decision "
                             "without --supersede.")
    because = check_reason(supersede, required=True) if supersede is not None else ""
    return life.store.record_decision(intake.intake_id, practitioner_id=practitioner, kind=kind, reason=reason,
                                      staff=who.staff_id, device=who.device,
                                      supersedes=current.decision_id if current else None, supersede_reason=because)


def parse_value(life: Lifecycle, question_id: str, text: str) -> Any:
    """An answer typed on the command line, as the record keeps it (per question type).

    yes/no: yes, no, y, n, true, false; choice: an option id; multi-choice: option ids separated by commas;
    a date: ISO or the clinic's order (e.g. 14/05/1992); text: as typed. The value is validated afterwards
    with the whole record.

    Raises:
        LifecycleError: an unknown question, or a value that cannot be read.
    """
    from intake.datetyping import read_date

    question = life.engine.questionnaire.by_id.get(question_id)
    if question is None:
        raise LifecycleError(f"there is no question {question_id!r}; `intake records show ID` lists the "
                             "question ids of the answers.")
    if question.type in ("yes_no", "acknowledgement"):
        words = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
        if text.strip().lower() not in words:
            raise LifecycleError(f"answer {question_id!r} with yes or no, not {text!r}.")
        return words[text.strip().lower()]
    if question.type == "multi_choice":
        return [part.strip() for part in text.split(",") if part.strip()]
    if question.type == "date":
        found = read_date(text, life.engine.config.clinic.get("date_order", "DMY"))
        if found.problem is not None:
            raise LifecycleError(f"{question_id}: {found.problem}")
        return found.iso
    return text.strip()


def correct(life: Lifecycle, intake: Intake, who: Authenticated, changes: Mapping[str, Any], reason: str, *,
            practitioner_id: str | None = None) -> int:
    """Corrects answers with the client present; returns the correction's decision id.

    The corrected record is validated like any record (a question that is hidden, unknown, or a value that is
    not an answer to it is refused, naming the question), re-assessed (the verdict may change: a deferral,
    or none), and stored with what each answer was; the client's kept signatures are dropped (they signed
    other answers) and the decision in force is replaced by the correction. `intake` is updated in place.

    Raises:
        AuthenticationError: the person may not correct, or not as `practitioner_id`.
        LifecycleError: nothing to change, an intake that cannot be corrected now.
        InvalidRecordError: the corrected answers are not valid (every problem named).
        TextInputError: a reason missing, too long or not plain text.
    """
    practitioner = acting(life, who, "correct", practitioner_id)
    reason = check_reason(reason, required=True)
    if intake.kind_stop:
        raise LifecycleError("the client stopped early (a kind stop), so most questions were never asked: resume the "
                             "intake and let the client carry on with every question instead.")
    if intake.record is None or intake.status not in ("submitted", "deferred"):
        raise LifecycleError(f"intake {intake.intake_id} is {intake.status}: answers are corrected after the client "
                             "submitted them and before the documents are sealed.")
    questionnaire = life.engine.questionnaire
    unknown = [q for q in changes if q not in questionnaire.by_id]
    if unknown:
        raise LifecycleError(f"there is no question {unknown[0]!r} in questionnaire {questionnaire.version}.")
    before = dict(intake.record["answers"])
    answers = {**before, **{q: v for q, v in changes.items()}}
    answers = {q: v for q, v in answers.items() if v is not None and v != "" and v != []}
    record = {**intake.record, "answers": questionnaire.prune(answers, life.engine.facts(
        answers, intake.consultation_date))}
    problems = life.engine.validate(record)
    if problems:
        raise InvalidRecordError(problems)
    hidden = [q for q in changes if changes[q] not in (None, "", []) and q not in record["answers"]]
    if hidden:
        question = questionnaire.by_id[hidden[0]]
        condition = questionnaire.describe_condition(question.show_if or {}, life.engine.language)
        raise LifecycleError(f"{hidden[0]!r} is not asked with these answers: it only applies when {condition}.")
    changed = [AnswerChange(q, before.get(q), record["answers"].get(q)) for q in questionnaire.by_id
               if before.get(q) != record["answers"].get(q)]
    if not any(c.question_id in changes for c in changed):
        raise LifecycleError("those answers are already as given: nothing to correct.")
    assessment = life.engine.assessor.assess(record)
    decision_id, status = _store_correction(life, intake, who, practitioner, changed, reason, record, assessment)
    intake.record, intake.assessment, intake.status = record, assessment, status
    intake.answers, intake.signatures = questionnaire.prune(record["answers"]), None
    return decision_id


def _store_correction(life: Lifecycle, intake: Intake, who: Authenticated, practitioner: str,
                      changed: list[AnswerChange], reason: str, record: dict[str, Any], assessment: Assessment
                      ) -> tuple[int, IntakeStatus]:
    return life.store.correct_answers(intake.intake_id, practitioner_id=practitioner, changes=changed, reason=reason,
                                      record=record, assessment=assessment.to_dict(), staff=who.staff_id,
                                      device=who.device)


def _day(life: Lifecycle, stamp: str) -> date:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(life.engine.config.timezone).date()


def countersigning_history(life: Lifecycle, decisions: list[Decision]) -> tuple[Any, ...]:
    """What the documents print of the decisions: (kind, reason, decided_by, decided_on, history notes).

    The decision in force is named with its own author and day; every earlier decision (replaced) and every
    correction is a note, with who replaced it, when and why.
    """
    from intake.documents.model import DecisionNote

    by_id = {d.decision_id: d for d in decisions}
    current = in_force(decisions)
    notes: list[DecisionNote] = []
    for decision in decisions:
        if decision is current:
            continue
        replacer = by_id.get(decision.superseded_by) if decision.superseded_by is not None else None
        because = "" if replacer is None else CORRECTED if replacer.kind == "correction" else replacer.supersede_reason
        notes.append(DecisionNote(decision.kind, decision.practitioner_id, _day(life, decision.at), decision.reason,
                                  _day(life, replacer.at) if replacer else None,
                                  replacer.practitioner_id if replacer else None, because,
                                  tuple((c.question_id, c.before, c.after) for c in decision.changes)))
    if current is None:
        return "none", "", None, None, tuple(notes)
    return current.kind, current.reason, current.practitioner_id, _day(life, current.at), tuple(notes)


def pending(recorded: tuple[Any, ...], practitioner_id: str, kind: str, reason: str, day: date,
            supersede: str = "") -> tuple[Any, ...]:
    """`countersigning_history`'s result once a decision of `kind` by `practitioner_id` on `day` is recorded.

    The decision that stands, if any, becomes a note replaced by the new one (for `supersede`'s reason).
    """
    from intake.documents.model import DecisionNote

    if kind == "none":  # no decision on screen: the history stays as recorded
        return recorded
    old_kind, old_reason, old_by, old_on, notes = recorded
    if old_kind != "none":
        notes = (*notes, DecisionNote(old_kind, old_by, old_on, old_reason, day, practitioner_id, supersede))
    return kind, reason, practitioner_id, day, tuple(notes)


def expected_countersignature(intake: Intake, practitioner_id: str, plan: TreatmentPlan | None, signed_at: datetime,
                              history: tuple[Any, ...]) -> Countersignature:
    """The countersignature these choices make at `signed_at` (Lifecycle.expected_countersignature)."""
    from intake.documents.model import Countersignature

    kind, reason, decided_by, decided_on, notes = history
    exact = signed_at.astimezone(UTC).replace(microsecond=0)
    printed = document_time(exact, intake.signatures if intake.verdict != "defer" else None)
    if reason:
        reason = check_reason(reason, required=False)
    deferral = intake.verdict == "defer"
    return Countersignature(practitioner_id=practitioner_id, signed_at=printed, decision=kind, reason=reason,
                            plan=plan if not deferral else None, sealed_at=exact if exact != printed else None,
                            decided_by=decided_by if decided_by != practitioner_id else None,
                            decided_on=decided_on, history=notes)


def witnessed(counter: Countersignature, head: AuditPosition) -> Countersignature:
    """`counter` carrying the audit trail's position `head`, which the seal writes into each document: a trail
    later put back to before it shows (`intake audit verify --documents`, intake.lifecycle.witnesses)."""
    from dataclasses import replace

    from intake.documents.witness import AuditWitness

    return replace(counter, witness=AuditWitness(head.entry, head.hash))
