"""Provides the practitioner's treatment record as every front end presents it: what it shows and prefills for a
visit (`context`), its parts and their names, the record read from what was typed (`read_typed`), session 1 as it
is recorded on the consultation's day (`first_visit`), and where each refusal of the record belongs
(`place_problems`). The wizard's treatment screen and `intake ask` present this one definition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from intake.course.course import earliest_next
from intake.datetyping import date_order, read_date, show_date
from intake.questionnaire import localize
from intake.records.model import Visit

if TYPE_CHECKING:
    from intake.lifecycle.visits import CourseState, Visits

#: The record's typed parts, in the order the screen asks them (the areas' depths come first).
TEXT_FIELDS = ("device", "needles", "cartridge_lot", "cartridge_expiry", "numbing", "serum", "skin_response",
               "adverse_events", "advice", "next_session_from")
#: What the practitioner is told once a consultation is countersigned, before saying whether the client was treated.
FIRST_SESSION = ("The consent is countersigned. If the client is treated today, record the treatment as session 1 of "
                 "the course: the consultation is its screening, so the client answers nothing again.")
#: What "Not treated today" means, said plainly to the practitioner (nothing is recorded for the day).
NOT_TREATED = ("Not treated today: nothing is recorded for today. The client's next visit will be session 1 of the "
               "course.")
#: Said when there is no change or finding to report on the record.
NOTHING_REPORTED = "Nothing has changed; no finding today."
#: What each typed part of the record is called where it is asked.
LABELS = {
    "device": "Device", "needles": "Cartridge: needle count", "cartridge_lot": "Cartridge: lot (batch) number",
    "cartridge_expiry": "Cartridge: expiry date", "numbing": "Numbing used (or 'none')",
    "serum": "Serum applied (or 'none')", "skin_response": "How the skin responded",
    "adverse_events": "Adverse events", "advice": "Advice given", "next_session_from": "Next session from",
}
#: The parts that are dates, typed in the clinic's order.
DATE_FIELDS = ("cartridge_expiry", "next_session_from")
#: The clearance note's name, asked when today's answers need a clearance.
CLEARANCE_LABEL = "Clearance: what was obtained (today's findings need it)"
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
            what was obtained (never at session 1 on the consultation's day: decided at its countersignature).
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
        (visit.assessment or {}).get("verdict") == "clearance" and not consultation_day(visit))


def consultation_day(visit: Visit) -> bool:
    """True for session 1 recorded on the consultation's day: the consultation is its screening, and a clearance it
    needed was decided, with the practitioner's name, before its countersignature (nothing is asked again)."""
    return (visit.outcome or {}).get("rescreen") == "consultation"


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


def area_label(area: str, shown: TreatmentContext) -> str:
    """An area as the record asks its depth: 'Forehead (0.25–0.5 mm)'."""
    return f"{area.replace('_', ' ').capitalize()} ({shown.ranges[area]})"


def read_typed(shown: TreatmentContext, depths: Mapping[str, str], parts: Mapping[str, str], order: str, *,
               no_adverse_events: bool = False,
               clearance_note: str = "") -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The record from what was typed: depths and the needle count as numbers where they read as numbers, dates in
    the stored form where they read in the clinic's `order`, "none" for adverse events when the practitioner said
    there were none. Nothing is guessed: what does not read is kept as typed, for the record's check to refuse.

    Returns:
        The record, and each date part that cannot be read with how to type it (said in the clinic's order).
    """
    given: dict[str, Any] = {"areas": {}}
    for area in shown.depths:
        typed = depths.get(area, "").strip()
        try:
            given["areas"][area] = float(typed)
        except ValueError:
            given["areas"][area] = typed
    unreadable: dict[str, list[str]] = {}
    for key in TEXT_FIELDS:
        typed = parts.get(key, "").strip()
        if key in DATE_FIELDS:
            read = read_date(typed, order)
            given[key] = read.iso or typed
            if read.problem:
                unreadable[key] = [read.problem]
        elif key == "needles":
            given[key] = int(typed) if typed.isdigit() else typed
        else:
            given[key] = typed
    if no_adverse_events:
        given["adverse_events"] = "none"
    if shown.clearance:
        given["clearance_note"] = clearance_note.strip()
    return given, unreadable


def first_session_heading(visits: Visits, course_id: str) -> str:
    """What the practitioner is asked about once a consultation is countersigned: the client and the consultation
    ('Maria Okonkwo-Smith · consultation of 20/11/2026 countersigned'), dates in the clinic's order."""
    state = visits.state(course_id)
    name = (visits.store.client_identity(state.client_id) or {}).get("full_name", "(no name)")
    when = show_date(state.course.consultation_date.isoformat(), date_order(visits.config))
    return f"{name} · consultation of {when} countersigned"


def first_visit(visits: Visits, course_id: str) -> Visit:
    """Session 1 as the treatment record shows it before it is kept: on the day the consent was countersigned,
    its screening the consultation (nothing is stored until the record passes: `Visits.record_first`)."""
    state = visits.state(course_id)
    course = state.course
    template = Visit("", state.client_id, course.course_id, 1, course.consented_on.isoformat(), "ready", "", "",
                     "", None, None, {"outcome": "ready", "rescreen": "consultation"}, None, None, None, None, None)
    return replace(template, assessment=visits.store.load_intake(course.course_id).assessment)
