"""Provides SignatureScreen: the client signs by drawing, or types their name with an explicit intent statement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, ContentSwitcher, Input, Static

from intake.i18n import N_
from intake.signing import same_name
from intake.tui.clock import Clock
from intake.tui.device import device_of, words_of
from intake.tui.screens.base import WizardScreen, header
from intake.tui.state import SignatureCapture
from intake.tui.widgets.signature_pad import SignaturePad
from intake.tui.widgets.text import KeysHint
from intake.tui.widgets.textbox import TextBox
from intake.tui.widgets.tiles import ChoiceTile

#: What a typed signature still needs when its statement is not ticked.
_TICK = N_("Please tick the statement to confirm that your typed name is your signature.")


class SignatureScreen(WizardScreen[SignatureCapture | str]):
    """Captures one signature. Dismisses with a SignatureCapture, or 'back' / 'staff'.

    Args:
        clinic: the clinic's name.
        texts: the 'signature' or 'photo_signature' texts.
        statement: the exact statement being signed, as printed on the document.
        full_name: the client's name as answered.
        clock: the clock for the time of signing.
        context: a line shown above the statement (e.g. the photo uses chosen).
        typing: open on the typed name (the client typed their name for the signature before this one).
    """

    #: Enter on the typed name's statement goes on to Sign once it is ticked (it never ticks it: Space does).
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "go_on", "Go on", show=False)]

    def __init__(self, clinic: str, texts: Mapping[str, Any], statement: str, full_name: str,
                 clock: Clock, context: str = "", *, typing: bool = False) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.texts = texts
        self.context = context
        self.statement = statement
        self.full_name = full_name
        self.clock = clock
        self.start_typing = typing

    def compose(self) -> ComposeResult:
        _ = words_of(self.app)
        yield from header(self.clinic, title=self.texts["title"])
        if self.context:
            yield Static(Content(self.context), id="sig-context")
        yield Static(Content(self.statement), id="sig-statement")
        with ContentSwitcher(initial="sig-draw", id="sig-mode"):
            with Vertical(id="sig-draw"):
                yield Static(Content(f"{self.texts['draw_hint']} {device_of(self.app).sign_draw}"),
                             classes="sig-hint")
                yield SignaturePad(hint=_("Sign here"), id="pad")
            with Vertical(id="sig-type"):
                yield Static(Content(self.texts["type_hint"]), classes="sig-hint")
                yield KeysHint(id="keys-hint", classes="sig-hint")
                yield TextBox(placeholder=_("Your full name"), id="typed-name", max_length=120)
                yield ChoiceTile(self.texts["typed_statement"], True, mark="check", id="typed-intent",
                                 classes="-statement")
        yield Static("", id="sig-problem")
        with Horizontal(classes="navbar"):
            yield Button(_("Back"), id="back")
            yield Button(_("Undo"), id="undo", classes="draw-only")
            yield Button(_("Clear"), id="clear", classes="draw-only")
            yield Button(_("Type my name"), id="switch")
            yield Button(_("Sign"), id="sign", variant="primary")

    @property
    def typing(self) -> bool:
        """Whether the typed-name alternative is showing."""
        return self.query_one(ContentSwitcher).current == "sig-type"

    def _problem(self, message: str) -> None:
        self.query_one("#sig-problem", Static).update(Content(message))

    @on(Button.Pressed, "#switch")
    def _switch(self) -> None:
        self._show_mode(not self.typing)

    def _show_mode(self, typing: bool) -> None:
        """Shows the typed name (focused) or the pad to draw on."""
        self.query_one(ContentSwitcher).current = "sig-type" if typing else "sig-draw"
        _ = words_of(self.app)
        self.query_one("#switch", Button).label = _("Draw instead") if typing else _("Type my name")
        for button in self.query(".draw-only"):
            button.display = not typing
        self._problem("")
        if typing:
            self.call_after_refresh(self.query_one("#typed-name", Input).focus)

    @on(Button.Pressed, "#undo")
    def _undo(self) -> None:
        self.query_one(SignaturePad).undo()

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.query_one(SignaturePad).clear()

    @on(SignaturePad.Changed)
    def _drawn(self) -> None:
        self._problem("")

    def on_mount(self) -> None:
        # Drawing needs a finger or a mouse; from the keyboard the way to sign is to type the name.
        if self.start_typing:
            self._show_mode(True)
        else:
            self.query_one("#switch", Button).focus()

    def key_hint(self) -> str | None:
        """How to go on with a typed name, for what has the focus."""
        words = device_of(self.app).sign_typed
        where = {"typed-name": "name", "typed-intent": "intent", "sign": "sign"}.get(str(getattr(
            self.focused, "id", "")), "other")
        return words.get(where) or words["other"]

    @on(ChoiceTile.Pressed, "#typed-intent")
    def _intent(self, event: ChoiceTile.Pressed) -> None:
        event.tile.selected = not event.tile.selected
        if event.keyboard and event.tile.selected:  # Space ticked it: on to Sign
            self.query_one("#sign", Button).focus()
        self._problem("")

    def action_go_on(self) -> None:
        """Enter on the statement: on to Sign once it is ticked; until then, says that it needs ticking."""
        intent = self.query_one("#typed-intent", ChoiceTile)
        if self.focused is not intent:
            return
        if intent.selected:
            self.query_one("#sign", Button).focus()
        else:
            self._problem(words_of(self.app)(_TICK))

    @on(Input.Submitted, "#typed-name")
    def _name_entered(self) -> None:
        self.query_one("#typed-intent", ChoiceTile).focus()

    @on(Button.Pressed, "#sign")
    def _sign(self) -> None:
        now = self.clock.now()
        if not self.typing:
            pad = self.query_one(SignaturePad)
            if not pad.has_signature():
                self._problem(device_of(self.app).sign_missing)
                return
            self.dismiss(SignatureCapture("drawn", self.full_name, self.statement, now, pad.strokes,
                                          pad.aspect_ratio))
            return
        typed = self.query_one("#typed-name", Input).value.strip()
        if not same_name(typed, self.full_name):
            self._problem(words_of(self.app)("Please type your full name as you gave it: {name}").format(
                name=self.full_name))
            self.query_one("#typed-name", Input).focus()
            return
        if not self.query_one("#typed-intent", ChoiceTile).selected:
            self._problem(words_of(self.app)(_TICK))
            return
        statement = f"{self.statement} {self.texts['typed_statement']}"
        self.dismiss(SignatureCapture("typed", " ".join(typed.split()), statement, now))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.dismiss("back")
