"""Provides the import of answers files: each file's content stored once, whatever happens in between.

A file is validated, then its intake is claimed by the keyed fingerprint of its content
(`intake.records.imports`) and the record submitted to it. The same content imported again, in the
same run or later, finds its intake and stores nothing; a file whose earlier import was interrupted
between the claim and the submission is submitted to the intake it claimed then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intake.errors import InvalidRecordError
from intake.lifecycle.model import Actor, Intake

if TYPE_CHECKING:
    from intake.lifecycle.core import Lifecycle


@dataclass(frozen=True)
class Imported:
    """What became of one answers file.

    Attributes:
        intake: the intake holding the file's content.
        new: stored by this import; False when the same content had been imported already (nothing stored).
    """

    intake: Intake
    new: bool


def import_answers(lifecycle: Lifecycle, record: Any, actor: Actor) -> Imported:
    """Stores a complete answers file as a submitted (or deferred) intake, once (see `Lifecycle.import_answers`).

    Raises:
        InvalidRecordError: with every problem of the record (nothing is written).
    """
    engine = lifecycle.engine
    problems = engine.validate(record)
    if problems:
        raise InvalidRecordError(problems)
    claim = lifecycle.store.claim_import(record, staff=actor.staff, device=actor.device)
    if claim.status != "draft":
        return Imported(lifecycle.load(claim.intake_id)[0], new=False)
    day = record["consultation_date"]
    intake = Intake(claim.intake_id, day, engine.questionnaire.prune(record["answers"]))
    intake.record = {**record, "record_id": claim.intake_id}
    intake.assessment = engine.assessor.assess(intake.record)
    lifecycle.submit(intake, actor)
    return Imported(intake, new=True)
