"""`intake validate --kind-stop` checks the record of a kind stop's letter: generated over every rule that defers.

The answers given up to each rule's kind stop fail a plain `intake validate` (the questions after the stop were never
asked), which then points to `--kind-stop`; with it they are valid. A complete record, or answers that stop short
without deferring, are not a kind stop's.
"""

from __future__ import annotations

import json

import pytest

from intake.cli import main
from intake.engine import Engine
from tests.documents import personas
from tests.lifecycle.test_kind_stop_letter import defer_rules, given_up_to_the_stop

ENGINE = Engine.load()
CASES = defer_rules(ENGINE)


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    return tmp_path


def _write(folder, name, answers) -> str:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(ENGINE.new_record(personas.CONSULTATION_TEXT, answers)), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("rule_id", [rule.id for rule, _ in CASES])
def test_the_answers_given_up_to_a_kind_stop_are_valid_as_such(desk, capsys, rule_id):
    rule, answers = next((r, a) for r, a in CASES if r.id == rule_id)
    given = {k: v for _, step in given_up_to_the_stop(ENGINE, rule, answers) for k, v in step.items()}
    path = _write(desk, rule_id, given)
    assert main(["validate", path]) == 1
    assert f"intake validate --kind-stop {path}" in capsys.readouterr().out
    assert main(["validate", "--kind-stop", path]) == 0
    assert "the answers given up to a kind stop" in capsys.readouterr().out
    assert main(["validate", "--kind-stop", "--json", path]) == 0
    assert json.loads(capsys.readouterr().out) == {"valid": True, "problems": []}


def test_a_complete_record_or_answers_that_do_not_defer_are_not_a_kind_stop(desk, capsys):
    complete = _write(desk, "complete", personas.baseline(ENGINE))
    assert main(["validate", complete]) == 0
    capsys.readouterr()
    assert main(["validate", "--kind-stop", complete]) == 1
    assert "no kind stop" in capsys.readouterr().out
    first_step = {q.id for q in ENGINE.questionnaire.steps[0].questions}
    partial = _write(desk, "partial", {k: v for k, v in personas.baseline(ENGINE).items() if k in first_step})
    assert main(["validate", partial]) == 1
    assert "--kind-stop" not in capsys.readouterr().out  # not a kind stop's answers: no such hint
    assert main(["validate", "--kind-stop", partial]) == 1
