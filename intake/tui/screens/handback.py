"""Provides the hand-back screen and the staff PIN screen that unlocks staff steps."""

from __future__ import annotations

import asyncio
import math

from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Center, Middle, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Static

from intake.errors import IntakeError
from intake.i18n import N_, intake_words
from intake.lifecycle.auth import Authenticated
from intake.tui.device import words_of
from intake.tui.pin import StaffGuard
from intake.tui.screens.base import STAFF, STAFF_CONTINUE, MessageScreen, WizardScreen, header
from intake.tui.widgets.pinpad import PinPad


class HandbackScreen(MessageScreen[str]):
    """Asks the client to hand back (in the device's words); shows nothing about them. Dismisses 'staff'."""

    HAND_BACK = True

    def compose_below(self) -> ComposeResult:
        with Center():
            yield Button(words_of(self.app)(STAFF_CONTINUE), id="staff", variant="primary")

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self.dismiss("staff")


#: The PIN screen's own words.
STAFF_ONLY, CANCEL, ENTER_PIN = N_("Staff only"), N_("Cancel"), N_("Enter the staff PIN.")


class PinScreen(WizardScreen[Authenticated | None]):
    """Asks for a staff PIN. Dismisses the Authenticated person who unlocked (truthy), or None when cancelled.

    One is kept per app and language and shown again (`IntakeApp.pin_screen`, `ask`): building the screen and its
    pad anew cost most of a tablet's screen change. Whatever was typed and any message about it are cleared
    each time it is shown and when it is dismissed, so no PIN stays readable on the screen or in its widgets.

    Args:
        guard: the app's PIN guard (intake.tui.pin.StaffGuard: each person's own PIN, or the shared PIN;
            tries kept in the store).
        clinic: the clinic's name.
        title: what the PIN unlocks (a catalogue message, shown in `language`).
        cancel_label: the label of the way out (e.g. 'Cancel', 'Close this intake').
        language: the language of its words: the client's when it opens over a client's screen (the client may
            have tapped Staff by mistake and needs the way back), else the staff's.
    """

    IDLE = "dismiss"

    def __init__(self, guard: StaffGuard, clinic: str, title: str = STAFF_ONLY,
                 cancel_label: str = CANCEL, idle: str = "dismiss", language: str = "en") -> None:
        super().__init__(classes="staff")
        self.clinic = clinic
        self.language = language
        self._ = intake_words(language).gettext
        self.guard = guard
        self.title_text = self._(title)
        self.cancel_label = self._(cancel_label)
        self.IDLE = idle
        self._shown_status = self._(ENTER_PIN)
        self._pause: Timer | None = None
        #: counts the times the screen was shown and dismissed: a PIN check that ends after its showing has
        #: ended (the screen dismissed meanwhile) is ignored
        self._showing = 0

    def ask(self, guard: StaffGuard, title: str = STAFF_ONLY, cancel_label: str = CANCEL,
            idle: str = "dismiss") -> PinScreen:
        """Sets what the screen asks for before it is shown again (its words in its own language); returns it."""
        self.guard, self.IDLE = guard, idle
        title_text, cancel = self._(title), self._(cancel_label)
        if title_text != self.title_text:
            self.title_text = title_text
            if self.is_mounted:
                self.query_one("#pin-title", Static).update(Content(title_text))
        if cancel != self.cancel_label:
            self.cancel_label = cancel
            if self.is_mounted:
                self.query_one("#cancel", Button).label = Content(cancel)
        return self

    def compose(self) -> ComposeResult:
        _ = self._
        yield from header(self.clinic, title=_(STAFF))
        with Middle(), Center(), Vertical(id="pin-box"):
            yield Static(Content(self.title_text), classes="screen-title centered", id="pin-title")
            yield Static(self._shown_status, classes="centered", id="pin-status")
            with Center():
                yield PinPad(_)
            with Center():
                yield Button(Content(self.cancel_label), id="cancel")

    def on_screen_resume(self) -> None:
        """Shown (first or again): an empty PIN box with the focus, the request to enter the PIN, or the pause."""
        self.styled_for = self.app.theme
        self._showing += 1
        pad = self.query_one(PinPad)
        pad.clear()
        if not pad.input.disabled:
            self._status(self._(ENTER_PIN))
        self._show_pause()

    def dismiss(self, result: Authenticated | None = None) -> AwaitComplete:
        self._forget_typed()
        return super().dismiss(result)

    def _forget_typed(self) -> None:
        """Clears the PIN box and any message about the last PIN; a pause still running is shown afresh when the
        screen is shown again."""
        self._showing += 1
        if self._pause is not None:
            self._pause.stop()
            self._pause = None
        if self.is_mounted:
            self.query_one(PinPad).input.value = ""
            if not self.query_one(PinPad).input.disabled:
                self._status(self._(ENTER_PIN))

    def _status(self, message: str) -> None:
        if message != self._shown_status:  # (a new text lays the box out again: only when it changes)
            self._shown_status = message
            self.query_one("#pin-status", Static).update(Content(message))

    def _show_pause(self) -> None:
        self._pause = None
        wait = self.guard.wait_seconds()
        pad = self.query_one(PinPad)
        if wait > 0:
            pad.set_enabled(False)
            self._status(self._("Too many wrong PINs. Try again in {seconds} seconds.").format(
                seconds=math.ceil(wait)))
            self._pause = self.set_timer(min(1.0, wait), self._show_pause)
        elif pad.input.disabled:
            pad.set_enabled(True)
            pad.clear()
            self._status(self._(ENTER_PIN))

    @on(PinPad.Submitted)
    async def _submitted(self, event: PinPad.Submitted) -> None:
        showing = self._showing
        try:
            member = await asyncio.to_thread(self.guard.authenticate, event.pin)
        except IntakeError as exc:
            if showing == self._showing:
                self._status(str(exc))
                self.query_one(PinPad).clear()
            return
        if showing != self._showing or not self.is_current:
            return  # dismissed while the PIN was checked (e.g. idle): this showing is over
        if member is not None:
            self.dismiss(member)
            return
        if self.guard.wait_seconds() > 0:
            self._show_pause()
        else:
            self._status(self.guard.message)
            self.query_one(PinPad).clear()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
