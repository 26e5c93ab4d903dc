"""Provides StepScreens: the current client's step screens, kept between visits and built one step ahead.

Building a step screen (its questions, tiles and text boxes, each styled) is most of the time a step
change takes. So, for the client being served, a step screen is kept once built: going Back or Next
to a step shows the same screen again, when it still shows exactly the step's saved answers (as a
new screen would; otherwise a new one is built). And while the client reads a step, the next step's
screen is built in the background, so the first Next to it only shows it. Everything is dropped when
the client changes (`clear`), so nothing of one client's answers stays in memory for the next.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.screen import Screen
from textual.timer import Timer

if TYPE_CHECKING:  # the step screens load after the first screen shows (see intake.tui.flow.LATER_SCREENS)
    from intake.lifecycle import Intake
    from intake.tui.screens.step import StepScreen
    from intake.tui.session import IntakeSession

#: Seconds after a step screen was painted before the next one is built (key presses come first).
AHEAD_SECONDS = 0.05
#: Layouts at most while a screen built off-screen settles (widgets resized by one layout ask for another).
LAYOUT_ROUNDS = 4

#: Screens that mount_off_screen finished: laid out, settled and drawn (dropped with the screen).
_DRAWN_OFF_SCREEN: weakref.WeakSet[Screen] = weakref.WeakSet()


def drawn_off_screen(screen: Screen) -> bool:
    """Whether `screen`, started by mount_off_screen, was laid out and drawn before it was shown (so showing it
    is only a repaint); False while it is still being built, or when it was shown first."""
    return screen in _DRAWN_OFF_SCREEN


class StepScreens:
    """The step screens of the client being served (not those opened from the review to edit one step).

    Args:
        app: the app the screens are shown in.
        then: called shortly after each step screen built ahead, for more to build in the same quiet moment.
    """

    def __init__(self, app: App, then: Callable[[], None] | None = None) -> None:
        self.app = app
        #: called once a next step has been built ahead (the app builds its staff screens ahead then)
        self.then = then
        self._kept: dict[int, StepScreen] = {}
        #: screens dropped while still on the screen stack (a reset in progress): removed at the next clear
        self._leaving: list[StepScreen] = []
        self._intake: Intake | None = None
        self._ahead: Timer | None = None
        self._names = 0

    def screen(self, session: IntakeSession, index: int, clinic: str) -> StepScreen:
        """The screen of step `index` for the client being served: the kept one when it still shows the step's
        saved answers, else a new one (kept from now on). The next step is built once it has been shown."""
        from intake.tui.screens.step import StepScreen

        self._same_client(session)
        kept = self._kept.get(index)
        if kept is None or not kept.shows_saved_answers():
            self._drop(index)
            kept = self._keep(index, StepScreen(session, index, clinic))
        kept.after_shown = lambda: self._build_ahead(session, index + 1, clinic)
        return kept

    def kept(self) -> dict[int, StepScreen]:
        """The screens kept (or being built) for the client being served, by step index."""
        return dict(self._kept)

    def clear(self) -> None:
        """Drops every kept screen (the client changed or is forgotten)."""
        if self._ahead is not None:
            self._ahead.stop()
            self._ahead = None
        for index in list(self._kept):
            self._drop(index)
        for screen in list(self._leaving):
            self._leaving.remove(screen)
            self._remove(screen)
        self._intake = None

    def _same_client(self, session: IntakeSession) -> None:
        if session.state.intake is not self._intake:
            self.clear()
            self._intake = session.state.intake

    def _keep(self, index: int, screen: StepScreen) -> StepScreen:
        self._names += 1
        self.app.install_screen(screen, f"intake-step-{self._names}")
        self._kept[index] = screen
        return screen

    def _drop(self, index: int) -> None:
        screen = self._kept.pop(index, None)
        if screen is not None:
            self._remove(screen)

    def _remove(self, screen: StepScreen) -> None:
        if screen in self.app.screen_stack:
            self._leaving.append(screen)
            return
        self.app.uninstall_screen(screen)
        if screen.is_attached:
            screen.remove()

    def _build_ahead(self, session: IntakeSession, index: int, clinic: str) -> None:
        """Builds the screen of step `index` off-screen, shortly after the current step was painted."""
        if self._ahead is not None:
            self._ahead.stop()

        def build() -> None:
            from intake.tui.screens.step import StepScreen

            self._ahead = None
            if not self.app.is_running:  # closing: a timer may still fire then
                return
            if session.state.intake is not self._intake or index >= len(session.steps) or index in self._kept:
                return
            screen = self._keep(index, StepScreen(session, index, clinic))
            mount_off_screen(self.app, screen)
            if self.then is not None:
                self._ahead = self.app.set_timer(AHEAD_SECONDS, self._then)

        self._ahead = self.app.set_timer(AHEAD_SECONDS, build)

    def _then(self) -> None:
        self._ahead = None
        if self.then is not None:
            self.then()


def mount_off_screen(app: App, screen: Screen) -> None:
    """Starts a screen without showing it: composed, mounted, styled and laid out for the app's size.

    Textual has no public call for this. Pushing a screen that is not running first registers it
    with the app (`App._get_screen`), which composes and mounts it; a screen under the current one
    is laid out again when the terminal is resized (`Screen._refresh_layout`). This does the same
    before the screen is pushed, so that showing it later is only a repaint. The styles are brought
    up to date once after the first layout, as showing a screen does (scroll bars made by the layout
    then lose their starting style, which would otherwise cost a second layout when shown). With a
    Textual release that lacks either call, the screen is built (or laid out) when shown instead.
    """
    register = getattr(app, "_register", None)
    if register is None or screen.is_running:
        return
    register(app, screen)
    layout = getattr(screen, "_refresh_layout", None)
    if layout is None or not hasattr(screen, "_layout_required"):
        return

    def lay_out() -> None:
        if not screen.is_attached or screen.is_current:
            return  # shown already: Textual lays it out as any screen
        layout(app.size)  # makes the scroll bars, which the style update then restyles
        screen.update_node_styles(animate=False)
        layout(app.size)
        screen._layout_required = False  # what the update timer of a screen being shown does after a layout
        screen.call_after_refresh(settle, LAYOUT_ROUNDS)

    def settle(rounds: int) -> None:
        """Lays out again while widgets resized by the last layout ask for one, then draws the screen once."""
        if not screen.is_attached or screen.is_current:
            return
        if screen._layout_required and rounds > 0:
            layout(app.size)
            screen._layout_required = False
            screen.call_after_refresh(settle, rounds - 1)
            return
        draw = getattr(getattr(screen, "_compositor", None), "render_update", None)
        if draw is not None:
            draw(full=True)  # each widget keeps the lines it drew, so the first paint when shown reuses them
        _DRAWN_OFF_SCREEN.add(screen)

    screen.call_after_refresh(lay_out)
