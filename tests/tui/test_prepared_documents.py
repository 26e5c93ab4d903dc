"""The wizard lays the documents out while the practitioner reviews; countersigning then only seals them.

Driven through the real flow with Pilot (real engine, store and renderer, frozen clock): the documents
written are byte-for-byte a fresh render of the same countersignature and pass `intake verify`;
a change made just before countersigning (no time to prepare again) gives the documents of the
real inputs, rendered in full.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

from pypdf import PdfReader
from textual.widgets import Input, Select

from intake.documents import verify_pdf
from intake.tui.screens.documents import DoneScreen
from intake.tui.screens.practitioner import PractitionerScreen
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
