"""`intake records import` takes a FHIR R4 QuestionnaireResponse of the clinic's Questionnaire: intake's own export
and the shape LHC-Forms gives (no consultation-date extension, `authored` in UTC, the questionnaire's url without its
version, codings without display, groups per step), read back to the same answers and validated like an answers
file; a response that cannot be read is refused with what is wrong and where, and nothing is stored.

Records: every example, a record for every rule (minors among them), and records generated from the questionnaire.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from intake.cli import main
from intake.engine import Engine
from intake.fhirquestionnaire import NONE_CODE, NONE_SYSTEM, canonical_url
from intake.records import fhir
from intake.records.fhirimport import answers_record
from intake.records.model import IntakeView
from tests.conftest import EXAMPLES, load_example
from tests.documents.personas import fires_here, rule_records
from tests.documents.personas import record as persona_record
from tests.strategies import records

ENGINE = Engine.load()


def export(record: dict) -> dict:
    """intake's own FHIR export of a submitted record."""
    day = record["consultation_date"]
    view = IntakeView(intake_id="i1", status="submitted", consultation_date=day, answers=record["answers"],
                      step_id=None, record=record, assessment=None, decisions=[], documents=[],
                      questionnaire_version=record["questionnaire_version"], updated_at=f"{day}T09:00:00Z",
                      submitted_at=f"{day}T09:30:00Z")
    return fhir.questionnaire_response(ENGINE.questionnaire, view, "en", policy=ENGINE.config.age_policy)


def lhc_forms(resource: dict) -> dict:
    """The same answers as LHC-Forms gives them: no extension, identifier or id, `authored` in UTC at export time,
    the questionnaire's url alone, codings with system and code only."""
    made = copy.deepcopy(resource)
    for key in ("extension", "identifier", "id", "meta", "language"):
        made.pop(key, None)
    made["authored"] = made["authored"][:10] + "T23:59:58.123Z"
    made["questionnaire"] = canonical_url(ENGINE.questionnaire.id)
    for group in made.get("item", []):
        for item in group["item"]:
            for answer in item.get("answer", []):
                answer.get("valueCoding", {}).pop("display", None)
    return made


def kept(record: dict) -> dict:
    """The answers an export carries: those to the questions shown."""
    facts = ENGINE.facts(record["answers"], record["consultation_date"])
    return ENGINE.questionnaire.prune(record["answers"], facts)


def round_trip(record: dict) -> None:
    assert not ENGINE.validate(record)
    for resource in (export(record), lhc_forms(export(record))):
        back, problems = answers_record(ENGINE, resource)
        assert problems == [], problems
        assert back["answers"] == kept(record)
        assert back["consultation_date"] == record["consultation_date"]
        assert back["questionnaire_version"] == record["questionnaire_version"] or "|" not in resource["questionnaire"]
        assert ENGINE.validate(back) == []


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_every_example_comes_back_the_same(name):
    round_trip(load_example(name))


def test_a_record_for_every_rule_comes_back_the_same():
    count = 0
    for _rule, made in rule_records(ENGINE):
        round_trip(made)
        count += 1
    assert count == sum(1 for rule in ENGINE.rules.rules if fires_here(ENGINE, rule)) > 0


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(records(ENGINE, date(2026, 11, 20)))
def test_generated_records_come_back_the_same(made):
    round_trip(made)


def test_none_of_these_and_an_empty_item_are_told_apart():
    """The "none of these" coding is the answer none; an item without answers is unanswered (nothing is made up)."""
    question = next(q for q in ENGINE.questionnaire.questions()
                    if q.type == "multi_choice" and q.required and not q.show_if
                    and not any(o.exclusive for o in q.options))
    record = load_example("suitable")
    record["answers"][question.id] = []
    resource = export(record)
    item = next(i for g in resource["item"] for i in g["item"] if i["linkId"] == question.id)
    assert [(a["valueCoding"]["system"], a["valueCoding"]["code"]) for a in item["answer"]] == [(NONE_SYSTEM,
                                                                                                NONE_CODE)]
    assert answers_record(ENGINE, resource)[0]["answers"][question.id] == []
    del item["answer"]
    back, problems = answers_record(ENGINE, resource)
    assert problems == [] and question.id not in back["answers"]
    assert [p.field for p in ENGINE.validate(back)] == [question.id]  # required: refused like an answers file


def _broken(change) -> list[str]:
    resource = export(load_example("suitable"))
    change(resource)
    record, problems = answers_record(ENGINE, resource)
    assert record == {}
    return [str(p) for p in problems]


def _item(resource: dict, link: str) -> dict:
    return next(i for g in resource["item"] for i in g["item"] if i["linkId"] == link)


@pytest.mark.parametrize(("change", "said"), [
    (lambda r: r.update(status="in-progress"), "only a completed response is imported"),
    (lambda r: r.update(questionnaire="urn:intake:questionnaire:other|1"), "not this clinic's questionnaire"),
    (lambda r: (r.pop("extension"), r.pop("authored")), "no consultation date"),
    (lambda r: _item(r, "has_gp")["answer"].__setitem__(0, {"valueString": "no"}),
     "valueString does not answer a yes_no question; it takes valueBoolean"),
    (lambda r: _item(r, "skin_type")["answer"][0]["valueCoding"].update(code="VII"), "'VII' is not an option of"),
    (lambda r: _item(r, "skin_type")["answer"].append(copy.deepcopy(_item(r, "skin_type")["answer"][0])),
     "which takes one"),
    (lambda r: r["item"][0]["item"].append({"linkId": "shoe_size", "answer": [{"valueString": "9"}]}),
     "'shoe_size' is not a question of"),
    (lambda r: r["item"][1]["item"].append(copy.deepcopy(_item(r, "has_gp"))), "has_gp is answered twice"),
    (lambda r: r["item"][0].update(answer=[{"valueString": "x"}]), "(resource)"),  # qrs-1: answers and items
])
def test_a_response_that_cannot_be_read_is_refused_saying_where(change, said):
    problems = _broken(change)
    assert any(said in p for p in problems), problems


def test_records_import_stores_a_fhir_response_once_and_refuses_a_bad_one(desk, capsys):
    made = persona_record(ENGINE, load_example("clearance")["answers"])
    response = desk / "response.json"
    response.write_text(json.dumps(lhc_forms(export(made))), encoding="utf-8")
    assert main(["records", "import", str(response)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"response\.json: imported as intake \w+ \(submitted, verdict clearance\)", out), out
    assert main(["records", "import", str(response)]) == 0
    assert "already imported" in capsys.readouterr().out
    bad = json.loads(response.read_text())
    bad["status"] = "in-progress"
    response.write_text(json.dumps(bad), encoding="utf-8")
    assert main(["records", "import", str(response)]) == 1
    err = capsys.readouterr().err
    assert "INVALID" in err and "only a completed response is imported" in err and "Nothing was imported" in err
