"""Provides InformationScreen: what the client consents to (procedure, benefits, risks, alternatives, aftercare)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from intake.tui.screens.base import WizardScreen, header, staff_button


class InformationScreen(WizardScreen[str]):
    """Shows the consent information from templates/consent_info.json. Dismisses 'continue', 'back' or 'staff'.

    Args:
        clinic: the clinic's name.
        texts: the 'information' texts.
        personal: extra aftercare advice from the client's own assessment.
    """

    def __init__(self, clinic: str, texts: Mapping[str, Any], personal: Sequence[str] = ()) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.texts = texts
        self.personal = tuple(personal)

    def compose(self) -> ComposeResult:
        yield from header(self.clinic, title="About your treatment")
        with VerticalScroll(id="info-body"):
            yield Static(Content(self.texts["title"]), classes="screen-title")
            yield Static(Content(self.texts["intro"]), classes="screen-intro")
            for section in self.texts["sections"]:
                yield Static(Content(section["heading"]), classes="info-heading")
                yield Static(_points(section["points"]), classes="info-points")
            if self.personal:
                yield Static(Content(self.texts["personal_heading"]), classes="info-heading")
                yield Static(_points(self.personal), classes="info-points")
        with Horizontal(classes="navbar"):
            yield Button("Back", id="back")
            yield staff_button()
            yield Button("I have read this", id="continue", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#info-body").focus()

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
