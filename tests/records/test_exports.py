"""Exports: JSON with fingerprints, CSV one row per answer, FHIR R4 QuestionnaireResponse valid by structure."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from intake.fhirquestionnaire import canonical_reference, fhir_questionnaire, none_coding
from intake.records import fhir
from intake.records.workflow import canonical_sha256, fingerprint
from tests.records.conftest import SECRET_NAME, STAFF, Doc, fill_draft, record_named, signed_new, submit_new

VALUE_KEY = {"text": "valueString", "long_text": "valueString", "date": "valueDate", "yes_no": "valueBoolean",
             "acknowledgement": "valueBoolean", "choice": "valueCoding", "multi_choice": "valueCoding"}


def test_json_export_carries_record_assessment_decisions_and_document_fingerprints(store, engine):
    record = record_named(example="clearance")
    intake_id = signed_new(store, engine, record)
    data = json.loads(store.export(intake_id, "json", staff=STAFF, device="office"))
    assert data["format"] == "intake-export/1"
    assert data["intake"]["status"] == "signed" and data["intake"]["id"] == intake_id
    assert data["record"]["answers"] == engine.questionnaire.prune(record["answers"])
    assert data["record_sha256"] == canonical_sha256(data["record"])
    submitted = next(e for e in store.audit_trail(intake_id) if e.event == "submitted")
    assert submitted.data["record_hmac"] == fingerprint(store, "record", data["record"])  # the trail proves it
    assert data["assessment"]["verdict"] == "clearance"
    assert data["decisions"][0]["reason"] == "GP letter seen"
    assert data["documents"][0]["sha256"] == Doc("consent").sha256
    assert store.audit_trail(intake_id)[-1].event == "exported"
    assert store.audit_trail(intake_id)[-1].data == {"format": "json"}


def test_csv_export_has_one_row_per_answer_and_is_safe_in_spreadsheets(store, engine):
    record = record_named()
    record["answers"]["goals"] = "=HYPERLINK(\"http://evil\")"
    intake_id = submit_new(store, engine, record)
    rows = list(csv.DictReader(io.StringIO(store.export(intake_id, "csv", staff=STAFF, device="office"))))
    answered = [q.id for q in engine.questionnaire.visible(record["answers"]) if q.id in record["answers"]]
    assert [r["question_id"] for r in rows] == answered
    by_id = {r["question_id"]: r for r in rows}
    assert by_id["full_name"]["answer"] == SECRET_NAME
    assert by_id["phone"]["answer"] == record["answers"]["phone"] and record["answers"]["phone"].startswith("+44")
    assert by_id["goals"]["answer"].startswith("'=")
    assert by_id["sensitive_skin"]["answer"] == "No" and by_id["sensitive_skin"]["value"] == "false"
    assert by_id["skin_condition_history"]["answer"] == "None of these"
    assert by_id["concerns"]["value"] == "fine_lines;enlarged_pores"
    assert by_id["full_name"]["step"] == "About you"


PAYLOADS = ["HYPERLINK(\"http://evil.example\",\"x\")", "SUM(1)", "2+3", "cmd|' /C calc'!A0", "A1", "1+1",
            "WEBSERVICE(\"x\")", "2-3", "3*4", "1)+(2", " 1", "+", ""]
# "+2-3" is left out: it is written like the phone number +1-800-555-0199, and can do nothing but subtract.
FORMULAS = [start + payload for start in "=+-@" for payload in PAYLOADS
            if start + payload not in ("+", "-", "+2-3")] + \
    ["\t=1+1", "\r=1", "\n@SUM(1)", "-", "+-1", "--1", "+44 7700 900123+1", "+1 (2)(3)", "+44 7700 900123 ",
     "-44 7700 900123", "+1..2", "@44"]
PHONES = ["+44 7700 900123", "+1-800-555-0199", "+33 (0)1 23 45 67 89", "+49.30.1234567", "+442079460000",
          "+1 (212) 555-0100", "+353 1 234 5678"]
PLAIN = ["07700 900123", "020 7946 0000", "-12.5", "+3", "42", "-7", "Fine lines", "a=b", "x;=cmd", " =1", "2-3"]


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_neutralises_whatever_a_spreadsheet_would_execute(value):
    from intake.records.export import spreadsheet_safe

    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", PHONES + PLAIN)
def test_csv_keeps_phone_numbers_numbers_and_plain_text_exactly(value):
    from intake.records.export import spreadsheet_safe

    assert spreadsheet_safe(value) == value


def test_every_kept_cell_that_starts_like_a_formula_is_only_digits_and_phone_punctuation():
    """Generated: every short string over the risky alphabet; what is kept can name no function, cell or program."""
    import itertools

    from intake.records.export import spreadsheet_safe

    for length in range(1, 6):
        for chars in itertools.product("=+-@1 (a.!", repeat=length):
            value = "".join(chars)
            out = spreadsheet_safe(value)
            if out == value and value[0] in "=+-@":
                assert set(value) <= set("+-1 (.") and "+" not in value[1:], value
            else:
                assert out in (value, "'" + value)


def test_csv_cells_are_quoted_so_separators_stay_inside_them(store, engine):
    record = record_named()
    record["answers"]["goals"] = "calm skin; =cmd|' /C calc'!A0, and more"
    text = store.export(submit_new(store, engine, record), "csv", staff=STAFF, device="office")
    line = next(row for row in text.splitlines() if row.startswith('"') and "calm skin" in row)
    assert '"calm skin; =cmd|\' /C calc\'!A0, and more"' in line
    assert all(cell.startswith('"') for cell in text.splitlines()[0].split(","))


@pytest.mark.parametrize("example", ["suitable", "clearance", "defer", "caution"])
def test_fhir_export_is_a_valid_r4_questionnaire_response_built_from_the_questionnaire(store, engine, example):
    record = record_named(example=example)
    intake_id = submit_new(store, engine, record)
    resource = json.loads(store.export(intake_id, "fhir", staff=STAFF, device="office"))
    assert fhir.problems(resource) == []
    assert resource["resourceType"] == "QuestionnaireResponse" and resource["status"] == "completed"
    assert resource["subject"]["display"] == SECRET_NAME
    assert resource["questionnaire"].endswith("|" + engine.questionnaire.version)
    answers = engine.questionnaire.prune(record["answers"])
    steps = [s.id for s in engine.questionnaire.steps if any(q.id in answers for q in s.questions)]
    assert [group["linkId"] for group in resource["item"]] == steps
    seen = set()
    for group in resource["item"]:
        for item in group["item"]:
            question = engine.questionnaire.by_id[item["linkId"]]
            assert question.step_id == group["linkId"]
            seen.add(question.id)
            value = answers[question.id]
            if value == []:  # "none of these" is kept as an explicit answer
                assert item["answer"] == [{"valueCoding": none_coding(engine.questionnaire, "en")}]
                continue
            assert {k for a in item["answer"] for k in a} == {VALUE_KEY[question.type]}
            if question.type == "multi_choice":
                assert [a["valueCoding"]["code"] for a in item["answer"]] == value
    assert seen == set(answers)


VALUE_TYPE = {"string": "valueString", "text": "valueString", "date": "valueDate", "boolean": "valueBoolean",
              "choice": "valueCoding"}


@pytest.mark.parametrize("example", ["suitable", "clearance", "defer", "caution"])
def test_every_response_conforms_to_the_exported_questionnaire_it_references(store, engine, example):
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
    from fhirclient.models.questionnaireresponse import QuestionnaireResponse as ClientResponse

    questionnaire = fhir_questionnaire(engine.questionnaire, "en")
    record = record_named(example=example)
    record["answers"]["skin_condition_history"] = ["none"]  # its own "None of these", marked exclusive
    response = json.loads(store.export(submit_new(store, engine, record), "fhir", staff=STAFF, device="o"))
    QuestionnaireResponse.model_validate(response)
    ClientResponse(copy.deepcopy(response), strict=True)
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    assert response["questionnaire"] == canonical_reference(engine.questionnaire.id, engine.questionnaire.version)
    defined = {}

    def walk(items):
        for item in items:
            defined[item["linkId"]] = item
            walk(item.get("item", []))
    walk(questionnaire["item"])
    answered = 0
    for group in response["item"]:
        assert defined[group["linkId"]]["type"] == "group"
        for item in group["item"]:
            definition = defined[item["linkId"]]
            assert len(item["answer"]) == 1 or definition.get("repeats")
            for answer in item["answer"]:
                (key, value), = answer.items()
                assert key == VALUE_TYPE[definition["type"]]
                if key == "valueCoding":
                    assert value in [o["valueCoding"] for o in definition["answerOption"]]
                answered += 1
    assert answered >= len(engine.questionnaire.prune(record["answers"]))


def test_a_draft_exports_as_in_progress(store, engine):
    intake_id = fill_draft(store, engine, record_named(), steps=2)
    resource = json.loads(store.export(intake_id, "fhir", staff=STAFF, device="office"))
    assert resource["status"] == "in-progress" and fhir.problems(resource) == []
    assert [g["linkId"] for g in resource["item"]] == ["about_you", "your_skin"]


@pytest.fixture
def valid_resource(store, engine):
    return json.loads(store.export(submit_new(store, engine, record_named()), "fhir", staff=STAFF, device="o"))


@pytest.mark.parametrize(("change", "where"), [
    (lambda r: r.update(status="done"), "status"),
    (lambda r: r.update(resourceType="Questionnaire"), "resourceType"),
    (lambda r: r["item"][0]["item"][1]["answer"][0].update(valueString="also"), "item/0/item/1/answer/0"),
    (lambda r: r["item"][0].update(answer=[{"valueBoolean": True}]), "item/0"),
    (lambda r: r["item"][0]["item"][1]["answer"][0].update(valueDate="1988-02-30T"), "item/0/item/1/answer/0"),
    (lambda r: r["item"][0]["item"][0].pop("linkId"), "item/0/item/0"),
    (lambda r: r["item"][0]["item"][0].update(answer=[]), "item/0/item/0/answer"),
    (lambda r: r["item"][0]["item"][0]["answer"][0].update(valueString=""), "item/0/item/0/answer/0/valueString"),
    (lambda r: r.update(authored="20 Nov 2026"), "authored"),
    (lambda r: r.update(colour="red"), "(resource)"),
    (lambda r: r["item"].append(copy.deepcopy(r["item"][0])), "item[7]: linkId 'about_you' is repeated"),
])
def test_the_structure_check_rejects_broken_resources(valid_resource, change, where):
    assert fhir.problems(valid_resource) == []
    change(valid_resource)
    found = fhir.problems(valid_resource)
    assert found and any(p.startswith(where) for p in found), found
