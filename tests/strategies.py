"""Hypothesis strategies built from the questionnaire: valid records of every shape, not replays of the examples."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from intake.engine import Engine

#: Names as the clinic's clients write them: Latin with accents, Urdu, Devanagari, CJK, Cyrillic, Greek.
NAMES = ("Jo Bloggs", "Amina Rahman", "Tomás Ferreira", "Zoë O'Neill-Brown", "مریم خان", "عائشہ بی بی",
         "प्रिया शर्मा", "王小明", "山田 花子", "Ольга Петрова", "Νίκος Παπαδόπουλος", "Nguyễn Thị Hà")
_TEXT = st.text(alphabet=st.characters(categories=["L", "N", "Zs", "P"], exclude_characters="\u2028\u2029"),
                min_size=1, max_size=40).filter(str.strip)


def _date(question: Any, consultation: date, draw: Any) -> str:
    """A date inside the question's range (relative to the consultation day); adults for a date of birth."""
    rules = question.date_range or {}
    if question.id == "date_of_birth":
        return (consultation - timedelta(days=draw(st.integers(18 * 366, 85 * 365)))).isoformat()
    if rules.get("not_before"):
        years = rules.get("max_years_after", 1)
        return (consultation + timedelta(days=draw(st.integers(0, 365 * years - 2)))).isoformat()
    years = rules.get("max_years_before", 1)
    return (consultation - timedelta(days=draw(st.integers(0, 365 * years - 2)))).isoformat()


def valid_value(question: Any, consultation: date, draw: Any) -> Any:
    """A valid answer to one question, drawn."""
    if question.type == "yes_no":
        return draw(st.booleans())
    if question.type == "acknowledgement":
        return True
    if question.type == "choice":
        return draw(st.sampled_from([o.id for o in question.options]))
    if question.type == "multi_choice":
        alone = [o.id for o in question.options if o.exclusive]
        ids = [o.id for o in question.options if not o.exclusive]
        if alone and draw(st.booleans()):
            return alone  # "None of these" stands alone
        return draw(st.lists(st.sampled_from(ids), min_size=1, max_size=min(4, len(ids)), unique=True))
    if question.type == "date":
        return _date(question, consultation, draw)
    if question.kind == "phone":
        return draw(st.sampled_from(["+44 20 7946 0000", "+92 51 1234567", "0300 1234567"]))
    if question.kind == "email":
        return draw(st.sampled_from(["client@example.com", "m.khan@example.pk"]))
    if question.kind == "name":
        return draw(st.sampled_from(NAMES))
    return draw(_TEXT)


def records(engine: Engine, consultation: date = date(2026, 11, 20)) -> st.SearchStrategy[dict[str, Any]]:
    """Valid records: every shown required question answered, optional ones sometimes, follow-ups as shown."""

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for question in engine.questionnaire.questions():
            if question not in engine.questionnaire.visible(answers):
                continue
            if question.required or draw(st.booleans()):
                answers[question.id] = valid_value(question, consultation, draw)
        return engine.new_record(consultation.isoformat(), engine.questionnaire.prune(answers))

    return build().filter(lambda record: not engine.validate(record))
