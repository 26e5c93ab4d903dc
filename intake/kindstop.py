"""Provides the kind stop: once an answer means no treatment today, the client is asked only what the clinic needs.

A deferral (for example pregnancy, or an active skin infection) ends the treatment question for
today. Asking the client forty more questions, statements to agree to and signatures would be
unkind and pointless: with the clinic setting `[policy] kind_stop = true` (the default) the client
finishes only the step with their name and contact details, is told gently that the practitioner
will talk with them, and hands the tablet back. Nothing is signed; the intake stays a draft in the
store (resumable if the answer was a misunderstanding) and the practitioner sees why it stopped.

Both front ends use this module: `stop_for()` after each step, `still_needed()` to know which step
is left, and `CLIENT_MESSAGE` for the words. The practitioner can then issue the deferral letter from
the answers given (`Lifecycle.submit_stopped`); `record_problems()` says when such a record will do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intake.assessment import Finding
from intake.i18n import N_
from intake.validation import Problem

if TYPE_CHECKING:
    from intake.engine import Engine
    from intake.questionnaire import Step

#: The question whose step holds what the clinic still needs after a deferral: name and contact details.
CONTACT_QUESTION = "full_name"

#: What the client is told (no finding is named to them: the practitioner explains in person); each front end
#: adds what to do next in its device's words (hand the tablet back, or tell a member of staff).
CLIENT_TITLE = N_("Thank you")
CLIENT_MESSAGE = N_("Thank you for your answers. From what you have told us, the practitioner would like to talk "
                    "with you in person before anything else, so there is nothing more to fill in or sign today.")


@dataclass(frozen=True)
class KindStop:
    """Why an intake stops early: the deferral findings given by answers so far.

    Attributes:
        findings: the 'defer' findings, each triggered by an answer the client gave.
        still_needed: the ids of the steps the client still completes (the contact step, when unfinished).
    """

    findings: tuple[Finding, ...]
    still_needed: tuple[str, ...]

    @property
    def reasons(self) -> list[str]:
        """The practitioner's words for each finding, e.g. 'Pregnant, possibly pregnant, or breastfeeding.'"""
        return [f.practitioner_message for f in self.findings]


def enabled(engine: Engine) -> bool:
    """True when the clinic stops kindly at a deferral (`[policy] kind_stop`, on by default)."""
    return bool(engine.config.section("policy").get("kind_stop", True))


def deferrals(engine: Engine, answers: Mapping[str, Any], consultation_date: str) -> tuple[Finding, ...]:
    """The deferral findings given by the answers so far (only rules triggered by an answer given)."""
    given = {k: v for k, v in answers.items() if v is not None and v != "" and v != []}
    if not given:
        return ()
    assessment = engine.assessor.assess({"consultation_date": consultation_date, "answers": given})
    return tuple(f for f in assessment.findings if f.severity == "defer" and f.question_id in given)


def still_needed(engine: Engine, answers: Mapping[str, Any], consultation_date: str) -> tuple[Step, ...]:
    """The steps a client still completes after a deferral: the contact step, while it has a problem."""
    questionnaire = engine.questionnaire
    question = questionnaire.by_id.get(CONTACT_QUESTION)
    if question is None:
        return ()
    step = questionnaire.step(question.step_id)
    problems = engine.validator.step_problems(step.id, questionnaire.prune(answers), consultation_date)
    return (step,) if problems else ()


def stop_for(engine: Engine, answers: Mapping[str, Any], consultation_date: str) -> KindStop | None:
    """The kind stop these answers call for, or None (no deferral yet, or the clinic turned it off)."""
    if not enabled(engine):
        return None
    found = deferrals(engine, answers, consultation_date)
    if not found:
        return None
    return KindStop(found, tuple(s.id for s in still_needed(engine, answers, consultation_date)))


def record_problems(engine: Engine, record: Any) -> list[Problem]:
    """What keeps a kind stop's record (the answers given up to the stop) from its deferral letter; empty when none.

    Such a record is in the published format with fewer answers than a complete one: every answer
    given must be right (as in any record), the contact step must be complete, and the answers
    given must give a deferral themselves. Only questions left unanswered after the stop are let be.
    """
    problems = engine.validate(record)
    if not isinstance(record, Mapping) or not isinstance(record.get("answers"), Mapping):
        return problems
    answers = record["answers"]
    given = {k for k, v in answers.items() if v is not None and v != "" and v != []}
    question = engine.questionnaire.by_id.get(CONTACT_QUESTION)
    contact = question.step_id if question is not None else None
    kept = [p for p in problems if p.step_id is None or p.step_id == contact or p.field in given]
    if kept or not isinstance(record.get("consultation_date"), str):
        return kept
    found = deferrals(engine, answers, record["consultation_date"])
    if not found:
        return [Problem("answers", "Answers", "None of the answers given means no treatment today, so there is no "
                        "kind stop: the client answers every question (carry on with every question).")]
    assessment = engine.assessor.assess(record)
    stray = [f for f in assessment.findings if f.question_id not in given]
    return [Problem(f.question_id or "answers", "Answers", f"The finding '{f.practitioner_message}' rests on a "
                    "question the client did not answer; carry on with every question instead.") for f in stray]
