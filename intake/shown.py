"""Provides answers as they are shown back to the client: dates in the clinic's order, as the client typed them.

The record keeps dates as YYYY-MM-DD; a client in the UK typed 14/05/1992 and reads it back so
(`[clinic] date_order`, `intake.datetyping`). Every other answer is shown as the questionnaire words
it (`Questionnaire.display`). `said_back` is the echo of an answer that carries a finding
(`intake.echo`) with its date written the same way. Used by the front ends' review and echo.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intake import echo
from intake.dates import parse_iso_date
from intake.datetyping import show_date
from intake.i18n import SOURCE_LANGUAGE, long_date
from intake.questionnaire import Question, Questionnaire

if TYPE_CHECKING:
    from intake.engine import Engine


def shown(questionnaire: Questionnaire, question: Question, value: Any, language: str, order: str) -> str:
    """An answer in words for the client: a date in the clinic's order (e.g. 14/05/1992), written out in another
    language than English ('14. Mai 1992'), else as displayed."""
    if question.type == "date" and isinstance(value, str) and value:
        day = parse_iso_date(value)
        if day is not None and language.split("-")[0] != SOURCE_LANGUAGE:
            return long_date(day, language)
        return show_date(value, order)
    return questionnaire.display(question, value, language)


def said_back(engine: Engine, question_id: str, answers: Mapping[str, Any], consultation_date: str,
              language: str, order: str, carried: frozenset[str] | None = None) -> str | None:
    """'You said: 14/05/1992' for an answer that carries a finding (`intake.echo.echo`), None otherwise.

    Args:
        carried: the questions whose answers carry a finding (`intake.echo.carrying`), when already worked out.
    """
    text = echo.echo(engine, question_id, answers, consultation_date, language, carried)
    question = engine.questionnaire.by_id[question_id]
    if text is None or question.type != "date":
        return text
    answer = shown(engine.questionnaire, question, answers[question_id], language, order)
    return engine.questionnaire.word("you_said", language).replace("{answer}", answer)
