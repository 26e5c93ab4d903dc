"""Provides the checks of the practitioner's countersignature: who, which decision, the plan, earlier decisions.

A countersignature reaches the renderer from the lifecycle (decisions read from the store) or from
`intake render` (typed on the command line); either way it is checked here before anything is laid out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from intake.documents.errors import ConsentRefusedError, SignatureInputError
from intake.documents.model import (
    DECISIONS,
    MULTILINE_TEXT,
    Countersignature,
    check_text,
    check_time,
    utc_text,
)
from intake.documents.witness import AuditWitness
from intake.text import MAX_REASON
from intake.treatment import AREA_QUESTION, TreatmentPlan


def check_countersignature(engine: Any, counter: Any, assessment: Any, plan: Any, deferral: bool = False
                           ) -> Countersignature:
    """The practitioner's countersignature, checked against the assessment and plan (a new, clean copy).

    Raises:
        SignatureInputError: an unknown practitioner, a decision that does not fit the verdict, a reason
            that is missing or not plain text, a plan beyond the screening's limits without an override.
        ConsentRefusedError: a decision on a deferral.
    """
    what = "the practitioner's countersignature"
    if not isinstance(counter, Countersignature):
        raise SignatureInputError(f"{what} must be a Countersignature, not {type(counter).__name__}.")
    config = engine.config
    if config.practitioner(counter.practitioner_id) is None:
        known = ", ".join(p.id for p in config.practitioners)
        raise SignatureInputError(f"{what}: no practitioner {counter.practitioner_id!r} in the clinic "
                                  f"configuration; known: {known}.")
    if counter.decision not in DECISIONS:
        raise SignatureInputError(f"{what}: decision must be one of {', '.join(DECISIONS)}.")
    reason = check_text(counter.reason, f"{what}: the reason", MAX_REASON, MULTILINE_TEXT,
                        "contains control or hidden formatting characters.", required=False)
    signed_at = check_time(counter.signed_at, what)
    if deferral and counter.decision != "none":
        raise ConsentRefusedError("a DEFER verdict cannot be overridden or cleared on the documents; the client "
                                  "needs a new consultation once the reasons have passed.")
    if counter.decision == "override" and not reason:
        raise SignatureInputError(f"{what}: an override needs the practitioner's reason.")
    if counter.decision == "clearance_noted" and assessment.verdict != "clearance":
        raise SignatureInputError(f"{what}: 'clearance_noted' applies only to a CLEARANCE verdict; this one "
                                  f"is {assessment.verdict.upper()}.")
    if plan is not None:
        beyond = _check_plan(engine, plan, assessment, counter.decision)
        if counter.decision == "override" and not beyond and assessment.verdict != "clearance":
            raise SignatureInputError(f"{what}: there is nothing to override; the verdict is "
                                      f"{assessment.verdict.upper()} and the plan keeps within its limits.")
    entered = None if counter.entered_at is None else check_time(counter.entered_at, f"{what} (entered_at)")
    if entered is not None and entered < signed_at:
        raise SignatureInputError(f"{what}: entered_at ({utc_text(entered)}) is before it was signed.")
    sealed = None if counter.sealed_at is None else check_time(counter.sealed_at, f"{what} (sealed_at)")
    if sealed is not None and sealed < signed_at:
        raise SignatureInputError(f"{what}: sealed_at ({utc_text(sealed)}) is before it was signed.")
    witness = counter.witness
    if witness is not None and not (isinstance(witness, AuditWitness) and isinstance(witness.entry, int)
                                    and witness.entry >= 0 and isinstance(witness.hash, str)
                                    and len(witness.hash) <= 128 and witness.hash.isalnum()):
        raise SignatureInputError(f"{what}: the audit trail's position is malformed.")
    decided_by, decided_on, history = _check_history(engine, counter, what)
    return Countersignature(counter.practitioner_id, signed_at, counter.decision, reason, plan,
                            entered if entered != signed_at else None, sealed if sealed != signed_at else None,
                            decided_by=decided_by, decided_on=decided_on, history=history, witness=witness)

def _check_history(engine: Any, counter: Countersignature, what: str) -> tuple[Any, ...]:
    """The decided_by, decided_on and history of a countersignature, checked (practitioners, kinds, texts)."""
    config = engine.config
    named = [counter.decided_by] if counter.decided_by else []
    named += [n.practitioner_id for n in counter.history] + [n.superseded_by for n in counter.history
                                                             if n.superseded_by]
    for practitioner in named:
        if config.practitioner(practitioner) is None:
            raise SignatureInputError(f"{what}: a decision names {practitioner!r}, who is not a practitioner "
                                      "of this clinic.")
    if counter.decided_by and counter.decision == "none":
        raise SignatureInputError(f"{what}: decided_by names who made a decision, but there is none.")
    history = []
    for note in counter.history:
        if note.kind not in ("clearance_noted", "override", "correction"):
            raise SignatureInputError(f"{what}: {note.kind!r} is not a kind of decision.")
        if (note.kind == "correction") != bool(note.changes):
            raise SignatureInputError(f"{what}: a correction lists the answers it changed, and only it does.")
        texts = [check_text(t, f"{what}: an earlier decision's reason", MAX_REASON, MULTILINE_TEXT,
                            "contains control or hidden formatting characters.", required=False)
                 for t in (note.reason, note.replaced_because)]
        history.append(replace(note, reason=texts[0], replaced_because=texts[1]))
    return counter.decided_by, counter.decided_on, tuple(history)

def _check_plan(engine: Any, plan: Any, assessment: Any, decision: str) -> bool:
    """Checks a plan; returns True when it goes beyond the screening's limits (allowed only as an override)."""
    what = "the treatment plan"
    if not isinstance(plan, TreatmentPlan):
        raise SignatureInputError(f"{what} must be a TreatmentPlan (see Engine.default_plan).")
    if not plan.areas:
        raise SignatureInputError(f"{what} has no treatment areas.")
    area_question = engine.questionnaire.by_id[AREA_QUESTION]
    for area in plan.areas:
        if area_question.option(area.area) is None:
            raise SignatureInputError(f"{what}: {area.area!r} is not a treatment area of the questionnaire.")
        if not 0.1 <= area.depth_min <= area.depth_max <= 3.0:
            raise SignatureInputError(f"{what}: the needle depth for {area.area} must be a range within "
                                      "0.1–3.0 mm, smallest first.")
    if not (1 <= plan.sessions <= 12 and 1 <= plan.interval_weeks <= 52):
        raise SignatureInputError(f"{what}: use 1–12 sessions at least 1 week apart.")
    limits = assessment.plan_limits
    exceeded = []
    if "max_depth_mm" in limits and any(a.depth_max > limits["max_depth_mm"] for a in plan.areas):
        exceeded.append(f"needle depth above {limits['max_depth_mm']} mm")
    if "min_interval_weeks" in limits and plan.interval_weeks < limits["min_interval_weeks"]:
        exceeded.append(f"sessions closer than {limits['min_interval_weeks']} weeks")
    if exceeded and decision != "override":
        raise SignatureInputError(f"{what} goes beyond the limits the screening set ({'; '.join(exceeded)}). "
                                  "Keep within them, or record an override with the practitioner's reason.")
    return bool(exceeded)
