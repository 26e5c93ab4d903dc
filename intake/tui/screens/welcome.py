"""Provides the welcome screen: the only screen a new client sees, clean of anyone before them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Middle, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from intake.i18n import intake_words, language_name, language_name_in
from intake.tui.device import N_, device_of
from intake.tui.screens.base import WizardScreen, show_staff_button, staff_button

#: The welcome screen's choice for a client of a course (their next session).
NEXT_SESSION = N_("I'm here for my next session")
#: A language offered for the documents alone ([clinic] documents_only), named in the screen's language.
DOCUMENTS_IN = N_("Documents in {language}")


class WelcomeScreen(WizardScreen[str]):
    """Greets the client. Dismisses with 'begin', 'visit' (a returning client's next session) or 'staff'.

    Start works the moment it shows: pressed while the wizard is still getting ready, the press is kept
    (the screen says so) and acted on once it is ready. When the clinic offers more than one language, each is
    a button named in itself ("English", "Deutsch"): choosing one turns this screen into that language and the
    client's intake follows it (`IntakeApp.chosen_language`). A language the clinic offers for the documents alone
    ([clinic] documents_only: a script a terminal cannot draw well) is a button named in the screen's language
    ("Documents in Urdu"): pressed, it lights up and the client's documents are in it
    (`IntakeApp.chosen_documents_language`); pressed again, they follow the screens again.

    Args:
        clinic: the clinic's name.
        texts: the wizard texts, or None while the engine is still loading.
    """

    IDLE = "ignore"

    def __init__(self, clinic: str, texts: Mapping[str, Any] | None) -> None:
        super().__init__(classes="client")
        self.clinic = clinic
        self.texts = texts
        #: what was pressed while the wizard was getting ready ('begin' or 'staff'), acted on once it is
        self.pressed: str | None = None

    def compose(self) -> ComposeResult:
        welcome = (self.texts or {}).get("welcome", {})
        with Middle(), Center(), Vertical(id="welcome-box"):
            yield Static(Content(self.clinic), id="welcome-clinic")
            yield Static(Content(welcome.get("title", "Welcome")), id="welcome-title")
            yield Static(Content(welcome.get("message", "")), id="welcome-message")
            with Horizontal(id="welcome-buttons"):
                yield Button(Content(welcome.get("start", "Start")), id="begin", variant="primary")
                yield Button(Content(self._words(NEXT_SESSION)), id="next-session")
            yield Horizontal(*self._language_buttons(), id="welcome-languages")
            yield Static(Content(self._status()), id="welcome-status")
        with Horizontal(id="welcome-staff-row"):
            yield staff_button(self.app)

    def _words(self, message: str) -> str:
        return intake_words(getattr(self.app, "client_language", "en")).gettext(message)

    def _language_buttons(self) -> list[Button]:
        """A button per language the clinic offers, named in itself (none when it offers one), then one per
        language for the documents alone."""
        session = getattr(self.app, "session", None)
        config = session.engine.config if session is not None and self.texts is not None else None
        offered = config.languages if config is not None else ()
        buttons = [Button(language_name(code), id=f"language-{code}", classes="language-button", name=code)
                   for code in offered] if len(offered) > 1 else []
        documents = config.documents_only if config is not None else ()
        return buttons + [Button(self._documents_label(code), id=f"documents-{code}",
                                 classes="documents-language-button", name=code) for code in documents]

    def _documents_label(self, code: str) -> str:
        """'Documents in Urdu', in the screen's language."""
        screen = getattr(self.app, "client_language", "en")
        return self._words(DOCUMENTS_IN).format(language=language_name_in(code, screen))

    def _status(self) -> str:
        device = device_of(self.app)
        if self.pressed is not None:
            return device.welcome_waiting
        _ = intake_words(getattr(self.app, "client_language", "en")).gettext
        return device.welcome if self.texts is not None else " ".join((_("Getting ready…"), device.welcome))

    def _show_words(self) -> None:
        """Shows the welcome in the client's language (after loading, or after they chose one)."""
        welcome = self.app.texts_in(self.app.client_language)["welcome"]  # type: ignore[attr-defined]
        self.query_one("#welcome-title", Static).update(Content(welcome["title"]))
        self.query_one("#welcome-message", Static).update(Content(welcome["message"]))
        self.query_one("#begin", Button).label = Content(welcome["start"])
        self.query_one("#next-session", Button).label = Content(self._words(NEXT_SESSION))
        self.query_one("#welcome-status", Static).update(Content(self._status()))
        show_staff_button(self)
        chosen = getattr(self.app, "chosen_documents_language", None)
        for button in self.query(".documents-language-button").results(Button):  # the chosen one lit up
            button.label = Content(self._documents_label(str(button.name)))
            button.variant = "success" if button.name == chosen else "default"

    def set_ready(self, texts: Mapping[str, Any]) -> None:
        """Fills in the texts once loading has finished; a press made meanwhile is acted on now."""
        self.texts = texts
        if self.pressed is not None:
            self.dismiss(self.pressed)
            return
        self.query_one("#welcome-languages", Horizontal).mount_all(self._language_buttons())
        self._show_words()

    def on_mount(self) -> None:
        self.query_one("#begin", Button).focus()

    def _choose(self, choice: str) -> None:
        if self.texts is not None:
            self.dismiss(choice)
        elif self.pressed is None:
            self.pressed = choice
            self.query_one("#welcome-status", Static).update(Content(self._status()))

    @on(Button.Pressed, "#begin")
    def _begin(self) -> None:
        self._choose("begin")

    @on(Button.Pressed, "#next-session")
    def _next_session(self) -> None:
        self._choose("visit")

    @on(Button.Pressed, ".language-button")
    def _language(self, event: Button.Pressed) -> None:
        """The client chose the language of their intake: this screen follows at once; Start keeps the focus."""
        self.app.chosen_language = event.button.name  # type: ignore[attr-defined]
        self._show_words()
        self.query_one("#begin", Button).focus()

    @on(Button.Pressed, ".documents-language-button")
    def _documents_language(self, event: Button.Pressed) -> None:
        """The client chose (or, pressed again, gave up) a language for their documents alone."""
        code = event.button.name
        chosen = getattr(self.app, "chosen_documents_language", None)
        self.app.chosen_documents_language = None if chosen == code else code  # type: ignore[attr-defined]
        self._show_words()
        self.query_one("#begin", Button).focus()

    @on(Button.Pressed, "#staff")
    def _staff(self) -> None:
        self._choose("staff")
