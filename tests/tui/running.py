"""One wizard app kept running (Pilot) across the examples of a hypothesis test, and clients started mid-intake.

Hypothesis runs each example as a plain call, so the app runs on an event loop in a thread of its own and
each example hands it coroutines (`RunningApp.call`); starting the app once keeps a few dozen examples fast.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from contextlib import suppress
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from intake.tui.app import IntakeApp
from intake.tui.flow import Flow
from intake.tui.screens.review import ReviewScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.state import Resumption
from tests.tui.driver import wait_for


class RunningApp:
    """An app under Pilot on a thread's event loop; jobs run one at a time inside the task that runs the app
    (Textual keeps the running app in a context variable of that task).

    Args:
        app: the app to run.
        size: the terminal size.
    """

    def __init__(self, app: IntakeApp, size: tuple[int, int]) -> None:
        self.app = app
        self.size = size
        self.loop = asyncio.new_event_loop()
        self.jobs: asyncio.Queue[tuple[Callable[[Pilot], Awaitable[Any]] | None, Future[Any]]] | None = None
        started: Future[None] = Future()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._serve(started),),
                                       name="pilot", daemon=True)
        self.thread.start()
        started.result(60)

    async def _serve(self, started: Future[None]) -> None:
        self.jobs = asyncio.Queue()
        async with self.app.run_test(size=self.size) as pilot:
            await self.app.wait_ready()
            started.set_result(None)
            while True:
                job, done = await self.jobs.get()
                if job is None:
                    done.set_result(None)
                    return
                try:
                    done.set_result(await job(pilot))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller, in its thread
                    done.set_exception(exc)

    def call(self, job: Callable[[Pilot], Awaitable[Any]], timeout: float = 120) -> Any:
        """Runs `job(pilot)` on the app's loop and returns its result (or raises what it raised)."""
        done: Future[Any] = Future()
        assert self.jobs is not None
        self.loop.call_soon_threadsafe(self.jobs.put_nowait, (job, done))
        return done.result(timeout)

    def close(self) -> None:
        """Ends the app and its loop."""
        done: Future[Any] = Future()
        if self.jobs is not None:
            self.loop.call_soon_threadsafe(self.jobs.put_nowait, (None, done))
            done.result(60)
        self.thread.join(10)


async def _finished(app: IntakeApp, group: str) -> None:
    """Waits until the app's workers of a group have ended."""
    for worker in [w for w in app.workers if w.group == group and not w.is_finished]:
        with suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()


async def _forget_the_last_client(pilot: Pilot) -> None:
    """Whoever was on screen before is forgotten (their draft kept), and the welcome's flow has ended."""
    app = pilot.app
    await _finished(app, "reset")  # a reset still under way (the last client's) would forget this one
    await app.reset_to_welcome(privacy=False)
    await wait_for(pilot, WelcomeScreen)
    # The welcome's flow forgets the client as it ends: it must have ended before this client begins, or it
    # forgets them (a loaded run once began the client first, and the flow then found no intake open).
    for worker in app.workers.cancel_group(app, "flow"):
        with suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()
    await _finished(app, "reset")


def _begin_with_steps_saved(app: IntakeApp, answers: Mapping[str, Any], count: int,
                            languages: tuple[str | None, str | None] = (None, None)) -> None:
    """Begins a client (in the screen and documents languages chosen on the welcome screen, if any) and saves their
    answers to the first `count` steps through the session, as the wizard saves a step when Next is pressed (each
    step's own answers, and the step that follows it)."""
    session = app.session
    session.begin(None, *languages)
    steps = session.steps
    for number, step in enumerate(steps[:count]):
        own = {q.id: answers[q.id] for q in step.questions if q.id in answers}
        session.save_step(step, own, steps[number + 1].id if number + 1 < len(steps) else None)
        # The wizard stops kindly here; a seeded client would skip that, so such a client must be walked.
        assert session.kind_stop() is None, f"these answers stop kindly at {step.id}: walk them through the steps"


async def _then_welcome(app: IntakeApp, where: Resumption) -> None:
    """The flow from `where` on, then the welcome's loop again, as after staff resume an intake from their menu."""
    flow = Flow(app)
    if await flow.one_client(flow.client(where)):
        await flow.run()


async def client_at(pilot: Pilot, answers: Mapping[str, Any], step_id: str) -> StepScreen:
    """A new client whose answers to the steps before `step_id` are saved, on that step's screen (the flow runs
    from there as after a resume); whoever was on screen before is forgotten first, their draft kept."""
    app = pilot.app
    await _forget_the_last_client(pilot)
    index = app.session.lifecycle.step_index(step_id)
    _begin_with_steps_saved(app, answers, index)
    app.run_worker(Flow(app).client(Resumption("steps", index)), group="flow", exclusive=True, exit_on_error=False)
    for _ in range(400):
        screen = app.screen
        if isinstance(screen, StepScreen) and screen.step.id == step_id and screen.is_mounted:
            await pilot.pause()
            return screen
        await pilot.pause(0.01)
    raise AssertionError(f"step {step_id} did not show; showing {type(app.screen).__name__}")


async def client_at_review(pilot: Pilot, answers: Mapping[str, Any]) -> ReviewScreen:
    """A new client with every step answered and saved through the session, on the review (the flow runs from
    there as after staff resume a draft, and back to welcome after): for tests of what follows the steps, where
    walking them is another test's subject (tests/tui/test_flow.py walks them)."""
    app = pilot.app
    await app.wait_ready()
    chosen = app.chosen_language, app.chosen_documents_language  # on the welcome screen, before Begin
    await _forget_the_last_client(pilot)
    app.chosen_language, app.chosen_documents_language = chosen  # as when Begin is pressed after choosing
    _begin_with_steps_saved(app, answers, len(app.session.steps), chosen)
    app.run_worker(_then_welcome(app, Resumption("review")), group="flow", exclusive=True, exit_on_error=False,
                   name="flow")
    return await wait_for(pilot, ReviewScreen)
