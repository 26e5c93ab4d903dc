"""Benchmarks the practitioner's wait: from pressing Countersign to the sealed documents, through the wizard.

The real app (engine, record store, renderer in its child process as `intake start` runs it) is driven
headless with Textual's Pilot, a client at a time. On the practitioner's screen the practitioner is
chosen and the statement ticked; the practitioner reads for a few seconds (3-8 s, seeded), then
presses Countersign. The clock is real (it ticks, and the screen's timers follow it), but it jumps
ahead while each client reaches the review, so that the press falls at a random second of the minute
(seeded; a press in the first seconds of a minute included) without waiting a minute per client.
In some rounds (a share, seeded) the practitioner changes the plan 0.2-1 s before pressing: one more
session typed in, or an area unticked. The baseline, interleaved in the same run, is the same flow
with the preparation dropped just before the press (`forget`), so countersigning renders in full as
it did before documents were laid out ahead. Two moments are timed from the press: the packet handed
back to the wizard (rendered, sealed, out of the child process), and the done screen painted (after
the store has recorded the documents and they are written, 0600); beside them the CPU time the
renderer's child and the wizard spent from the press to the packet (the figure to compare on a
loaded machine), and the child's CPU while the practitioner reads (the cost of laying out ahead).

INTAKE_BENCH_COUNTERSIGNS sets the rounds of each kind (default 10); INTAKE_BENCH_SEED the seed (27);
INTAKE_BENCH_CHANGED the share of presses after a change (0.3); INTAKE_BENCH_SECONDS the seconds the presses
fall in (0-60); INTAKE_BENCH_READING the seconds the practitioner reads (3-8);
INTAKE_BENCH_DUMP=1 prints each press; INTAKE_BENCH_CLOCK=frozen the earlier mode (frozen clock; the
press waits until the documents are prepared, never after a change).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from harness import Result

#: Seconds the practitioner reads the review before pressing (uniform, seeded; INTAKE_BENCH_READING, e.g. "20-30"
#: on a loaded machine, where laying a packet out takes several seconds).
READING = tuple(float(part) for part in os.environ.get("INTAKE_BENCH_READING", "3-8").split("-", 1))
#: A change of the plan this many seconds before the press (uniform, seeded), in this share of the rounds.
CHANGE_BEFORE = (0.2, 1.0)
CHANGED_SHARE = float(os.environ.get("INTAKE_BENCH_CHANGED", "0.3"))
#: Presses after a change are reported in two groups: the change made less than this many seconds before, or more
#: (about a quiet layout of the packet: the sooner ones wait for the rest of it).
SOON = 0.6
#: The seconds of the minute the presses fall in (uniform, seeded), e.g. "0-3" for the first moments of a minute.
SECONDS = tuple(float(part) for part in os.environ.get("INTAKE_BENCH_SECONDS", "0-60").split("-", 1))


class JumpingClock:
    """The real clock, moved ahead (never back) between clients so the next press lands at a chosen second."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def aim(self, second: float, after: float) -> None:
        """Jumps ahead so that `after` seconds from now the clock reads `second` seconds into a minute."""
        then = self.now() + timedelta(seconds=after)
        into = then.second + then.microsecond / 1e6
        self.offset += timedelta(seconds=(second - into) % 60)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def _cpu(pid: int | None) -> float | None:
    """A process's CPU seconds so far (user + system), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child(session) -> int | None:
    child = getattr(session.renderer(), "_child", None)
    return child.pid if child is not None else None


async def _change(screen, index: int) -> str:
    """The practitioner changes the plan: one more session typed in, or the first area unticked (alternately)."""
    from textual.widgets import Checkbox, Input

    if index % 2:
        sessions = screen.query_one("#sessions", Input)
        sessions.value = str(int(sessions.value) + 1)
        return "sessions"
    screen.query(Checkbox).first().value = False
    return "area"


async def _drive(rounds: int, frozen: bool, seed: int) -> dict[str, list]:  # noqa: C901, PLR0915 - one bench script
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

    rng = random.Random(seed)
    clock = FROZEN if frozen else JumpingClock()
    app = build_app(Engine.load(), clock=clock, child_renderer=True, store="sqlite")  # as `intake start` renders
    painted: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    display = app._display

    def record_paint(screen, renderable):
        if renderable is not None:
            painted.setdefault(screen, time.perf_counter())
        return display(screen, renderable)

    app._display = record_paint
    answers = load_example("suitable")["answers"]
    times: dict[str, list] = {"prepared": [], "prepared_done": [], "full": [], "full_done": [], "cpu_prepared": [],
                              "cpu_full": [], "changed": [], "before": [], "seconds": [], "review_cpu": []}
    async with app.run_test(size=(80, 24)) as pilot:
        await app.wait_ready()
        session = app.session
        handed_back: list[tuple[float, float | None, float]] = []
        render = session.render

        def timed_render():
            pid = _child(session)
            packet = render()
            handed_back.append((time.perf_counter(), _cpu(pid) if pid == _child(session) else None,
                                time.process_time()))
            return packet

        session.render = timed_render
        for index in range(2 * rounds + 1):
            kind = "prepared" if index % 2 else "full"  # round 0 warms up (the child's first documents)
            await wait_for(pilot, WelcomeScreen, timeout=60)
            await client_part(pilot, answers)
            screen = await wait_for(pilot, PractitionerScreen, timeout=60)
            reading, second = rng.uniform(*READING), rng.uniform(*SECONDS)
            before = rng.uniform(*CHANGE_BEFORE) if kind == "prepared" and rng.random() < CHANGED_SHARE else None
            if not frozen:
                clock.aim(second, reading)
            opened, child_opened = time.perf_counter(), _cpu(_child(session))
            screen.query_one("#practitioner", Select).value = "ajordan"
            screen.query_one("#countersign-ack", ChoiceTile).action_press()
            if frozen:
                for _ in range(1200):
                    if session.state.prepared:
                        break
                    await pilot.pause(0.05)
                await pilot.pause(0.5)  # the practitioner reads on; the machine is quiet again
            else:
                if before is not None:
                    await asyncio.sleep(max(0.0, opened + reading - before - time.perf_counter()))
                    await _change(screen, index // 2)
                await asyncio.sleep(max(0.0, opened + reading - time.perf_counter()))
            if kind == "full":
                session.renderer().forget()  # the child drops the preparation before the render
            handed_back.clear()
            child_pressed = _cpu(_child(session))
            start, own, at = time.perf_counter(), time.process_time(), clock.now()
            screen.query_one("#countersign").press()
            done = await wait_for(pilot, DoneScreen, timeout=120)
            while done not in painted:
                await asyncio.sleep(0.0005)
            if index:
                back, child_back, own_back = handed_back[0]
                times[kind].append(back - start)
                times[f"{kind}_done"].append(painted[done] - start)
                if child_back is not None and child_pressed is not None:
                    times[f"cpu_{kind}"].append(child_back - child_pressed + own_back - own)
                if os.environ.get("INTAKE_BENCH_DUMP"):
                    cpu = f"{child_back - child_pressed:.3f}" if None not in (child_back, child_pressed) else "-"
                    print(f"{kind:8} second {at.second + at.microsecond / 1e6:4.1f} change-before {before or 0:.2f} "
                          f"packet {back - start:.3f} done {painted[done] - start:.3f} child-cpu {cpu} "
                          f"wizard-cpu {own_back - own:.3f}", file=sys.stderr, flush=True)
                if kind == "prepared":
                    times["changed"].append(before is not None)
                    times["before"].append(before)
                    times["seconds"].append(at.second + at.microsecond / 1e6 if not frozen else 0)
                    if child_opened is not None and child_pressed is not None:
                        times["review_cpu"].append(child_pressed - child_opened)
            await press(pilot, "#finish")
            await wait_for(pilot, FirstSessionScreen)
            await press(pilot, "#not-treated")  # not treated today: nothing recorded
    return times


def collect() -> list[Result]:
    rounds = int(os.environ.get("INTAKE_BENCH_COUNTERSIGNS", "10"))
    frozen = os.environ.get("INTAKE_BENCH_CLOCK", "real") == "frozen"
    seed = int(os.environ.get("INTAKE_BENCH_SEED", "27"))
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # the demo clinic's store, keys and documents go here
        try:
            times = asyncio.run(_drive(rounds, frozen, seed))
        finally:
            os.chdir(here)
    return _results(times, frozen)


def _results(times: dict[str, list], frozen: bool) -> list[Result]:
    ours, full = times["prepared"], times["full"]
    ours_done, full_done = times["prepared_done"], times["full_done"]
    changed = [t for t, c in zip(ours, times["changed"], strict=True) if c]
    calm = [t for t, c in zip(ours, times["changed"], strict=True) if not c]
    median, ms = statistics.median, 1000
    notes = ["frozen clock" if frozen else "real clock, presses at random seconds",
             f"{len(ours)} + {len(full)} intakes through the wizard, interleaved; p90 shown",
             f"median {median(ours) * ms:.0f} ms laid out ahead, {median(full) * ms:.0f} ms in full"]
    if not frozen:
        notes.append(f"{sum(1 for second in times['seconds'] if second < 5)} pressed in a minute's first 5 s "
                     f"(presses at seconds {SECONDS[0]:g}-{SECONDS[1]:g})")
    if changed:
        notes.append(f"{len(changed)} pressed 0.2-1 s after a plan change: median {median(changed) * ms:.0f} ms, "
                     f"max {max(changed) * ms:.0f} ms")
        soon = [t for t, b in zip(ours, times["before"], strict=True) if b is not None and b < SOON]
        later = [t for t, b in zip(ours, times["before"], strict=True) if b is not None and b >= SOON]
        for word, values in ((f"under {SOON:g} s", soon), (f"{SOON:g} s or more", later)):
            if values:
                notes.append(f"{len(values)} of them {word} after it: median {median(values) * ms:.0f} ms, "
                             f"max {max(values) * ms:.0f} ms")
    if calm:
        notes.append(f"{len(calm)} pressed with no change just before: p90 {_p90(calm) * ms:.0f} ms")
    cpu, cpu_full, review = times["cpu_prepared"] or [0.0], times["cpu_full"] or [0.0], times["review_cpu"] or [0.0]
    return [
        Result("countersign -> sealed packet handed back", _p90(ours), "<= 150 ms p90", _p90(ours) <= 0.15,
               "full render at the press", _p90(full), note="; ".join(notes)),
        Result("countersign -> done screen painted", _p90(ours_done), "-", True,
               "full render at the press", _p90(full_done),
               note=f"also records and writes the documents; p90 shown; median {median(ours_done) * ms:.0f} ms vs "
                    f"{median(full_done) * ms:.0f} ms"),
        Result("countersign -> packet, CPU (child + wizard)", median(cpu), "-", True,
               "full render at the press", median(cpu_full),
               note=f"median CPU from the press to the packet; p90 {_p90(cpu) * ms:.0f} ms vs {_p90(cpu_full) * ms:.0f}"
                    f" ms; the child's CPU while the practitioner reads ({READING[0]:g}-{READING[1]:g} s): median "
                    f"{median(review):.2f} s"),
    ]
