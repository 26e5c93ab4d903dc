"""Complete intakes driven through the wizard with Pilot: client, hand-back, practitioner, documents."""

from __future__ import annotations

import asyncio
import time

from pypdf import PdfReader
from textual.events import Click
from textual.widgets import Button, Select

from intake.documents import verify_pdf
from intake.tui.screens.documents import DoneScreen, RenderingScreen
from intake.tui.screens.information import InformationScreen
from intake.tui.screens.practitioner import PractitionerScreen
from intake.tui.screens.review import AnswerRow, ReviewScreen
from intake.tui.screens.signature import SignatureScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.visit import FirstSessionScreen
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.widgets.tiles import ChoiceTile
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app, events
from tests.tui.driver import (
    answer_all_steps,
    fill_step,
    hand_back,
    open_staff_menu,
    press,
    read_information,
    sign_by_drawing,
    wait_for,
)
from tests.tui.fakes import FakeRenderer
from tests.tui.running import client_at_review


async def verified(path, engine):
    """Checks a document's seal offline (in a thread: pyHanko runs its own event loop)."""
    return await asyncio.to_thread(verify_pdf, path.read_bytes(), engine.config)


async def start(pilot) -> None:
    await pilot.app.wait_ready()
    await wait_for(pilot, WelcomeScreen)
    await press(pilot, "#begin")


async def countersign(pilot, decision: str | None = None, reason: str = "") -> None:
    screen = await wait_for(pilot, PractitionerScreen)
    screen.query_one("#practitioner", Select).value = "ajordan"
    if decision:
        next(t for t in screen.query(".decision").results(ChoiceTile) if t.value == decision).action_press()
        screen.query_one("#reason").value = reason
    screen.query_one("#countersign-ack", ChoiceTile).action_press()
    await pilot.pause()
    await press(pilot, "#countersign")


async def test_a_suitable_client_gets_sealed_documents(engine, suitable_answers, monkeypatch):
    # The trail below is one "step_saved" per Next: a loaded machine that takes over two seconds on a step would
    # add the step's autosave (tested on its own below) to it.
    monkeypatch.setattr("intake.tui.screens.step.AUTOSAVE_SECONDS", 3600)
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        await answer_all_steps(pilot, suitable_answers)
        await wait_for(pilot, ReviewScreen)
        await press(pilot, "#confirm")
        await wait_for(pilot, InformationScreen)
        await read_information(pilot)
        consent = await wait_for(pilot, SignatureScreen)
        # the document's own words
        assert consent.statement.startswith("I have read the information about microneedling")
        await sign_by_drawing(pilot)
        photo = await wait_for(pilot, SignatureScreen)
        assert photo is not consent and "Only in my private clinical record" in photo.context
        await sign_by_drawing(pilot)
        await hand_back(pilot)
        await countersign(pilot)
        done = await wait_for(pilot, DoneScreen, timeout=60)
        paths, intake_id = list(done.paths), app.session.state.intake_id
        await press(pilot, "#finish")
        asked = await wait_for(pilot, FirstSessionScreen)  # treated today? not: nothing is recorded for the day
        assert "Record today's treatment" in str(asked.query_one("#treatment", Button).label)
        await press(pilot, "#not-treated")
        await wait_for(pilot, WelcomeScreen)
        assert app.session.state.intake_id is None  # nothing of this client is left
        assert app.session.store.visits.of_client(app.session.store.load_intake(intake_id).client_id) == []

    assert [p.name.split("_")[1] for p in paths] == ["consent", "aftercare"]
    assert all(p.parent.name == intake_id and oct(p.stat().st_mode)[-3:] == "600" for p in paths)
    reports = [await verified(p, engine) for p in paths]
    assert all(r.ok and r.record_id == intake_id and r.client == "Maria Okonkwo-Smith" for r in reports)
    text = "".join(page.extract_text() for page in PdfReader(paths[0]).pages)
    assert "Signed by hand on the clinic's signature pad" in text and "CLIENT: PHOTO CONSENT" in text.upper()
    store = app.session.store
    assert events(store, intake_id) == (["started"] + ["step_saved"] * 7 + ["submitted", "assessed", "client_signed"]
                                        + ["rendered"] * 2 + ["signed"])
    view = store.load_intake(intake_id)
    assert view.status == "signed" and [d.kind for d in view.documents] == ["consent", "aftercare"]
    assert view.signatures is None  # the sealed consent holds them now


async def test_the_renderer_gets_vector_strokes_and_runs_off_the_ui_thread(engine, suitable_answers):
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await client_part(pilot, suitable_answers)
        await countersign(pilot)
        await wait_for(pilot, DoneScreen)
    call = FakeRenderer.calls[-1]
    assert call["thread"] != "MainThread"
    assert call["record"]["answers"] == {k: v for k, v in suitable_answers.items() if v != []}
    client = call["client"]
    assert client.method == "drawn" and len(client.strokes) == 1 and len(client.strokes[0]) == 5
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in client.strokes[0])
    assert 0.5 <= client.aspect_ratio <= 10 and client.intent_statement.startswith("I agree to the consent")
    assert call["photo"].intent_statement.startswith("I agree to the photo_consent")
    assert call["countersignature"].decision == "none"
    assert [a.area for a in call["countersignature"].plan.areas] == ["forehead", "cheeks"]


async def client_part(pilot, answers, pin: str = "2468", *, walk: bool = False) -> None:
    """Welcome to hand-back: answers, review, information and the consent signature.

    The steps are answered through the session, as the wizard saves them, and the client goes on from the review
    (tests of what follows the steps; the first test here walks them); `walk` answers them through their screens."""
    if walk:
        await start(pilot)
        await answer_all_steps(pilot, answers)
    else:
        await client_at_review(pilot, answers)
    await wait_for(pilot, ReviewScreen)
    await press(pilot, "#confirm")
    await pilot.pause()
    if pilot.app.session.state.assessment.verdict != "defer":  # a deferral has nothing to sign
        await wait_for(pilot, InformationScreen)
        await read_information(pilot)
        await wait_for(pilot, SignatureScreen)
        await sign_by_drawing(pilot)
        if answers.get("photo_consent"):
            await wait_for(pilot, SignatureScreen)
            await sign_by_drawing(pilot)
    await hand_back(pilot, pin)


async def test_a_deferred_client_gets_a_deferral_letter_and_no_override(full_walk_engine, defer_answers):
    engine = full_walk_engine  # without the kind stop: every question, then the letter
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, defer_answers, walk=True)  # every question, walked
        screen = await wait_for(pilot, PractitionerScreen)
        assert "Defer" in str(screen.query_one("#verdict").render())
        findings = [str(w.render()) for w in screen.query(".finding")]
        assert any("Do you have a skin infection there right now" in f and "Yes" in f for f in findings)
        assert not screen.query(".decision") and not screen.query("#reason")  # no override for defer
        await countersign(pilot)
        done = await wait_for(pilot, DoneScreen, timeout=60)
        intake_id = app.session.state.intake_id
        assert [p.name.split("_")[1] for p in done.paths] == ["deferral"]
    view = app.session.store.load_intake(intake_id)
    assert view.status == "deferred" and [d.kind for d in view.documents] == ["deferral"]
    text = "".join(page.extract_text() for page in PdfReader(done.paths[0]).pages)
    assert "Chloe O'Neill" in text and (await verified(done.paths[0], engine)).ok


async def test_clearance_override_needs_a_reason_and_is_recorded(engine):

    answers = load_example("clearance")["answers"]
    app = build_app(engine)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await client_part(pilot, answers)
        await countersign(pilot, "override", reason="")
        screen = await wait_for(pilot, PractitionerScreen)
        assert "Give the reason" in str(screen.query_one("#practitioner-problem").render())
        screen.query_one("#reason").value = "GP letter dated 2026-11-18 approves treatment"
        await press(pilot, "#countersign")
        await pilot.pause()
        done = await wait_for(pilot, DoneScreen, timeout=60)
        intake_id = app.session.state.intake_id
    view = app.session.store.load_intake(intake_id)
    assert [(d.practitioner_id, d.kind, d.reason) for d in view.decisions] == [
        ("ajordan", "override", "GP letter dated 2026-11-18 approves treatment")]
    assert view.status == "signed"
    text = "".join(page.extract_text() for page in PdfReader(done.paths[0]).pages)
    assert "GP letter dated 2026-11-18 approves treatment" in text


async def test_an_answer_changed_from_the_review_screen_reaches_the_record(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        review = await client_at_review(pilot, suitable_answers)  # the steps are walked in the tests above
        row = next(r for r in review.query(AnswerRow) if r.question_id == "has_gp")
        row.on_click(Click(row, 0, 0, 0, 0, 1, False, False, False))
        step = await wait_for(pilot, StepScreen)
        assert step.editing and step.step.id == "about_you"
        assert app.focused.parent.parent.id == "q-has_gp" or app.focused.parent.id == "q-has_gp"
        yes = next(t for t in step.query("#q-has_gp ChoiceTile").results(ChoiceTile) if t.value is True)
        yes.action_press()
        await pilot.pause()
        gp = step.query_one("#q-gp_name")
        assert gp.display  # the follow-up appears at once
        await press(pilot, "#next")
        assert gp.has_problem and app.screen is step  # Next is blocked: the doctor's name is required
        await fill_step(pilot, {"gp_name": "Dr [b]Who[/b]", "gp_practice": "Riverside Surgery"})
        problem = str(gp.query_one(".q-problem").render())
        assert "Names can use letters" in problem  # the core's message for "[" in a name
        await fill_step(pilot, {"gp_name": "Dr Helen Park"})
        await press(pilot, "#next")
        review = await wait_for(pilot, ReviewScreen)
        assert any("Dr Helen Park" in str(r.render()) for r in review.query(AnswerRow))
        intake_id = app.session.state.intake_id
        view = app.session.store.load_intake(intake_id)
        assert view.answers["gp_name"] == "Dr Helen Park" and view.next_step is None
        await press(pilot, "#confirm")
        await wait_for(pilot, InformationScreen)


async def test_a_draft_is_resumed_exactly_where_it_stopped_after_a_crash(engine, suitable_answers, monkeypatch):
    monkeypatch.setattr("intake.tui.screens.step.AUTOSAVE_SECONDS", 0.2)
    first = build_app(engine, store="sqlite")
    async with first.run_test(size=SIZES["small"]) as pilot:
        await start(pilot)
        for _ in range(3):
            await fill_step(pilot, suitable_answers)
            await press(pilot, "#next")
        await fill_step(pilot, {"pregnant_or_breastfeeding": False, "clotting_disorder": False})
        await pilot.pause(0.4)  # answers on an unfinished step are saved soon after they change
        await wait_for(pilot, StepScreen)
    # the app is gone without saving step 4: a crash. A new app opens the same store.
    second = build_app(engine, store="sqlite")
    async with second.run_test(size=SIZES["small"]) as pilot:
        await second.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        menu = await open_staff_menu(pilot)
        assert "Maria O" in str(menu.query_one("#draft-0").label)
        await press(pilot, "#draft-0")
        step = await wait_for(pilot, StepScreen)
        assert step.step.id == "health" and step.index == 3
        assert second.session.state.answers["full_name"] == "Maria Okonkwo-Smith"
        assert step.working == {"pregnant_or_breastfeeding": False, "clotting_disorder": False}
        no = next(t for t in step.query("#q-clotting_disorder ChoiceTile").results(ChoiceTile) if t.value is False)
        assert no.selected  # shown as it was answered before the crash (a deferral would stop kindly instead)
        await answer_all_steps_from(pilot, suitable_answers, 3)
        await wait_for(pilot, ReviewScreen)
        await press(pilot, "#confirm")
        await wait_for(pilot, InformationScreen)
        intake_id = second.session.state.intake_id
    assert second.session.state.record is None  # forgotten when the app closed
    assert events(second.session.store, intake_id).count("started") == 1


async def answer_all_steps_from(pilot, answers, first: int) -> None:
    for _ in range(first, len(pilot.app.session.steps)):
        await fill_step(pilot, answers)
        await press(pilot, "#next")


async def test_the_ui_stays_live_while_documents_render(engine, suitable_answers):
    """The render runs in a worker thread, busy like layout, and the screen keeps ticking meanwhile. The render
    goes on until the screen has ticked five times during it (at most a minute): a blocked event loop never ticks
    then, so the test fails; a live one does however loaded the machine is, so the test does not depend on load.
    (How short the gaps are is a benchmark figure, see bench/bench_tui.py, not a test assertion.)"""
    FakeRenderer.delay = 0.3  # busy Python work in the worker thread, holding the GIL as layout does
    app = build_app(engine, fake_renderer=True)
    ticks: list[float] = []
    spinner: list[bool] = []
    began: list[float] = []

    def ticked_during_render() -> bool:  # asked by the render's busy loop, on its thread
        if not began:
            began.append(time.perf_counter())
        return sum(t > began[0] for t in ticks) >= 5

    FakeRenderer.busy_until = ticked_during_render
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)

        def tick() -> None:
            if isinstance(app.screen, RenderingScreen) and app.screen.query("#render-spinner"):
                ticks.append(time.perf_counter())
                spinner.append(app.screen.query_one("#render-spinner").display)

        timer = app.set_interval(0.02, tick)
        await countersign(pilot)
        await wait_for(pilot, DoneScreen, timeout=90)
        timer.stop()
        ended = time.perf_counter()
    assert all(spinner)  # the progress indicator showed throughout
    assert began and sum(began[0] < t < ended for t in ticks) >= 5, (len(ticks), began)
    assert ended - began[0] < 60, "the render ran its full minute: the screen did not tick while it ran"


async def signed_then_closed(engine, answers, *, then=None):
    """A client answers and signs; the app closes on the practitioner's screen. Returns the intake id and state."""
    first = build_app(engine, fake_renderer=True, store="sqlite")
    async with first.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, answers)
        await wait_for(pilot, PractitionerScreen)
        state = first.session.state  # (closing the app forgets the client)
        if then is not None:
            then(first.session)
    return state.intake_id, state


async def resume_waiting(pilot):
    """From a new app's welcome screen, staff resume the first intake waiting for the practitioner."""
    await pilot.app.wait_ready()
    await wait_for(pilot, WelcomeScreen)
    menu = await open_staff_menu(pilot)
    assert "waiting for review" in str(menu.query_one("#waiting-0").label)
    await press(pilot, "#waiting-0")


async def test_a_signed_intake_interrupted_before_review_waits_for_the_practitioner(engine, suitable_answers):
    intake_id, state = await signed_then_closed(engine, suitable_answers)
    signed = state.client_signature, state.photo_signature
    # The app closed before the countersignature: the client's signatures were kept in the store.
    second = build_app(engine, fake_renderer=True, store="sqlite")
    async with second.run_test(size=SIZES["small"]) as pilot:
        await resume_waiting(pilot)
        await countersign(pilot)  # straight to the practitioner: the client does not sign again
        await wait_for(pilot, DoneScreen, timeout=60)
    call = FakeRenderer.calls[-1]
    for kept, used in zip(signed, (call["client"], call["photo"]), strict=True):
        assert (used.method, used.name, used.intent_statement) == (kept.method, kept.name, kept.intent_statement)
        assert used.signed_at == kept.signed_at.replace(microsecond=0)
        assert [[(round(x, 4), round(y, 4)) for x, y in s] for s in kept.strokes] == [list(s) for s in used.strokes]
    view = second.session.store.load_intake(intake_id)
    assert view.status == "signed" and view.signatures is None


async def test_an_interrupted_deferral_resumes_at_the_practitioner(full_walk_engine, defer_answers):
    engine = full_walk_engine
    intake_id, _ = await signed_then_closed(engine, defer_answers)
    second = build_app(engine, fake_renderer=True, store="sqlite")
    async with second.run_test(size=SIZES["small"]) as pilot:
        await resume_waiting(pilot)
        await countersign(pilot)  # straight to the practitioner: nothing to sign for a deferral
        await wait_for(pilot, DoneScreen, timeout=60)
    assert FakeRenderer.calls[-1]["client"] is None
    assert second.session.store.load_intake(intake_id).status == "deferred"


async def test_unreadable_kept_signatures_mean_the_client_signs_again(engine, suitable_answers):
    broken = {"consent": {"method": "drawn", "name": "Maria", "intent_statement": "x", "signed_at": "soon"}}
    intake_id, _ = await signed_then_closed(engine, suitable_answers, then=lambda session: (
        session.store.keep_signatures(session.state.intake_id, broken, staff="test", device="test")))
    second = build_app(engine, fake_renderer=True, store="sqlite")
    async with second.run_test(size=SIZES["small"]) as pilot:
        await resume_waiting(pilot)
        await wait_for(pilot, InformationScreen)
        await read_information(pilot)
        await wait_for(pilot, SignatureScreen)
        await sign_by_drawing(pilot)
        await wait_for(pilot, SignatureScreen)
        await sign_by_drawing(pilot)
        await hand_back(pilot)
        await countersign(pilot)
        await wait_for(pilot, DoneScreen, timeout=60)
    assert FakeRenderer.calls[-1]["client"].signed_at.year == 2026
    assert second.session.store.load_intake(intake_id).status == "signed"


async def test_intake_start_renders_in_a_child_process_and_stays_small(engine, suitable_answers):
    app = build_app(engine, child_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)
        await countersign(pilot)
        done = await wait_for(pilot, DoneScreen, timeout=60)
        assert (await verified(done.paths[0], engine)).ok
        child = app.session.renderer()._child
        assert child is not None and child.poll() is None  # the renderer lives in its own process
    app.session.close()
    assert child.poll() is not None  # and ends with the session


async def test_staff_start_a_returning_client_with_their_earlier_answers(engine, suitable_answers):
    from intake.tui.screens.staff import ReturningScreen
    from tests.tui.test_staff_tools import past_visit

    past_visit(engine)  # Maria came last month
    app = build_app(engine, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await open_staff_menu(pilot)
        await press(pilot, "#returning")
        lookup = await wait_for(pilot, ReturningScreen)
        lookup.query_one("#returning-name").value = "maria okonkwo-smith"
        lookup.query_one("#returning-birth").value = "14/03/1988"
        await press(pilot, "#look-up")
        await press(pilot, "#start-found")
        step = await wait_for(pilot, StepScreen)
        assert step.working["full_name"] == "Maria Okonkwo-Smith"  # as stored, not as staff typed it
        assert step.working["phone"] == "+44 7700 900123"  # contact details, ready to check
        assert "goals" not in app.session.state.answers  # only lasting answers come back
        await press(pilot, "#next")
        assert isinstance(app.screen, StepScreen) and app.screen.index == 1
