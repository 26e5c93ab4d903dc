"""Minors without contradictions: every minors policy x age band x signer capacity, through the lifecycle.

For each clinic (minors policy, treatment age, legal age) and each client (a minor, a legal adult under the
treatment age, an adult), the intake is imported, signed (or refused) in each capacity, decided where needed,
countersigned and rendered; each document is read as text (pdftotext) for the statements that must appear and
those that must not. A deferral letter, for the age itself or for another reason, goes to the parent or
guardian only where a guardian gives the client's consent. The expectations are the README's matrix.
"""

from __future__ import annotations

import itertools

import pytest

from intake.lifecycle import ClientSignatures, Lifecycle, LifecycleError
from intake.records import Store
from intake.signing import CAPACITIES
from tests.documents import personas
from tests.documents.test_minors import GUARDIAN
from tests.lifecycle.conftest import AJORDAN, CLIENT_TIME, COUNTER_TIME, DESK, fresh, policy_engine, text_of

POLICIES = ("defer", "clearance", "allow")
AGES = ((18, 18), (21, 18))  # (adult_age, legal_age): the default, and a treatment age above the legal age
BAND_AGE = {"minor": 16, "young_adult": 19, "adult": 40}
CLIENT, REPRESENTATIVE = "Sara Khan", ("Ravi Patel", "attorney")
CASES = [(policy, ages, band) for policy, ages, band in itertools.product(POLICIES, AGES, BAND_AGE)
         if band != "young_adult" or ages[0] > ages[1]]


@pytest.fixture(scope="module")
def clinics(life_dir, tmp_path_factory):
    """A lifecycle (own store, own renderer) per clinic, made when first asked for."""
    made: dict[tuple, Lifecycle] = {}

    def clinic(policy: str, ages: tuple[int, int]) -> Lifecycle:
        if (policy, ages) not in made:
            folder = tmp_path_factory.mktemp(f"matrix-{policy}-{ages[0]}")
            engine = policy_engine(life_dir, folder, policy, adult_age=ages[0], legal_age=ages[1])
            made[policy, ages] = Lifecycle(engine, Store.open(engine.config, engine=engine),
                                           clock=lambda: COUNTER_TIME)
        return made[policy, ages]

    yield clinic
    for life in made.values():
        life.store.close()


def client_record(life: Lifecycle, band: str, also: str | None = None) -> dict:
    """Sara Khan, of the band's age, with her mother named wherever the questionnaire asks for a guardian;
    `also` triggers another rule as well."""
    engine = life.engine
    answers = personas.baseline(engine, full_name=CLIENT, date_of_birth=f"{2026 - BAND_AGE[band]}-03-01")
    if "guardian_name" in {q.id for q in engine.questionnaire.visible(answers, engine.facts(answers, "2026-11-20"))}:
        answers.update(GUARDIAN)
    if also is not None:
        answers = personas.triggering(engine, next(r for r in engine.rules.rules if r.id == also), answers)
    return personas.record(engine, answers)


def signer(capacity: str) -> tuple[str, str]:
    """Who signs in a capacity: the client, her mother (named in the answers), or her attorney."""
    return {"client": (CLIENT, ""), "guardian": (GUARDIAN["guardian_name"], "mother"),
            "representative": REPRESENTATIVE}[capacity]


def allowed(life: Lifecycle, band: str, capacity: str) -> bool:
    """The matrix: a parent or guardian signs only for a minor (and must under clearance), a representative only
    for someone of the legal age or over, the client unless a guardian must sign."""
    guardian_must = band == "minor" and life.engine.config.minors_policy == "clearance"
    return {"client": not guardian_must, "guardian": band == "minor", "representative": band != "minor"}[capacity]


def guardian_consents(life: Lifecycle, band: str) -> bool:
    """Whether a parent or guardian gives the consent of a client who has not signed (and so gets their letters)."""
    return band == "minor" and life.engine.config.minors_policy in ("defer", "clearance")


def consent_texts(life: Lifecycle, band: str, capacity: str) -> dict[str, str]:
    """The documents of a client signed for in a capacity, as text by kind."""
    intake = fresh(life, client_record(life, band))
    name, relationship = signer(capacity)
    consent = life.typed_signature(intake, "consent", name, CLIENT_TIME, capacity=capacity,
                                   relationship=relationship)
    life.sign(intake, ClientSignatures(consent), DESK)
    if intake.verdict == "clearance":
        life.decide(intake, AJORDAN, "clearance_noted", "Talked through with the client present")
    packet = life.render(intake, life.countersignature(intake, AJORDAN, life.default_plan(intake)))
    return {document.kind: text_of(document.pdf) for document in packet.documents}


@pytest.mark.parametrize(("policy", "ages", "band"), CASES)
def test_every_capacity_signs_or_is_refused_and_the_documents_say_one_thing(clinics, policy, ages, band):
    life = clinics(policy, ages)
    legal = ages[1]
    probe = fresh(life, client_record(life, band))
    assert ("guardian_name" in probe.answers) is (band == "minor" and policy != "defer")
    if probe.verdict == "defer":  # the age itself: not treated, so nobody signs
        assert policy == "defer" and band != "adult"
        for capacity in CAPACITIES:
            name, relationship = signer(capacity)
            with pytest.raises(LifecycleError):  # refused as this signer, or for the deferral
                consent = life.typed_signature(probe, "consent", name, CLIENT_TIME, capacity=capacity,
                                               relationship=relationship)
                life.sign(probe, ClientSignatures(consent), DESK)
        assert life.store.load_intake(probe.intake_id).signatures is None
        return
    for capacity in CAPACITIES:
        name, relationship = signer(capacity)
        if not allowed(life, band, capacity):
            with pytest.raises(LifecycleError):
                life.typed_signature(probe, "consent", name, CLIENT_TIME, capacity=capacity,
                                     relationship=relationship)
            continue
        texts = consent_texts(life, band, capacity)
        consent, aftercare = texts["consent"], texts["aftercare"]
        page_one = consent.split("What you told us")[0]
        if capacity == "guardian":
            assert (f"Consent given by a parent or guardian: because {CLIENT} is under {legal}, Amina Khan (mother) "
                    "reads this form and gives consent for them, and signs it in that capacity") in consent
            assert f"Amina Khan, mother (parent or guardian), signing for {CLIENT}" in consent
            assert "(with Amina Khan)" in aftercare
        elif capacity == "representative":
            assert (f"Consent given by a legal representative: Ravi Patel (attorney) reads this form and gives "
                    f"consent for {CLIENT}") in consent
            assert f"Ravi Patel, attorney (legal representative), signing for {CLIENT}" in consent
        else:
            assert "signing for" not in consent and "gives consent for them" not in consent
        if capacity == "client" and band == "minor":
            assert (f"{CLIENT} gives their own consent and signs this form, as the clinic's policy allows. Amina Khan "
                    "(mother) is named as their parent or guardian, whom we contact about their treatment") in consent
        if band != "minor":  # a legal adult: no parent or guardian anywhere
            assert "guardian" not in consent and "guardian" not in aftercare and "parent" not in page_one
        else:
            assert "Parent or guardian Amina Khan (mother)" in consent
        if band == "young_adult" and policy == "clearance":
            assert f"Our clinic treats clients under {ages[0]} once the practitioner has talked" in consent
        if band == "minor" and policy == "clearance":
            assert f"Because you are under {legal}, a parent or guardian gives consent for you" in consent
        if capacity != "guardian":
            assert "(with " not in aftercare


@pytest.mark.parametrize(("policy", "ages", "band"), CASES)
def test_a_letter_goes_to_a_parent_or_guardian_only_where_one_gives_the_consent(clinics, policy, ages, band):
    life = clinics(policy, ages)
    other = next(r.id for r in life.engine.rules.rules if r.severity == "defer" and not r.lasting and r.come_back)
    intake = fresh(life, client_record(life, band, also=other))
    assert intake.verdict == "defer"
    counter = life.countersignature(intake, AJORDAN, None)
    [letter] = [text_of(d.pdf) for d in life.render(intake, counter).documents]
    greeting = letter.split("Thank you for coming")[0]
    if guardian_consents(life, band):
        assert f"For the parent or guardian of {CLIENT}" in greeting
        named = "Amina Khan" if "guardian_name" in intake.answers else "parent or guardian"
        assert f"Dear {named}," in greeting and f"Because they are under {ages[1]}, we are writing to you" in greeting
    else:
        assert f"Dear {CLIENT}," in greeting and "parent" not in greeting and "guardian" not in letter
