"""Provides what a step says to the client besides its questions: how to go on from the focus, and answers said back.

Both are in the words of the device in use (`intake.tui.device`): keys at a terminal, taps on a tablet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intake.datetyping import date_order, expected_form
from intake.shown import said_back
from intake.tui.device import Device, StepFocus
from intake.tui.widgets.questions import QuestionField
from intake.yesnokeys import yes_no_keys

if TYPE_CHECKING:
    from textual.widget import Widget

    from intake.tui.step_source import StepSource

#: The question types with a hint of their own.
_HINTED: dict[str, StepFocus] = {kind: kind for kind in (
    "yes_no", "choice", "multi_choice", "acknowledgement", "text", "date", "long_text")}


def focus_kind(focused: Widget | None, stopped: bool) -> StepFocus:
    """What has the focus on a step, for its hint: a question's type, Next or Back, or nothing."""
    if focused is None or (stopped and focused.id == "next"):
        return "stopped" if stopped else "none"
    if focused.id == "next":
        return "next"
    if focused.id == "back":
        return "back"
    field = next((a for a in focused.ancestors if isinstance(a, QuestionField)), None)
    return _HINTED.get(field.question.type, "none") if field is not None else "none"


def step_hint(session: StepSource, device: Device, focused: Widget | None, stopped: bool, next_label: str) -> str:
    """The hint at the foot of a step for what has the focus (e.g. 'Y: Yes · N: No · Enter: next question')."""
    questionnaire, language = session.engine.questionnaire, session.language
    yes, no = yes_no_keys(questionnaire, language).shown
    return device.step_hint(focus_kind(focused, stopped), yes=(yes, questionnaire.word("yes", language)),
                            no=(no, questionnaire.word("no", language)), next_label=next_label,
                            form=expected_form(date_order(session.engine.config), language))


def said_back_line(session: StepSource, device: Device, field: QuestionField, answers: Mapping[str, Any],
                   stopped: bool, carried: frozenset[str] | None = None) -> str | None:
    """'You said: Eczema · press E again to untick' under a shown answer that carries a finding, else None.

    Args:
        answers: every answer so far, this step's as on screen.
        stopped: the step is closed by a kind stop (the answer can no longer be changed: no way to change it).
        carried: the questions whose answers carry a finding (`intake.echo.carrying` of `answers`), worked out
            once for every answer of the step.
    """
    if not (field.display and field.answered):
        return None
    engine = session.engine
    text = said_back(engine, field.question_id, answers, session.state.consultation_date, session.language,
                     date_order(engine.config), carried)
    if text is None or stopped:
        return text
    other = ""
    if field.question.type == "yes_no" and len(field.keys) == 2:
        other = str(field.keys[1] if field.value is True else field.keys[0])
    return f"{text} · {device.change_hint(field.question.type, other=other)}"
