"""Provides the Prompter interface and its questionary implementation.

Every call carries a `key` (a question id or an action name) so a test double can answer by key,
the way a person answers by reading the question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

Validate = Callable[[Any], "bool | str"]
Choices = Sequence[tuple[Any, str]]


class Prompter(Protocol):
    """What the walker needs from a prompt library."""

    def say(self, text: str) -> None:
        """Shows a line of information."""

    def text(self, key: str, message: str, *, default: str = "", validate: Validate | None = None,
             instruction: str | None = None, multiline: bool = False) -> str:
        """Asks for free text."""

    def select(self, key: str, message: str, choices: Choices, *, default: Any = None,
               instruction: str | None = None) -> Any:
        """Asks for one of several choices; returns the chosen value."""

    def checkbox(self, key: str, message: str, choices: Choices, *, checked: Sequence[Any] = (),
                 validate: Validate | None = None, instruction: str | None = None) -> list[Any]:
        """Asks for any number of choices; returns the chosen values."""

    def confirm(self, key: str, message: str, *, default: bool = False) -> bool:
        """Asks a yes/no confirmation."""

    def secret(self, key: str, message: str) -> str:
        """Asks for a PIN or passphrase without showing what is typed."""


class QuestionaryPrompter:
    """Real prompts on a terminal. Ctrl-C raises KeyboardInterrupt and Ctrl-D EOFError (unsafe_ask)."""

    def __init__(self, output=None):
        import questionary

        self._q = questionary
        self._output = output

    def say(self, text: str) -> None:
        print(text, file=self._output, flush=True)

    @staticmethod
    def _ask(question) -> Any:
        """Asks with Ctrl-D meaning "stop" at every prompt (not only on an empty line)."""
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

        stop = KeyBindings()

        @stop.add("c-d", eager=True)
        def _(event) -> None:
            event.app.exit(exception=EOFError, style="class:aborting")

        app = question.application
        app.key_bindings = merge_key_bindings([app.key_bindings, stop]) if app.key_bindings else stop
        return question.unsafe_ask()

    @staticmethod
    def _validator(validate: Validate | None):
        return (lambda value: validate(value)) if validate else None

    def text(self, key, message, *, default="", validate=None, instruction=None, multiline=False):
        if multiline:
            # prompt_toolkit cuts a multi-line prompt's lines at the terminal's width, and draws nothing at all
            # when one line would wrap: the question and its hint go above it as plain lines (which wrap), and
            # the prompt keeps questionary's own short "how to finish" line.
            self.say(f"? {message}" + (f"\n  {instruction}" if instruction else ""))
            message, instruction = "Your answer", None
        return self._ask(self._q.text(message, default=default, validate=self._validator(validate),
                                      instruction=instruction, multiline=multiline))

    def select(self, key, message, choices, *, default=None, instruction=None):
        options = [self._q.Choice(title=title, value=value) for value, title in choices]
        start = next((c for c in options if c.value == default), None) if default is not None else None
        return self._ask(self._q.select(message, choices=options, default=start, instruction=instruction,
                                        use_shortcuts=len(options) <= 9, use_arrow_keys=True, use_jk_keys=False))

    def checkbox(self, key, message, choices, *, checked=(), validate=None, instruction=None):
        options = [self._q.Choice(title=title, value=value, checked=value in checked) for value, title in choices]
        return self._ask(self._q.checkbox(message, choices=options, validate=self._validator(validate),
                                          instruction=instruction or "(space to tick, enter when done)"))

    def confirm(self, key, message, *, default=False):
        return self._ask(self._q.confirm(message, default=default))

    def secret(self, key, message):
        return self._ask(self._q.password(message))
