"""The wizard lays the documents out while the practitioner reviews; countersigning then only seals them.

Driven through the real flow with Pilot (real engine, store and renderer, a clock the test sets): the
documents written are byte-for-byte a fresh render of the same countersignature and pass `intake verify`;
a change made just before countersigning (no time to prepare again) gives the documents of the
real inputs, rendered in full; a press after the minute turns seals the coming minute's documents,
laid out before the turn.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from textual.widgets import Checkbox, Input, Select

from intake.documents import Countersignature, verify_pdf
from intake.documents.witness import AuditWitness
from intake.tui import ahead
from intake.tui.screens.documents import DoneScreen
from intake.tui.screens.practitioner import PractitionerScreen
from intake.tui.state import ClientState
from intake.tui.widgets.tiles import ChoiceTile
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import press, wait_for
from tests.tui.test_flow import client_part


async def prepared(pilot, timeout: float = 60.0) -> None:
    """Waits until the documents are prepared for what the practitioner's screen shows."""
    for _ in range(int(timeout / 0.05)):
        if pilot.app.session.state.prepared:
            return
        await pilot.pause(0.05)
    raise AssertionError("the documents were not prepared while the practitioner reviewed")


@contextmanager
def counting_writes(renderer) -> Iterator[list[int]]:
    """Counts the PDFs the renderer writes itself (none when a preparation is used)."""
    writes: list[int] = []
    original = renderer.write_pdf
    renderer.write_pdf = lambda *a, **k: writes.append(1) or original(*a, **k)
    try:
        yield writes
    finally:
        del renderer.write_pdf


async def fresh_render(session) -> list[bytes]:
    """The documents a fresh render of the intake's record, signatures and countersignature gives."""
    renderer, state = session.renderer(), session.state
    renderer.forget()
    packet = await asyncio.to_thread(renderer.render, state.record, client_signature=state.client_signature,
                                     photo_signature=state.photo_signature, countersignature=state.counter)
    return [d.pdf for d in packet.documents]


async def review_and_wait(pilot) -> PractitionerScreen:
    screen = await wait_for(pilot, PractitionerScreen)
    assert not pilot.app.session.state.prepared, "nothing is prepared before a practitioner is chosen"
    screen.query_one("#practitioner", Select).value = "ajordan"
    screen.query_one("#countersign-ack", ChoiceTile).action_press()
    await prepared(pilot)
    return screen


async def test_countersigning_seals_what_was_laid_out_during_the_review(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)
        await review_and_wait(pilot)
        with counting_writes(app.session.renderer()) as writes:
            await press(pilot, "#countersign")
            done = await wait_for(pilot, DoneScreen, timeout=60)
        assert not writes, "countersigning laid the documents out again"
        written = [path.read_bytes() for path in done.paths]
        assert written == await fresh_render(app.session)
        for pdf in written:
            report = await asyncio.to_thread(verify_pdf, pdf, engine.config)
            assert report.ok, report.reason


async def test_a_change_just_before_countersigning_gives_the_documents_of_the_change(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)
        screen = await review_and_wait(pilot)
        sessions = screen.query_one("#sessions", Input)
        sessions.value = str(int(sessions.value) + 1)  # ... and countersigns at once
        with counting_writes(app.session.renderer()) as writes:
            await press(pilot, "#countersign")
            done = await wait_for(pilot, DoneScreen, timeout=60)
        assert len(writes) == len(done.paths), "a preparation for the old plan was used"
        written = [path.read_bytes() for path in done.paths]
        assert written == await fresh_render(app.session)
        counter = app.session.state.counter
        assert counter.plan.sessions == int(sessions.value)
        data = json.loads(next(iter(PdfReader(io.BytesIO(written[0])).attachments.values()))[0])
        assert data["plan"]["sessions"] == int(sessions.value)


async def test_the_next_client_starts_with_nothing_prepared(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)
        await review_and_wait(pilot)
        assert len(app.session.renderer().prepared) > 0
        await press(pilot, "#close")
        app.forget_client()
        assert len(app.session.renderer().prepared) == 0
        assert not app.session.state.prepared and app.session.state.expected is None


async def test_in_the_renderer_process_too(engine, suitable_answers):
    """As `intake start` renders: the child prepares, and the documents equal an in-process fresh render."""
    app = build_app(engine, child_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)
        await review_and_wait(pilot)
        await press(pilot, "#countersign")
        done = await wait_for(pilot, DoneScreen, timeout=60)
        written = [path.read_bytes() for path in done.paths]
        state = app.session.state
        from intake.documents import PacketRenderer

        renderer = PacketRenderer(engine)  # a new one: it loads this test's demo seal, as the child did
        packet = await asyncio.to_thread(renderer.render, state.record, client_signature=state.client_signature,
                                         photo_signature=state.photo_signature, countersignature=state.counter)
        assert written == [d.pdf for d in packet.documents]


@dataclass
class SetClock:
    """A clock the test moves by hand."""

    at: datetime

    def now(self) -> datetime:
        return self.at


def test_the_coming_minute_is_prepared_in_the_last_seconds_of_a_minute_and_first_in_its_very_last():
    minute = datetime(2028, 2, 29, 23, 59, tzinfo=UTC)  # a leap day's last minute: the turn is the next day
    turn = datetime(2028, 3, 1, 0, 0, tzinfo=UTC)
    assert ahead.moments(minute.replace(second=44)) == [minute.replace(second=44)]
    assert ahead.moments(minute.replace(second=46)) == [minute.replace(second=46), turn]
    assert ahead.moments(minute.replace(second=59)) == [minute.replace(second=59), turn]
    assert ahead.moments(minute.replace(second=59, microsecond=600000)) == [turn, minute.replace(second=59,
                                                                                              microsecond=600000)]
    assert ahead.seconds_to_next_lead(minute.replace(second=40)) == 60 - ahead.LEAD_SECONDS - 40
    assert ahead.seconds_to_next_lead(minute.replace(second=50)) == 120 - ahead.LEAD_SECONDS - 50


def test_right_after_a_change_the_coming_minute_waits_until_a_press_is_less_likely_but_not_past_the_margin():
    """A press most likely comes within a second or two of a change: the renderer is left to the current minute's
    documents then, and lays the coming minute out CHANGE_GRACE later, or `turn_margin` before the turn (longer
    when layouts have been slow), whichever comes first."""
    minute = datetime(2028, 2, 29, 23, 59, tzinfo=UTC)
    turn = datetime(2028, 3, 1, 0, 0, tzinfo=UTC)
    at = minute.replace(second=50)
    assert ahead.moments(at, changed=True, layout=0.5) == [at]
    assert ahead.seconds_to_next_preparation(at, changed=True, layout=0.5) == ahead.CHANGE_GRACE
    near = minute.replace(second=57, microsecond=500000)  # the margin is 1 s: 1.5 s left, not 2
    assert ahead.moments(near, changed=True, layout=0.5) == [near]
    assert ahead.seconds_to_next_preparation(near, changed=True, layout=0.5) == 1.5
    late = minute.replace(second=59, microsecond=100000)  # past the margin: at once, as with no change
    assert ahead.moments(late, changed=True, layout=0.5) == [late, turn]
    # slow layouts (a loaded machine): the margin grows with them, so the coming minute starts at once
    assert ahead.turn_margin(6.0) == 12.0
    assert ahead.moments(at, changed=True, layout=6.0) == [at, turn]
    assert ahead.seconds_to_next_preparation(at, changed=True, layout=6.0) == ahead.seconds_to_next_lead(at)
    # the timer's own call (nothing changed) lays the coming minute out
    assert ahead.moments(at, changed=False, layout=0.5) == [at, turn]
    # before the last LEAD_SECONDS a change is no different
    early = minute.replace(second=30)
    assert ahead.moments(early, changed=True) == [early]
    assert ahead.seconds_to_next_preparation(early, changed=True) == ahead.seconds_to_next_lead(early)
    pace = ahead.Pace()
    assert pace.layout == ahead.FIRST_LAYOUT
    for seconds in (2.5, 0.4, 0.5, 0.6):
        pace.timed(seconds)
    assert pace.layout == 0.6, "the last three preparations count"


def test_a_countersignature_kept_with_its_audit_witness_is_the_one_prepared():
    at = datetime(2026, 11, 20, 14, 40, tzinfo=UTC)
    expected = Countersignature("ajordan", at)
    state = ClientState(prepared=(expected,))
    state.counter = Countersignature("ajordan", at, sealed_at=at + timedelta(seconds=7),
                                     witness=AuditWitness(12, "ab" * 32))
    assert ahead.prepared_for(state), "the seal's audit witness is not printed: the same documents"
    state.counter = Countersignature("ajordan", at + timedelta(minutes=1))
    assert not ahead.prepared_for(state)
    state.preparing = Countersignature("ajordan", at + timedelta(minutes=1))
    assert ahead.prepared_for(state), "a press during the right preparation waits for it"


async def test_a_press_after_the_minute_turns_seals_the_documents_laid_out_before_the_turn(engine, suitable_answers):
    clock = SetClock(datetime(2026, 11, 20, 14, 40, 50, tzinfo=UTC))  # reviewed in the last seconds of 14:40
    app = build_app(engine, clock=clock)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)
        await review_and_wait(pilot)
        for _ in range(1200):
            if len(pilot.app.session.state.prepared) == 2:
                break
            await pilot.pause(0.05)
        assert [c.signed_at.minute for c in app.session.state.prepared] == [40, 41]
        clock.at = datetime(2026, 11, 20, 14, 41, 2, tzinfo=UTC)
        with counting_writes(app.session.renderer()) as writes:
            await press(pilot, "#countersign")
            done = await wait_for(pilot, DoneScreen, timeout=60)
        assert not writes, "the coming minute's documents were laid out again"
        assert app.session.state.counter.signed_at == datetime(2026, 11, 20, 14, 41, tzinfo=UTC)
        assert all("T144100Z" in path.name for path in done.paths)
        written = [path.read_bytes() for path in done.paths]
        assert written == await fresh_render(app.session)


async def test_a_choice_changed_just_before_the_press_is_laid_out_once_with_the_change(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)
        screen = await review_and_wait(pilot)
        with counting_writes(app.session.renderer()) as writes:
            screen.query(Checkbox).first().value = False  # an area left out: laid out again at once...
            await pilot.pause()
            await press(pilot, "#countersign")  # ... and countersigned while that is under way
            done = await wait_for(pilot, DoneScreen, timeout=60)
        assert len(writes) == len(done.paths), "the documents were laid out twice, or not with the change"
        counter = app.session.state.counter
        assert len(counter.plan.areas) == len(app.session.lifecycle.default_plan(app.session.current).areas) - 1
        written = [path.read_bytes() for path in done.paths]
        assert written == await fresh_render(app.session)


class SlowLifecycle:
    """A lifecycle whose every preparation takes `layout` of the clock's time (a loaded machine)."""

    def __init__(self, clock: SetClock, layout: timedelta) -> None:
        from types import SimpleNamespace
        from zoneinfo import ZoneInfo

        self.clock, self.layout, self.prepared = clock, layout, []
        self.engine = SimpleNamespace(config=SimpleNamespace(timezone=ZoneInfo("Europe/London")))

    def pending_history(self, history, *args):
        return history

    def expected_countersignature(self, intake, practitioner_id, plan, moment, history):
        return Countersignature(practitioner_id, moment.replace(second=0, microsecond=0))

    def prepare(self, intake, counter) -> bool:
        self.prepared.append(counter.signed_at)
        self.clock.at += self.layout
        return True


def test_a_minute_over_by_its_turn_is_not_laid_out():
    """In a minute's last seconds the coming minute is laid out first; when that outlasts the minute, the minute
    that ended is not laid out after it (no press can use it), and a call that waited prepares for the time it is
    when its turn comes."""
    import threading
    from types import SimpleNamespace

    from intake.tui.state import Expected

    clock = SetClock(datetime(2026, 12, 31, 23, 59, 59, 700000, tzinfo=UTC))
    life = SlowLifecycle(clock, timedelta(seconds=3))
    state = ClientState(intake=SimpleNamespace(status="submitted", documents=[]), expected=Expected("ajordan", "none",
                                                                                                   "", None))
    turn = threading.Lock()
    assert not ahead.prepare(life, state, clock.now, turn)  # type: ignore[arg-type]
    assert life.prepared == [datetime(2027, 1, 1, 0, 0, tzinfo=UTC)]
    assert ahead.prepare(life, state, clock.now, turn)  # type: ignore[arg-type]
    assert life.prepared == [datetime(2027, 1, 1, 0, 0, tzinfo=UTC)], "the minute prepared already is not again"
    assert [c.signed_at for c in state.prepared] == [datetime(2027, 1, 1, 0, 0, tzinfo=UTC)]
