"""Staff tools: a returning-client look-up that lets staff correct a typo first, and discarding a draft."""

from __future__ import annotations

from intake.records import Store
from intake.tui.screens.staff import ReasonScreen, ReturningScreen, StaffMenuScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app, events
from tests.tui.driver import fill_step, open_staff_menu, press, wait_for


def past_visit(engine) -> str:
    """Maria came last month: one submitted intake in the store."""
    with Store.open(engine.config, engine=engine) as store:
        record = load_example("suitable")
        earlier = store.start_intake(staff="amy", device="desk", consultation_date="2026-10-20")
        for step in engine.questionnaire.steps:
            answers = {q.id: record["answers"][q.id] for q in step.questions if q.id in record["answers"]}
            store.save_step(earlier, step_id=step.id, answers=answers, next_step=None, staff="amy", device="desk")
        record.update(record_id=earlier, consultation_date="2026-10-20")
        store.submit(earlier, record=record, assessment=engine.assess(record).to_dict(), staff="amy", device="desk")
    return earlier


async def _look_up(pilot, lookup, name, birth):
    lookup.query_one("#returning-name").value = name
    lookup.query_one("#returning-birth").value = birth
    await pilot.pause()  # the edits' Changed messages first (they hide the start buttons), then the look-up
    await press(pilot, "#look-up")
    await pilot.pause()
    return str(lookup.query_one("#returning-problem").render())


async def test_a_typo_finds_nobody_starts_nothing_and_can_be_corrected(engine):
    past_visit(engine)
    app = build_app(engine, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await open_staff_menu(pilot)
        await press(pilot, "#returning")
        lookup = await wait_for(pilot, ReturningScreen)
        said = await _look_up(pilot, lookup, "maria okonkwo-smith", "14/03/1989")  # a typo in the year
        assert "No earlier intake matches “maria okonkwo-smith”, born 14/03/1989" in said
        assert app.screen is lookup and app.session.store.drafts() == []  # no stray draft
        assert lookup.query_one("#start-new").display and not lookup.query_one("#start-found").display
        said = await _look_up(pilot, lookup, "maria okonkwo-smith", "14/03/1988")
        assert "Found: Maria Okonkwo-Smith, born 14/03/1988" in said
        assert lookup.query_one("#start-found").display and not lookup.query_one("#start-new").display
        assert app.session.store.drafts() == []  # still nothing until staff start
        lookup.query_one("#returning-name").value = "maria okonkwo"  # an edit needs a new look-up
        await pilot.pause()
        assert not lookup.query_one("#start-found").display
        await _look_up(pilot, lookup, "Maria Okonkwo-Smith", "1988-03-14")
        await press(pilot, "#start-found")
        step = await wait_for(pilot, StepScreen)
        assert step.working["full_name"] == "Maria Okonkwo-Smith" and step.working["email"] == "maria@example.com"
        assert len(app.session.store.drafts()) == 1


async def test_an_unreadable_birth_date_is_explained_before_any_look_up(engine):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await open_staff_menu(pilot)
        await press(pilot, "#returning")
        lookup = await wait_for(pilot, ReturningScreen)
        said = await _look_up(pilot, lookup, "Ann Lee", "31/02/1990")
        assert said.startswith("“31/02/1990” is not a real date")
        said = await _look_up(pilot, lookup, "Ann Lee", "01/02/1990")
        assert "No earlier intake matches" in said
        await press(pilot, "#start-new")
        step = await wait_for(pilot, StepScreen)
        assert step.working == {"full_name": "Ann Lee", "date_of_birth": "1990-02-01"}


async def test_staff_discard_a_draft_with_a_reason_in_the_audit_trail(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await press(pilot, "#begin")
        await fill_step(pilot, suitable_answers)
        await press(pilot, "#next")
        await wait_for(pilot, StepScreen)
        intake_id = app.session.state.intake_id
        await open_staff_menu(pilot)
        await press(pilot, "#pause")
        await wait_for(pilot, WelcomeScreen)
        await open_staff_menu(pilot)
        await press(pilot, "#discard-0")
        confirm = await wait_for(pilot, ReasonScreen)
        await press(pilot, "#discard")  # a reason is needed
        assert app.screen is confirm and "Say why" in str(confirm.query_one("#discard-problem").render())
        await press(pilot, "#cancel")  # keep it after all
        menu = await wait_for(pilot, StaffMenuScreen)
        assert menu.query("#draft-0")
        await press(pilot, "#discard-0")
        confirm = await wait_for(pilot, ReasonScreen)
        confirm.query_one("#discard-reason").value = "a test run"
        await press(pilot, "#discard")
        menu = await wait_for(pilot, StaffMenuScreen)
        assert not menu.query("#draft-0") and "No unfinished intakes." in str(menu.query_one(".info-heading").render())
    store = app.session.store
    assert store.drafts() == [] and events(store, intake_id)[-1] == "erased"
    entry = store.audit_trail(intake_id)[-1]
    assert "a test run" in str(entry.details) and entry.staff == "staff"  # the shared PIN: someone on the staff
    assert store.load_intake(intake_id).answers in (None, {})


def test_only_a_draft_can_be_discarded_and_only_with_a_reason(engine):
    import pytest

    from intake.lifecycle import Actor, Lifecycle
    from intake.lifecycle.auth import Authenticated
    from intake.records.errors import WorkflowError
    from intake.text import TextInputError

    submitted = past_visit(engine)
    with Store.open(engine.config, engine=engine) as store:
        life = Lifecycle(engine, store)
        amy = Authenticated("amy", "Amy", "front_desk", None, "desk")
        with pytest.raises(WorkflowError, match="not a draft"):
            life.discard(submitted, "a test run", amy)
        draft = life.begin(Actor("kiosk", "desk"))
        with pytest.raises(TextInputError, match="say why"):
            life.discard(draft.intake_id, " ", amy)
        assert store.load_intake(draft.intake_id).status == "draft"
        life.discard(draft.intake_id, "started twice", amy)
        assert store.load_intake(draft.intake_id).status == "erased"
        assert store.load_intake(submitted).status == "submitted"
