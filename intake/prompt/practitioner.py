"""Provides the practitioner's part of `intake ask`: proved by their own PIN, then decide, correct, countersign.

The client hands the device back before any of it: the practitioner types their PIN (never shown),
and everything after is done as them (the core refuses front-desk staff and acting as another
practitioner). With the clinic's shared PIN, the practitioner is chosen from the list, as the shared
PIN proves only that someone on the staff is there. A correction changes answers with the client
present; the original answers stay in the record, and the client signs the corrected answers again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intake.errors import IntakeError, InvalidRecordError
from intake.lifecycle.auth import Authenticated
from intake.prompt.keyed import labelled
from intake.prompt.prompter import typed_text
from intake.prompt.staffpin import proved
from intake.questionnaire import localize
from intake.text import check_reason

if TYPE_CHECKING:
    from intake.lifecycle import Intake
    from intake.prompt.flow import AskSession


def _reason_check(text: str) -> bool | str:
    try:
        check_reason(text, required=True)
    except IntakeError as exc:
        return f"{str(exc)[0].upper()}{str(exc)[1:]}"
    return True


class PractitionerPart:
    """The practitioner's part of one `intake ask` session."""

    def __init__(self, session: AskSession):
        self.session = session
        self.prompter = session.prompter
        self.life = session.lifecycle

    def unlock(self) -> Authenticated | None:
        """The practitioner, proved by their PIN on the device the client handed back; None after PIN_TRIES."""
        self.prompter.say("\nStaff only from here. Practitioner: please take the device back from the client.")
        return proved(self.prompter, self.life, "unlock", self.session.actor.device, key="staff_pin",
                      message="Your staff PIN or passphrase (it is not shown)",
                      practitioners_only="decides and countersigns")

    def practitioner_id(self, who: Authenticated) -> str:
        """Who the practitioner acts as: their own account's practitioner, or (shared PIN) the one chosen."""
        if who.practitioner_id:
            return who.practitioner_id
        practitioners = [(p.id, p.listed)
                         for p in self.session.engine.config.practitioners]
        return self.prompter.choose("practitioner", "Practitioner reviewing this intake", labelled(practitioners))

    def decide(self, intake: Intake, who: Authenticated, practitioner_id: str) -> bool:
        """The clearance decision (a standing one is kept, or replaced with a reason); False to stop until cleared."""
        standing = self.life.contradiction(intake, "clearance_noted")
        choices = [("clearance_noted", "Clearance has been obtained (note what)"),
                   ("override", "Treat anyway, on my professional judgement (give the reason)"),
                   ("stop", "Stop here: no treatment until clearance")]
        if standing is not None:
            self.prompter.say(f"A decision is recorded already: {standing}")
            choices.insert(0, ("keep", "Keep the decision that stands"))
        decision = self.prompter.choose("decision", "Clearance is needed. What happens now?", labelled(choices))
        if decision == "keep":
            return True
        if decision == "stop":
            self.prompter.say(f"Intake {intake.intake_id} is saved as submitted with the client's signatures; "
                              f"continue it with `intake ask --resume {intake.intake_id}` once cleared.")
            return False
        reason = typed_text(self.prompter, "reason", "Reason (what was obtained, or why)", validate=_reason_check)
        supersede = typed_text(self.prompter, "supersede", "This replaces the decision that stands. Why?",
                                       validate=_reason_check) if standing is not None else None
        self.life.decide(intake, who, decision, reason, practitioner_id=practitioner_id, supersede=supersede)
        return True

    def correct(self, intake: Intake, who: Authenticated, practitioner_id: str, walker: Any) -> None:
        """Corrects one answer (and any follow-up it brings up) with the client, keeping what it was."""
        questionnaire = self.session.engine.questionnaire
        answers = dict(intake.answers)
        facts = self.session.engine.facts(answers, intake.consultation_date)
        shown = [q for q in questionnaire.visible(answers, facts) if q.id in answers]
        language = self.session.staff_language
        question_id = self.prompter.choose("correct_question", "Which answer needs correcting?", labelled([
            (q.id, f"{localize(q.label, language)} — {walker.shown(q, answers[q.id])}") for q in shown]))
        changes = {question_id: walker.ask_question(questionnaire.by_id[question_id], answers)}
        reason = typed_text(self.prompter, "correct_reason", "Why is it corrected? (kept with the record)",
                                    validate=_reason_check)
        while True:
            try:
                self.life.correct(intake, who, changes, reason, practitioner_id=practitioner_id)
                break
            except InvalidRecordError as exc:
                missing = [p for p in exc.problems if p.field in questionnaire.by_id and p.field not in changes]
                if not missing:
                    raise
                follow_up = questionnaire.by_id[missing[0].field]
                self.prompter.say(f"This change brings up another question: {missing[0].message}")
                changes[follow_up.id] = walker.ask_question(follow_up, {**answers, **changes})
        self.prompter.say(f"Corrected. The original answer is kept with the record. The screening result is now: "
                          f"{intake.verdict}.")
