"""Provides a returning client's next session for the wizard: finding their course, and the re-screen's answers.

The re-screen (schemas/rescreen.json) is walked by the same step screens, widgets and keys as the consultation
(`VisitAnswers` is what a step screen asks of its answers, intake.tui.step_source): its answers stay in memory
until the client has finished, then the core keeps them (intake.lifecycle.visits). A client finds their course
by their name and date of birth; exactly one client must match, else nothing is started and nothing is shown.
Imports nothing from Textual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intake import kindstop
from intake.errors import IntakeError
from intake.kindstop import KindStop
from intake.records.tokens import name_key

if TYPE_CHECKING:
    from intake.engine import Engine
    from intake.lifecycle.visits import Visits
    from intake.questionnaire import Step
    from intake.records.interface import RecordStore
    from intake.records.model import Visit
    from intake.validation import Problem

#: At most this many intakes are read when a client's name and date of birth are looked up.
LOOK_UP_LIMIT = 200


def matching_clients(store: RecordStore, full_name: str, date_of_birth: str) -> list[str]:
    """The ids of the clients whose name (normalised: case, accents, spacing) and date of birth are exactly these;
    name beginnings alone match nobody."""
    wanted = name_key(full_name)
    if not wanted or not date_of_birth:
        return []
    found = store.search(f"{full_name} {date_of_birth}", limit=LOOK_UP_LIMIT)
    return sorted({row.client_id for row in found.rows if row.client_id and row.date_of_birth == date_of_birth
                   and name_key(row.client_name) == wanted})


def find_course(visits: Visits, full_name: str, date_of_birth: str) -> str | None:
    """The signed consultation the one matching client's course stands on, or None: nobody, several clients, or a
    client without a countersigned consent (the client is only asked to see the desk; nothing is said why)."""
    clients = matching_clients(visits.store, full_name, date_of_birth)
    if len(clients) != 1:
        return None
    try:
        return visits.course_id(clients[0])
    except IntakeError:
        return None


@dataclass
class VisitState:
    """The re-screen's answers so far, dated to the visit."""

    answers: dict[str, Any] = field(default_factory=dict)
    consultation_date: str = ""


class VisitAnswers:
    """The re-screen of one visit as the step screens walk it (a StepSource): answers kept in memory, checked with
    the re-screen's validator, the kind stop given by a deferral among the answers given.

    Args:
        visits: the clinic's further sessions.
        visit: the visit being re-screened (open).
        engine: the clinic's engine.
        language: the language of the client's screens (the one they used last, or chose); the clinic's if None.
    """

    def __init__(self, visits: Visits, visit: Visit, engine: Engine, language: str | None = None) -> None:
        rescreen = engine.rescreen
        self.visit = visit
        course = visits.state(visit.course_id)
        self.last_session = course.last_session
        treated = course.treated_before(visit)  # how the skin healed is asked only after a treatment
        self.engine = rescreen.walking_engine(engine, self.last_session, treated_before=treated)
        self._language = engine.offered_language(language)
        self.validator = rescreen.validator(engine.config, self._language, treated_before=treated)
        self.state = VisitState(consultation_date=visit.visit_date)

    @property
    def language(self) -> str:
        """The language of the client's screens."""
        return self._language

    @property
    def answers(self) -> dict[str, Any]:
        """The answers given so far (questions no longer shown left out)."""
        return self.state.answers

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps with a question to ask for the answers so far (those asked again only when something has
        changed), in order: the client sees 'Step 2 of 2' when nothing has."""
        questionnaire, answers = self.engine.questionnaire, self.state.answers
        facts = self.engine.facts(answers, self.state.consultation_date)
        return tuple(s for s in questionnaire.steps if questionnaire.visible_in(s, answers, facts))

    def answers_with(self, step: Step, working: Mapping[str, Any]) -> dict[str, Any]:
        """All answers, this step's taken from the screen."""
        own = {q.id for q in step.questions}
        merged = {k: v for k, v in self.state.answers.items() if k not in own}
        merged.update({k: v for k, v in working.items() if k in own})
        return merged

    def step_problems(self, step: Step, working: Mapping[str, Any]) -> list[Problem]:
        """The problems of one step's shown questions."""
        return self.validator.step_problems(step.id, self.answers_with(step, working), self.state.consultation_date)

    def question_problems(self, step: Step, question_id: str, working: Mapping[str, Any]) -> list[Problem]:
        """The problems of one question."""
        return [p for p in self.step_problems(step, working) if p.field == question_id]

    def kind_stop(self, step: Step | None = None, working: Mapping[str, Any] | None = None) -> KindStop | None:
        """The kind stop a deferral among the answers given calls for (nothing more is asked), or None."""
        if not kindstop.enabled(self.engine):
            return None
        answers = self.answers_with(step, working or {}) if step is not None else self.state.answers
        found = kindstop.deferrals(self.engine, answers, self.state.consultation_date)
        return KindStop(found, ()) if found else None

    def save_step(self, step: Step, working: Mapping[str, Any], next_step: str | None, *,
                  partial: bool = False) -> None:
        """Keeps one step's answers in memory (shown and given ones; a partial save leaves wrong ones out)."""
        merged = self.answers_with(step, working)
        questionnaire = self.engine.questionnaire
        shown = {q.id for q in questionnaire.visible(merged, self.engine.facts(merged, self.state.consultation_date))}
        kept = {k: v for k, v in merged.items() if k in shown and v not in (None, "", [])}
        if partial:
            wrong = {p.field for p in self.step_problems(step, working)}
            kept = {k: v for k, v in kept.items() if k not in wrong or k not in {q.id for q in step.questions}}
        self.state.answers = kept
