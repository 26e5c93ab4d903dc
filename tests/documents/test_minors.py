"""Minors and guardians: the legal age decides who consents, the treatment age whether the minors policy applies."""

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


def test_under_the_defer_policy_the_letter_goes_to_the_parent_or_guardian_with_the_birthday(engines, renderers):
    engine = engines["defer"]
    rec = teen(engine)
    assert "guardian_name" not in rec["answers"]  # nobody consents: no guardian is asked for
    assessment = engine.assessor.assess(rec)
    assert assessment.verdict == "defer" and verdict_text(assessment).startswith("DEFER")
    letter = renderers["defer"].html(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))["deferral"]
    assert "For the parent or guardian of Sara Khan" in letter and "Dear parent or guardian," in letter
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
    assert ("Consent given by a parent or guardian: because Sara Khan is under 18, Amina Khan (mother) reads this "
            "form and gives consent for them") in consent
    assert "Amina Khan, mother (parent or guardian), signing for Sara Khan" in consent
    assert "I sign on behalf of the client named on this form" in consent
    assert "Parent or guardian Amina Khan (mother)" in consent  # the facts at the top


def test_under_the_allow_policy_a_minor_signs_for_themselves_and_the_guardian_is_the_contact(engines, renderers):
    engine, renderer = engines["allow"], renderers["allow"]
    rec = teen(engine)
    assert engine.assessor.assess(rec).verdict == "suitable"
    consent = renderer.html(rec, **signed(renderer, rec))["consent"]
    assert "Sara Khan gives their own consent and signs this form, as the clinic's policy allows" in consent
    assert "Amina Khan (mother) is named as their parent or guardian, whom we contact" in consent
    assert "signing for" not in consent and "gives consent for them" not in consent


def test_a_legal_adult_under_the_treatment_age_is_never_given_a_guardian(clinic_dir, tmp_path):
    text = (clinic_dir / "clinic.toml").read_text(encoding="utf-8")
    path = tmp_path / "clinic.toml"
    text = re.sub(r"adult_age = \d+", "adult_age = 21", re.sub(r'minors = "\w+"', 'minors = "clearance"', text))
    path.write_text(text, encoding="utf-8")
    engine = Engine.load(path)
    renderer = HtmlRenderer(engine)
    rec = teen(engine, age=19)
    assert engine.validate(rec) == [] and "guardian_name" not in rec["answers"]
    assessment = engine.assessor.assess(rec)
    assert [f.rule_id for f in assessment.findings] == ["young_adult_review"]
    assert verdict_text(assessment) == "CLEARANCE NEEDED - the practitioner's review comes first"
    mother = Signature("typed", "Amina Khan", renderer.statement("consent_on_behalf"), CLIENT_TIME,
                       capacity="guardian", relationship="mother")
    with pytest.raises(SignatureInputError, match="a parent or guardian cannot consent for them"):
        renderer.html(rec, client_signature=mother, countersignature=Countersignature("ajordan", COUNTER_TIME))
    consent = renderer.html(rec, **signed(renderer, rec, decision="clearance_noted", reason="Talked through"))
    consent = consent["consent"]
    assert "Our clinic treats clients under 21 once the practitioner has talked the treatment through" in consent
    assert "parent" not in consent.split("What you told us")[0] and "guardian" not in consent
    assert not re.search(r"\b18\b|under-18", consent.split("What you told us")[0])


@pytest.mark.parametrize("minors", ["defer", "clearance", "allow"])
def test_the_guardian_questions_help_says_what_happens_under_the_clinics_policy(engines, minors):
    from intake.questionnaire import localize

    question = engines[minors].questionnaire.by_id["guardian_name"]
    data = Engine.load().questionnaire.by_id["guardian_name"].help_by_minors_policy
    expected = data.get(minors) or Engine.load().questionnaire.by_id["guardian_name"].help
    assert localize(question.help, "en") == localize(expected, "en")
    help_text = localize(question.help, "en")
    if minors == "clearance":
        assert "gives consent for you" in help_text and "sign the consent form" in help_text
    elif minors == "allow":
        assert "You give your own consent" in help_text and "they do not sign" in help_text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(age_days=st.integers(min_value=365 * 10, max_value=365 * 30), guardian=st.booleans(),
       ages=st.sampled_from([(16, 16), (18, 16), (18, 18), (21, 18), (21, 21)]),
       minors=st.sampled_from(["defer", "clearance", "allow"]))
def test_the_guardian_questions_are_required_exactly_under_the_legal_age_where_a_guardian_is_involved(
        engines, age_days, guardian, ages, minors):
    from intake.conditions import AgePolicy, facts_for
    from intake.dates import age_on
    from intake.validation import RecordValidator

    engine = engines["clearance"]
    policy = AgePolicy(*ages, minors)
    validator = RecordValidator(engine.questionnaire, engine.record_schema, engine.language, policy)
    birth = date.fromordinal(CONSULTATION.toordinal() - age_days)
    if "adult" not in BASE:
        BASE["adult"] = baseline(engine)
    answers = {**BASE["adult"], "date_of_birth": birth.isoformat()}
    if guardian:
        answers.update(GUARDIAN)
    asked = age_on(birth, CONSULTATION) < policy.legal_age and minors != "defer"
    facts = facts_for(answers, CONSULTATION, policy)
    shown = {q.id for q in engine.questionnaire.visible(answers, facts)}
    assert ("guardian_name" in shown) is asked
    fields = {p.field for p in validator.problems(record(engine, answers))}
    assert ("guardian_name" in fields) is (asked is not guardian)  # missing when asked, or not applicable
