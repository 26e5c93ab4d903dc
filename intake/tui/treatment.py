"""Provides what the practitioner's treatment-record screen shows and prefills for a visit, and where each refusal
of the record belongs on it. Imports nothing from Textual."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intake.course.course import earliest_next
from intake.datetyping import date_order, show_date
from intake.questionnaire import localize

if TYPE_CHECKING:
    from intake.lifecycle.visits import CourseState, Visits
    from intake.records.model import Visit

#: The record's typed parts, in the order the screen asks them (the areas' depths come first).
TEXT_FIELDS = ("device", "needles", "cartridge_lot", "cartridge_expiry", "numbing", "serum", "skin_response",
               "adverse_events", "advice", "next_session_from")
#: What the practitioner used last time and may well use again: prefilled from the last session's record.
CARRIED = ("device", "needles", "numbing", "serum", "advice")
#: Words in a refusal of the record (intake.course.course.check_treatment) that name the part it is about.
_MARKERS = (("clearance_note", "clearance"), ("needles", "needle count"), ("cartridge_expiry", "expir"),
            ("cartridge_lot", " lot"),
            ("next_session_from", "next session"), ("device", "device"), ("numbing", "numbing"),
            ("serum", "serum"), ("skin_response", "skin responded"), ("adverse_events", "adverse events"),
            ("advice", "advice"))


@dataclass(frozen=True)
class TreatmentContext:
    """The treatment record's screen for one visit.

    Attributes:
        heading: the client, the session and its day.
        earlier: the earlier sessions, one line each (date, depth per area, how the skin reacted).
        reported: the changes the client reported and today's findings, each highlighted.
        depths: each consented area with the depth prefilled (the last session's, else the plan's lowest, never
            above today's limit).
        ranges: each consented area's depth range, in words.
        prefill: the record's other parts prefilled (from the last session's record; the next session's date).
        clearance: today's answers need a clearance (the verdict): the record takes the practitioner's note of
            what was obtained.
    """

    heading: str
    earlier: tuple[str, ...]
    reported: tuple[str, ...]
    depths: Mapping[str, float]
    ranges: Mapping[str, str]
    prefill: Mapping[str, str]
    clearance: bool = False


def context(visits: Visits, visit: Visit, full_name: str) -> TreatmentContext:
    """What the practitioner sees and finds filled in for a visit ready for treatment."""
    state = visits.state(visit.course_id)
    course = state.course
    treated = [v for v in state.visits if v.treatment and v.visit_id != visit.visit_id]
    last = treated[-1].treatment if treated else None
    limits = (visit.assessment or {}).get("plan_limits", {}) or {}
    limit = limits.get("max_depth_mm")
    depths = {}
    for area, (low, high) in course.areas.items():
        depth = float((last or {}).get("areas", {}).get(area, low))
        depths[area] = min(depth, high, float(limit)) if limit is not None else min(depth, high)
    prefill = {key: str(last[key]) for key in CARRIED if last and last.get(key) not in (None, "")}
    prefill["next_session_from"] = earliest_next(course, visit_date_of(visit), limits).isoformat()
    order = date_order(visits.config)
    return TreatmentContext(
        f"{full_name} · session {visit.number} · {show_date(visit.visit_date, order)}",
        tuple(earlier_lines(state, visit, order)),
        tuple(reported_lines(visits, visit)), depths,
        {area: f"{low}–{high} mm" + (f", today at most {limit} mm" if limit is not None else "")
         for area, (low, high) in course.areas.items()}, prefill,
        (visit.assessment or {}).get("verdict") == "clearance")


def visit_date_of(visit: Visit) -> Any:
    from datetime import date

    return date.fromisoformat(visit.visit_date)


def earlier_lines(state: CourseState, visit: Visit, order: str) -> list[str]:
    """The sessions of the client's earlier courses (marked as such), the consultation with the consented plan,
    then each session treated in this course; dates in the clinic's `order`."""
    plan = ", ".join(f"{area.replace('_', ' ')} {low}–{high} mm" for area, (low, high) in state.course.areas.items())
    lines = [f"Earlier course · {_session_line(earlier, order)}" for earlier in state.earlier]
    lines.append(f"Consultation · {show_date(state.course.consultation_date.isoformat(), order)} · plan: {plan}"
                 + (" · a new consent, following the earlier course" if state.follows else ""))
    lines += [_session_line(earlier, order) for earlier in state.visits
              if earlier.visit_id != visit.visit_id and earlier.treatment]
    return lines


def _session_line(earlier: Visit, order: str) -> str:
    done = earlier.treatment or {}
    depths = ", ".join(f"{area.replace('_', ' ')} {depth} mm" for area, depth in done.get("areas", {}).items())
    return (f"Session {earlier.number} · {show_date(earlier.visit_date, order)} · {depths} · "
            f"skin: {done.get('skin_response', '')} · "
            f"adverse events: {done.get('adverse_events', '')}")


def reported_lines(visits: Visits, visit: Visit) -> list[str]:
    """Each change the client reported at this visit, and each finding of today's answers."""
    engine = visits.life.engine
    questionnaire, language = engine.rescreen.assessing, engine.language
    lines = []
    for question_id, before, now in visits.changes(visit):
        question = questionnaire.by_id.get(question_id)
        label = localize(question.label, language) if question is not None else question_id
        lines.append(f"Changed: {label}: {_said(before)} → {_said(now)}")
    for finding in (visit.assessment or {}).get("findings", []):
        lines.append(f"{str(finding.get('severity', '')).upper()}: {finding.get('practitioner_message', '')}")
    return lines


def _said(value: Any) -> str:
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def place_problems(problems: Sequence[str], areas: Sequence[str]) -> dict[str, list[str]]:
    """Each refusal of the record under the part it is about ('depth-<area>', a TEXT_FIELDS name, or 'areas' for
    what names no single part)."""
    placed: dict[str, list[str]] = {}
    for problem in problems:
        where = next((f"depth-{area}" for area in areas if area.replace("_", " ") in problem or f"'{area}'"
                      in problem), None)
        where = where or next((key for key, marker in _MARKERS if marker in problem), "areas")
        placed.setdefault(where, []).append(problem)
    return placed
