"""What the documents say, read as text, for classes of rules generated from the data (issue 10)."""

from __future__ import annotations

import pytest

from intake.dates import human_date
from intake.documents import Countersignature
from intake.engine import Engine
from tests.documents.conftest import COUNTER_TIME
from tests.documents.personas import record, triggering
from tests.documents.reading import HtmlRenderer

RULES = Engine.load().rules.rules
DATED = [r for r in RULES if (r.window or {}).get("relation") == "after"]
DEFER = [r for r in RULES if r.severity == "defer"]


@pytest.fixture(scope="module")
def html_renderer(clinic_engine) -> HtmlRenderer:
    return HtmlRenderer(clinic_engine)


def persona(engine, rule):
    return record(engine, triggering(engine, rule), record_id=f"c-{rule.id}")


def _signed(renderer, rec, decision="none", reason=""):
    from tests.documents.reading import signed

    return signed(renderer, rec, decision=decision, reason=reason)


@pytest.mark.parametrize("rule", DATED, ids=[r.id for r in DATED])
@pytest.mark.parametrize("decision", ["none", "clearance_noted", "override"])
def test_a_waiting_period_is_said_once_with_what_was_decided(clinic_engine, html_renderer, rule, decision):
    engine = clinic_engine
    rec = persona(engine, rule)
    finding = next(f for f in engine.assessor.assess(rec).findings if f.rule_id == rule.id)
    until = human_date(finding.until)
    practitioner = engine.config.practitioner("ajordan")
    if finding.severity == "defer":
        letter = html_renderer.html(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))["deferral"]
        assert letter.count(until) == 1, letter
        return
    reason = {"none": "", "clearance_noted": "GP letter of 18 November seen.",
              "override": "Prescriber confirmed in writing that treatment is safe now."}[decision]
    consent = html_renderer.html(rec, **_signed(html_renderer, rec, decision, reason))["consent"]
    assert "sooner with" not in consent and "Not before" not in consent
    assert consent.count(f"We can treat you from {until}.") == (0 if decision == "override" else 1)
    assert consent.count(until) == 1
    decided = f"Decision recorded: on {human_date(COUNTER_TIME.date())}, {practitioner.name} ({practitioner.role})"
    if decision == "none":
        assert "Decision recorded" not in consent
        assert "until these points are settled and the dates above have passed" in consent
    else:
        assert decided in consent and reason in consent
    if decision == "clearance_noted":  # said for what was asked: a waiting period, never "approvals ... seen"
        assert "noted the waiting period above" in consent
        assert "approval" not in consent.split("Decision recorded")[1][:300]
        assert "still applies: your first session will be on or after the date given there" in consent
    if decision == "override":
        assert f"decided not to wait until {until}" in consent
        assert "without waiting for the dates above" in consent


LASTING = [r for r in RULES if r.lasting]
TEMPORARY = [r for r in DEFER if not r.lasting]


def test_the_data_marks_the_lasting_contraindications():
    assert {r.id for r in LASTING} >= {"keloid", "clotting_disorder", "collagen_disease"}
    for rule in TEMPORARY:  # every temporary one says when: a date, or a condition
        assert (rule.window or {}).get("relation") == "after" or rule.come_back or rule.id == "minor", rule.id


@pytest.mark.parametrize("rule", LASTING, ids=[r.id for r in LASTING])
def test_a_lasting_contraindication_gets_a_kind_letter_without_a_come_back(clinic_engine, html_renderer, rule):
    rec = persona(clinic_engine, rule)
    letter = html_renderer.html(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))["deferral"]
    assert "microneedling is not a treatment we can offer you" in letter
    assert "What you can do instead" in letter and "dermatologist" in letter
    for promise in ("not a final no", "When you can come back", "have passed", "When you come back"):
        assert promise not in letter, promise


@pytest.mark.parametrize("rule", TEMPORARY, ids=[r.id for r in TEMPORARY])
def test_a_temporary_deferral_says_when_the_client_can_come_back(clinic_engine, html_renderer, rule):
    engine = clinic_engine
    rec = persona(engine, rule)
    finding = next(f for f in engine.assessor.assess(rec).findings if f.rule_id == rule.id)
    letter = html_renderer.html(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))["deferral"]
    assert "not a final no" in letter and "When you can come back" in letter
    assert "What you can do instead" not in letter
    if finding.until is not None:
        assert human_date(finding.until) in letter
    else:
        assert finding.come_back and finding.come_back in letter


def test_a_lasting_and_a_temporary_finding_together(clinic_engine, html_renderer):
    engine = clinic_engine
    keloid = next(r for r in RULES if r.id == "keloid")
    pregnancy = next(r for r in RULES if r.id == "pregnancy")
    rec = record(engine, triggering(engine, pregnancy, triggering(engine, keloid)), record_id="both")
    letter = html_renderer.html(rec, countersignature=Countersignature("ajordan", COUNTER_TIME))["deferral"]
    assert "What you can do instead" in letter and "Also, for now" in letter
    assert "not a final no" not in letter and "When you can come back" not in letter


def _rule(rule_id):
    return next(r for r in RULES if r.id == rule_id)


@pytest.mark.parametrize("thinner", ["warfarin", "doac", "aspirin", "antiplatelet"])
def test_a_blood_thinner_with_clearance_gets_bruising_aftercare_and_a_shallow_plan(clinic_engine, html_renderer,
                                                                                   thinner):
    engine = clinic_engine
    answers = triggering(engine, _rule("blood_thinners"))
    answers["blood_thinner_type"] = thinner
    rec = record(engine, answers, record_id=f"thinner-{thinner}")
    assessment = engine.assessor.assess(rec)
    limit = engine.rules.limits["blood_thinner_depth_mm"].default
    assert assessment.plan_limits["max_depth_mm"] == limit
    assert max(a.depth_max for a in engine.default_plan(rec, assessment).areas) <= limit
    pages = html_renderer.html(rec, **_signed(html_renderer, rec, "clearance_noted", "Prescriber's letter seen."))
    assert f"needles no deeper than {limit} mm" in pages["consent"]
    assert "more bruising afterwards" in pages["consent"]
    assert "expect more pinpoint bleeding and bruising" in pages["aftercare"]
    assert "Keep taking your prescribed medicine" in pages["aftercare"]


def test_the_blood_thinner_depth_is_a_clinic_setting(tmp_path):
    import re

    from intake.errors import DataFileError
    from tests.documents.conftest import write_config

    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"blood_thinner_depth_mm = [0-9.]+", "blood_thinner_depth_mm = 0.75", text), "utf-8")
    engine = Engine.load(path)
    rec = record(engine, triggering(engine, _rule("blood_thinners")))
    assert engine.assessor.assess(rec).plan_limits["max_depth_mm"] == 0.75
    path.write_text(re.sub(r"blood_thinner_depth_mm = [0-9.]+", "blood_thinner_depth_mm = 2.5", text), "utf-8")
    with pytest.raises(DataFileError, match=r"limits\.blood_thinner_depth_mm"):
        Engine.load(path)


@pytest.mark.parametrize("concern", ["melasma", "uneven_tone"])
def test_a_pigment_concern_raises_the_pigment_caution_on_light_skin(clinic_engine, html_renderer, concern):
    engine = clinic_engine
    answers = triggering(engine, _rule("pigment_concern"))
    answers.update(skin_type="II", concerns=[concern])
    rec = record(engine, answers, record_id=f"pigment-{concern}")
    assessment = engine.assessor.assess(rec)
    assert {f.rule_id for f in assessment.findings} == {"pigment_concern"}
    assert assessment.plan_limits["max_depth_mm"] == engine.rules.limits["pigment_depth_mm"].default
    pages = html_renderer.html(rec, **_signed(html_renderer, rec))
    assert "it can also make melasma and dark patches flare, whatever your skin type" in pages["consent"]
    assert "mineral SPF 50 every day" in pages["aftercare"] and "SPF 30" not in pages["aftercare"]


@pytest.mark.parametrize("areas", [["forehead"], ["neck"], ["forehead", "upper_lip"], ["chin"], ["cheeks"]])
def test_cold_sore_advice_follows_the_chosen_areas(clinic_engine, html_renderer, areas):
    engine = clinic_engine
    answers = triggering(engine, _rule("cold_sore_history"))
    answers["treatment_areas"] = areas
    rec = record(engine, answers, record_id="cold-sore")
    pages = html_renderer.html(rec, **_signed(html_renderer, rec))
    near_mouth = bool({"upper_lip", "chin", "cheeks"} & set(areas))
    assert ("near your mouth" in pages["consent"]) is near_mouth
    assert ("an antiviral medicine to start before your session" in pages["consent"]) is near_mouth
    assert ("are away from your mouth" in pages["consent"]) is not near_mouth


def test_the_consent_says_how_the_data_is_kept_from_the_clinic_configuration(clinic_engine, html_renderer, tmp_path):
    import re

    from tests.documents.conftest import write_config

    rec = record(clinic_engine, triggering(clinic_engine, _rule("sensitive_skin")), record_id="privacy")
    consent = html_renderer.html(rec, **_signed(html_renderer, rec))["consent"]
    privacy = clinic_engine.config.section("privacy")
    years = clinic_engine.config.section("storage")["retention_years"]
    assert "9. Your information" in consent
    assert f"{privacy['controller']} is responsible for them" in consent
    assert f"for {years} years after you sign it" in consent and privacy["contact"] in consent
    path = write_config(tmp_path)  # no [privacy] section, another retention period: the clinic's own details
    text = re.sub(r"\[privacy\].*?\n\n", "", path.read_text(encoding="utf-8"), flags=re.S)
    path.write_text(re.sub(r"retention_years = \d+", "retention_years = 10", text), encoding="utf-8")
    engine = Engine.load(path)
    other = HtmlRenderer(engine).html(rec, **_signed(html_renderer, rec))["consent"]
    assert f"{engine.config.clinic['name']} is responsible for them" in other
    assert "for 10 years after you sign it" in other and engine.config.clinic["email"] in other
