"""Counts the keys of a clean healthy intake walked by a first-time client who presses only what the screen says.

The client (tests/tui/reader.py) reads each screen as drawn, finds where the keyboard is and which
question that is, and presses the key the hint names for its answer: the shortest honest route, with
nothing known beforehand but its own answers (examples/suitable.json: a healthy adult who allows
photos for the record) and its name for the two typed signatures. It goes from the welcome screen to
the hand-back screen in the real app (Pilot) at 80x24 and at 120x40, each in its own process.

Counted apart: typed characters (printable characters: the answers typed, the letters that answer,
e.g. Y/N or an option's key, and the names signed) and the other keys (Enter, Tab, Space, arrows,
Page keys, End, and the one letter that says "My answers are true", counted here as it is no
answer). A key that changes nothing on the screen is wasted; there must be none. The same-run
baseline is the keyboard route of bench_keys.py on the wizard before this change (BASELINE_COMMIT),
where Enter chose an option and the review had no key: its keys besides typing.

Run alone: python bench/bench_keys_walk.py [--size 80x24]  (prints one JSON line)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
#: The wizard before the keys were changed (main when brief C began).
BASELINE_COMMIT = "30907dd"
SIZES = ("80x24", "120x40")
#: At most this many keys besides typing for the whole healthy intake.
BUDGET = 45


async def run(size: tuple[int, int]) -> dict:
    """One clean healthy intake from the welcome screen to the hand-back screen, the hints read and followed."""
    from intake.engine import Engine
    from intake.tui.screens.handback import HandbackScreen
    from intake.tui.screens.welcome import WelcomeScreen
    from tests.conftest import load_example
    from tests.tui.conftest import build_app
    from tests.tui.driver import wait_for
    from tests.tui.reader import Reader, walk

    engine = Engine.load()
    answers = load_example("suitable")["answers"]
    app = build_app(engine, kiosk=True, fake_renderer=True)
    async with app.run_test(size=size) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        client = Reader(pilot, list(engine.questionnaire.questions()), answers, answers["full_name"])
        await walk(client)
        await wait_for(pilot, HandbackScreen)
        stored = app.session.store.load_intake(app.session.state.intake_id).answers
    return {"typed": client.typed, "other": client.other, "wasted": len(client.wasted),
            "screens": len(client.seen), "as_chosen": stored == answers}


def measure(size: str) -> dict | None:
    """Runs the walk in its own process at one terminal size; None when it could not run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--size", size],
                              capture_output=True, text=True, cwd=folder, env=env, timeout=600)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline() -> int | None:
    """Keys besides typing on the wizard before this change (bench_keys.py's keyboard route), same run."""
    sys.path.insert(0, str(BENCH))
    import bench_keys

    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_COMMIT], capture_output=True)
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        before = bench_keys.measure(Path(folder), "keys")
    return before["keys"] - before["typed"] if before else None


def collect() -> list:
    from harness import Result

    before = baseline()
    results = []
    for size in SIZES:
        now = measure(size)
        if now is None:
            continue
        ok = now["other"] <= BUDGET and now["wasted"] == 0 and now["as_chosen"]
        results.append(Result(f"healthy intake, hints followed ({size}): keys", float(now["other"]),
                              f"<= {BUDGET} besides typing", ok, f"before ({BASELINE_COMMIT})" if before else "",
                              float(before) if before is not None else None,
                              f"{now['typed']} characters typed (answers, answer letters, two typed names); "
                              f"{now['wasted']} wasted keys; {now['screens']} hints read; record as chosen: "
                              f"{'yes' if now['as_chosen'] else 'NO'}", unit="count"))
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default=SIZES[0])
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(tempfile.mkdtemp())
    width, height = (int(n) for n in args.size.split("x"))
    print(json.dumps(asyncio.run(run((width, height)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
