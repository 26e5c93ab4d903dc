"""Benchmarks the practitioner's wait: from pressing Countersign to the sealed documents, through the wizard.

The real app (engine, record store, renderer in its child process as `intake start` runs it) is driven
headless with Textual's Pilot, a client at a time. On the practitioner's screen the practitioner is
chosen and the statement ticked; the bench waits until the documents are laid out ahead (a person
reads the findings and the plan for far longer than that), then presses Countersign. The baseline,
interleaved in the same run, is the same flow with the preparation dropped just before the press
(`forget`), so countersigning renders in full as it did before. Two moments are timed from the press:
the packet handed back to the wizard (rendered, sealed, out of the child process), and the done screen
painted (after the store has recorded the documents and they are written, 0600).
INTAKE_BENCH_COUNTERSIGNS sets the rounds of each kind (default 10).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time

from harness import Result


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


async def _drive(rounds: int) -> dict[str, list[float]]:
    import weakref

    from textual.widgets import Select

    from intake.engine import Engine
    from intake.tui.screens.documents import DoneScreen
    from intake.tui.screens.practitioner import PractitionerScreen
    from intake.tui.screens.visit import FirstSessionScreen
    from intake.tui.screens.welcome import WelcomeScreen
    from intake.tui.widgets.tiles import ChoiceTile
    from tests.conftest import load_example
    from tests.tui.conftest import FROZEN, build_app
    from tests.tui.driver import press, wait_for
    from tests.tui.test_flow import client_part

    app = build_app(Engine.load(), clock=FROZEN, child_renderer=True, store="sqlite")  # as `intake start` renders
    painted: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    display = app._display

    def record_paint(screen, renderable):
        if renderable is not None:
            painted.setdefault(screen, time.perf_counter())
        return display(screen, renderable)

    app._display = record_paint
    answers = load_example("suitable")["answers"]
    times: dict[str, list[float]] = {"prepared": [], "prepared_done": [], "full": [], "full_done": []}
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_ready()
        session = app.session
        handed_back: list[float] = []
        render = session.render

        def timed_render():
            packet = render()
            handed_back.append(time.perf_counter())
            return packet

        session.render = timed_render
        for index in range(2 * rounds + 1):
            kind = "prepared" if index % 2 else "full"  # round 0 warms up (the child's first documents)
            await wait_for(pilot, WelcomeScreen, timeout=60)
            await client_part(pilot, answers)
            screen = await wait_for(pilot, PractitionerScreen, timeout=60)
            screen.query_one("#practitioner", Select).value = "ajordan"
            screen.query_one("#countersign-ack", ChoiceTile).action_press()
            for _ in range(1200):
                if session.state.prepared:
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.5)  # the practitioner reads on; the machine is quiet again
            if kind == "full":
                session.renderer().forget()  # the child drops the preparation before the render
            handed_back.clear()
            start = time.perf_counter()
            screen.query_one("#countersign").press()
            done = await wait_for(pilot, DoneScreen, timeout=120)
            while done not in painted:
                await asyncio.sleep(0.0005)
            if index:
                times[kind].append(handed_back[0] - start)
                times[f"{kind}_done"].append(painted[done] - start)
            await press(pilot, "#finish")
            await wait_for(pilot, FirstSessionScreen)
            await press(pilot, "#not-treated")  # not treated today: nothing recorded
    return times


def collect() -> list[Result]:
    rounds = int(os.environ.get("INTAKE_BENCH_COUNTERSIGNS", "10"))
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # the demo clinic's store, keys and documents go here
        try:
            times = asyncio.run(_drive(rounds))
        finally:
            os.chdir(here)
    ours, full = times["prepared"], times["full"]
    ours_done, full_done = times["prepared_done"], times["full_done"]
    median = statistics.median
    return [
        Result("countersign -> sealed packet handed back", median(ours), "<= 150 ms median", median(ours) <= 0.15,
               "full render after countersign", median(full),
               note=f"{len(ours)} + {len(full)} intakes through the wizard, interleaved; p90 "
                    f"{_p90(ours) * 1000:.0f} ms laid out ahead, {_p90(full) * 1000:.0f} ms rendered in full"),
        Result("countersign -> done screen painted", median(ours_done), "-", True,
               "full render after countersign", median(full_done),
               note=f"also records and writes the documents; p90 {_p90(ours_done) * 1000:.0f} ms vs "
                    f"{_p90(full_done) * 1000:.0f} ms"),
    ]
