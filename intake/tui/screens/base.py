"""Provides the base of every wizard screen: its idle behaviour and the shared header bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Middle, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from intake.i18n import intake_words
from intake.tui.device import N_, device_of, words_of
from intake.tui.widgets.text import KeysHint

if TYPE_CHECKING:  # the questionnaire loads with the engine, after the welcome screen shows
    from intake.questionnaire import Step

ResultType = TypeVar("ResultType")


#: The Staff button on the client's screens, its tooltip, and the button staff go on from a message for the client:
#: the client reads them, so they are in the client's language.
STAFF, STAFF_TOOLTIP, STAFF_CONTINUE = N_("Staff"), N_("Staff only (F9)"), N_("Staff: continue")


def staff_button(app: object) -> Button:
    """The Staff button of a client screen (in the client's language): tapped or clicked, or F9; never in the
    client's Tab path."""
    _ = words_of(app)
    button = Button(_(STAFF), id="staff", classes="staff-button", tooltip=_(STAFF_TOOLTIP))
    button.can_focus = False
    return button


def show_staff_button(screen: Screen[Any]) -> None:
    """Names a screen's Staff button again in the client's language (after they chose one)."""
    _ = words_of(screen.app)
    for button in screen.query(".staff-button").results(Button):
        button.label, button.tooltip = _(STAFF), _(STAFF_TOOLTIP)
        button.refresh(layout=True)  # a longer word (German "Personal") widens the button


class WizardScreen(Screen[ResultType], Generic[ResultType]):
    """A full screen of the wizard.

    `IDLE` says what the idle timer does while this screen shows:
    "reset" (client screens: save the draft, show the privacy screen, back to welcome),
    "lock" (staff screens holding unsaved work: cover with a PIN lock),
    "dismiss" (give up this screen, e.g. an unanswered PIN prompt), or "ignore".
    """

    IDLE: str = "reset"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "staff", "Staff", show=False)]
    #: the theme a screen that is kept and shown again was last styled for (it sets this when styled); None: the
    #: screen is styled anew whenever it is shown, as Textual does
    styled_for: str | None = None
    #: True from the moment a kept screen is shown again with its styles until it has been painted (see refresh)
    _own_lines_kept = False

    def post_message(self, message: Message) -> bool:
        """Shown again (or built off-screen), a kept screen keeps its styles: they are only worked out again, as
        Textual does for every screen it shows, when the app's theme changed meanwhile."""
        kept = isinstance(message, events.ScreenResume) and self.is_mounted and self.styled_for == self.app.theme
        if kept and isinstance(message, events.ScreenResume):
            message.refresh_styles = False
            self._own_lines_kept = hasattr(self, "_repaint_regions")  # (Textual's; without it, as Textual does)
        posted = super().post_message(message)
        if kept:
            self.call_after_refresh(self._painted_again)
        if isinstance(message, events.ScreenResume):
            release = getattr(self.app, "release_paint", None)  # (the painting held while the flow came here)
            if callable(release):
                release()
        return posted

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        """A kept screen shown again is painted whole (the terminal showed another screen meanwhile), but the lines
        of its own background are kept: drawn for the same size and styles, they are what Textual would draw again
        (and cut anew for every widget over them). A change of size lays the screen out, which draws them anew; a
        change of its styles ends the keeping (`notify_style_update`)."""
        if self._own_lines_kept and repaint and not (regions or layout or recompose):
            self._repaint_regions.add(self.outer_size.region)  # what Textual's refresh marks, less the lines dropped
            self._repaint_required = True
            self.check_idle()
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _painted_again(self) -> None:
        self._own_lines_kept = False

    def notify_style_update(self) -> None:
        self._own_lines_kept = False  # the screen's own look changed: its lines are drawn anew
        super().notify_style_update()

    def action_staff(self) -> None:
        """F9: the Staff button, where the screen has one (kept out of the client's Tab path)."""
        found = self.query_one_optional("#staff")
        if isinstance(found, Button):
            found.press()

    def on_mount(self) -> None:
        """Keeps text cursors still when the app asks for it (snapshots); subclasses' on_mount also runs."""
        if not getattr(self.app, "cursor_blink", True):
            from textual.widgets import TextArea  # (the text area's module loads after the welcome screen shows)

            for widget in self.query("Input, TextArea"):
                if isinstance(widget, Input | TextArea):
                    widget.cursor_blink = False

    def draft(self) -> tuple[Step, Mapping[str, Any]] | None:
        """What was typed on this screen but not yet saved: (step, answers), if anything."""
        return None

    # -- the hint: how to go on from what has the focus, in the device's words ----------------------

    def key_hint(self) -> str | None:
        """The hint for what has the focus now, shown in the screen's `#keys-hint` (None: no hint to show)."""
        return None

    def refresh_hint(self) -> None:
        """Shows the hint for what has the focus now (in lines broken between its items where it does not fit)."""
        hint = self.key_hint()
        found = self.query_one_optional("#keys-hint")  # (by id: Textual finds it without matching every widget)
        if hint is not None and isinstance(found, KeysHint):
            found.show(hint)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.refresh_hint()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.call_after_refresh(self.refresh_hint)  # focus may have gone nowhere (a closed step)


class MessageScreen(WizardScreen[ResultType]):
    """A screen that shows one titled message from the wizard texts and nothing about the client.

    Args:
        clinic: the clinic's name.
        texts: 'title' and 'message'.
    """

    IDLE: str = "ignore"
    #: True where the client is done and the message ends with what to do, in the device's words (hand back).
    HAND_BACK: ClassVar[bool] = False

    def __init__(self, clinic: str, texts: Mapping[str, Any]) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.texts = texts

    def compose(self) -> ComposeResult:
        yield from header(self.clinic)
        with Middle(), Center(), Vertical(classes="message-box"):
            yield Static(Content(self.texts["title"]), classes="screen-title centered")
            message = self.texts["message"]
            if self.HAND_BACK:
                message = f"{message} {device_of(self.app).hand_back}"
            yield Static(Content(message), classes="big-message centered")
            yield from self.compose_below()

    def compose_below(self) -> ComposeResult:
        """Yields what goes under the message."""
        yield from ()



class StaffContinueScreen(MessageScreen[str]):
    """A message for the client that only staff go on from ("Staff: continue"). Dismisses 'staff'."""

    def compose_below(self) -> ComposeResult:
        with Center():
            yield Button(words_of(self.app)(STAFF_CONTINUE), id="staff", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#staff", Button).focus()

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self.dismiss("staff")

def header(clinic: str, title: str = "", progress: tuple[int, int] | None = None,
           language: str = "en") -> ComposeResult:
    """The bar at the top: clinic name, and 'Step N of M' with a progress bar on step screens.

    Args:
        clinic: the clinic's name.
        title: a short title shown when there is no progress.
        progress: (step number from 1, number of steps).
        language: the language of 'Step N of M' (the client's).
    """
    with Horizontal(classes="topbar"):
        yield Label(Content(clinic), classes="topbar-clinic")
        if progress is not None:
            number, total = progress
            step = intake_words(language).gettext("Step {number} of {total}").format(number=number, total=total)
            yield Label(Content(step), classes="topbar-step")
            bar = ProgressBar(total=total, show_eta=False, show_percentage=False, classes="topbar-progress")
            bar.progress = number
            yield bar
        elif title:
            yield Label(Content(title), classes="topbar-step")
