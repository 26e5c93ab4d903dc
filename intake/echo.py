"""Provides the echo of an answer that carries a finding, said back to the client as it is made.

"You said: Eczema" appears under the question the moment the client ticks Eczema, so an answer
given by mistake is seen before the client moves on. An answer carries a finding when a screening
rule applies because of it: the assessment of the answers given so far has a finding whose question
is this one. Front ends add how to change it on their device ("tap to change", "press Space").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intake.engine import Engine


def _given(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answers.items() if v is not None and v != "" and v != []}


def carries_finding(engine: Engine, question_id: str, answers: Mapping[str, Any], consultation_date: str) -> bool:
    """True when a rule applies because of this question's answer, given the answers so far."""
    given = _given(answers)
    if question_id not in given:
        return False
    return question_id in carrying(engine, given, consultation_date)


def carrying(engine: Engine, answers: Mapping[str, Any], consultation_date: str) -> frozenset[str]:
    """The questions whose answers carry a finding, given the answers so far: one assessment for all of them (a
    front end saying back each answer of a step asks for every answer at once)."""
    given = _given(answers)
    if not given:
        return frozenset()
    assessment = engine.assessor.assess({"consultation_date": consultation_date, "answers": given})
    return frozenset(f.question_id for f in assessment.findings if f.question_id in given)


def echo(engine: Engine, question_id: str, answers: Mapping[str, Any], consultation_date: str,
         language: str | None = None, carried: frozenset[str] | None = None) -> str | None:
    """'You said: Eczema' for an answer that carries a finding, in the client's language; None otherwise.

    Args:
        carried: `carrying(engine, answers, consultation_date)`, when the caller worked it out already.
    """
    if carried is None:
        carried = carrying(engine, answers, consultation_date)
    if question_id not in carried:
        return None
    questionnaire = engine.questionnaire
    language = language or engine.language
    shown = questionnaire.display(questionnaire.by_id[question_id], answers[question_id], language)
    return questionnaire.word("you_said", language).replace("{answer}", shown)
