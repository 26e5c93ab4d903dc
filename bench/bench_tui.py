"""Benchmarks the intake wizard: first screen, step changes, a live UI while documents render, memory over 200 intakes.

The in-process parts drive the real app (real engine, record store and renderer in a temporary
folder) headless with Textual's Pilot. INTAKE_BENCH_INTAKES sets the number of consecutive intakes
(default 200; the memory budget is for 200).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from harness import PYTHON, Result, median

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "tui_probe.py"


def _probe(kind: str, *extra: str) -> tuple[float, int]:
    out = subprocess.run([PYTHON, str(PROBE), kind, f"{time.time():.6f}", *extra], capture_output=True, text=True,
                         check=True, cwd=tempfile.gettempdir()).stdout.split()
    return float(out[0]), int(out[1])


def first_screen(repeat: int = 9) -> Result:
    """Process start to the first painted screen, against a bare Textual app with as many widgets."""
    _, widgets = _probe("intake")
    ours, bare = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine load
        ours.append(_probe("intake")[0])
        bare.append(_probe("bare", str(widgets))[0])
    ratio = median(ours) / median(bare)
    return Result("first screen (process start to paint)", median(ours), "<= 1.5x bare Textual app",
                  ratio <= 1.5, f"bare app, {widgets} widgets", median(bare))


def _rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


async def _drive(intakes: int) -> dict:
    """Runs the real app: step changes, one render watched for UI stalls, then many scripted intakes."""
    import weakref

    from intake.engine import Engine
    from intake.tui.screens.documents import DoneScreen, RenderingScreen
    from intake.tui.screens.step import StepScreen
    from intake.tui.screens.welcome import WelcomeScreen
    from tests.conftest import load_example
    from tests.tui.conftest import FROZEN, build_app
    from tests.tui.driver import fill_step, press, wait_for
    from tests.tui.test_flow import client_part, countersign

    engine = Engine.load()
    app = build_app(engine, clock=FROZEN, child_renderer=True)  # as `intake start` renders
    painted: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    display = app._display

    def record_paint(screen, renderable):
        if renderable is not None:
            painted.setdefault(screen, time.perf_counter())
        return display(screen, renderable)

    app._display = record_paint
    results: dict = {}
    answers = load_example("suitable")["answers"]
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await press(pilot, "#begin")
        for _ in range(len(app.session.steps) - 1):
            await fill_step(pilot, answers)
            await press(pilot, "#next")
        changes = []
        for _ in range(4):
            for button in ["#back"] * 6 + ["#next"] * 6:
                screen = await wait_for(pilot, StepScreen)
                await pilot.pause(0.3)  # a person reads before pressing
                start = time.perf_counter()
                screen.query_one(button).press()
                while not (app.screen is not screen and painted.get(app.screen, 0) > start):
                    await asyncio.sleep(0.0005)
                changes.append(painted[app.screen] - start)
        results["changes"] = changes
        await press_welcome(pilot)

        # one intake with the UI loop watched while the documents render
        await client_part(pilot, answers)
        gaps, last, rendering = [], [time.perf_counter()], [0.0, 0.0]

        def tick() -> None:
            now = time.perf_counter()
            if isinstance(app.screen, RenderingScreen):
                rendering[0] = rendering[0] or last[0]
                rendering[1] = now
                gaps.append(now - last[0])
            last[0] = now

        timer = app.set_interval(0.01, tick)
        await countersign(pilot)
        await wait_for(pilot, DoneScreen, timeout=120)
        timer.stop()
        results["render_s"] = rendering[1] - rendering[0]
        results["gaps"] = gaps
        await press(pilot, "#finish")

        # scripted intakes: memory after the first (everything loaded) and after all of them
        started = time.perf_counter()
        for index in range(intakes + 1):
            await wait_for(pilot, WelcomeScreen)
            await client_part(pilot, answers)
            await countersign(pilot)
            await wait_for(pilot, DoneScreen, timeout=120)
            child = app.session._renderer._child
            results["child_max"] = max(results.get("child_max", 0.0), _rss_mb(child.pid) if child else 0.0)
            await press(pilot, "#finish")
            if index == 0:
                await wait_for(pilot, WelcomeScreen)
                gc.collect()
                results["rss_start"] = _rss_mb()
        await wait_for(pilot, WelcomeScreen)
        results["per_intake_s"] = (time.perf_counter() - started) / (intakes + 1)
        gc.collect()
        results["rss_end"] = _rss_mb()
    return results


async def press_welcome(pilot) -> None:
    """Leaves a half-done intake through the staff menu, back to the welcome screen."""
    from intake.tui.screens.staff import StaffMenuScreen
    from intake.tui.screens.welcome import WelcomeScreen
    from tests.tui.driver import enter_pin, press, wait_for

    await press(pilot, "#staff")
    await enter_pin(pilot)
    await wait_for(pilot, StaffMenuScreen)
    await press(pilot, "#pause")
    await wait_for(pilot, WelcomeScreen)


def collect() -> list[Result]:
    results = [first_screen()]
    intakes = int(os.environ.get("INTAKE_BENCH_INTAKES", "200"))
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # the demo clinic's store, keys and documents go here
        try:
            data = asyncio.run(_drive(intakes))
        finally:
            os.chdir(here)
    changes = sorted(data["changes"])
    p90 = changes[int(len(changes) * 0.9)]
    results.append(Result("step change (Next/Back to next step painted)", statistics.median(changes), "<= 100 ms",
                          statistics.median(changes) <= 0.1,
                          note=f"{len(changes)} changes; p90 {p90 * 1000:.0f} ms, max {changes[-1] * 1000:.0f} ms"))
    gaps = data["gaps"]
    worst = max(gaps) if gaps else 0.0
    results.append(Result("longest UI stall while documents render", worst, "<= 250 ms (no freeze)", worst <= 0.25,
                          note=f"render took {data['render_s']:.2f} s; UI ticked {len(gaps)} times (every 10 ms "
                               f"asked); median gap {statistics.median(gaps) * 1000:.0f} ms"))
    growth = data["rss_end"] - data["rss_start"]
    results.append(Result(f"{intakes} scripted intakes in one process (per intake)", data["per_intake_s"],
                          "memory growth < 30 MB", growth < 30 and intakes >= 200,
                          note=f"memory grew {growth:.1f} MB: RSS {data['rss_start']:.0f} MB after the first "
                               f"intake, {data['rss_end']:.0f} MB after {intakes} more (real store, sealed PDFs); "
                               f"the renderer's child process peaked at {data['child_max']:.0f} MB (replaced every "
                               "25 renders)"))
    return results
