"""Choices a person makes: the keys shown on options, "None of these" standing alone, and answers echoed."""

import copy
import json

import pytest

from intake import echo
from intake.choicekeys import chosen_by, option_keys, question_keys
from intake.errors import DataFileError
from intake.paths import SCHEMAS_DIR
from intake.questionnaire import build_questionnaire
from intake.rules import build_rules
from tests.conftest import EXAMPLES

QUESTIONNAIRE_DATA = json.loads((SCHEMAS_DIR / "questionnaire.json").read_text(encoding="utf-8"))
RULES_DATA = json.loads((SCHEMAS_DIR / "rules.json").read_text(encoding="utf-8"))


def _question_data(data, question_id):
    return next(q for s in data["steps"] for q in s["questions"] if q["id"] == question_id)


# -- keys ---------------------------------------------------------------------------------------------


def test_first_letters_where_unique_and_digits_for_the_rest():
    assert option_keys(["No", "Yes, I still take them", "Yes, but I have stopped"]) == ("n", "1", "2")
    assert option_keys(["Eczema", "Psoriasis", "Rosacea", "None of these"]) == ("e", "p", "r", "n")
    assert option_keys(["Mother", "Father"], reserved={"m"}) == ("1", "f")
    assert option_keys(["1 mm", "2 mm"]) == ("1", "2")  # a label starting with a digit gets no clashing letter
    assert option_keys([f"Same {i}" for i in range(11)])[9:] == (None, None)  # nine digits, then none


def test_every_question_of_the_data_has_distinct_keys_shown_on_its_options(engine):
    questionnaire = engine.questionnaire
    for question in questionnaire.questions():
        keys = question_keys(questionnaire, question, "en")
        if question.type in ("choice", "multi_choice"):
            assert len(keys) == len(question.options)
            assert all(keys), f"{question.id}: every option has a key (at most nine clash)"
        elif question.type == "yes_no":
            assert keys == ("y", "n")
        else:
            assert keys == ()
        given = [k for k in keys if k]
        assert len(set(given)) == len(given), question.id
        for index, key in enumerate(keys):
            assert chosen_by(keys, key.upper()) == index


def test_no_is_n_wherever_an_option_means_no(engine):
    """A client who answers "n" to yes/no questions answers "No" to the choices whose first option is No."""
    questionnaire = engine.questionnaire
    for question in questionnaire.questions():
        if question.type == "choice" and question.options[0].label["en"] == "No":
            assert question_keys(questionnaire, question, "en")[0] == "n", question.id


def test_a_character_that_is_no_key_chooses_nothing():
    assert chosen_by(("n", "1", "2"), "x") is None
    assert chosen_by(("n", "1", "2"), "") is None
    assert chosen_by(("n", "1", "2"), None) is None


# -- "None of these" ----------------------------------------------------------------------------------


def test_ticking_none_clears_the_others_and_back(engine):
    question = engine.questionnaire.by_id["skin_condition_history"]
    assert question.toggle(["eczema", "rosacea"], "none") == ["none"]
    assert question.toggle(["none"], "psoriasis") == ["psoriasis"]
    assert question.toggle(["rosacea"], "eczema") == ["eczema", "rosacea"]  # in the options' order
    assert question.toggle(["eczema"], "eczema") is None  # unticked: unanswered again
    assert question.toggle(None, "unknown") is None


def test_none_together_with_another_option_is_refused_in_words(engine):
    record = json.loads((EXAMPLES / "suitable.json").read_text(encoding="utf-8"))
    record["answers"]["skin_condition_history"] = ["eczema", "none"]
    (problem,) = engine.validate(record)
    assert problem.field == "skin_condition_history"
    assert "'None of these' cannot be chosen together" in problem.message
    del record["answers"]["skin_condition_history"]
    (problem,) = engine.validate(record)
    assert problem.message == "Choose the ones that apply, or 'None of these'."


def test_none_of_these_is_an_answer_that_carries_no_finding(engine):
    record = json.loads((EXAMPLES / "suitable.json").read_text(encoding="utf-8"))
    assert record["answers"]["skin_condition_history"] == ["none"]
    assessment = engine.assess(record)
    assert assessment.verdict == "suitable"
    question = engine.questionnaire.by_id["skin_condition_history"]
    assert engine.questionnaire.display(question, ["none"], "en") == "None of these"
    for option in question.options:
        if not option.exclusive:
            record["answers"]["skin_condition_history"] = [option.id]
            findings = engine.assess(record).findings
            assert [f.rule_id for f in findings] == ["skin_condition_history"], option.id


def test_the_published_schema_alone_refuses_none_with_another_option():
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMAS_DIR / "record.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    record = json.loads((EXAMPLES / "suitable.json").read_text(encoding="utf-8"))
    assert validator.is_valid(record)
    record["answers"]["skin_condition_history"] = ["none", "eczema"]
    assert not validator.is_valid(record)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: _question_data(d, "skin_type")["options"][0].update(exclusive=True), "every option already stands"),
    (lambda d: _question_data(d, "skin_condition_history")["options"][0].update(exclusive=True),
     "one exclusive option at most"),
])
def test_misplaced_exclusive_options_are_named_with_a_fix(change, message):
    data = copy.deepcopy(QUESTIONNAIRE_DATA)
    change(data)
    with pytest.raises(DataFileError) as caught:
        build_questionnaire(data, "questionnaire.json")
    assert message in str(caught.value)
    assert "exclusive" in str(caught.value)


def test_a_rule_may_not_read_a_multi_choice_question_that_can_be_left_empty():
    data = copy.deepcopy(QUESTIONNAIRE_DATA)
    _question_data(data, "skin_condition_history")["required"] = False
    with pytest.raises(DataFileError) as caught:
        build_rules(RULES_DATA, build_questionnaire(data))
    assert "make 'skin_condition_history' required" in str(caught.value)


def test_a_rule_may_not_ask_whether_a_question_with_none_of_these_is_answered():
    rules = copy.deepcopy(RULES_DATA)
    rule = next(r for r in rules["rules"] if r["id"] == "skin_condition_history")
    rule["when"] = {"question": "skin_condition_history", "answered": True}
    with pytest.raises(DataFileError) as caught:
        build_rules(rules, build_questionnaire(QUESTIONNAIRE_DATA))
    assert "answered by 'None of these' too" in str(caught.value)


# -- echo ---------------------------------------------------------------------------------------------


def test_every_rule_triggered_by_an_answer_echoes_that_answer(engine):
    """Generated from the examples: each finding's own answer is echoed as it is made; other answers are not."""
    for name in ("caution", "clearance", "defer"):
        record = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
        answers, day = record["answers"], record["consultation_date"]
        with_findings = {f.question_id for f in engine.assess(record).findings if f.question_id}
        for question_id in answers:
            said = echo.echo(engine, question_id, answers, day)
            if question_id in with_findings:
                shown = engine.questionnaire.display(engine.questionnaire.by_id[question_id], answers[question_id],
                                                     "en")
                assert said == f"You said: {shown}", question_id
            else:
                assert said is None, question_id


def test_an_unanswered_question_is_never_echoed(engine):
    assert echo.echo(engine, "blood_thinners", {}, "2026-11-20") is None
    assert echo.echo(engine, "skin_condition_history", {"skin_condition_history": []}, "2026-11-20") is None
    assert echo.echo(engine, "skin_condition_history", {"skin_condition_history": ["none"]}, "2026-11-20") is None
