"""The plain-prompt walk asks the same questions, with the same conditions and messages, as the data says."""

import pytest

from intake.prompt.walker import Walker
from tests.conftest import load_example
from tests.prompt.fake import FakePrompter, Unscripted


def walk(engine, answers, **kwargs):
    """Walks with scripted answers; optional text questions not in the script are left empty."""
    blanks = {q.id: "" for q in engine.questionnaire.questions() if q.type in ("text", "long_text") and not q.required}
    prompter = FakePrompter({**blanks, **answers}, **kwargs)
    result = Walker(engine, prompter, "2026-11-20").walk({})
    return prompter, result


@pytest.mark.parametrize("name", ["suitable", "caution", "clearance", "defer"])
def test_walking_with_the_example_answers_reproduces_the_record(engine, name):
    answers = load_example(name)["answers"]
    prompter, result = walk(engine, answers)
    assert result == {k: v for k, v in answers.items() if v not in (None, [])}
    record = engine.new_record("2026-11-20", result)
    assert engine.validate(record) == []
    assert engine.assess(record).verdict == name


def test_hidden_follow_ups_are_never_asked(engine):
    answers = load_example("suitable")["answers"]
    prompter, _ = walk(engine, answers)
    assert "blood_thinner_type" not in prompter.asked and "gp_name" not in prompter.asked


def test_follow_up_appears_when_its_condition_holds(engine):
    answers = dict(load_example("suitable")["answers"], blood_thinners=True, blood_thinner_type="other",
                   blood_thinner_name="Ticagrelor")
    prompter, result = walk(engine, answers)
    assert prompter.asked.index("blood_thinner_type") < prompter.asked.index("blood_thinner_name")
    assert result["blood_thinner_name"] == "Ticagrelor"


def test_invalid_typing_shows_the_core_message_and_asks_again(engine):
    answers = dict(load_example("suitable")["answers"], full_name=["<b>Jo</b>", "", "Jo Bloggs"],
                   date_of_birth=["2026-02-30", "2031-01-01", "1990-01-01"])
    prompter, result = walk(engine, answers)
    assert result["full_name"] == "Jo Bloggs" and result["date_of_birth"] == "1990-01-01"
    assert "Names can use letters" in prompter.rejected["full_name"][0]
    assert "needs an answer" in prompter.rejected["full_name"][1]
    assert "not a real date" in prompter.rejected["date_of_birth"][0]
    assert "after the consultation date" in prompter.rejected["date_of_birth"][1]


def test_optional_text_can_be_left_empty(engine):
    answers = dict(load_example("suitable")["answers"], email="", goals="")
    _, result = walk(engine, answers)
    assert "email" not in result and "goals" not in result


def test_required_choice_list_must_have_one(engine):
    answers = dict(load_example("suitable")["answers"], concerns=[])
    with pytest.raises(Unscripted, match="Choose at least one"):
        walk(engine, answers)


def test_declined_acknowledgement_is_explained_and_asked_again(engine):
    answers = dict(load_example("suitable")["answers"], ack_aftercare=[False, True])
    prompter, result = walk(engine, answers)
    assert result["ack_aftercare"] is True
    assert any("confirm this statement" in line for line in prompter.said)


def test_steps_are_announced_with_progress(engine):
    prompter, _ = walk(engine, load_example("suitable")["answers"])
    total = len(engine.questionnaire.steps)
    assert any(line.strip().startswith(f"Step 1 of {total}:") for line in prompter.said)


def test_each_step_is_reported_for_saving(engine):
    saved = []
    prompter = FakePrompter(load_example("suitable")["answers"])
    Walker(engine, prompter, "2026-11-20").walk({}, on_step=lambda step, a, nxt: saved.append((step.id, nxt)))
    ids = [s.id for s in engine.questionnaire.steps]
    assert saved == list(zip(ids, ids[1:] + [None], strict=True))


def test_resume_starts_at_the_saved_step(engine):
    answers = load_example("suitable")["answers"]
    prompter = FakePrompter(answers)
    steps = engine.questionnaire.steps
    Walker(engine, prompter, "2026-11-20").walk(answers, start_step=steps[-1].id)
    assert set(prompter.asked) <= {q.id for q in steps[-1].questions}


def test_dates_are_typed_in_the_clinics_order_and_stored_as_iso(engine):
    answers = dict(load_example("suitable")["answers"], date_of_birth=["1041992", "31/02/1992", "10/04/1992"])
    prompter, result = walk(engine, answers)
    assert result["date_of_birth"] == "1992-04-10"  # day first at the demo clinic (en, Europe/London)
    first, second = prompter.rejected["date_of_birth"]
    assert first.startswith("“1041992” is not a date we can read") and "DD/MM/YYYY" in first
    assert second.startswith("“31/02/1992” is not a real date")
