"""The practitioner finishes a kind stop in the wizard: why it stopped, then the deferral letter, kept and audited.

Generated over every rule that defers on the demo clinic, alone: the client answers the steps in
order up to the first answer that defers (on that step only what the rule asks), hands back; the
practitioner unlocks, sees why, issues the letter, countersigns; the letter is sealed, stored and
written, and says only what the client told us.
"""

from __future__ import annotations

import json

import pytest
from textual.widgets import Button, Static

from intake.questionnaire import localize
from intake.tui.screens.documents import DoneScreen
from intake.tui.screens.kindstop import KindStopScreen, StoppedScreen
from intake.tui.screens.practitioner import PractitionerScreen
from tests.lifecycle.conftest import fold, text_of
from tests.lifecycle.test_kind_stop_letter import defer_rules, given_up_to_the_stop, one_rule_per_stopping_step
from tests.tui.conftest import SIZES, build_app, events
from tests.tui.driver import enter_pin, fill_step, press, wait_for
from tests.tui.running import client_at
from tests.tui.test_flow import countersign
from tests.tui.test_staff_identity import DESK_PIN, accounts  # noqa: F401 - the fixture


def pytest_generate_tests(metafunc):
    if "defer_rule" in metafunc.fixturenames:
        from intake.engine import Engine

        # Every defer rule goes through the lifecycle (tests/lifecycle/test_kind_stop_letter.py); through the
        # wizard, one rule for each step a kind stop can happen on, and each lasting/temporary kind there.
        metafunc.parametrize("defer_rule", one_rule_per_stopping_step(Engine.load()))


async def _stop(pilot, steps) -> None:
    """The steps before the kind stop's answered as given, saved through the session as the wizard saves them (the
    steps are walked by their screens in test_flow.py and test_hint_walk.py), then the kind stop's step answered on
    its screen, and Next."""
    *before, (step, answers) = steps
    await pilot.app.wait_ready()
    screen = await client_at(pilot, {k: v for _, given in before for k, v in given.items()}, step.id)
    assert screen.step.id == step.id
    await fill_step(pilot, answers)
    await press(pilot, "#next")
    while pilot.app.screen is screen:
        await pilot.pause(0.01)


async def test_the_practitioner_issues_the_letter_of_a_kind_stop(engine, defer_rule):
    rule, answers = next((r, a) for r, a in defer_rules(engine) if r.id == defer_rule)
    steps = given_up_to_the_stop(engine, rule, answers)
    given = {k for _, a in steps for k, v in a.items() if v not in (None, "", [])}
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _stop(pilot, steps)
        await wait_for(pilot, KindStopScreen)
        await press(pilot, "#staff")
        await enter_pin(pilot)
        stopped = await wait_for(pilot, StoppedScreen)
        why = " ".join(str(w.render()) for w in stopped.query(".finding"))
        assert localize(rule.practitioner_message, "en").split("{")[0] in why  # the practitioner sees why
        assert not stopped.query_one("#letter", Button).disabled
        intake_id = app.session.state.intake_id
        await press(pilot, "#letter")
        review = await wait_for(pilot, PractitionerScreen)
        assert review.query_one("#verdict", Static).has_class("verdict-defer")
        await countersign(pilot)
        done = await wait_for(pilot, DoneScreen, timeout=60)
        paths = list(done.paths)
        await press(pilot, "#finish")

    store = app.session.store
    view = store.load_intake(intake_id)
    assert view.status == "deferred" and [d.kind for d in view.documents] == ["deferral"]
    trail = store.audit_trail(intake_id)
    assert events(store, intake_id)[-1] == "rendered" and "client_signed" not in events(store, intake_id)
    submitted = next(e for e in trail if e.event == "submitted")
    assert json.loads(submitted.details).get("kind_stop") is True
    assert len(paths) == 1 and paths[0].parent.name == intake_id and oct(paths[0].stat().st_mode)[-3:] == "600"
    text = text_of(paths[0].read_bytes())
    assessment = engine.assessor.assess(dict(view.record))
    assert rule.id in {f.rule_id for f in assessment.findings}
    assert all(f.question_id in given for f in assessment.findings)
    for finding in assessment.findings:
        assert fold(finding.client_message) in text
    for question in engine.questionnaire.questions():  # nothing the client was not asked
        label = fold(localize(question.label, "en"))
        if question.id not in given and len(label) >= 20:
            assert label not in text, question.id


@pytest.mark.usefixtures("accounts")
async def test_front_desk_staff_keep_the_draft_for_a_practitioner(engine):
    rule, answers = next((r, a) for r, a in defer_rules(engine) if r.id == "pregnancy")
    app = build_app(engine, fake_renderer=True, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _stop(pilot, given_up_to_the_stop(engine, rule, answers))
        await wait_for(pilot, KindStopScreen)
        await press(pilot, "#staff")
        await enter_pin(pilot, DESK_PIN)
        stopped = await wait_for(pilot, StoppedScreen)
        assert stopped.query_one("#letter", Button).disabled  # a practitioner countersigns the letter
        intake_id = app.session.state.intake_id
        await press(pilot, "#finish")
        await pilot.pause()
    assert app.session.store.load_intake(intake_id).status == "draft"  # kept for a practitioner
