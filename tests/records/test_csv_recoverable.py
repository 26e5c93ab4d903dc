"""The CSV export keeps what was typed recoverable and its readable answer column unambiguous.

Every cell that starts with the neutralising apostrophe had exactly one added (`typed_value` gives back the typed
text, so a typed `'=1+1` and a typed `=1+1` differ); the chosen options' labels in the answer column are separated
by LABEL_SEPARATOR, which the questionnaire check keeps out of every multi-choice label.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools

import pytest

from intake.errors import DataFileError
from intake.jsonfile import read_json
from intake.paths import SCHEMAS_DIR
from intake.questionnaire import LABEL_SEPARATOR, build_questionnaire, localize
from intake.records.export import spreadsheet_safe, typed_value
from tests.records.conftest import STAFF, record_named, submit_new
from tests.records.test_exports import FORMULAS, PHONES, PLAIN


@pytest.mark.parametrize("value", FORMULAS + PHONES + PLAIN + ["'=1+1", "''", "'", "'hello", "''=x", "it's"])
def test_what_was_typed_comes_back_from_its_cell(value):
    assert typed_value(spreadsheet_safe(value)) == value
    assert spreadsheet_safe(value) != spreadsheet_safe("'" + value)


def test_every_short_string_is_recovered_and_no_two_export_alike():
    """Generated over the risky alphabet: the neutralising is one-to-one and undone by typed_value."""
    cells: dict[str, str] = {}
    for length in range(0, 5):
        for chars in itertools.product("'=+-@1 a", repeat=length):
            value = "".join(chars)
            cell = spreadsheet_safe(value)
            assert typed_value(cell) == value
            assert cells.setdefault(cell, value) == value, (cell, value, cells[cell])


def test_a_typed_apostrophe_formula_and_a_typed_formula_export_differently(store, engine):
    texts = {}
    for typed in ("'=1+1", "=1+1"):
        record = record_named()
        record["answers"]["goals"] = typed
        text = store.export(submit_new(store, engine, record), "csv", staff=STAFF, device="office")
        row = next(r for r in csv.DictReader(io.StringIO(text)) if r["question_id"] == "goals")
        assert typed_value(row["answer"]) == typed_value(row["value"]) == typed
        texts[typed] = row["value"]
    assert texts == {"'=1+1": "''=1+1", "=1+1": "'=1+1"}


def test_the_readable_column_splits_back_into_the_chosen_labels(store, engine):
    """Every multi-choice answer of the example, a label with a comma among them ("For staff training, with my face
    not shown")."""
    record = record_named()
    record["answers"]["photo_uses"] = ["training", "record"]
    questionnaire = engine.questionnaire
    text = store.export(submit_new(store, engine, record), "csv", staff=STAFF, device="office")
    rows = {r["question_id"]: r for r in csv.DictReader(io.StringIO(text))}
    checked = 0
    for question in questionnaire.questions():
        value = record["answers"].get(question.id)
        if question.type != "multi_choice" or not value or question.id not in rows:
            continue
        labels = [localize(question.option(option).label, "en") for option in value]
        assert typed_value(rows[question.id]["answer"]).split(LABEL_SEPARATOR) == labels
        assert typed_value(rows[question.id]["value"]).split(";") == value
        checked += 1
    assert checked >= 2 and "photo_uses" in rows


def test_no_multi_choice_label_of_the_clinic_contains_the_separator(engine):
    mark = LABEL_SEPARATOR.strip()
    for question in engine.questionnaire.questions():
        for option in question.options if question.type == "multi_choice" else ():
            assert all(mark not in text for text in option.label.values()), (question.id, option.id)


def test_a_label_with_the_separator_is_refused_by_the_questionnaire_check():
    data = copy.deepcopy(read_json(SCHEMAS_DIR / "questionnaire.json"))
    for s_index, step in enumerate(data["steps"]):
        for q_index, question in enumerate(step["questions"]):
            if question["type"] == "multi_choice":
                question["options"][0]["label"]["en"] = "Face | neck"
                with pytest.raises(DataFileError) as refused:
                    build_questionnaire(data)
                said = str(refused.value)
                assert f"steps[{s_index}].questions[{q_index}].options[0].label.en" in said
                assert "separates the chosen options" in said and "without '|'" in said
                return
    pytest.fail("the questionnaire has no multi-choice question")
