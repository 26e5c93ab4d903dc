"""Benchmarks the intake wizard: first screen, step changes, a live UI while documents render, memory over 200 intakes.

The in-process parts drive the real app (real engine, record store and renderer in a temporary
folder) headless with Textual's Pilot. Step changes are timed from the button press to the next
screen's first paint, for clients taken alternately on a quiet machine and while another process
renders sealed packets in a loop (`packet_worker.py`, paused between), so both see the same load
from everything else. INTAKE_BENCH_CLIENTS sets the clients per condition (default 4: 6 first
visits and 12 revisits each); INTAKE_BENCH_INTAKES the number of consecutive intakes (default 200;
the memory budget is for 200). `python bench/bench_tui.py steps` runs the step changes only.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from harness import PYTHON, Result, median

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "tui_probe.py"
WORKER = Path(__file__).resolve().parent / "packet_worker.py"


#: The probes keep their compiled bytecode, as an installed wizard and Textual do (with PYTHONDONTWRITEBYTECODE set,
#: e.g. in a development shell, every probe compiled the wizard's changed modules from source again).
_PROBE_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _probe(kind: str, *extra: str) -> tuple[float, int]:
    out = subprocess.run([PYTHON, str(PROBE), kind, f"{time.time():.6f}", *extra], capture_output=True, text=True,
                         check=True, cwd=tempfile.gettempdir(), env=_PROBE_ENV).stdout.split()
    return float(out[0]), int(out[1])


def first_screen(repeat: int = 9) -> Result:
    """Process start to the first painted screen, against a bare Textual app with as many widgets."""
    _, widgets = _probe("intake")  # also writes the bytecode both probes then read
    _probe("bare", str(widgets))
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


class PacketLoad:
    """Another intake rendering documents on the same machine: a warm process rendering sealed packets in a loop.

    It starts paused; `busy(True)` resumes it (SIGCONT), `busy(False)` pauses it again (SIGSTOP), so quiet and
    loaded measurements can alternate and see the same load from everything else on the machine.
    """

    def __init__(self, folder: Path) -> None:
        from bench_documents import _clinic

        from intake.config import load_config
        from intake.documents import create_seal_identity

        folder.mkdir(parents=True, exist_ok=True)
        config = _clinic(folder)
        create_seal_identity(load_config(config), valid_from=datetime(2026, 1, 1, tzinfo=UTC))
        self.process = subprocess.Popen([PYTHON, str(WORKER), str(config), str(ROOT / "examples" / "suitable.json")],
                                        stdout=subprocess.PIPE, text=True, cwd=folder)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the packet worker did not start")
        self.busy(False)

    def busy(self, on: bool) -> None:
        """Resumes (True) or pauses (False) the rendering."""
        os.kill(self.process.pid, signal.SIGCONT if on else signal.SIGSTOP)

    def close(self) -> tuple[int, float]:
        """Ends the worker; returns how many packets it rendered and their median CPU seconds."""
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        out, _ = self.process.communicate(timeout=30)
        cpus = [float(line.split()[1]) for line in out.splitlines() if line.strip()]
        return len(cpus), (median(cpus) if cpus else 0.0)


def _paint_recorder(app) -> list:
    """Records (screen, time) of every paint of a mounted screen, newest last (the list is cleared by the caller); a
    paint the app's `_bench_paint_waiter` (test, event) accepts also sets that event."""
    paints: list = []
    display = app._display

    def record_paint(screen, renderable):
        result = display(screen, renderable)
        if renderable is not None and screen.is_mounted:
            paints.append((screen, time.perf_counter()))
            waiting = getattr(app, "_bench_paint_waiter", None)
            if waiting is not None and waiting[0](screen):
                waiting[1].set()
        return result

    app._display = record_paint
    return paints


class FreshStepScreens:
    """The wizard as it was (the same-run baseline): a new step screen built for every step change."""

    def screen(self, session, index: int, clinic: str):
        from intake.tui.screens.step import StepScreen

        return StepScreen(session, index, clinic)

    def clear(self) -> None:
        """Nothing is kept."""


#: Seconds a person takes before pressing Next on a step just answered, and Back or Next on a step seen before
#: (far less than anyone takes to answer a step; the next step is built in the background meanwhile).
READING_S = {"first": 1.0, "again": 0.5}


#: Seconds after the first paint of the next step up to which the wizard's CPU is counted again (what it does after
#: the paint: the next step built off-screen after AHEAD_SECONDS, repaints), as bench_serve's SETTLE.
SETTLE_S = 0.1


async def _timed_change(pilot, paints: list, button: str, reading: float) -> tuple[float, float, float]:
    """Presses Next or Back after a person's reading pause; returns seconds until the next screen painted, the CPU
    seconds this process used meanwhile, and the CPU seconds it used up to SETTLE_S after that paint. The paint is
    awaited (an event set as it is handed to the terminal), not polled, so the bench adds no work of its own."""
    from intake.tui.screens.step import StepScreen
    from tests.tui.driver import wait_for

    app = pilot.app
    screen = await wait_for(pilot, StepScreen)
    await pilot.pause(reading)
    paints.clear()
    painted_event = asyncio.Event()
    app._bench_paint_waiter = (lambda shown: shown is not screen and shown is app.screen, painted_event)
    cpu, start = time.process_time(), time.perf_counter()
    screen.query_one(button).press()
    await painted_event.wait()
    used = time.process_time() - cpu
    app._bench_paint_waiter = None
    painted = next(at for shown, at in paints if shown is not screen and shown is app.screen)
    await asyncio.sleep(SETTLE_S)
    return painted - start, used, time.process_time() - cpu


async def _client(pilot, paints: list, answers: dict, found: dict[str, list]) -> None:
    """One client: every step answered and Next (first visits), then Back to the first step and Next to the last."""
    from intake.tui.screens.welcome import WelcomeScreen
    from tests.tui.driver import fill_step, press, wait_for

    await wait_for(pilot, WelcomeScreen)
    await press(pilot, "#begin")
    steps = len(pilot.app.session.steps)
    for _ in range(steps - 1):
        await fill_step(pilot, answers)
        found.setdefault("first", []).append(await _timed_change(pilot, paints, "#next", READING_S["first"]))
    for button in ["#back"] * (steps - 1) + ["#next"] * (steps - 1):
        found.setdefault("again", []).append(await _timed_change(pilot, paints, button, READING_S["again"]))
    await press_welcome(pilot)


async def _step_changes(clients: int, load: PacketLoad) -> dict[tuple[str, str], dict[str, list]]:
    """Step changes of the real app, quiet and while another process renders packets, now and as before (a new
    screen for every change): the four take turns client by client, so all see the same load from elsewhere."""
    from intake.engine import Engine
    from tests.conftest import load_example
    from tests.tui.conftest import FROZEN, build_app

    engine = Engine.load()
    # as `intake start` renders; the bench presses buttons without key events, which the idle timer would not see
    app = build_app(engine, clock=FROZEN, child_renderer=True, idle=24 * 3600, store="sqlite")
    kept = app.step_screens
    paints = _paint_recorder(app)
    answers = load_example("suitable")["answers"]
    found: dict[tuple[str, str], dict[str, list]] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_ready()
        saves: list = []
        save = app.session.save_step

        def timed_save(*args, **kwargs):  # the draft save on Next and Back, on the UI thread: wall and CPU
            cpu, start = time.process_time(), time.perf_counter()
            try:
                return save(*args, **kwargs)
            finally:
                saves.append((time.perf_counter() - start, time.process_time() - cpu))

        app.session.save_step = timed_save
        for way in (FreshStepScreens(), kept):  # warm-up: everything imported and used once
            app.step_screens = way
            await _client(pilot, paints, answers, {})
        for index in range(4 * clients):
            kind, way = ("quiet", "load")[index % 2], ("now", "before")[index // 2 % 2]
            app.step_screens = kept if way == "now" else FreshStepScreens()
            load.busy(kind == "load")
            if kind == "load":
                await asyncio.sleep(0.5)  # the renderer is at work again
            saves.clear()
            await _client(pilot, paints, answers, found.setdefault((kind, way), {}))
            found[kind, way].setdefault("saves", []).extend(saves)
            load.busy(False)
    return found


async def _drive(intakes: int) -> dict:
    """Runs the real app: one render watched for UI stalls, then many scripted intakes."""
    from intake.engine import Engine
    from intake.tui.screens.documents import DoneScreen, RenderingScreen
    from intake.tui.screens.visit import FirstSessionScreen
    from intake.tui.screens.welcome import WelcomeScreen
    from tests.conftest import load_example
    from tests.tui.conftest import FROZEN, build_app
    from tests.tui.driver import press, wait_for
    from tests.tui.test_flow import client_part, countersign

    engine = Engine.load()
    app = build_app(engine, clock=FROZEN, child_renderer=True, store="sqlite")  # as `intake start` renders
    results: dict = {}
    answers = load_example("suitable")["answers"]
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)

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
        await wait_for(pilot, FirstSessionScreen)
        await press(pilot, "#not-treated")  # not treated today: nothing recorded

        # scripted intakes: memory after the first (everything loaded) and after all of them
        started = time.perf_counter()
        for index in range(intakes + 1):
            await wait_for(pilot, WelcomeScreen)
            await client_part(pilot, answers)
            await countersign(pilot)
            await wait_for(pilot, DoneScreen, timeout=120)
            child = getattr(app.session.renderer(), "_child", None)  # (the render worker's child process)
            results["child_max"] = max(results.get("child_max", 0.0), _rss_mb(child.pid) if child else 0.0)
            await press(pilot, "#finish")
            await wait_for(pilot, FirstSessionScreen)
            await press(pilot, "#not-treated")
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


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    """Median, 90th percentile (nearest rank) and maximum."""
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, math.ceil(len(ordered) * 0.9) - 1)], ordered[-1]


def step_change_results(clients: int) -> list[Result]:
    """Step change p50/p90/max, quiet and while another process renders packets, against the wizard as it was
    (a new screen for every change), all interleaved in one run."""
    with tempfile.TemporaryDirectory() as folder:
        load = PacketLoad(Path(folder) / "other")
        here = os.getcwd()
        os.chdir(folder)  # the demo clinic's store, keys and documents go here
        try:
            found = asyncio.run(_step_changes(clients, load))
        finally:
            os.chdir(here)
            packets, cpu = load.close()
    results = []
    for kind, label in (("quiet", "quiet"), ("load", "another process renders")):
        figures = {}
        for way in ("now", "before"):
            both = found[kind, way]["first"] + found[kind, way]["again"]
            figures[way] = (_quantiles([wall for wall, _, _ in both]), median([cpu for _, cpu, _ in both]), len(both),
                            _quantiles([wall for wall, _, _ in found[kind, way]["first"]]),
                            _quantiles([wall for wall, _, _ in found[kind, way]["again"]]),
                            median([settled for _, _, settled in both]))
        (p50, p90, top), used, count, first, again, settled = figures["now"]
        saved = _quantiles([wall for wall, _ in found[kind, "now"]["saves"]])
        saved_cpu = median([cpu for _, cpu in found[kind, "now"]["saves"]])
        (b50, b90, btop), bused, _, bfirst, bagain, bsettled = figures["before"]
        note = (f"{count} changes each: p50/p90/max {p50 * 1000:.0f}/{p90 * 1000:.0f}/{top * 1000:.0f} ms "
                f"(before {b50 * 1000:.0f}/{b90 * 1000:.0f}/{btop * 1000:.0f}); first visits (Next) p50/p90 "
                f"{first[0] * 1000:.0f}/{first[1] * 1000:.0f} (before {bfirst[0] * 1000:.0f}/{bfirst[1] * 1000:.0f}), "
                f"revisits {again[0] * 1000:.0f}/{again[1] * 1000:.0f} (before {bagain[0] * 1000:.0f}/"
                f"{bagain[1] * 1000:.0f}); wizard CPU per change {used * 1000:.1f} ms to the paint (before "
                f"{bused * 1000:.1f}), {settled * 1000:.1f} ms to {SETTLE_S:g} s after it "
                f"(before {bsettled * 1000:.1f}); "
                f"of a change, the draft save (UI thread, fsync'd) p50/p90 {saved[0] * 1000:.0f}/{saved[1] * 1000:.0f} "
                f"ms wall, {saved_cpu * 1000:.0f} ms CPU")
        if kind == "load":
            note += f"; the other process sealed {packets} packets ({cpu * 1000:.0f} ms CPU each)"
        results.append(Result(f"step change p50, {label}", p50, f"p90 <= 100 ms (p90 {p90 * 1000:.0f} ms)",
                              p90 <= 0.1, "new screen each change", b50, note=note))
    return results


def collect() -> list[Result]:
    results = [first_screen()]
    results += step_change_results(int(os.environ.get("INTAKE_BENCH_CLIENTS", "4")))
    intakes = int(os.environ.get("INTAKE_BENCH_INTAKES", "200"))
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # the demo clinic's store, keys and documents go here
        try:
            data = asyncio.run(_drive(intakes))
        finally:
            os.chdir(here)
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


if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT)]
    from run import print_results

    chosen = sys.argv[1:] or ["steps"]
    print_results(step_change_results(int(os.environ.get("INTAKE_BENCH_CLIENTS", "4"))) if chosen == ["steps"]
                  else collect())
