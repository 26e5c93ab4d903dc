"""Counts what a clean healthy intake costs the client: key presses by keyboard alone, and clicks by mouse or touch.

A scripted client (examples/suitable.json: a healthy adult who allows photos) goes from the welcome
screen to the hand-back screen at 80x24: every step, the review, the information, the consent and
photo signatures (typed names, as a keyboard user signs). The same script runs on this tree and,
as the same-run baseline, on the wizard before issue 11 (commit BASELINE_COMMIT, extracted with
`git archive`), each in its own process.

The keyboard client uses only what the wizard offers where the focus is (`App.active_bindings`):
Tab / Shift+Tab to move, arrow keys inside an option group when they are bound there, Y/N on a
yes/no question when bound, Space to choose, Enter to choose-and-move-on when the option binds it
so, Enter after a typed answer, and Tab to a button and Enter. Every key and every typed character
counts. The mouse client clicks each option, each text box before typing, and each button; typed
characters are counted apart, and scrolling to bring a target into view is counted as scrolls.

Run alone: python bench/bench_keys.py [--tree DIR] [--mode keys|clicks]  (prints one JSON line)
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
#: The wizard as the issue-11 walk-through found it (about 320 key presses).
BASELINE_COMMIT = "09e9a54"
SIZE = (80, 24)


class Client:
    """A scripted client at the keyboard (or the mouse), counting everything they do."""

    def __init__(self, pilot, mode: str) -> None:
        self.pilot = pilot
        self.app = pilot.app
        self.mode = mode
        self.keys = self.clicks = self.typed = self.scrolls = 0

    # -- primitives --------------------------------------------------------------------------

    async def press(self, *keys: str) -> None:
        self.keys += len(keys)
        if os.environ.get("BENCH_KEYS_LOG"):
            print(type(self.app.screen).__name__, getattr(self.app.screen, "index", ""), *keys, self.app.focused,
                  file=sys.stderr)
        for key in keys:
            await self.pilot.press(key)
            await self.pilot.pause()

    async def type(self, text: str) -> None:
        for char in text:
            self.typed += 1
            if self.mode == "keys":
                self.keys += 1
            await self.pilot.press("space" if char == " " else char)
        await self.pilot.pause()

    async def click(self, widget) -> None:
        from textual.containers import ScrollableContainer

        view = next((a for a in widget.ancestors if isinstance(a, ScrollableContainer)), self.app.screen)
        if not view.content_region.contains_region(widget.region) or widget.region.area == 0:
            self.scrolls += 1
            widget.scroll_visible(animate=False, immediate=True)
            await self.pilot.pause()
        self.clicks += 1
        await self.pilot.click(widget)
        await self.pilot.pause()

    def bound(self, key: str) -> str | None:
        """The action bound to a key where the focus is, or None (scrolling the page does not count)."""
        found = self.app.active_bindings.get(key)
        if found is None or not found.enabled or found.binding.action.startswith("scroll_"):
            return None
        return found.binding.action

    # -- moving --------------------------------------------------------------------------------

    async def reach(self, widget) -> None:
        """Moves the focus to a widget: arrows inside its option group when bound, else Tab / Shift+Tab."""
        for _ in range(300):
            for _ in range(5):  # let the focus settle (a person does not press faster than a screen refresh)
                if self.app.focused is widget:
                    return
                await self.pilot.pause(0.01)
            focused = self.app.focused
            if focused is not None and focused.parent is widget.parent:
                siblings = [w for w in widget.parent.children if type(w) is type(widget)]
                if focused in siblings:
                    step = siblings.index(widget) - siblings.index(focused)
                    horizontal = "Horizontal" in type(widget.parent).__name__
                    forward, back = ("right", "left") if horizontal else ("down", "up")
                    key = forward if step > 0 else back
                    if self.bound(key):
                        await self.press(key)
                        continue
            chain = self.app.screen.focus_chain
            ahead = 1
            if widget in chain and focused in chain:  # Tab wraps round: the shorter way
                ahead = (chain.index(widget) - chain.index(focused)) % len(chain)
            await self.press("tab" if ahead <= len(chain) - ahead else "shift+tab")
        raise AssertionError(f"could not reach {widget!r} of {widget.parent.parent!r}; focus is on "
                             f"{self.app.focused!r} of {getattr(self.app.focused, 'parent', None)!r}")

    async def button(self, selector: str) -> None:
        widget = self.app.screen.query_one(selector)
        if self.mode == "clicks":
            await self.click(widget)
        else:
            await self.reach(widget)
            await self.press("enter")

    # -- answering -------------------------------------------------------------------------------

    async def choose(self, tile, last_pick: bool) -> None:
        """Chooses one option: click, or reach it and press Space (Enter when it chooses and moves on)."""
        if self.mode == "clicks":
            await self.click(tile)
            return
        await self.reach(tile)
        await self.press("enter" if last_pick and self.bound("enter") == "pick" else "space")  # (Enter chose before)

    async def answer(self, field, value) -> None:
        from textual.widgets import Input, TextArea

        kind = field.question.type
        if kind in ("text", "date", "long_text"):
            box = field.query_one(TextArea if kind == "long_text" else Input)
            text = value
            if kind == "date" and str(getattr(box, "placeholder", "")).upper().startswith("DD"):
                year, month, day = value.split("-")
                text = f"{day}/{month}/{year}"
            if self.mode == "clicks":
                await self.click(box)
                await self.type(text)
            else:
                await self.reach(box)
                await self.type(text)
                if kind != "long_text":
                    await self.press("enter")  # moves on (and goes Next from the last answer, where offered)
            return
        tiles = list(field.query("ChoiceTile"))
        if self.mode == "keys" and await self.by_shown_keys(field, tiles, value):
            return
        if kind == "yes_no" and self.mode == "keys":
            key = "y" if value else "n"
            if self.app.focused not in tiles:  # into the group, at whichever option takes the Tab
                await self.reach(next((t for t in tiles if t.focusable), tiles[0]))
            if self.bound(key):
                await self.press(key)
                return
        wanted = value if isinstance(value, list) else [value]
        targets = [t for t in tiles if any(t.value == w and type(t.value) is type(w) for w in wanted)
                   and not t.selected]
        for index, tile in enumerate(targets):
            await self.choose(tile, last_pick=index == len(targets) - 1)


    async def by_shown_keys(self, field, tiles, value) -> bool:
        """Answers with the key drawn on each wanted option, where the wizard draws one on every option and does
        not bind Y/N itself (the wizard after brief C); False where it does not."""
        kind = field.question.type
        if kind not in ("yes_no", "choice", "multi_choice") or not all(getattr(t, "key", "") for t in tiles):
            return False
        if kind == "yes_no" and self.bound("y"):
            return False
        wanted = value if isinstance(value, list) else [value]
        targets = [t for t in tiles if any(t.value == w and type(t.value) is type(w) for w in wanted)
                   and not t.selected]
        if targets and self.app.focused not in tiles:  # into the group, at whichever option takes the Tab
            await self.reach(next((t for t in tiles if t.focusable), tiles[0]))
        for tile in targets:
            await self.press(tile.key.lower())
        return True


async def run(mode: str) -> dict:
    """One clean healthy intake from the welcome screen to the hand-back screen."""
    from intake.engine import Engine
    from intake.tui.screens.handback import HandbackScreen
    from intake.tui.screens.information import InformationScreen
    from intake.tui.screens.review import ReviewScreen
    from intake.tui.screens.signature import SignatureScreen
    from intake.tui.screens.step import StepScreen
    from intake.tui.screens.welcome import WelcomeScreen
    from intake.tui.widgets.questions import QuestionField
    from tests.conftest import load_example
    from tests.tui.conftest import build_app
    from tests.tui.driver import wait_for

    engine = Engine.load()
    answers = load_example("suitable")["answers"]
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZE) as pilot:
        client = Client(pilot, mode)
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        await client.button("#begin")
        questionnaire = engine.questionnaire
        for index in range(len(questionnaire.steps)):
            screen = await wait_for(pilot, StepScreen)
            assert screen.index == index, f"expected step {index + 1}, showing {screen.index + 1}"
            for question in questionnaire.visible_in(screen.step, answers):
                if question.id not in answers or answers[question.id] in ([], None):
                    continue
                field = screen.query_one(f"#q-{question.id}", QuestionField)
                if field.value != answers[question.id]:
                    await client.answer(field, answers[question.id])
            await pilot.pause()
            if app.screen is screen:
                await client.button("#next")
        await wait_for(pilot, ReviewScreen)
        await client.button("#confirm")
        info = await wait_for(pilot, InformationScreen)
        if mode == "keys":
            await client.reach(info.query_one("#info-body"))
            await client.press("end")
            await pilot.pause()
        else:
            client.scrolls += 1
            info.query_one("#info-body").scroll_end(animate=False, immediate=True)
            await pilot.pause()
        if mode == "keys" and client.bound("enter") == "read":  # Enter on the text read to its end
            await client.press("enter")
        else:
            await client.button("#continue")
        for _ in range(2):  # the consent, then the photo consent
            signature = await wait_for(pilot, SignatureScreen)
            await pilot.pause()
            if not getattr(signature, "typing", False):  # after a typed consent the photo one opens typed
                await client.button("#switch")
            box = signature.query_one("#typed-name")
            if mode == "clicks":
                await client.click(box)
            else:
                await client.reach(box)
            await client.type(answers["full_name"])
            await client.choose(signature.query_one("#typed-intent"), last_pick=True)
            await client.button("#sign")
            await pilot.pause(0.05)
        await wait_for(pilot, HandbackScreen)
    return {"keys": client.keys, "clicks": client.clicks, "typed": client.typed, "scrolls": client.scrolls}


def measure(tree: Path, mode: str) -> dict | None:
    """Runs the script in its own process on a code tree; None when it could not run there."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--tree", str(tree), "--mode", mode],
                              capture_output=True, text=True, cwd=folder, env=env, timeout=600)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline_tree(folder: Path) -> Path | None:
    """The wizard before issue 11, extracted from git into a folder; None without git history."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_COMMIT], capture_output=True)
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def collect() -> list:
    from harness import Result

    results = []
    with tempfile.TemporaryDirectory() as folder:
        old_tree = baseline_tree(Path(folder))
        for mode in ("keys", "clicks"):
            now = measure(ROOT, mode)
            before = measure(old_tree, mode) if old_tree else None
            if now is None:
                continue
            label = f"before ({BASELINE_COMMIT})" if before else ""
            if mode == "keys":
                rows = [("keyboard, all key presses", now["keys"], before and before["keys"], "report only", None),
                        ("keyboard, keys besides typing", now["keys"] - now["typed"],
                         before and before["keys"] - before["typed"], "<= half of before", 0.5)]
            else:
                rows = [("mouse or touch, clicks", now["clicks"], before and before["clicks"], "report only", None)]
            for name, count, old, budget, share in rows:
                ok = old is not None and count <= old * share if share else True
                note = f"{now['typed']} characters typed (the answers and two typed signatures)"
                if mode == "clicks":
                    note += f"; {now['scrolls']} scrolls to bring a target into view (before: " \
                            f"{before['scrolls'] if before else '?'})"
                results.append(Result(f"healthy intake by {name}", float(count), budget, ok, label,
                                      float(old) if old is not None else None, note, unit="count"))
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", default=str(ROOT))
    parser.add_argument("--mode", choices=("keys", "clicks"), default="keys")
    args = parser.parse_args(argv)
    sys.path.insert(0, args.tree)
    os.chdir(tempfile.mkdtemp())
    print(json.dumps(asyncio.run(run(args.mode))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
