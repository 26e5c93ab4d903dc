"""One test per rule, plus windows, policy settings and plan limits."""

import pytest

from intake.config import load_config
from intake.engine import Engine
from tests.conftest import with_answers

# rule id -> answers that trigger it on top of the suitable example (consultation 2026-11-20)
TRIGGERS = {
    "skin_infection": {"skin_infection": True},
    "active_acne": {"active_acne": True},
    "rosacea_flare": {"rosacea_flare": True},
    "eczema_psoriasis_flare": {"eczema_psoriasis_active": True},
    "suspicious_lesion": {"suspicious_lesion": True},
    "broken_skin": {"broken_skin": True},
    "keloid": {"keloid": True},
    "pregnancy": {"pregnant_or_breastfeeding": True},
    "clotting_disorder": {"clotting_disorder": True},
    "cancer_treatment_current": {"cancer_treatment": "current"},
    "cancer_treatment_planned": {"cancer_treatment": "planned", "cancer_treatment_start": "2026-12-01"},
    "cancer_treatment_recent": {"cancer_treatment": "finished", "cancer_treatment_end": "2026-11-10"},
    "cancer_treatment_clearance": {"cancer_treatment": "finished", "cancer_treatment_end": "2026-06-01"},
    "systemic_steroids": {"systemic_steroids": True},
    "collagen_disease": {"collagen_disease": True},
    "unwell_now": {"unwell_now": True},
    "numbing_allergy": {"numbing_allergy": True},
    "isotretinoin_current": {"isotretinoin": "current"},
    "isotretinoin_recent": {"isotretinoin": "stopped", "isotretinoin_last_dose": "2026-08-01"},
    "blood_thinners": {"blood_thinners": True, "blood_thinner_type": "warfarin"},
    "diabetes_uncontrolled": {"diabetes": "uncontrolled"},
    "autoimmune": {"autoimmune": True, "autoimmune_detail": "Lupus"},
    "skin_condition_history": {"skin_condition_history": ["eczema"]},
    "toxin_recent": {"toxin_recent": True, "toxin_date": "2026-11-12", "toxin_areas": "Forehead"},
    "filler_recent": {"filler_recent": True, "filler_date": "2026-09-01", "filler_areas": ["cheeks"]},
    "surgery_recent": {"surgery_recent": True, "surgery_date": "2026-03-01"},
    "recent_scar": {"recent_scar": True, "recent_scar_date": "2026-08-01"},
    "peel_recent": {"peel_recent": True, "peel_date": "2026-11-01"},
    "waxing_recent": {"waxing_recent": True, "waxing_date": "2026-11-19"},
    "retinoids_current": {"retinoids": "current"},
    "retinoids_recent": {"retinoids": "stopped", "retinoids_last_use": "2026-11-18"},
    "photosensitising_medicine": {"photosensitising_medicine": True, "photosensitising_medicine_name": "Doxycycline"},
    "metal_allergy": {"metal_allergy": True},
    "darker_skin": {"skin_type": "IV"},
    "cold_sore_history": {"cold_sore_history": True},
    "cold_sore_elsewhere": {"cold_sore_history": True, "treatment_areas": ["forehead"]},
    "pigment_concern": {"concerns": ["melasma"]},
    "diabetes_controlled": {"diabetes": "controlled"},
    "sensitive_skin": {"sensitive_skin": True},
    "solar_keratosis": {"solar_keratosis": True},
    "minor": {"date_of_birth": "2010-01-01"},
    "minor_guardian": {"date_of_birth": "2010-01-01", "guardian_name": "Ada Smith", "guardian_relationship": "mother"},
    "young_adult_review": {"date_of_birth": "2006-01-01"},  # 20: an adult, under a treatment age of 21
}
#: The clinic a rule needs besides its minors policy: young_adult_review, a treatment age above the legal age.
SETTINGS = {"young_adult_review": ("adult_age = 18 ", "adult_age = 21 ")}


def findings(engine, record):
    return {f.rule_id: f for f in engine.assess(record).findings}


def test_every_rule_has_a_trigger_test(engine):
    assert {r.id for r in engine.rules.rules} == set(TRIGGERS)


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_rule_fires_with_its_answer_and_names_it(engine, suitable, rule_id, tmp_path):
    rule = next(r for r in engine.rules.rules if r.id == rule_id)
    if rule.minors_policy not in (None, engine.config.minors_policy):  # fires only under its minors policy
        engine = _engine_with(tmp_path, 'minors = "defer"', f'minors = "{rule.minors_policy}"',
                              *SETTINGS.get(rule_id, ()))
    record = with_answers(suitable, **TRIGGERS[rule_id])
    assert engine.validate(record) == []
    found = findings(engine, record)
    assert rule_id in found
    finding = found[rule_id]
    rule = next(r for r in engine.rules.rules if r.id == rule_id)
    assert finding.severity == (rule.severity or engine.config.minors_policy)
    assert finding.client_message and "{" not in finding.client_message
    assert finding.practitioner_message and "{" not in finding.practitioner_message
    assert finding.question_id in engine.questionnaire.by_id
    assert engine.assess(record).verdict == max(
        (f.severity for f in found.values()), key=["suitable", "caution", "clearance", "defer"].index)


def test_suitable_client_has_no_findings(engine, suitable):
    result = engine.assess(suitable)
    assert result.verdict == "suitable" and result.findings == ()


@pytest.mark.parametrize(("rule_id", "answers", "until"), [
    ("isotretinoin_recent", {"isotretinoin": "stopped", "isotretinoin_last_dose": "2026-08-31"}, "2027-02-28"),
    ("toxin_recent", {"toxin_recent": True, "toxin_date": "2026-11-12", "toxin_areas": "x"}, "2026-11-26"),
    ("waxing_recent", {"waxing_recent": True, "waxing_date": "2026-11-19"}, "2026-11-22"),
    ("retinoids_recent", {"retinoids": "stopped", "retinoids_last_use": "2026-11-18"}, "2026-11-23"),
    ("cancer_treatment_recent", {"cancer_treatment": "finished", "cancer_treatment_end": "2026-11-10"}, "2026-12-08"),
])
def test_window_end_dates(engine, suitable, rule_id, answers, until):
    finding = findings(engine, with_answers(suitable, **answers))[rule_id]
    assert finding.until.isoformat() == until


@pytest.mark.parametrize(("rule_id", "answers"), [
    ("isotretinoin_recent", {"isotretinoin": "stopped", "isotretinoin_last_dose": "2026-05-20"}),
    ("toxin_recent", {"toxin_recent": True, "toxin_date": "2026-11-06", "toxin_areas": "x"}),
    ("cancer_treatment_recent", {"cancer_treatment": "finished", "cancer_treatment_end": "2026-10-23"}),
    ("cancer_treatment_planned", {"cancer_treatment": "planned", "cancer_treatment_start": "2026-12-19"}),
    ("waxing_recent", {"waxing_recent": True, "waxing_date": "2026-11-17"}),
])
def test_window_that_has_passed_gives_no_finding(engine, suitable, rule_id, answers):
    assert rule_id not in findings(engine, with_answers(suitable, **answers))


def test_window_is_evaluated_on_the_consultation_date_not_today(engine, suitable):
    answers = {"isotretinoin": "stopped", "isotretinoin_last_dose": "2026-08-01"}
    record = with_answers(suitable, **answers)
    assert "isotretinoin_recent" in findings(engine, record)
    record["consultation_date"] = "2027-02-01"
    assert "isotretinoin_recent" not in findings(engine, record)


def test_scar_without_a_date_still_needs_clearance(engine, suitable):
    finding = findings(engine, with_answers(suitable, recent_scar=True))["recent_scar"]
    assert finding.until is None and "6 months" in finding.client_message


def test_filler_outside_the_treated_areas_is_not_a_finding(engine, suitable):
    record = with_answers(suitable, filler_recent=True, filler_date="2026-10-01", filler_areas=["upper_lip"])
    assert "filler_recent" not in findings(engine, record)


def _engine_with(tmp_path, *changes: str) -> Engine:
    """The demo clinic with settings changed: pairs of (old text, new text) in its configuration."""
    from intake.paths import DEMO_CONFIG

    text = DEMO_CONFIG.read_text(encoding="utf-8")
    for old, new in zip(changes[::2], changes[1::2], strict=True):
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return Engine.load(load_config(path))


def test_clinic_window_setting_changes_the_outcome(tmp_path, suitable):
    record = with_answers(suitable, isotretinoin="stopped", isotretinoin_last_dose="2026-08-01")
    engine = _engine_with(tmp_path, "isotretinoin_months = 6", "isotretinoin_months = 3")
    assert "isotretinoin_recent" not in findings(engine, record)
    engine = _engine_with(tmp_path, "isotretinoin_months = 6", "isotretinoin_months = 12")
    assert findings(engine, record)["isotretinoin_recent"].until.isoformat() == "2027-08-01"


@pytest.mark.parametrize(("policy", "severity"), [("defer", "defer"), ("clearance", "clearance"), ("allow", None)])
def test_minors_follow_the_clinic_policy(tmp_path, suitable, policy, severity):
    engine = _engine_with(tmp_path, 'minors = "defer"', f'minors = "{policy}"')
    record = with_answers(suitable, date_of_birth="2009-11-21",  # 16 on the consultation day
                          **({} if policy == "defer" else {"guardian_name": "Ada Smith",
                                                           "guardian_relationship": "mother"}))
    found = findings(engine, record)
    minor = [f for f in found.values() if f.question_id == "date_of_birth"]
    assert (minor[0].severity if minor else None) == severity
    adult = with_answers(suitable, date_of_birth="2008-11-20")  # 18 that very day
    assert not {"minor", "minor_guardian", "young_adult_review"} & set(findings(engine, adult))


def test_plan_limits_combine_cautions(engine, suitable):
    record = with_answers(suitable, skin_type="VI", sensitive_skin=True, diabetes="controlled")
    result = engine.assess(record)
    assert result.plan_limits == {"max_depth_mm": 1.0, "min_interval_weeks": 6}
    plan = engine.default_plan(record, result)
    assert all(area.depth_max <= 1.0 for area in plan.areas)
    assert plan.interval_weeks == 6


def test_return_date_is_the_latest_waiting_period(engine, suitable):
    record = with_answers(suitable, toxin_recent=True, toxin_date="2026-11-12", toxin_areas="x",
                          peel_recent=True, peel_date="2026-11-01")
    result = engine.assess(record)
    assert result.return_date.isoformat() == "2026-11-29" and not result.open_ended


def test_aftercare_additions_follow_the_answers(engine, suitable):
    record = with_answers(suitable, skin_type="V", cold_sore_history=True)
    texts = " ".join(engine.assess(record).aftercare)
    assert "SPF 50" in texts and "antiviral" in texts


def test_assessment_is_reproducible_and_serialisable(engine, suitable):
    import json

    record = with_answers(suitable, **TRIGGERS["isotretinoin_recent"])
    first, second = engine.assess(record).to_dict(), engine.assess(record).to_dict()
    assert first == second
    json.dumps(first)
