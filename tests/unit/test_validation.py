"""Every validation message path: each problem is tied to its question and said in plain words."""

import pytest

from tests.conftest import with_answers


def problems_of(engine, record):
    return {p.field: p for p in engine.validate(record)}


def only(engine, record, field):
    """All messages for one field, joined."""
    messages = [p.message for p in engine.validate(record) if p.field == field]
    assert messages, engine.validate(record)
    return " | ".join(messages)


def test_valid_record_has_no_problems(engine, suitable):
    assert engine.validate(suitable) == []


def test_all_problems_are_reported_not_only_the_first(engine, suitable):
    record = with_answers(suitable, full_name=None, phone="abc", skin_type="VII", date_of_birth="1990-02-30")
    assert {"full_name", "phone", "skin_type", "date_of_birth"} <= set(problems_of(engine, record))


def test_problem_carries_question_label_and_step(engine, suitable):
    problem = problems_of(engine, with_answers(suitable, full_name=None))["full_name"]
    assert problem.label == "Your full name" and problem.step_id == "about_you"
    assert "needs an answer" in problem.message
    assert str(problem).startswith("Your full name [full_name]:")


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("date_of_birth", "2026-02-30", "not a real date"),
    ("date_of_birth", "1990-13-01", "not a real date"),
    ("date_of_birth", "20261120", "year-month-day"),
    ("date_of_birth", "2030-01-01", "after the consultation date"),
    ("date_of_birth", "1890-01-01", "120 or more years before"),
    ("full_name", "<script>alert(1)</script>", "Names can use letters"),
    ("full_name", "Robert'); DROP TABLE clients;--", "Names can use letters"),
    ("full_name", "x" * 1_000_000, "Too long: 1,000,000 characters"),
    ("full_name", "   ", "needs an answer"),
    ("full_name", "Ann\u202eeH", "hidden formatting"),
    ("full_name", "Ann\x1b[31mRed", "control character"),
    ("full_name", 42, "Should be text"),
    ("goals", "line one\nline two\x07", "control characters"),
    ("phone", "call me maybe", "digits, spaces"),
    ("email", "not-an-email", "email address"),
    ("has_gp", "yes", "yes or no"),
    ("skin_type", "VII", "not one of the choices"),
    ("concerns", [], "Choose at least one"),
    ("concerns", ["fine_lines", "fine_lines"], "more than once"),
    ("concerns", ["wrinkles"], "not one of the choices"),
    ("concerns", "fine_lines", "list of choices"),
    ("ack_information_true", False, "confirm this statement"),
    ("ack_information_true", None, "confirm this statement"),
])
def test_bad_answer_gets_a_plain_message(engine, suitable, field, value, expected):
    record = with_answers(suitable)
    record["answers"][field] = value
    assert expected in only(engine, record, field)


def test_missing_required_answer_is_named(engine, suitable):
    assert "needs an answer" in only(engine, with_answers(suitable, skin_type=None), "skin_type")


def test_missing_acknowledgement_asks_to_confirm(engine, suitable):
    assert "confirm" in only(engine, with_answers(suitable, ack_electronic=None), "ack_electronic")


def test_follow_up_is_required_only_when_shown(engine, suitable):
    record = with_answers(suitable, blood_thinners=True)
    assert "needs an answer" in only(engine, record, "blood_thinner_type")
    record = with_answers(suitable, blood_thinners=True, blood_thinner_type="other")
    assert "needs an answer" in only(engine, record, "blood_thinner_name")
    record = with_answers(suitable, blood_thinners=True, blood_thinner_type="warfarin")
    assert engine.validate(record) == []


def test_answer_to_a_hidden_question_is_rejected_with_the_reason(engine, suitable):
    record = with_answers(suitable, blood_thinners=False, blood_thinner_type="warfarin")
    message = only(engine, record, "blood_thinner_type")
    assert "only applies when 'Do you take blood thinners or daily aspirin?' is Yes" in message


def test_null_for_a_hidden_or_optional_question_is_fine(engine, suitable):
    record = with_answers(suitable)
    record["answers"].update(blood_thinner_type=None, email=None, goals=None)
    assert engine.validate(record) == []


def test_unknown_question_is_named_with_a_suggestion(engine, suitable):
    record = with_answers(suitable, skin_typ="II")
    problem = problems_of(engine, record)["skin_typ"]
    assert "not a question" in problem.message and "Did you mean 'skin_type'?" in problem.message


def test_unknown_top_level_field(engine, suitable):
    record = dict(suitable, extra_field=1)
    assert "not a field of an intake record" in problems_of(engine, record)["extra_field"].message


def test_unknown_field_with_hostile_name_is_shown_safely(engine, suitable):
    record = with_answers(suitable, **{"\x1b[2Jevil": 1})
    text = " ".join(str(p) for p in engine.validate(record))
    assert "\x1b" not in text and "\\u001b" in text


@pytest.mark.parametrize(("record", "field", "expected"), [
    ({"answers": {}}, "consultation_date", "Missing"),
    ({"consultation_date": "2026-11-31", "answers": {}}, "consultation_date", "not a real date"),
    ({"consultation_date": "2026-11-20"}, "answers", "no 'answers'"),
    ({"consultation_date": "2026-11-20", "answers": []}, "answers", "object of answers"),
    ({"consultation_date": "2026-11-20", "answers": {}, "format": "other/9"}, "format", "another format"),
    ({"consultation_date": "2026-11-20", "answers": {}, "language": "xx"}, "language", "one of"),
    ({"consultation_date": "2026-11-20", "answers": {}, "record_id": "../etc"}, "record_id", "letters, digits"),
])
def test_top_level_problems(engine, record, field, expected):
    assert expected in problems_of(engine, record)[field].message


@pytest.mark.parametrize("record", [None, [], "text", 3, True])
def test_a_record_that_is_not_an_object(engine, record):
    (problem,) = engine.validate(record)
    assert "JSON object" in problem.message


def test_dates_are_checked_against_the_consultation_date(engine, suitable):
    record = with_answers(suitable, toxin_recent=True, toxin_date="2026-11-21", toxin_areas="Forehead")
    assert "after the consultation date" in only(engine, record, "toxin_date")
    record = with_answers(suitable, cancer_treatment="planned", cancer_treatment_start="2026-11-01")
    assert "before the consultation date" in only(engine, record, "cancer_treatment_start")


def test_problems_come_in_questionnaire_order(engine, suitable):
    record = with_answers(suitable, ack_electronic=None, full_name=None, diabetes=None)
    order = [p.field for p in engine.validate(record)]
    assert order == ["full_name", "diabetes", "ack_electronic"]


def test_step_problems_only_cover_the_step(engine, suitable):
    answers = dict(suitable["answers"])
    answers.pop("diabetes")
    answers["full_name"] = ""
    step = engine.validator.step_problems("about_you", answers, "2026-11-20")
    assert [p.field for p in step] == ["full_name"]
    assert engine.validator.question_problems("diabetes", answers, "2026-11-20")[0].field == "diabetes"


def test_unicode_names_are_welcome(engine, suitable):
    for name in ["Zoë Ångström", "Nguyễn Thị Minh Khai", "محمد علي", "李小龍", "Seán Ó Briain-Smythe", "José Ma. Cruz"]:
        assert engine.validate(with_answers(suitable, full_name=name)) == [], name
