"""Provides IntakeApp: the Textual app, its kiosk lock-down, the idle timeout and the flow worker."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, cast

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from intake.errors import IntakeError
from intake.i18n import N_
from intake.tui.clock import Clock, SystemClock
from intake.tui.device import KEYBOARD, Device, words_of
from intake.tui.flow import LATER_SCREENS, Flow
from intake.tui.problems import explain
from intake.tui.screens.base import WizardScreen
from intake.tui.screens.step_screens import StepScreens
from intake.tui.screens.welcome import WelcomeScreen

if TYPE_CHECKING:  # the engine and the store load in a thread after the first screen shows
    from intake.engine import Engine
    from intake.tui.pin import StaffGuard
    from intake.tui.screens.handback import PinScreen
    from intake.tui.screens.staff import StaffMenuScreen
    from intake.tui.session import IntakeSession

#: A staff screen kept for the app's life (see IntakeApp.kept_screen).
KeptScreen = TypeVar("KeptScreen", bound=Screen[Any])

#: Keys that could leave, suspend, copy, or reveal anything; swallowed in kiosk mode.
KIOSK_KEYS = "ctrl+c,ctrl+z,ctrl+s,ctrl+p,ctrl+x,ctrl+v,ctrl+y,super+c,super+v,super+x"
#: Seconds at most that a screen left for the next one holds the painting (see IntakeApp.hold_paint).
HOLD_SECONDS = 0.25
_ACTIVITY = (events.Key, events.MouseDown, events.MouseUp, events.MouseMove, events.MouseScrollDown,
             events.MouseScrollUp, events.Paste)


class IntakeApp(App[int]):
    """The intake wizard.

    Args:
        load_engine: loads the engine (runs in a worker thread after the first screen is shown).
        open_session: opens the session for a loaded engine (runs on the UI thread).
        clinic: the clinic's name for the first screen, before loading finishes.
        kiosk: lock the app down for a client-facing tablet.
        idle_timeout: seconds without input before the privacy screen (default: the configuration).
        clock: the clock (frozen in tests and snapshots).
        cursor_blink: False keeps text cursors still (snapshots).
        device: the device the client uses, for the words on screen (a terminal's keys unless told).
    """

    CSS_PATH = "intake.tcss"
    TITLE = "Intake"
    #: The device the wizard is used on unless told: a terminal's keyboard (a tablet's browser: WebIntakeApp).
    DEVICE: ClassVar[Device] = KEYBOARD
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(KIOSK_KEYS, "kiosk_block", show=False, priority=True, system=True),
        # Focus moves at once, before the keys typed right after Tab reach the old field.
        Binding("tab", "app.focus_next", show=False, priority=True, system=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True, system=True),
    ]

    def __init__(self, load_engine: Callable[[], Engine], open_session: Callable[[Engine], IntakeSession], *,
                 clinic: str = "", kiosk: bool = False, idle_timeout: float | None = None,
                 clock: Clock | None = None, cursor_blink: bool = True, device: Device | None = None) -> None:
        freeze_start_up()
        super().__init__()
        self.device = device or self.DEVICE
        self._load_engine = load_engine
        self._open_session = open_session
        self.clinic = clinic
        self.kiosk = kiosk
        self.clock = clock or SystemClock()
        self.cursor_blink = cursor_blink
        self.session: IntakeSession | None = None
        self.texts: Mapping[str, Any] | None = None
        #: the language the client chose on the welcome screen, until their intake begins (None: not chosen)
        self.chosen_language: str | None = None
        #: the language the client chose on the welcome screen for their documents alone ([clinic] documents_only)
        self.chosen_documents_language: str | None = None
        self._texts_by_language: dict[str, Mapping[str, Any]] = {}
        self.pin_guard: StaffGuard | None = None
        #: the staff screens built once and shown again, by installed name (see kept_screen)
        self._kept_screens: dict[str, Screen[Any]] = {}
        self._idle_override = idle_timeout
        self.idle_timeout = float(idle_timeout or 180)
        self._last_activity = time.monotonic()
        self._ready_event = asyncio.Event()
        self.step_screens = StepScreens(self, then=self.build_staff_screens_ahead)
        #: the painting held while the flow goes from one screen to the next (see hold_paint)
        self._paint_held: tuple[AbstractContextManager[None], Timer] | None = None
        if kiosk:
            # Textual declares ALLOW_SELECT a ClassVar but reads it from the app instance (self.app.ALLOW_SELECT);
            # a kiosk turns selection off for this app only, not for every IntakeApp.
            self.ALLOW_SELECT = False  # type: ignore[misc]

    def pin_screen(self, title: str, *, cancel_label: str = "", idle: str = "dismiss",
                   language: str = "en") -> PinScreen:
        """The staff PIN screen in `language`, asking for `title` (catalogue messages): the one kept for this app and
        language, shown again, unless that one is on the screen stack already (then a new one, not kept).

        Raises:
            IntakeError: the staff PIN check is not loaded yet.
        """
        from intake.tui.screens.handback import CANCEL, PinScreen

        guard, cancel = self.staff_guard(), cancel_label or CANCEL
        screen = self.kept_screen(f"staff-pin-{language}",
                                  lambda: PinScreen(guard, self.clinic, title, cancel, idle, language))
        return screen.ask(guard, title, cancel, idle)

    def client_staff_menu(self) -> StaffMenuScreen:
        """The staff menu over a client's intake (return to it, or stop and keep the draft): one kept for this app and
        shown again, built and styled once. It holds nothing of any client: only the clinic's name and two choices."""
        from intake.tui.screens.staff import StaffMenuScreen

        session = self.session
        if session is None:
            raise IntakeError("The staff menu needs the clinic's configuration: wait for the start screen.")
        engine = session.engine
        return self.kept_screen("staff-menu-in-progress", lambda: StaffMenuScreen(
            self.clinic, [], engine.questionnaire, session.staff_language, engine.config.timezone, in_progress=True))

    def kept_screen(self, name: str, make: Callable[[], KeptScreen]) -> KeptScreen:
        """The screen installed under `name`, built by `make` the first time and shown again after; a new one, not
        kept, while the kept one is on the screen stack already (e.g. a PIN lock over a PIN screen)."""
        kept = self._kept_screens.get(name)
        if kept is not None and kept not in self.screen_stack:
            return cast(KeptScreen, kept)
        screen = make()
        if kept is None:
            self._kept_screens[name] = screen
            self.install_screen(screen, name)
        return screen

    def build_staff_screens_ahead(self) -> None:
        """Builds the staff PIN screen (in the client's language) and the staff menu over an intake off-screen, once
        the client is at a step and the next one is built: the first Staff tap, and the hand-back, then only show
        them. Built at that tap instead, they were the slowest screen change of a tablet session (composed, styled
        and laid out while the staff waited; with ten tablets tapping at once, 0.25-0.8 s)."""
        from intake.tui.screens.handback import STAFF_ONLY
        from intake.tui.screens.step_screens import mount_off_screen

        if self.pin_guard is None or self.session is None or not self.is_running:
            return  # (not while the app closes: a timer may still fire then)
        with contextlib.suppress(IntakeError):
            for screen in (self.pin_screen(STAFF_ONLY, language=self.client_language), self.client_staff_menu()):
                if screen in self._kept_screens.values():  # (a new one is made only while the kept one is in use)
                    mount_off_screen(self, screen)

    def staff_guard(self) -> StaffGuard:
        """The staff PIN check; IntakeError (shown as a message) before the configuration is loaded."""
        if self.pin_guard is None:
            raise IntakeError("The staff PIN check is not loaded yet: wait for the start screen.")
        return self.pin_guard

    @property
    def client_language(self) -> str:
        """The language of the client's screens: their intake's (see Lifecycle.language), else the one chosen on the
        welcome screen, else the clinic's ("en" before the configuration is loaded)."""
        session = self.session
        if session is not None and session.state.intake is not None:
            return session.language
        if self.chosen_language is not None:
            return self.chosen_language
        return session.engine.language if session is not None else "en"

    def wizard_text(self, name: str) -> Any:
        """One of the wizard's loaded texts (e.g. 'review') in the client's language; IntakeError before they are
        loaded."""
        return self.texts_in(self.client_language)[name]

    def texts_in(self, language: str) -> Mapping[str, Any]:
        """The wizard's texts (templates/consent_info.json) in a language; IntakeError before they are loaded."""
        if self.texts is None or self.session is None:
            raise IntakeError("The wizard's texts are not loaded yet: wait for the start screen.")
        engine = self.session.engine
        if language == engine.language:
            return self.texts
        if language not in self._texts_by_language:
            from intake.consent_info import load_texts

            self._texts_by_language[language] = load_texts(engine.config.templates_dir,
                                                           engine.questionnaire.languages, language)
        return self._texts_by_language[language]

    # -- start-up -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.app_resume_signal.subscribe(self, self._resumed)
        self.start_flow()
        self.call_after_refresh(self._load)

    @work(group="load", exit_on_error=False)
    async def _load(self) -> None:
        """Loads the engine and texts off the UI thread, then opens the session on it."""
        from intake.tui.pin import make_guard

        try:
            engine, texts = await asyncio.to_thread(self._load_in_thread)
            session = self._open_session(engine)
            kiosk = engine.config.section("kiosk")
            guard = make_guard(engine.config, session.store)
        except Exception as exc:  # noqa: BLE001 - reported after the app closes, never as a traceback
            self.exit(return_code=1, message=f"intake: {explain(exc)}")
            return
        self.session, self.texts = session, texts
        self.clinic = engine.config.clinic["name"]
        self.pin_guard = guard
        self.idle_timeout = float(self._idle_override or kiosk.get("idle_timeout_seconds", 180))
        self.set_interval(0.25, self._check_idle, name="idle")
        self._ready_event.set()
        if isinstance(self.screen, WelcomeScreen):
            self.screen.clinic = self.clinic
            self.screen.set_ready(texts)
        self.run_worker(session.prepare_documents, thread=True, group="warm-up", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "warm-up" and worker.is_finished:
            settle_memory(freeze=True)
            if event.state == WorkerState.ERROR and worker.error is not None:  # e.g. no document seal yet
                self.notify(explain(worker.error), title="Documents cannot be made yet", severity="warning",
                            markup=False, timeout=60)
        elif worker.group == "flow" and event.state == WorkerState.ERROR and worker.error is not None:
            self.notify(explain(worker.error), title=words_of(self)(N_("Sorry, something went wrong")),
                        severity="error", markup=False, timeout=20)
            self.run_worker(self.reset_to_welcome(privacy=False), group="reset", exclusive=True)

    def _load_in_thread(self) -> tuple[Engine, Mapping[str, Any]]:
        from intake.consent_info import load_texts

        for name in LATER_SCREENS:
            importlib.import_module(name)
        engine = self._load_engine()
        engine.validator  # noqa: B018 - builds the validator now rather than on the first keystroke
        texts = load_texts(engine.config.templates_dir, engine.questionnaire.languages, engine.language)
        return engine, texts

    async def wait_ready(self) -> None:
        """Waits until loading has finished."""
        await self._ready_event.wait()

    def start_flow(self, first: str | None = None, language: str | None = None) -> None:
        """Starts (or restarts) the flow worker; `language` is the one the privacy screen is in, if it is `first`."""
        self.run_worker(Flow(self).run(first, language), group="flow", exclusive=True, exit_on_error=False,
                        name="flow")

    # -- kiosk lock-down ----------------------------------------------------------------------------

    def refresh(self, *, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        """Textual asks the app to lay out and repaint the screen shown whenever a screen is mounted or removed (a
        staff menu dismissed while the step screen comes back, a step screen built ahead): screens take no room in
        one another, so the screen shown is left as it is (a kept step screen coming back was laid out and painted
        whole a second time). A screen's own changes still lay it out; after a suspension it is redrawn whole
        (`_resumed`)."""
        if layout and not recompose:
            self.check_idle()
            return self
        return super().refresh(repaint=repaint, layout=layout, recompose=recompose)

    def hold_paint(self) -> None:
        """Paints nothing until the next wizard screen is shown (`release_paint`), or for HOLD_SECONDS at most. A step
        left for the next one uncovers the empty screen under them while the flow saves the step, and Textual
        painted that blank screen whenever its turn came first (a blank frame between two steps)."""
        if self._paint_held is not None:
            return
        held = self.batch_update()
        held.__enter__()
        self._paint_held = held, self.set_timer(HOLD_SECONDS, lambda: self.release_paint(shown=False))

    def release_paint(self, shown: bool = True) -> None:
        """Paints again (a wizard screen is being shown; `shown` False: none came in time, the screen on top is
        painted as it is)."""
        if self._paint_held is None:
            return
        (held, timer), self._paint_held = self._paint_held, None
        timer.stop()
        held.__exit__(None, None, None)
        if not shown and self.screen_stack:
            self.screen.refresh()

    @property
    def _background_screens(self) -> list[Screen[Any]]:
        """The screens seen through the one shown: none when it is opaque (as every wizard screen is but a modal
        question). Textual counts the screen under the one shown as seen through it whatever it looks like, so a
        change under an opaque screen (the empty screen under the steps, refreshed as one step gives way to the
        next) repainted the screen shown whole, its own background included."""
        stack = self._screen_stack
        if stack and stack[-1].styles.background.a == 1:
            return []
        return list(super()._background_screens)

    def _resumed(self, app: object) -> None:
        """Back from a suspension (Ctrl+Z in a terminal): the terminal may show anything, so the screen is laid out
        and drawn whole."""
        if self.screen_stack:
            self.screen.refresh(layout=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "kiosk_block":
            return self.kiosk  # outside kiosk mode the key goes on to its normal use
        return super().check_action(action, parameters)

    def action_kiosk_block(self) -> None:
        """Does nothing: the key is swallowed."""

    async def action_quit(self) -> None:
        if self.kiosk:
            return  # only the staff menu (behind the PIN) closes the kiosk
        self._save_draft()
        self.exit(0)

    def copy_to_clipboard(self, text: str) -> None:
        if not self.kiosk:
            super().copy_to_clipboard(text)

    def deliver_screenshot(self, *args: Any, **kwargs: Any) -> None:
        if not self.kiosk:
            super().deliver_screenshot(*args, **kwargs)

    def save_screenshot(self, *args: Any, **kwargs: Any) -> str:
        if self.kiosk:
            return ""
        return super().save_screenshot(*args, **kwargs)

    # -- idle timeout and privacy -------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _ACTIVITY):
            self._last_activity = time.monotonic()
        await super().on_event(event)

    def action_focus_next(self) -> None:
        """Tab: on to the next answer or button; a question it reaches shows from its top (see StepScreen)."""
        super().action_focus_next()
        self._keyboard_moved()

    def action_focus_previous(self) -> None:
        """Shift+Tab: back to the previous answer or button, shown as Tab shows it."""
        super().action_focus_previous()
        self._keyboard_moved()

    def _keyboard_moved(self) -> None:
        moved = getattr(self.screen, "keyboard_moved", None)
        if callable(moved):
            moved()

    def _check_idle(self) -> None:
        if time.monotonic() - self._last_activity < self.idle_timeout or not self.screen_stack:
            return  # not idle long enough, or the app is starting or closing and shows no screen
        screen = self.screen
        policy = screen.IDLE if isinstance(screen, WizardScreen) else "ignore"
        if policy == "ignore":
            return
        self._last_activity = time.monotonic()
        if policy == "dismiss":
            screen.dismiss(False)
        elif policy == "lock":
            self.push_screen(self.pin_screen("Locked: enter the staff PIN to carry on",
                                             cancel_label="Close this intake", idle="ignore"), self._unlocked)
        else:
            self.run_worker(self.reset_to_welcome(privacy=True), group="reset", exclusive=True)

    def _unlocked(self, unlocked: Any) -> None:
        if unlocked and self.session is not None:  # whoever unlocks now acts from here on
            self.session.unlocked_by(unlocked if not isinstance(unlocked, bool) else None)
        if not unlocked:
            self.run_worker(self.reset_to_welcome(privacy=False), group="reset", exclusive=True)

    def _save_draft(self) -> None:
        """Saves what the client typed on the current step, if anything."""
        screen = self.screen
        draft = screen.draft() if isinstance(screen, WizardScreen) else None
        if self.session is not None and draft is not None:
            try:
                self.session.save_interrupted(*draft)
            except Exception as exc:  # noqa: BLE001 - the draft of the last finished step is still saved
                self.notify(explain(exc), severity="error", markup=False)

    async def reset_to_welcome(self, privacy: bool) -> None:
        """Keeps the draft, clears every screen and all client state, and starts again at welcome."""
        self._save_draft()
        language = self.client_language  # the privacy screen speaks to the client who walked away
        self.workers.cancel_group(self, "flow")
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self.forget_client()
        self.start_flow("privacy" if privacy else None, language)

    def forget_client(self) -> None:
        """Drops everything about the current client from memory and the screen."""
        self.chosen_language = None  # the next client chooses again
        self.chosen_documents_language = None
        if self.session is not None:
            self.session.reset()
            self.session.unlocked_by(None)  # the next client's staff unlock again
        self.step_screens.clear()
        self.clear_notifications()
        self._clipboard = ""
        # Between clients nobody is waiting for the screen: the moment for a full collection.
        self.set_timer(0.5, settle_memory)


def freeze_start_up() -> None:
    """Moves everything alive when the first app of this process is made (the modules imported: Textual, the
    wizard's screens) out of the collector's sight, so no full collection walks them before the welcome screen is
    painted (one took some 20-25 ms at start-up, about a tenth of a bare Textual app's first screen). Later apps in
    the same process (tests, a restarted wizard) freeze nothing more here; `settle_memory` does once loaded."""
    if not gc.get_freeze_count():
        gc.freeze()


def settle_memory(freeze: bool = False) -> None:
    """Runs a full garbage collection at a quiet moment, so none interrupts a client later.

    Args:
        freeze: also move everything alive now (engine, schemas, renderer, Textual itself) out of
            the collector's sight for good; done once, when loading has finished. The thresholds
            then make full collections rare; they happen here, between clients, instead.
    """
    gc.collect()
    if freeze:
        gc.freeze()
        gc.set_threshold(5_000, 20, 100)
