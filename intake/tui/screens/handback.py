"""Provides the hand-back screen and the staff PIN screen that unlocks staff steps."""

from __future__ import annotations

import asyncio
import math

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Middle, Vertical
from textual.content import Content
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
        self.guard = guard
        self.clinic = clinic
        self._ = intake_words(language).gettext
        self.title_text = self._(title)
        self.cancel_label = self._(cancel_label)
        self.IDLE = idle

    def compose(self) -> ComposeResult:
        _ = self._
        yield from header(self.clinic, title=_(STAFF))
        with Middle(), Center(), Vertical(id="pin-box"):
            yield Static(Content(self.title_text), classes="screen-title centered")
            yield Static(_(ENTER_PIN), classes="centered", id="pin-status")
            with Center():
                yield PinPad(_)
            with Center():
                yield Button(Content(self.cancel_label), id="cancel")

    def on_mount(self) -> None:
        self.query_one(PinPad).clear()
        self._show_pause()

    def _status(self, message: str) -> None:
        self.query_one("#pin-status", Static).update(Content(message))

    def _show_pause(self) -> None:
        wait = self.guard.wait_seconds()
        pad = self.query_one(PinPad)
        if wait > 0:
            pad.set_enabled(False)
            self._status(self._("Too many wrong PINs. Try again in {seconds} seconds.").format(
                seconds=math.ceil(wait)))
            self.set_timer(min(1.0, wait), self._show_pause)
        elif pad.input.disabled:
            pad.set_enabled(True)
            pad.clear()
            self._status(self._(ENTER_PIN))

    @on(PinPad.Submitted)
    async def _submitted(self, event: PinPad.Submitted) -> None:
        try:
            member = await asyncio.to_thread(self.guard.authenticate, event.pin)
        except IntakeError as exc:
            self._status(str(exc))
            self.query_one(PinPad).clear()
            return
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
