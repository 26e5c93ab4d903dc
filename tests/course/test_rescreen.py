"""The re-screen before a further session, generated from the data: every rule of rules.json and of rescreen.json.

- "Nothing has changed" carries the consultation's answers over: every rule that fired at the consultation fires
  at a visit on the same day, and the questions asked again are not shown.
- "Something has changed" asks them again: every rule that reads only questions asked again fires from the visit's
  answers alone, and an earlier answer the client no longer gives is gone.
- Dated to the visit: every waiting period whose date is asked again runs from the date given at the visit; the
  consultation's dates, carried over to a visit long after, no longer wait.
- Each of the re-screen's own rules fires from its answer, with the severity its data gives.
- A malformed rescreen.json is refused, naming the file, the path and the fix.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from intake import conditions
from intake.course import NOTHING_CHANGED, SOMETHING_CHANGED, load_rescreen
from intake.dates import parse_iso_date
from intake.engine import Engine
from intake.errors import DataFileError, InvalidRecordError
from intake.paths import SCHEMAS_DIR
from tests.documents.personas import CONSULTATION, CONSULTATION_TEXT, baseline, rule_questions, rule_records

ENGINE = Engine.load()
RESCREEN = ENGINE.rescreen
CONFIG = ENGINE.config
OWN_RULES = RESCREEN.rules.rules[len(ENGINE.rules.rules):]
OWN = [q for q in RESCREEN.questionnaire.questions() if q.id not in RESCREEN.asked_again]
RECORDS = list(rule_records(ENGINE))


def healed() -> dict[str, Any]:
    """Answers to the re-screen's own questions (the first choice, or No) after a session that healed well."""
    answers: dict[str, Any] = {}
    for question in OWN:
        if question.id != RESCREEN.changes_question:
            answers[question.id] = False if question.type == "yes_no" else question.options[0].id
    return answers


def visit(changed: bool, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A visit's answers: the first question, how the skin healed, and (when changed) the questions asked again."""
    given = {RESCREEN.changes_question: SOMETHING_CHANGED if changed else NOTHING_CHANGED, **healed()}
    if changed:
        given.update(answers or {})
        shown = {q.id for q in RESCREEN.questionnaire.visible(given)}
        given = {k: v for k, v in given.items() if k in shown}
    return given


def fired(earlier: dict[str, Any], given: dict[str, Any], on: str = CONSULTATION_TEXT) -> dict[str, Any]:
    return {f.rule_id: f for f in RESCREEN.assess(CONFIG, earlier, given, on, treated_before=True).findings}


def test_a_healthy_client_who_healed_well_and_changed_nothing_is_suitable():
    for answers in (visit(False), visit(True, baseline(ENGINE))):
        assert RESCREEN.assess(CONFIG, baseline(ENGINE), answers, CONSULTATION_TEXT,
                               treated_before=True).verdict == "suitable"


@pytest.mark.parametrize(("rule", "record"), RECORDS, ids=[r.id for r, _ in RECORDS])
def test_nothing_changed_carries_every_finding_of_the_consultation_over(rule, record):
    found = fired(record["answers"], visit(False))
    assert rule.id in found and found[rule.id].severity == ENGINE.assess(record).findings[
        [f.rule_id for f in ENGINE.assess(record).findings].index(rule.id)].severity


ASKED_AGAIN = [(rule, record) for rule, record in RECORDS if rule_questions(ENGINE, rule) <= set(RESCREEN.asked_again)]


def test_what_can_change_between_sessions_is_asked_again():
    """The rules the re-screen can trigger by itself: pregnancy, medicines, recent treatments, the skin today."""
    ids = {rule.id for rule, _ in ASKED_AGAIN}
    assert {"pregnancy", "blood_thinners", "toxin_recent", "peel_recent", "waxing_recent", "skin_infection"} <= ids
    assert not {q for q in RESCREEN.asked_again if ENGINE.questionnaire.by_id[q].prefill}  # no lasting answer


@pytest.mark.parametrize(("rule", "record"), ASKED_AGAIN, ids=[r.id for r, _ in ASKED_AGAIN])
def test_something_changed_asks_again_and_each_rule_fires_from_the_visit(rule, record):
    answers = record["answers"]
    assert rule.id in fired(baseline(ENGINE), visit(True, answers))  # a clean consultation, a finding today
    assert rule.id not in fired(answers, visit(True, baseline(ENGINE)))  # that finding gone, the answer changed


WINDOWED = [(rule, record) for rule, record in ASKED_AGAIN if rule.window]


@pytest.mark.parametrize(("rule", "record"), WINDOWED, ids=[r.id for r, _ in WINDOWED])
def test_a_waiting_period_runs_from_the_date_given_at_the_visit(rule, record):
    later = CONSULTATION + timedelta(days=400)  # beyond the longest window
    dates = {q.id for q in ENGINE.questionnaire.questions() if q.type == "date"} - {"date_of_birth"}
    moved = {k: (parse_iso_date(v) + timedelta(days=400)).isoformat() if k in dates and v else v
             for k, v in record["answers"].items()}
    now = fired(baseline(ENGINE), visit(True, moved), later.isoformat())
    then = {f.rule_id: f for f in ENGINE.assess(record).findings}[rule.id]
    assert rule.id in now and now[rule.id].severity == then.severity
    if then.until is not None:  # a dated wait: from the date given at the visit, still ahead of the visit
        assert later < now[rule.id].until and abs((now[rule.id].until - then.until).days - 400) <= 3
    if then.until is not None and rule.window["relation"] == "after":  # carried over to a visit long after:
        assert rule.id not in fired(record["answers"], visit(False), later.isoformat())  # the wait is over


@pytest.mark.parametrize("rule", OWN_RULES, ids=[r.id for r in OWN_RULES])
def test_each_of_the_rescreens_own_rules_fires_from_its_answer(rule):
    given = visit(False)
    for leaf in conditions.leaves(rule.when):
        assert set(leaf) == {"question", "equals"}, f"{rule.id}: teach this test the condition {leaf}"
        given[leaf["question"]] = leaf["equals"]
    found = fired(baseline(ENGINE), given)
    assert found[rule.id].severity == rule.severity
    assert rule.id not in fired(baseline(ENGINE), visit(False))


def test_nothing_changed_hides_the_questions_asked_again_and_refuses_answers_to_them():
    given = {**visit(False), "pregnant_or_breastfeeding": True}
    shown = {q.id for q in RESCREEN.questionnaire.visible(given)}
    assert shown.isdisjoint(RESCREEN.asked_again)
    with pytest.raises(InvalidRecordError) as caught:  # an answer to a question not shown is nobody's choice
        fired(baseline(ENGINE), given)
    assert [p.field for p in caught.value.problems] == ["pregnant_or_breastfeeding"]
    assert RESCREEN.visit_answers(baseline(ENGINE), given)["pregnant_or_breastfeeding"] is False  # never merged


def test_a_follow_up_no_longer_shown_is_dropped_from_the_visit():
    earlier = {**baseline(ENGINE), "blood_thinners": True, "blood_thinner_type": "aspirin"}
    merged = RESCREEN.visit_answers(earlier, visit(True, baseline(ENGINE)))
    assert merged["blood_thinners"] is False and "blood_thinner_type" not in merged


def test_an_unanswered_rescreen_is_refused_with_every_question_named():
    with pytest.raises(InvalidRecordError) as caught:
        RESCREEN.assess(CONFIG, baseline(ENGINE), {RESCREEN.changes_question: SOMETHING_CHANGED},
                        date(2027, 1, 8).isoformat(), treated_before=True)
    named = {p.field for p in caught.value.problems}
    assert {"pregnant_or_breastfeeding", "healing_redness"} <= named


def _after_a_treatment() -> set[str]:
    return {q.id for step in RESCREEN.questionnaire.steps if step.id in RESCREEN.after_a_treatment
            for q in step.questions}


def test_how_the_skin_healed_is_asked_only_when_there_was_a_treatment_to_heal_from():
    """A first treatment after a consultation day without one has no last session: the re-screen neither asks
    how the skin healed after it nor wants those answers; every later visit asks them, and refuses without them."""
    healing = _after_a_treatment()
    assert healing and "healing_redness" in healing
    first = RESCREEN.dated(date(2026, 10, 14), treated_before=False)
    assert healing.isdisjoint(first.by_id) and not healing & {q.id for q in first.questions()}
    assert healing <= set(RESCREEN.dated(date(2026, 10, 14), treated_before=True).by_id)
    unhealed = {k: v for k, v in visit(False).items() if k not in healing}
    assert RESCREEN.assess(CONFIG, baseline(ENGINE), unhealed, CONSULTATION_TEXT,
                           treated_before=False).verdict == "suitable"
    with pytest.raises(InvalidRecordError) as caught:  # answered anyway (an answers file): refused, saying why
        RESCREEN.assess(CONFIG, baseline(ENGINE), visit(False), CONSULTATION_TEXT, treated_before=False)
    assert {p.field for p in caught.value.problems} == healing
    assert all("asked only after a treatment" in p.message for p in caught.value.problems)
    with pytest.raises(InvalidRecordError) as caught:
        RESCREEN.assess(CONFIG, baseline(ENGINE), unhealed, CONSULTATION_TEXT, treated_before=True)
    assert healing <= {p.field for p in caught.value.problems}
    exported = RESCREEN.exchanged()
    assert all(not exported.by_id[q].required for q in healing)
    assert all(exported.by_id[q.id].required == q.required for q in RESCREEN.questionnaire.questions()
               if q.id not in healing)


@pytest.mark.parametrize(("where", "step"), [("$.steps[0].asked_after_a_treatment", 0),
                                             ("$.steps[1].questions[0].ask_again", 1)])
def test_a_step_asked_only_after_a_treatment_is_checked_where_it_sits(tmp_path, where, step):
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)
    data = json.loads((schemas / "rescreen.json").read_text(encoding="utf-8"))
    data["steps"][step]["asked_after_a_treatment"] = True
    (schemas / "rescreen.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_rescreen(schemas, CONFIG.minors_policy)
    assert where in str(caught.value) and "rescreen.json" in str(caught.value)


# -- the data file ------------------------------------------------------------------------------------------


def _broken(tmp_path: Path, change) -> DataFileError:
    folder = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, folder)
    data = json.loads((folder / "rescreen.json").read_text(encoding="utf-8"))
    change(data)
    (folder / "rescreen.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_rescreen(folder, "defer")
    assert caught.value.file.endswith("rescreen.json")
    return caught.value


def _problem(error: DataFileError, path: str) -> str:
    found = [p for p in error.problems if p.path == path]
    assert found, [(p.path, p.problem) for p in error.problems]
    return f"{found[0].problem} / {found[0].fix}"


def test_a_question_asked_again_must_be_in_the_questionnaire(tmp_path):
    error = _broken(tmp_path, lambda d: d["steps"][1]["questions"].__setitem__(0, {"ask_again": "pregnant"}))
    assert "no question 'pregnant'" in _problem(error, "$.steps[1].questions[0].ask_again")


def test_a_follow_up_asked_again_needs_its_question(tmp_path):
    error = _broken(tmp_path, lambda d: d["steps"][1]["questions"].remove({"ask_again": "blood_thinners"}))
    assert any("blood_thinners" in p.problem for p in error.problems), error.problems


def test_an_own_question_or_rule_may_not_reuse_an_id(tmp_path):
    def clash(data):
        data["steps"][-1]["questions"][0]["id"] = "keloid"
        data["rules"][0]["id"] = "pregnancy"

    error = _broken(tmp_path, clash)
    assert "ask_again" in _problem(error, "$.steps[5].questions[0].id")
    assert "already has a rule 'pregnancy'" in _problem(error, "$.rules[0].id")


def test_the_first_question_must_offer_nothing_changed(tmp_path):
    def drop(data):
        data["steps"][0]["questions"][0]["options"][1]["id"] = "changed"

    assert "nothing_changed" in _problem(_broken(tmp_path, drop), "$.changes_question")


def test_a_malformed_own_rule_names_its_path(tmp_path):
    error = _broken(tmp_path, lambda d: d["rules"][2].pop("client_message"))
    assert any(p.path.startswith("$.rules[2]") for p in error.problems), error.problems


def test_nothing_changed_names_the_day_it_speaks_for_where_the_client_answers_it():
    rescreen = load_rescreen(SCHEMAS_DIR, "defer")
    question = rescreen.dated(date(2026, 10, 14), treated_before=True).by_id[rescreen.changes_question]
    labels = {o.id: o.label["en"] for o in question.options}
    assert labels[NOTHING_CHANGED] == "Nothing has changed since 14 October 2026"
    assert labels[SOMETHING_CHANGED] == "Something has changed, or I am not sure"
    german = next(o.label["de"] for o in question.options if o.id == NOTHING_CHANGED)
    assert german == "Seit dem 14. Oktober 2026 hat sich nichts geändert"  # the day as a German reader writes it
    plain = {o.id: o.label["en"] for o in rescreen.questionnaire.by_id[rescreen.changes_question].options}
    assert plain[NOTHING_CHANGED] == "Nothing has changed"  # what exports and FHIR show: no day of one client's


def test_the_dated_words_must_hold_the_day(tmp_path):
    error = _broken(tmp_path, lambda d: d.__setitem__("nothing_changed_since", {"en": "Nothing has changed"}))
    assert any("nothing_changed_since" in p.path for p in error.problems), error.problems
