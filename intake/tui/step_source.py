"""Provides StepSource: what a step screen asks of the answers it shows (a consultation's or a visit's re-screen)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from intake.engine import Engine
    from intake.kindstop import KindStop
    from intake.questionnaire import Step
    from intake.validation import Problem


class StepState(Protocol):
    """The answers so far and the day they are dated to."""

    @property
    def answers(self) -> dict[str, Any]: ...

    @property
    def consultation_date(self) -> str: ...


class StepSource(Protocol):
    """The answers a step screen walks: IntakeSession for a consultation, VisitAnswers for a re-screen."""

    engine: Engine

    @property
    def state(self) -> StepState: ...

    @property
    def language(self) -> str: ...

    @property
    def steps(self) -> tuple[Step, ...]: ...

    def answers_with(self, step: Step, working: Mapping[str, Any]) -> dict[str, Any]: ...

    def step_problems(self, step: Step, working: Mapping[str, Any]) -> list[Problem]: ...

    def question_problems(self, step: Step, question_id: str, working: Mapping[str, Any]) -> list[Problem]: ...

    def kind_stop(self, step: Step | None = None, working: Mapping[str, Any] | None = None) -> KindStop | None: ...

    def save_step(self, step: Step, working: Mapping[str, Any], next_step: str | None, *,
                  partial: bool = False) -> None: ...
