"""The FHIR R4 Questionnaire: valid in two independent FHIR libraries, and its enableWhen logic agrees with intake's.

The enableWhen entries are judged by an evaluator written here from the R4 rules, and the FHIRPath
expressions by fhirpathpy on responses built by intake's own exporter, over every combination of
answers to the questions the conditions read.
"""

from __future__ import annotations

import functools
import itertools
import json
import subprocess
import sys

import pytest
from fhirclient.models.questionnaire import Questionnaire as ClientQuestionnaire
from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models as fhirpath_models

from intake import conditions
from intake.engine import Engine
from intake.fhirquestionnaire import (
    CONSULTATION_DATE,
    ENABLE_WHEN_EXPRESSION,
    ITEM_TYPES,
    NONE_CODE,
    NONE_SYSTEM,
    canonical_url,
    fhir_questionnaire,
)
from intake.questionnaire import build_questionnaire
from intake.records import fhir
from intake.records.model import IntakeView


@functools.cache
def fhirpath(expression: str):
    """A FHIRPath expression parsed once (fhirpathpy.compile) and evaluated on each resource: parsing had been
    two thirds of the FHIR tests' time."""
    return fhirpath_compile(expression, fhirpath_models["r4"])


def _validate_with_libraries(resource: dict) -> None:
    from fhir.resources.R4B.questionnaire import Questionnaire as R4BQuestionnaire
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as R4BResponse

    if resource["resourceType"] == "Questionnaire":
        ClientQuestionnaire(json.loads(json.dumps(resource)), strict=True)
        R4BQuestionnaire.model_validate(resource)
    else:
        from fhirclient.models.questionnaireresponse import QuestionnaireResponse as ClientResponse

        ClientResponse(json.loads(json.dumps(resource)), strict=True)
        R4BResponse.model_validate(resource)


@pytest.fixture(scope="module")
def engine():
    return Engine.load(None)


def _items(resource: dict) -> dict[str, dict]:
    found = {}

    def walk(items):
        for item in items:
            found[item["linkId"]] = item
            walk(item.get("item", []))
    walk(resource["item"])
    return found


def test_the_clinic_questionnaire_is_valid_r4_in_fhirclient_and_fhir_resources(engine):
    resource = fhir_questionnaire(engine.questionnaire, "en", publisher="Demo")
    _validate_with_libraries(resource)
    assert resource["url"] == canonical_url(engine.questionnaire.id) and not resource["url"].startswith("http")
    assert resource["version"] == engine.questionnaire.version


def test_every_step_and_question_is_an_item_with_its_type_options_and_required_flag(engine):
    questionnaire = engine.questionnaire
    resource = fhir_questionnaire(questionnaire, "en")
    assert [g["linkId"] for g in resource["item"]] == [s.id for s in questionnaire.steps]
    assert all(g["type"] == "group" for g in resource["item"])
    items = _items(resource)
    for step in questionnaire.steps:
        group = items[step.id]
        assert [i["linkId"] for i in group["item"]] == [q.id for q in step.questions]
    for question in questionnaire.questions():
        item = items[question.id]
        assert item["type"] == ITEM_TYPES[question.type]
        assert item["required"] is question.required
        assert item.get("repeats", False) is (question.type == "multi_choice")
        codes = [o["valueCoding"]["code"] for o in item.get("answerOption", [])]
        if question.type == "choice":
            assert codes == [o.id for o in question.options]
        elif question.type == "multi_choice" and any(o.exclusive for o in question.options):
            assert codes == [o.id for o in question.options]  # its own "None of these", marked exclusive
            marked = [o["valueCoding"]["code"] for o in item["answerOption"] if o.get("extension")]
            assert marked == [o.id for o in question.options if o.exclusive]
            assert all(o["extension"][0]["valueBoolean"] is True for o in item["answerOption"] if o.get("extension"))
        elif question.type == "multi_choice":
            assert codes == [o.id for o in question.options] + [NONE_CODE]
            assert item["answerOption"][-1]["extension"][0]["valueBoolean"] is True
        else:
            assert codes == []
        assert ("enableWhen" in item or "extension" in item) is (question.show_if is not None)


# -- conditions: every form, generated --------------------------------------------------------------

def _text(s):
    return {"en": s}


LEAVES = [
    {"question": "a", "equals": True}, {"question": "a", "equals": False},
    {"question": "c", "equals": "x"}, {"question": "c", "in": ["x", "y"]}, {"question": "c", "in": ["z"]},
    {"question": "m", "contains": "p"}, {"question": "t", "equals": "hello"},
    {"question": "m", "equals": "p"},  # a list never equals one value: never shown
]


def _conditions():
    made = list(LEAVES)
    made += [{"all": [LEAVES[0], LEAVES[2]]}, {"any": [LEAVES[1], LEAVES[5]]}, {"all": [LEAVES[3], LEAVES[5]]}]
    made += [{"not": leaf} for leaf in LEAVES[:7]]
    made += [{"not": {"any": [LEAVES[0], LEAVES[5]]}}, {"any": [{"not": LEAVES[2]}, {"all": [LEAVES[6], LEAVES[1]]}]},
             {"all": [{"any": [LEAVES[0], LEAVES[4]]}, {"not": LEAVES[5]}]}, {"any": [LEAVES[3], LEAVES[6]]}]
    return made


CONDITIONS = _conditions()


@pytest.fixture(scope="module")
def synthetic():
    triggers = [
        {"id": "full_name", "type": "text", "required": True, "label": _text("Name")},
        {"id": "date_of_birth", "type": "date", "required": True, "label": _text("Born")},
        {"id": "a", "type": "yes_no", "required": False, "label": _text("A?")},
        {"id": "c", "type": "choice", "required": False, "label": _text("C?"),
         "options": [{"id": o, "label": _text(o.upper())} for o in "xyz"]},
        {"id": "m", "type": "multi_choice", "required": False, "label": _text("M?"),
         "options": [{"id": o, "label": _text(o.upper())} for o in "pq"]},
        {"id": "t", "type": "text", "required": False, "label": _text("T?")},
    ]
    followers = [{"id": f"f{i}", "type": "acknowledgement", "required": True, "label": _text(f"F{i}"),
                  "show_if": cond} for i, cond in enumerate(CONDITIONS)]
    data = {"id": "synthetic", "version": "1", "languages": ["en"], "title": _text("Synthetic"),
            "words": {k: _text(k) for k in ("yes", "no", "not_answered", "confirmed", "none")},
            "steps": [{"id": "one", "title": _text("One"), "questions": triggers},
                      {"id": "two", "title": _text("Two"), "questions": followers}]}
    return build_questionnaire(data)


def _answer_sets():
    for a, c, m, t in itertools.product([True, False, None], ["x", "y", "z", None], [["p"], ["q"], [], ["p", "q"],
                                                                                  None], ["hello", "other", None]):
        answers = {"full_name": "N", "date_of_birth": "1990-01-01"}
        for key, value in (("a", a), ("c", c), ("m", m), ("t", t)):
            if value is not None:
                answers[key] = value
        yield answers


def _response(questionnaire, answers) -> dict:
    view = IntakeView(intake_id="i1", status="draft", consultation_date="2026-11-20", answers=answers,
                      step_id=None, record=None, assessment=None, decisions=[], documents=[],
                      questionnaire_version=questionnaire.version, updated_at="2026-11-20T09:00:00Z")
    return fhir.questionnaire_response(questionnaire, view, "en")


def _enable_when_holds(item: dict, response: dict) -> bool:
    """R4 enableWhen, written from the specification: '=' is true when any answer equals; behavior all/any."""
    answers = {i["linkId"]: [next(iter(v for k, v in a.items() if k.startswith("value"))) for a in i.get("answer", [])]
               for i in _items(response).values()}
    results = []
    for entry in item["enableWhen"]:
        given = answers.get(entry["question"], [])
        wanted = next(v for k, v in entry.items() if k.startswith("answer"))
        if entry["operator"] == "exists":
            results.append(bool(given) is wanted)
        else:
            assert entry["operator"] == "="
            results.append(any(g == wanted if not isinstance(g, dict) else
                               (g["system"], g["code"]) == (wanted["system"], wanted["code"]) for g in given))
    return all(results) if item.get("enableBehavior", "all") == "all" else any(results)


def test_each_condition_form_maps_to_enable_when_where_fhir_can_say_it(synthetic):
    items = _items(fhir_questionnaire(synthetic))
    forms = {i: ("enableWhen" if "enableWhen" in items[f"f{i}"] else "expression") for i in range(len(CONDITIONS))}
    assert [i for i, form in forms.items() if form == "enableWhen"] == [0, 1, 2, 3, 4, 5, 6, 8, 9]
    assert items["f3"]["enableBehavior"] == "any" and items["f8"]["enableBehavior"] == "all"
    assert items["f9"]["enableBehavior"] == "any" and "enableBehavior" not in items["f0"]
    for i, condition in enumerate(CONDITIONS):
        if "not" in json.dumps(condition):
            assert forms[i] == "expression", condition
    assert forms[10] == forms[21] == "expression"  # an `in` inside an `all`/`any` has no exact enableWhen
    expression = items["f13"]["extension"][0]
    assert expression["url"] == ENABLE_WHEN_EXPRESSION and expression["valueExpression"]["language"] == "text/fhirpath"


def test_enable_when_and_fhirpath_agree_with_intake_for_every_condition_and_answer(synthetic):
    items = _items(fhir_questionnaire(synthetic))
    checked = 0
    for answers in _answer_sets():
        response = _response(synthetic, answers)
        for i, condition in enumerate(CONDITIONS):
            expected = conditions.evaluate(condition, answers)
            item = items[f"f{i}"]
            if "enableWhen" in item:
                got = _enable_when_holds(item, response)
            else:
                expression = item["extension"][0]["valueExpression"]["expression"]
                result = fhirpath(expression)(response, {"resource": response})
                assert result in ([True], [False]), (expression, result)
                got = result[0]
            assert got is expected, (condition, answers)
            checked += 1
    assert checked == 3 * 4 * 5 * 3 * len(CONDITIONS)


def test_the_synthetic_questionnaire_and_its_responses_are_valid_r4(synthetic):
    _validate_with_libraries(fhir_questionnaire(synthetic))
    response = _response(synthetic, {"full_name": "N", "date_of_birth": "1990-01-01", "m": []})
    _validate_with_libraries(response)
    none = _items(response)["m"]["answer"]
    assert none == [{"valueCoding": {"system": NONE_SYSTEM, "code": NONE_CODE, "display": "none"}}]


def test_intake_schema_fhir_writes_the_questionnaire(tmp_path):
    out = tmp_path / "q.json"
    done = subprocess.run([sys.executable, "-m", "intake", "schema", "--fhir", "--out", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    resource = json.loads(out.read_text())
    assert resource["resourceType"] == "Questionnaire"
    _validate_with_libraries(resource)


@pytest.mark.parametrize("minors", ["defer", "clearance", "allow"])
@pytest.mark.parametrize(("years_old", "minor"), [(10, True), (15, True), (16, False), (19, False), (60, False),
                                                  (None, False)])
def test_questions_for_a_minor_are_enabled_by_age_and_policy_in_fhirpath(years_old, minor, minors):
    from datetime import date

    from intake.conditions import AgePolicy

    shown = minor and minors != "defer"  # a parent or guardian is named only where the policy involves one
    engine = Engine.load()
    items = _items(fhir_questionnaire(engine.questionnaire, "en", policy=AgePolicy(18, 16, minors)))
    expression = items["guardian_name"]["extension"][0]["valueExpression"]["expression"]
    consultation = date(2026, 11, 20)  # carried in the response: ages are measured on it, not on today
    answers = [] if years_old is None else [{"valueDate": consultation.replace(year=2026 - years_old).isoformat()}]
    response = {"resourceType": "QuestionnaireResponse", "status": "completed",
                "extension": [{"url": CONSULTATION_DATE, "valueDate": consultation.isoformat()}],
                "item": [{"linkId": "about_you", "item": [{"linkId": "date_of_birth", "answer": answers}]}]}
    result = fhirpath(expression)(response, {"resource": response})
    assert result == [shown], (expression, result)
