"""FHIR means the same later: every enableWhen of the clinic's FHIR Questionnaire, evaluated on intake's exported
QuestionnaireResponse with fhirpathpy years after the consultation, shows exactly the questions intake shows.

Records: every example, and records generated from the questionnaire, each with dates of birth on both sides of
the legal and adult ages on the consultation day (29 February births on a non-leap consultation day included),
under every minors policy. fhirpathpy's today() is pinned to a day well after the consultation.
"""

from __future__ import annotations

import contextlib
import copy
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from intake import conditions
from intake.conditions import AgePolicy
from intake.dates import add_months
from intake.engine import Engine
from intake.fhirquestionnaire import fhir_questionnaire
from intake.records import fhir
from intake.records.model import IntakeView
from tests.conftest import EXAMPLES, load_example
from tests.strategies import records
from tests.unit.test_fhir_questionnaire import _enable_when_holds, _items, fhirpath

POLICIES = [AgePolicy(18, 16, minors) for minors in ("defer", "clearance", "allow")]
LATER = timedelta(days=5 * 365 + 17)


@contextlib.contextmanager
def fhirpath_today(day: date):
    """fhirpathpy's today() and now() at `day` (its clock is read once per evaluation)."""
    from fhirpathpy.engine.invocations import constants as clock

    class Pinned(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(day.year, day.month, day.day, 12, 0, tzinfo=tz)

    saved = clock.datetime
    clock.datetime = Pinned  # type: ignore[misc]
    try:
        yield
    finally:
        clock.datetime = saved  # type: ignore[misc]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load()


def births(consultation: date, policy: AgePolicy) -> list[str]:
    """Dates of birth on both sides of each age the conditions read, on the consultation day (a 29 February
    birth among them when the consultation is on 28 February)."""
    found = []
    for years in sorted({policy.legal_age, policy.adult_age}):
        limit = add_months(consultation, -12 * years)  # on 28 February 2026: 2008-02-29 is the day after
        found += [limit - timedelta(days=1), limit, limit + timedelta(days=1)]
    return [day.isoformat() for day in found]


def response(questionnaire, answers: dict, consultation: str, policy: AgePolicy) -> dict:
    view = IntakeView(intake_id="i1", status="submitted", consultation_date=consultation, answers=answers,
                      step_id=None, record=None, assessment=None, decisions=[], documents=[],
                      questionnaire_version=questionnaire.version, updated_at=f"{consultation}T09:00:00Z",
                      submitted_at=f"{consultation}T09:30:00Z")
    return fhir.questionnaire_response(questionnaire, view, "en", policy=policy)


def shown_in_fhir(item: dict, resource: dict) -> bool:
    if "enableWhen" in item:
        return _enable_when_holds(item, resource)
    expression = item["extension"][0]["valueExpression"]["expression"]
    result = fhirpath(expression)(resource, {"resource": resource})
    assert result in ([True], [False]), (expression, result)
    return result[0]


def check_record(engine: Engine, record: dict) -> int:
    """Compares, for each policy and date of birth, intake's visibility with FHIR's at a later today."""
    questionnaire, checked = engine.questionnaire, 0
    consultation = record["consultation_date"]
    day = date.fromisoformat(consultation)
    for policy in POLICIES:
        items = _items(fhir_questionnaire(questionnaire, "en", policy=policy))
        for birth in births(day, policy):
            answers = {**record["answers"], "date_of_birth": birth}
            facts = conditions.facts_for(answers, consultation, policy)
            carried = questionnaire.prune(answers, facts)
            resource = response(questionnaire, answers, consultation, policy)
            with fhirpath_today(day + LATER):
                for question in questionnaire.questions():
                    if question.show_if is None:
                        continue
                    expected = conditions.evaluate(question.show_if, carried, facts)
                    got = shown_in_fhir(items[question.id], resource)
                    assert got is expected, (question.id, birth, consultation, policy)
                    checked += 1
    return checked


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_every_example_shows_the_same_questions_in_fhir_years_later(engine, name):
    assert check_record(engine, copy.deepcopy(load_example(name))) > 0


@pytest.mark.slow
@pytest.mark.parametrize("consultation", [date(2026, 11, 20), date(2026, 2, 28), date(2028, 2, 29),
                                          date(2026, 12, 31)])
def test_generated_records_show_the_same_questions_in_fhir_years_later(engine, consultation):
    @settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(records(engine, consultation))
    def check(record):
        assert check_record(engine, record) > 0

    check()


def test_the_age_is_measured_on_the_consultation_day_carried_not_on_today(engine):
    """A client aged 15 at the consultation (under the legal age, 16) stays a minor in FHIR when read at 22;
    without the carried day, the date written in `authored` stands in for it, and only a form still being filled in
    reads today()."""
    questionnaire, policy = engine.questionnaire, POLICIES[1]
    items = _items(fhir_questionnaire(questionnaire, "en", policy=policy))
    guardian = items["guardian_name"]
    resource = response(questionnaire, {"full_name": "N", "date_of_birth": "2011-06-01"}, "2026-11-20", policy)
    with fhirpath_today(date(2034, 1, 1)):
        assert shown_in_fhir(guardian, resource) is True
        del resource["extension"]
        assert shown_in_fhir(guardian, resource) is True  # authored 2026-11-20T09:30:00Z
        del resource["authored"]
        assert shown_in_fhir(guardian, resource) is False  # filled in on 2034-01-01: an adult
    with fhirpath_today(date(2026, 11, 20)):
        assert shown_in_fhir(guardian, resource) is True
