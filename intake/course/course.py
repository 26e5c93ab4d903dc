"""Provides a course of sessions: what its signed consent covers, when the next session may be, and the checks
on a practitioner's record of a session (schemas/course.json).

A course is a client's countersigned consultation: its plan (areas with needle depths, sessions, spacing) is the
one printed and sealed in the consent, read back from the consent document itself, so what a visit is checked
against is what the client signed. The consultation is session 1; each visit is a further session.

One definition of each rule, for every front end and the command line: `consent_reasons` (does the consent still
cover this visit, and if not, why, in plain words), `earliest_next` (the minimum interval), `check_treatment`
(the practitioner's record refused above the plan's depths, with an expired or unreadable cartridge, or with a
part left out).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from intake.datafile import load_data_file
from intake.dates import add_months, age_on
from intake.errors import IntakeError

FILE_NAME: Final = "course.json"
Check = Literal["months_since_consent", "sessions_used", "consent_template_changed", "reached_legal_age",
                "finding_changes_plan"]
#: The words a practitioner gives for "nothing of this kind" (numbing, serum, adverse events).
NONE_WORDS: Final = frozenset({"none", "no", "nil", "n/a"})


class CourseError(IntakeError):
    """A course cannot be read from its consent, or a visit cannot be checked against it."""


class TreatmentRecordError(IntakeError):
    """A practitioner's record of a session was refused; `problems` lists each part, in plain words."""

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("the treatment record was not kept: " + "; ".join(self.problems) + ". Nothing was written.")


@dataclass(frozen=True)
class ConsentReason:
    """Why the signed consent does not cover a visit: the reason's id (course.json) and its message."""

    reason_id: str
    message: str


@dataclass(frozen=True)
class Course:
    """A course as its sealed consent states it.

    Attributes:
        course_id: the intake of the countersigned consultation (session 1).
        consented_on: the day the practitioner countersigned the consent.
        consultation_date: the consultation's day (the first session).
        areas: each consented area with its needle-depth range in mm (min, max).
        sessions: the sessions the plan consents to, the first one included.
        interval_weeks: the least time between two sessions.
        date_of_birth: the client's, from the consultation (None when it was not given).
        age_at_consent: the client's age on the consultation day, as assessed then.
        consent_templates: each consent template's version when signed (file name -> version).
        consent_wording: each consent file's wording version when signed (intake.documents.wording; file name ->
            version); empty in a consent made before wording versions were kept.
        findings: the rule ids of the consultation's findings.
        answers: the consultation's answers (the re-screen carries them over when nothing changed).
        language: the language the client chose at the consultation (their documents are in it); None in a
            consent made before the language was recorded.
    """

    course_id: str
    consented_on: date
    consultation_date: date
    areas: Mapping[str, tuple[float, float]]
    sessions: int
    interval_weeks: int
    date_of_birth: date | None
    age_at_consent: int | None
    consent_templates: Mapping[str, str]
    findings: frozenset[str]
    answers: Mapping[str, Any] = field(default_factory=dict)
    language: str | None = None
    consent_wording: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_consent(cls, course_id: str, payload: Mapping[str, Any]) -> Course:
        """The course a sealed consent's embedded data states.

        Raises:
            CourseError: the consent has no plan or is not countersigned (it starts no course).
        """
        try:
            plan = payload["plan"]
            practitioner = payload["signatures"]["practitioner"]
            if not plan or not practitioner:
                raise CourseError(f"the consent of intake {course_id} has no countersigned treatment plan, so it "
                                  "starts no course of sessions.")
            record = payload["record"]
            birth = record["answers"].get("date_of_birth")
            return cls(
                course_id=course_id,
                consented_on=date.fromisoformat(str(practitioner["signed_at"])[:10]),
                consultation_date=date.fromisoformat(record["consultation_date"]),
                areas={a["area"]: (float(a["depth_mm"][0]), float(a["depth_mm"][1])) for a in plan["areas"]},
                sessions=int(plan["sessions"]), interval_weeks=int(plan["interval_weeks"]),
                date_of_birth=date.fromisoformat(birth) if birth else None,
                age_at_consent=payload["assessment"].get("age"),
                consent_templates=dict(payload["documents"]["consent"]["templates"]),
                consent_wording=dict(payload["documents"]["consent"].get("wording") or {}),
                findings=frozenset(f["rule"] for f in payload["assessment"]["findings"]),
                answers=dict(record["answers"]),
                language=record.get("documents_language") or record.get("language"))
        except CourseError:
            raise
        except (KeyError, TypeError, ValueError, IndexError):
            raise CourseError(f"the consent of intake {course_id} does not state a treatment plan intake can "
                              "read; see the practitioner before a further session.") from None

    def deepest(self) -> float:
        """The deepest needle depth the plan consents to, in any area."""
        return max(high for _, high in self.areas.values())


@dataclass(frozen=True)
class TreatmentRules:
    """What a treatment record accepts (course.json's `treatment`)."""

    needle_counts: tuple[int, ...]
    lot_pattern: re.Pattern[str]
    max_text: int


@dataclass(frozen=True)
class CourseRules:
    """schemas/course.json: the consent's reasons, the too-soon message, the treatment record's checks."""

    version: str
    reasons: tuple[tuple[str, Check, Mapping[str, str]], ...]
    too_soon: Mapping[str, str]
    treatment: TreatmentRules

    @staticmethod
    def words(text: Mapping[str, str], language: str, **values: Any) -> str:
        """A message in the language (English when it has none), with its {placeholders} filled in."""
        return (text.get(language) or text["en"]).format(**values)


def load_course_rules(schemas: Path) -> CourseRules:
    """Loads schemas/course.json.

    Raises:
        DataFileError: naming the file, the JSON path and the fix for each problem.
    """
    from intake.errors import DataFileError, FileProblem

    path = schemas / FILE_NAME
    data = load_data_file(path, "course.schema.json")
    seen: set[str] = set()
    problems = []
    for index, reason in enumerate(data["consent_reasons"]):
        if reason["check"] in seen:
            problems.append(FileProblem(f"$.consent_reasons[{index}].check", f"the check {reason['check']!r} is "
                                        "listed twice", "keep one reason for each check"))
        seen.add(reason["check"])
    try:
        pattern = re.compile(data["treatment"]["lot_pattern"])
    except re.error as exc:
        problems.append(FileProblem("$.treatment.lot_pattern", f"not a regular expression ({exc})",
                                    "write a valid regular expression"))
        pattern = re.compile(".+")
    if problems:
        raise DataFileError(path, problems)
    treatment = data["treatment"]
    return CourseRules(data["version"], tuple((r["id"], r["check"], r["message"]) for r in data["consent_reasons"]),
                       data["too_soon"], TreatmentRules(tuple(treatment["needle_counts"]), pattern,
                                                        int(treatment["max_text"])))


@dataclass(frozen=True)
class VisitFacts:
    """What the consent's coverage of one visit depends on besides the course itself.

    Attributes:
        visit_date: the visit's day.
        sessions_given: sessions of the course already given (the consultation's counts as one).
        valid_months: [policy] consent_valid_months.
        legal_age: [policy] legal_age.
        templates_now: each consent template's version now (file name -> version).
        plan_limits: the visit's assessment's plan limits (max_depth_mm, min_interval_weeks...).
        new_findings: the visit's findings (rule id -> words) that the consultation did not have.
        language: the staff language of the messages.
        wording_now: each consent file's wording version now (file name -> version; intake.documents.wording).
    """

    visit_date: date
    sessions_given: int
    valid_months: int
    legal_age: int
    templates_now: Mapping[str, str]
    plan_limits: Mapping[str, Any]
    new_findings: Mapping[str, str]
    language: str = "en"
    wording_now: Mapping[str, str] = field(default_factory=dict)


def consent_reasons(rules: CourseRules, course: Course, facts: VisitFacts) -> list[ConsentReason]:
    """Every reason the course's signed consent does not cover this visit (none: it does)."""
    found = []
    for reason_id, check, message in rules.reasons:
        values = _CHECKS[check](course, facts)
        if values is not None:
            found.append(ConsentReason(reason_id, rules.words(message, facts.language, **values)))
    return found


def _expired(course: Course, facts: VisitFacts) -> dict[str, Any] | None:
    until = add_months(course.consented_on, facts.valid_months)
    if facts.visit_date <= until:
        return None
    return {"consented_on": course.consented_on.isoformat(), "months": facts.valid_months,
            "valid_until": until.isoformat()}


def _sessions_used(course: Course, facts: VisitFacts) -> dict[str, Any] | None:
    return {"sessions": course.sessions} if facts.sessions_given >= course.sessions else None


def _template_changed(course: Course, facts: VisitFacts) -> dict[str, Any] | None:
    """The first consent file whose words changed since it was signed: by its wording version, or, in a consent made
    before those were kept, by its exact version (but for the stylesheet and pictures, which say nothing)."""
    from intake.documents.wording import says_words

    if course.consent_wording:
        signed_versions, now = course.consent_wording, facts.wording_now
    else:
        signed_versions, now = {n: v for n, v in course.consent_templates.items() if says_words(n)}, facts.templates_now
    for name, signed in sorted(signed_versions.items()):
        current = now.get(name)
        if current != signed:
            return {"template": name, "signed": signed, "current": current or "no longer used"}
    return None


def _came_of_age(course: Course, facts: VisitFacts) -> dict[str, Any] | None:
    if course.date_of_birth is None or course.age_at_consent is None or course.age_at_consent >= facts.legal_age:
        return None
    if age_on(course.date_of_birth, facts.visit_date) < facts.legal_age:
        return None
    adult_on = _birthday(course.date_of_birth, facts.legal_age)
    return {"legal_age": facts.legal_age, "adult_on": adult_on.isoformat()}


def _birthday(birth: date, years: int) -> date:
    """The day a person born on `birth` turns `years` (29 February counts from 1 March in other years)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def _finding_changes_plan(course: Course, facts: VisitFacts) -> dict[str, Any] | None:
    limits = facts.plan_limits
    deeper = "max_depth_mm" in limits and course.deepest() > float(limits["max_depth_mm"])
    closer = "min_interval_weeks" in limits and course.interval_weeks < int(limits["min_interval_weeks"])
    if not (deeper or closer) or not facts.new_findings:
        return None
    return {"finding": "; ".join(facts.new_findings.values())}


_CHECKS = {"months_since_consent": _expired, "sessions_used": _sessions_used,
           "consent_template_changed": _template_changed, "reached_legal_age": _came_of_age,
           "finding_changes_plan": _finding_changes_plan}


def earliest_next(course: Course, last_session: date, plan_limits: Mapping[str, Any] | None = None) -> date:
    """The earliest day of the session after one on `last_session`: the plan's interval, or a finding's longer
    one."""
    weeks = max(course.interval_weeks, int((plan_limits or {}).get("min_interval_weeks", 0)))
    return last_session + timedelta(weeks=weeks)


def too_soon(rules: CourseRules, course: Course, last_session: date, visit_date: date,
             language: str = "en") -> str | None:
    """Why a visit on `visit_date` comes too soon after the last session, or None."""
    earliest = earliest_next(course, last_session)
    if visit_date >= earliest:
        return None
    return rules.words(rules.too_soon, language, last=last_session.isoformat(), weeks=course.interval_weeks,
                       earliest=earliest.isoformat())


def check_treatment(rules: CourseRules, course: Course, given: Mapping[str, Any], *, visit_date: date,
                    plan_limits: Mapping[str, Any] | None = None,
                    show: Callable[[date], str] = date.isoformat) -> dict[str, Any]:
    """The practitioner's record of a session, checked against the consented plan; returns it in its kept form.
    `show` writes a day in the problems as staff read dates (the clinic's order; by default YYYY-MM-DD).

    Raises:
        TreatmentRecordError: listing every problem (an area not consented, a depth above the plan's range or a
            finding's limit, a cartridge with a blank or malformed lot or an expiry before the visit, a part left
            out, a next-session date before the interval allows).
    """
    problems: list[str] = []
    limit = (plan_limits or {}).get("max_depth_mm")
    areas = _areas(course, given.get("areas"), None if limit is None else float(limit), problems)
    texts = {key: _text(rules, given, key, words, problems) for key, words in _TEXTS.items()}
    needles = given.get("needles")
    if isinstance(needles, bool) or not isinstance(needles, int) or needles not in rules.treatment.needle_counts:
        problems.append("the cartridge's needle count must be one of "
                        + ", ".join(str(n) for n in rules.treatment.needle_counts))
    lot = given.get("cartridge_lot")
    if not isinstance(lot, str) or not lot.strip():
        problems.append("the cartridge's lot (batch) number is blank: type it or scan it from the sealed pack")
    elif not rules.treatment.lot_pattern.fullmatch(lot.strip()):
        problems.append(f"the cartridge's lot number {lot.strip()[:40]!r} does not look like one (letters and "
                        "digits as printed on the pack)")
    expiry = _day(given.get("cartridge_expiry"), "the cartridge's expiry date", problems)
    if expiry is not None and expiry < visit_date:
        problems.append(f"the cartridge expired on {show(expiry)}: use an unexpired, sealed cartridge")
    earliest = earliest_next(course, visit_date, plan_limits)
    next_from = _day(given.get("next_session_from", earliest.isoformat()), "the next session's earliest date",
                     problems)
    if next_from is not None and next_from < earliest:
        problems.append(f"the next session cannot be before {show(earliest)} (at least "
                        f"{(earliest - visit_date).days // 7} weeks after this one)")
    if problems:
        raise TreatmentRecordError(problems)
    return {"areas": areas, **texts, "needles": needles, "cartridge_lot": str(lot).strip(),
            "cartridge_expiry": expiry.isoformat() if expiry else None,
            "next_session_from": next_from.isoformat() if next_from else None}


#: The record's texts, each required (numbing, serum and adverse events take an explicit "none").
_TEXTS = {"device": "the device used", "numbing": "the numbing used (or 'none')",
          "serum": "the serum applied (or 'none')", "skin_response": "how the skin responded",
          "adverse_events": "adverse events (or 'none')", "advice": "the advice given"}


def _text(rules: CourseRules, given: Mapping[str, Any], key: str, words: str, problems: list[str]) -> str:
    value = given.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{words} is missing")
        return ""
    value = value.strip()
    if len(value) > rules.treatment.max_text:
        problems.append(f"{words} is {len(value):,} characters long; keep it under {rules.treatment.max_text:,}")
    elif any(ord(ch) < 32 and ch not in "\n\t" for ch in value) or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        problems.append(f"{words} holds characters that cannot be kept (control characters)")
    return "none" if value.lower() in NONE_WORDS else value


def _areas(course: Course, given: Any, limit: float | None, problems: list[str]) -> dict[str, float]:
    if not isinstance(given, Mapping) or not given:
        problems.append("no area treated is given (each area with the depth used, in mm)")
        return {}
    areas = {}
    for area, depth in given.items():
        if area not in course.areas:
            problems.append(f"{area!r} is not an area of the consented plan ({', '.join(course.areas)}): a new "
                            "area needs a new consent")
            continue
        if isinstance(depth, bool) or not isinstance(depth, int | float) or not 0 < depth <= 3.0:
            problems.append(f"the depth for {area} must be a number of millimetres above 0")
            continue
        high = course.areas[area][1]
        if depth > high:
            problems.append(f"{depth} mm in the {area.replace('_', ' ')} is deeper than the consented "
                            f"{high} mm: a deeper treatment needs a new consent")
        elif limit is not None and depth > limit:
            problems.append(f"{depth} mm in the {area.replace('_', ' ')} is deeper than today's limit of {limit} mm "
                            "(from the re-screen's findings)")
        areas[area] = float(depth)
    return areas


def _day(value: Any, words: str, problems: list[str]) -> date | None:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{words} is missing")
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"{words} {value.strip()[:20]!r} is not a date (YYYY-MM-DD)")
        return None
