"""Provides the rendering screen (documents made in a worker thread, UI live) and the done screen."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Middle, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, LoadingIndicator, ProgressBar, Static

from intake.tui.problems import explain
from intake.tui.screens.base import WizardScreen, header
from intake.tui.session import IntakeSession


def shown_folder(paths: list[Path], default: Path) -> Path:
    """The documents' folder as staff should read it: relative to where intake runs, when inside it."""
    folder = (paths[0].parent if paths else default).resolve()
    try:
        return folder.relative_to(Path.cwd())
    except ValueError:
        return folder


class RenderingScreen(WizardScreen[list[Path] | str]):
    """Renders and seals the documents off the UI thread. Dismisses with the written paths, or 'back'.

    Args:
        rendering: a render already under way (`session.render` in a worker thread, started before
            this screen so that the documents do not wait for it to appear); None starts one.
    """

    IDLE = "ignore"

    def __init__(self, session: IntakeSession, clinic: str, rendering: asyncio.Future | None = None) -> None:
        super().__init__(classes="staff")
        self.session = session
        self.clinic = clinic
        self.rendering = rendering

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Documents")
        with Middle(), Center(), Vertical(id="render-box"):
            yield Static("Creating and sealing the documents…", classes="screen-title centered", id="render-title")
            yield LoadingIndicator(id="render-spinner")
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="render-progress")
            yield Static("", id="render-error", classes="centered")
            with Horizontal(id="render-buttons"):
                yield Button("Back to the review", id="back")
                yield Button("Try again", id="retry", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#render-buttons").display = False
        if self.rendering is None:
            self.render_documents()
        else:
            self.run_worker(self._rendering_started(self.rendering), exclusive=True, group="render",
                            exit_on_error=False)

    async def _rendering_started(self, rendering: asyncio.Future) -> None:
        try:
            packet = await rendering
        except Exception as exc:  # noqa: BLE001 - shown to staff with a retry; never a traceback
            self._failed(explain(exc))
            return
        self._rendered(packet)

    @work(thread=True, exclusive=True, group="render", exit_on_error=False)
    def render_documents(self) -> None:
        """Renders in a worker thread; storing and writing happen back on the UI thread."""
        try:
            packet = self.session.render()
        except Exception as exc:  # noqa: BLE001 - shown to staff with a retry; never a traceback
            message = explain(exc)
            self.app.call_from_thread(self._failed, message)
            return
        self.app.call_from_thread(self._rendered, packet)

    def _rendered(self, packet: Any) -> None:
        try:
            paths = self.session.lifecycle.keep_documents(self.session.current, packet, self.session.staff())
        except Exception as exc:  # noqa: BLE001 - shown to staff with a retry
            self._failed(explain(exc))
            return
        self.dismiss(paths)

    def _failed(self, message: str) -> None:
        self.query_one("#render-title", Static).update("The documents could not be created")
        self.query_one("#render-error", Static).update(Content(message))
        self.query_one("#render-spinner").display = False
        self.query_one("#render-progress").display = False
        self.query_one("#render-buttons").display = True
        self.query_one("#retry", Button).focus()

    @on(Button.Pressed, "#retry")
    def _retry(self) -> None:
        self.query_one("#render-title", Static).update("Creating and sealing the documents…")
        self.query_one("#render-error", Static).update("")
        self.query_one("#render-spinner").display = True
        self.query_one("#render-progress").display = True
        self.query_one("#render-buttons").display = False
        self.render_documents()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss("back")


class DoneScreen(WizardScreen[str]):
    """Says where the documents are, offers to print them, and finishes. Dismisses 'finish'."""

    def __init__(self, session: IntakeSession, clinic: str, paths: list[Path]) -> None:
        super().__init__(classes="staff")
        self.session = session
        self.clinic = clinic
        self.paths = paths

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="Documents")
        with VerticalScroll(id="done-body", can_focus=False):
            yield Static("The documents are ready", classes="screen-title")
            folder = shown_folder(self.paths, self.session.lifecycle.out_dir)
            yield Static(Content.assemble("Saved in ", (str(folder), "bold"),
                                          ":"))
            for path in self.paths:
                yield Static(Content(f"• {path.name}"), classes="done-file")
            yield Static("", id="print-status")
        with Horizontal(classes="navbar"):
            if self.session.print_command:
                yield Button("Print", id="print")
            yield Button("Finish: ready for the next client", id="finish", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#finish", Button).focus()

    @on(Button.Pressed, "#print")
    def _print(self, event: Button.Pressed) -> None:
        event.button.disabled = True
        self.query_one("#print-status", Static).update("Printing…")
        self.print_documents()

    @work(thread=True, exclusive=True, group="print", exit_on_error=False)
    def print_documents(self) -> None:
        """Runs the print command off the UI thread."""
        try:
            message = self.session.print_documents(self.paths)
        except Exception as exc:  # noqa: BLE001 - reported on screen
            message = explain(exc)
        self.app.call_from_thread(self._printed, message)

    def _printed(self, message: str) -> None:
        self.query_one("#print-status", Static).update(Content(message))
        self.query_one("#print", Button).disabled = False

    @on(Button.Pressed, "#finish")
    def _finish(self) -> None:
        self.dismiss("finish")
