"""The project's own data files are valid, and the published record schema is current."""

import json

import pytest
from jsonschema import Draft202012Validator

from intake.paths import SCHEMAS_DIR
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("path", sorted(SCHEMAS_DIR.glob("*.schema.json")), ids=lambda p: p.name)
def test_every_schema_is_a_valid_2020_12_schema(path):
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_published_record_schema_matches_the_questionnaire(engine):
    published = json.loads((SCHEMAS_DIR / "record.schema.json").read_text(encoding="utf-8"))
    assert published == engine.record_schema, "run: intake schema --out schemas/record.schema.json"


@pytest.mark.parametrize("name", ["suitable", "caution", "clearance", "defer"])
def test_examples_are_valid_and_have_the_verdict_in_their_name(engine, name):
    record = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    assert engine.validate(record) == []
    assert engine.assess(record).verdict == name


def test_published_schema_alone_accepts_examples_and_rejects_incomplete_records():
    schema = json.loads((SCHEMAS_DIR / "record.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    record = json.loads((EXAMPLES / "clearance.json").read_text(encoding="utf-8"))
    assert validator.is_valid(record)
    del record["answers"]["blood_thinner_type"]  # shown because blood_thinners is true
    assert not validator.is_valid(record)
    record["answers"]["blood_thinners"] = False  # now hidden: must stay absent
    assert validator.is_valid(record)
    record["answers"]["blood_thinner_type"] = "warfarin"
    assert not validator.is_valid(record)


def test_every_clinical_screening_item_has_a_rule(engine):
    """Each screening fact from clinical.md maps to at least one rule of the right severity."""
    expected = {
        "defer": ["skin_infection", "active_acne", "rosacea_flare", "suspicious_lesion", "broken_skin",
                  "clotting_disorder", "cancer_treatment_current", "systemic_steroids", "keloid", "pregnancy",
                  "collagen_disease", "unwell_now", "numbing_allergy", "eczema_psoriasis_flare"],
        "clearance": ["isotretinoin_recent", "blood_thinners", "diabetes_uncontrolled", "autoimmune",
                      "skin_condition_history", "toxin_recent", "filler_recent", "surgery_recent", "recent_scar",
                      "peel_recent", "waxing_recent", "retinoids_recent", "photosensitising_medicine",
                      "metal_allergy", "cancer_treatment_clearance"],
        "caution": ["darker_skin", "cold_sore_history", "cold_sore_elsewhere", "pigment_concern",
                    "diabetes_controlled", "sensitive_skin", "solar_keratosis"],
    }
    severities = {r.id: r.severity for r in engine.rules.rules}
    for severity, ids in expected.items():
        for rule_id in ids:
            assert severities.get(rule_id) == severity, rule_id


def test_formats_are_asserted_without_the_slow_iri_parser(engine, suitable):
    import sys

    assert sys.modules.get("rfc3987_syntax") is None  # kept from loading by intake/__init__.py
    suitable["answers"]["date_of_birth"] = "1990-02-30"
    suitable["answers"]["email"] = "no-at-sign"
    fields = {p.field for p in engine.validate(suitable)}
    assert {"date_of_birth", "email"} <= fields
