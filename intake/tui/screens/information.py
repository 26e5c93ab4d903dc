"""Provides InformationScreen: what the client consents to (procedure, benefits, risks, alternatives, aftercare)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Static

from intake.tui.device import device_of, words_of
from intake.tui.screens.base import WizardScreen, header, staff_button
from intake.tui.widgets.scrolling import ReadingBody


class InformationScreen(WizardScreen[str]):
    """Shows the consent information from templates/consent_info.json. Dismisses 'continue', 'back' or 'staff'.

    Enter on the text, once it has been scrolled to its end, does what "I have read this" does.

    Args:
        clinic: the clinic's name.
        texts: the 'information' texts.
        personal: extra aftercare advice from the client's own assessment.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "read", "I have read this", show=False)]

    def __init__(self, clinic: str, texts: Mapping[str, Any], personal: Sequence[str] = ()) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.texts = texts
        self.personal = tuple(personal)

    def compose(self) -> ComposeResult:
        _ = words_of(self.app)
        yield from header(self.clinic, title=_("About your treatment"))
        with ReadingBody(id="info-body", stop_when_fits=True):
            yield Static(Content(self.texts["title"]), classes="screen-title")
            yield Static(Content(self.texts["intro"]), classes="screen-intro")
            for section in self.texts["sections"]:
                yield Static(Content(section["heading"]), classes="info-heading")
                yield Static(_points(section["points"]), classes="info-points")
            if self.personal:
                yield Static(Content(self.texts["personal_heading"]), classes="info-heading")
                yield Static(_points(self.personal), classes="info-points")
        with Horizontal(classes="navbar"):
            yield Button(_("Back"), id="back")
            yield staff_button(self.app)
            yield Static(Content(device_of(self.app).read_more), id="read-hint", classes="keys-hint")
            yield Button(_("I have read this"), id="continue", variant="primary", disabled=True)

    def on_mount(self) -> None:
        body = self.query_one("#info-body")
        body.focus()  # the reading, not the statement, has the focus: arrow keys, Page Down and End scroll it
        self.watch(body, "scroll_y", self._read_so_far, init=False)
        self.call_after_refresh(self._read_so_far)

    def _read_so_far(self, *_: object) -> None:
        """'I have read this' becomes available once the information has been scrolled to its end."""
        body = self.query_one("#info-body")
        if body.scroll_y >= body.max_scroll_y - 1:
            button = self.query_one("#continue", Button)
            if button.disabled:
                button.disabled = False
                self.query_one("#read-hint", Static).update(Content(device_of(self.app).read_done))
                self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter on the text means 'I have read this' only once it has been read to its end."""
        if action == "read":
            return not self.query_one("#continue", Button).disabled
        return super().check_action(action, parameters)

    def action_read(self) -> None:
        """Enter on the text, once it has been read to its end: 'I have read this'."""
        self.dismiss("continue")

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.dismiss("continue")

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss("back")

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self.dismiss("staff")


def _points(points: Sequence[str]) -> Content:
    """Bullet points as literal text."""
    return Content("\n".join(f"• {point}" for point in points))
