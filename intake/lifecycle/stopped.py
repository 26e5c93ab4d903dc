"""Provides a kind stop's end: the answers given up to the stop, submitted as a deferral for its letter.

After a kind stop (`intake.kindstop`) the practitioner talks with the client and issues the deferral
letter. Its record holds the answers given, fewer than a complete record: `kindstop.record_problems`
says when such a record will do. The store keeps it as a deferred intake (the audit entry says
`kind_stop`), and a stored one is read back as such, so its letter is rendered, reprinted and
countersigned from the CLI like any other deferral's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intake import kindstop
from intake.assessment import Assessment
from intake.engine import Engine
from intake.errors import InvalidRecordError
from intake.lifecycle.model import Actor, Intake

if TYPE_CHECKING:
    from intake.lifecycle.core import Lifecycle


def submit(lifecycle: Lifecycle, intake: Intake, actor: Actor) -> Assessment:
    """Submits a kind-stopped draft with the answers given as a deferral (see `Lifecycle.submit_stopped`).

    Raises:
        InvalidRecordError: the answers make no kind stop (`intake.kindstop.record_problems` says why).
    """
    engine = lifecycle.engine
    record = lifecycle.record(intake)
    problems = kindstop.record_problems(engine, record)
    if problems:
        raise InvalidRecordError(problems)
    assessment = engine.assessor.assess(record)
    intake.status = lifecycle.store.submit(intake.intake_id, record=record, assessment=assessment.to_dict(),
                                           staff=actor.staff, device=actor.device, kind_stop=True)
    intake.record, intake.assessment, intake.kind_stop, intake.next_step = record, assessment, True, None
    return assessment


def assess_kept(engine: Engine, record: Mapping[str, Any], status: str) -> tuple[Assessment, bool]:
    """The assessment of a stored record, and whether it is a kind stop's (a deferral with the answers given).

    Raises:
        InvalidRecordError: the record is neither complete nor a kind stop's.
    """
    problems, stopped = engine.validate(record), False
    if problems and status == "deferred":
        problems, stopped = kindstop.record_problems(engine, record), True
    if problems:
        raise InvalidRecordError(problems)
    return engine.assessor.assess(record), stopped
