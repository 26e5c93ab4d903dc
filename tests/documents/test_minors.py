"""Minors and guardians: age wording from [policy] adult_age, each minors policy, the guardian and their signature."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.documents import Countersignature, Signature
from intake.documents.errors import SignatureInputError
from intake.engine import Engine
from intake.signing import guardian_of
from intake.verdicts import verdict_text
from tests.documents.conftest import CLIENT_TIME, COUNTER_TIME
from tests.documents.personas import CONSULTATION, baseline, record
from tests.documents.reading import HtmlRenderer, signed

GUARDIAN = {"guardian_name": "Amina Khan", "guardian_relationship": "mother"}
BASE: dict = {}  # baseline answers, made once (finding neutral answers asks the assessor many times)


def teen(engine, age=16, **changes):
    """A client `age` years old on the consultation day, with a guardian named when the questions show."""
    birth = date(CONSULTATION.year - age, 3, 1).isoformat()
    answers = baseline(engine, full_name="Sara Khan", date_of_birth=birth, **changes)
    if "guardian_name" in {q.id for q in engine.questionnaire.visible(answers, engine.facts(answers, "2026-11-20"))}:
        answers.update(GUARDIAN)
    return record(engine, answers, record_id=f"teen-{age}")


@pytest.fixture(scope="module")
def renderers(engines) -> dict:
    return {policy: HtmlRenderer(engine) for policy, engine in engines.items()}


def test_under_the_defer_policy_the_letter_goes_to_the_guardian_with_the_birthday(engines, renderers):
    engine = engines["defer"]
    rec = teen(engine)
    assessment = engine.assessor.assess(rec)
    assert assessment.verdict == "defer" and verdict_text(assessment).startswith("DEFER")
    letter = renderers["defer"].html(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))["deferral"]
    assert "For the parent or guardian of Sara Khan" in letter and "Dear Amina Khan," in letter
    assert "Our clinic treats clients from the age of 18" in letter
    assert "From Wednesday 1 March 2028" in letter  # the 18th birthday
    assert "under-18" not in letter and "doctor" not in letter.split("The answers behind")[0]


def test_under_the_clearance_policy_the_guardian_consents_and_signs_in_that_capacity(engines, renderers):
    engine, renderer = engines["clearance"], renderers["clearance"]
    rec = teen(engine)
    assessment = engine.assessor.assess(rec)
    assert [f.rule_id for f in assessment.findings] == ["minor_guardian"]
    assert verdict_text(assessment) == "CLEARANCE NEEDED - a parent's or guardian's consent comes first"
    own = Signature("typed", "Sara Khan", renderer.statement("consent"), CLIENT_TIME)
    with pytest.raises(SignatureInputError, match="a parent or guardian signs for them"):
        renderer.html(rec, client_signature=own, countersignature=Countersignature("ajordan", COUNTER_TIME))
    stranger = Signature("typed", "Someone Else", renderer.statement("consent_on_behalf"), CLIENT_TIME,
                         capacity="guardian", relationship="mother")
    with pytest.raises(SignatureInputError, match="not the parent or guardian named in the answers"):
        renderer.html(rec, client_signature=stranger, countersignature=Countersignature("ajordan", COUNTER_TIME))
    assert guardian_of(engine.questionnaire, rec["answers"]) == ("Amina Khan", "mother")
    consent = renderer.html(rec, **signed(renderer, rec, decision="clearance_noted",
                                          reason="Mother present; consent discussed."))["consent"]
    assert "Because you are under 18, a parent or guardian gives consent for you" in consent
    assert "doctor's approval" not in consent
    assert "Consent for a client under 18: because Sara Khan is under 18, Amina Khan (mother)" in consent
    assert "Amina Khan, mother (parent or guardian), signing for Sara Khan" in consent
    assert "I sign on behalf of the client named on this form" in consent
    assert "Parent or guardian Amina Khan (mother)" in consent  # the facts at the top


def test_under_the_allow_policy_a_minor_signs_for_themselves(engines, renderers):
    engine, renderer = engines["allow"], renderers["allow"]
    rec = teen(engine)
    assert engine.assessor.assess(rec).verdict == "suitable"
    consent = renderer.html(rec, **signed(renderer, rec))["consent"]
    assert "Sara Khan" in consent and "signing for" not in consent


def test_all_age_wording_follows_the_configured_adult_age(clinic_dir, tmp_path):
    text = (clinic_dir / "clinic.toml").read_text(encoding="utf-8")
    path = tmp_path / "clinic.toml"
    text = re.sub(r"adult_age = \d+", "adult_age = 21", re.sub(r'minors = "\w+"', 'minors = "clearance"', text))
    path.write_text(text, encoding="utf-8")
    engine = Engine.load(path)
    renderer = HtmlRenderer(engine)
    rec = teen(engine, age=19)
    assert engine.validate(rec) == []
    consent = renderer.html(rec, **signed(renderer, rec))["consent"]
    assert "Because you are under 21" in consent and "Consent for a client under 21" in consent
    assert not re.search(r"\b18\b|under-18", consent.split("What you told us")[0])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(age_days=st.integers(min_value=365 * 10, max_value=365 * 30), guardian=st.booleans(),
       adult_age=st.sampled_from([16, 18, 21]))
def test_the_guardian_questions_are_required_exactly_under_the_adult_age(engines, age_days, guardian, adult_age):
    from intake.conditions import facts_for
    from intake.dates import age_on
    from intake.validation import RecordValidator

    engine = engines["clearance"]
    validator = RecordValidator(engine.questionnaire, engine.record_schema, engine.language, adult_age)
    birth = date.fromordinal(CONSULTATION.toordinal() - age_days)
    if "adult" not in BASE:
        BASE["adult"] = baseline(engine)
    answers = {**BASE["adult"], "date_of_birth": birth.isoformat()}
    if guardian:
        answers.update(GUARDIAN)
    minor = age_on(birth, CONSULTATION) < adult_age
    facts = facts_for(answers, CONSULTATION, adult_age)
    shown = {q.id for q in engine.questionnaire.visible(answers, facts)}
    assert ("guardian_name" in shown) is minor
    fields = {p.field for p in validator.problems(record(engine, answers))}
    assert ("guardian_name" in fields) is (minor is not guardian)  # missing for a minor, or not applicable
