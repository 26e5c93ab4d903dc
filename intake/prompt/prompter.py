"""Provides the Prompter interface, the plain-prompt behaviour behind it, and its questionary terminal.

Every call carries a `key` (a question id or an action name) so a test double can answer by key,
the way a person answers by reading the question. `LinePrompter` is the whole behaviour on lines of
text: options shown with their keys and chosen only by a typed key (`intake.prompt.keyed`), text
wrapped to the terminal's width and longer texts shown a page at a time (`intake.prompt.screen`).
Its subclasses only read and write a line: `QuestionaryPrompter` on a terminal, a scripted one in tests.
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from intake.i18n import N_, intake_words
from intake.prompt.keyed import KEEP_KEYS, Keyed, how_to_tick, read_choice, read_ticks, typed_back
from intake.prompt.screen import columns, pages, wrap

Validate = Callable[[str], "bool | str"]
#: The problem with a list of ticked values, or None when it will do.
Check = Callable[[list[Any]], "str | None"]
#: A list of ticked values with one value ticked or unticked.
Toggle = Callable[[list[Any], Any], list[Any]]
Move = Literal["next", "back"]

CHOOSE_PROMPT = N_("Your answer (a key, then Enter):")
TICK_PROMPT = N_("Keys to tick (Enter when done):")
TEXT_PROMPT = N_("Your answer:")
NEXT_PAGE, LAST_PAGE = N_("Enter: next page · b: back"), N_("Enter: go on · b: back")


class Kept:
    """What a text prompt returns when the client keeps their earlier answer."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Kept()


class Prompter(Protocol):
    """What the walker and the session need from a prompt."""

    def say(self, text: str) -> None:
        """Shows information."""

    def show(self, key: str, text: str, *, then: int = 0) -> None:
        """Shows a longer text, a page at a time when it would not fit (`then`: rows the next prompt needs)."""

    def text(self, key: str, message: str, *, validate: Validate | None = None, instruction: str | None = None,
             multiline: bool = False, keep: str | None = None) -> str | Kept:
        """Asks for free text until `validate` passes; KEEP when the client keeps the earlier answer `keep`."""

    def choose(self, key: str, message: str, options: Sequence[Keyed], *, above: str = "") -> Any:
        """Asks for one option, chosen by its key; returns its value. `above` is shown (paged) first."""

    def tick(self, key: str, message: str, options: Sequence[Keyed], *, toggle: Toggle, check: Check) -> list[Any]:
        """Asks for any number of options, ticked by their keys, until `check` passes; returns the values."""

    def pause(self, key: str, keys: str) -> Move:
        """Waits for Enter ("next") or b ("back"); `keys` names them."""

    def secret(self, key: str, message: str) -> str:
        """Asks for a PIN or passphrase without showing what is typed."""


class LinePrompter(ABC):
    """Plain prompts on lines of text: subclasses read and write a line.

    Args:
        size: the terminal's size (columns and lines), asked afresh each time (the window may change).
    """

    def __init__(self, size: Callable[[], os.terminal_size] = shutil.get_terminal_size):
        self._size = size

    @abstractmethod
    def read_line(self, key: str, prompt: str, *, secret: bool = False, multiline: bool = False) -> str:
        """Reads what the person types at a short prompt."""

    @abstractmethod
    def write(self, line: str) -> None:
        """Writes one line (already wrapped)."""

    @property
    def width(self) -> int:
        """Columns to wrap at: one spare, so a full line never makes the terminal wrap it again."""
        return max(self._size().columns - 1, 10)

    @property
    def rows(self) -> int:
        """The terminal's rows."""
        return max(self._size().lines, 5)

    #: the language of the prompts' own words (hints, keys in words): the client's while they answer, the staff's
    #: for staff (`intake.prompt.flow.AskSession` sets it)
    language = "en"

    def _(self, message: str) -> str:
        return intake_words(self.language).gettext(message)

    def say(self, text: str) -> None:
        for line in wrap(text, self.width):
            self.write(line)

    def show(self, key: str, text: str, *, then: int = 0) -> None:
        lines = wrap(text, self.width)
        if len(lines) + then < self.rows:
            for line in lines:
                self.write(line)
            return
        book, index = pages(text, self.width, self.rows), 0
        while True:
            for line in book[index]:
                self.write(line)
            last = index == len(book) - 1
            if last and len(book[index]) + then < self.rows:
                return
            move = self.pause(f"{key}:page", self._(LAST_PAGE if last else NEXT_PAGE))
            if move == "back":
                index = max(index - 1, 0)
            elif last:
                return
            else:
                index += 1

    def pause(self, key: str, keys: str) -> Move:
        while True:
            typed = self.read_line(key, keys)
            if not typed.strip():
                return "next"
            if typed.strip().casefold() == "b":
                return "back"
            self.say(self._("“{typed}” is not a key here. Press Enter to go on, or type b and press Enter to go "
                            "back.").format(typed=typed_back(typed)))

    def option_lines(self, options: Sequence[Keyed], *, across: bool = True) -> list[str]:
        """The options with their keys: on one line when they fit ("  y) Yes   n) No"), else one a line.

        Args:
            across: allow the one line (a list to tick, or one with an earlier answer to keep, reads down).
        """
        one_line = "  " + "   ".join(f"{o.key}) {o.label}" for o in options)
        if across and columns(one_line) <= self.width and not any(o.keep for o in options):
            return [one_line]
        return [line for o in options for line in wrap(f"  {o.key}) {o.label}", self.width)]

    def choose(self, key: str, message: str, options: Sequence[Keyed], *, above: str = "") -> Any:
        lines = wrap(message, self.width) + self.option_lines(options)
        if above:
            self.show(key, above, then=len(lines) + 1)
        for line in lines:
            self.write(line)
        while True:
            found = read_choice(options, self.read_line(key, self._(CHOOSE_PROMPT)), self.language)
            if isinstance(found, Keyed):
                return found.value
            self.say(found)

    def tick(self, key: str, message: str, options: Sequence[Keyed], *, toggle: Toggle, check: Check) -> list[Any]:
        self.say(message)
        for line in self.option_lines(options, across=False):
            self.write(line)
        ticked: list[Any] = []
        while True:
            typed = self.read_line(key, self._(TICK_PROMPT))
            found = read_ticks(options, typed, self.language) if typed.strip() else None
            if isinstance(found, str):
                self.say(found)
                continue
            if found is None or found[0].keep:
                chosen = list(found[0].value) if found else ticked
                problem = check(chosen)
                if problem is None:
                    return chosen
                self.say(problem)
                continue
            for option in found:
                ticked = toggle(ticked, option.value)
            labels = [o.label for o in options if not o.keep and o.value in ticked]
            self.say(self._("Ticked: {labels}. More keys, or Enter when done.").format(labels=", ".join(labels))
                     if labels else " ".join((self._("Nothing is ticked."), how_to_tick(options, self.language))))

    def text(self, key: str, message: str, *, validate: Validate | None = None, instruction: str | None = None,
             multiline: bool = False, keep: str | None = None) -> str | Kept:
        self.say(message)
        if instruction:
            self.say(f"  {instruction}")
        if keep is not None:
            self.say("  " + self._("{key}) keep: {answer}   (or type a new answer)").format(key=KEEP_KEYS[0],
                                                                                          answer=keep))
        if multiline:
            self.say("  " + self._("Finish with Alt+Enter, or Esc then Enter."))
        while True:
            raw = self.read_line(key, self._(TEXT_PROMPT), multiline=multiline)
            if keep is not None and raw.strip().casefold() == KEEP_KEYS[0]:
                return KEEP
            verdict = validate(raw) if validate else True
            if verdict is True:
                return raw
            self.say(str(verdict))

    def secret(self, key: str, message: str) -> str:
        self.say(message)
        return self.read_line(key, "PIN:", secret=True)


class QuestionaryPrompter(LinePrompter):
    """Real prompts on a terminal. Ctrl-C raises KeyboardInterrupt and Ctrl-D EOFError (unsafe_ask)."""

    def __init__(self, output=None, size: Callable[[], os.terminal_size] = shutil.get_terminal_size):
        import questionary

        super().__init__(size)
        self._q = questionary
        self._output = output

    def write(self, line: str) -> None:
        print(line, file=self._output, flush=True)

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

    def read_line(self, key: str, prompt: str, *, secret: bool = False, multiline: bool = False) -> str:
        # The prompt stays short: prompt_toolkit cuts a long prompt mid-word (and draws nothing for a
        # multi-line one wider than the terminal), so everything longer is said above it, wrapped.
        if secret:
            return str(self._ask(self._q.password(prompt)))
        return str(self._ask(self._q.text(prompt, multiline=multiline, instruction="\n>" if multiline else None)))


def typed_text(prompter: Prompter, key: str, message: str, *, validate: Validate | None = None) -> str:
    """A text prompt with no earlier answer to keep: always what was typed."""
    answer = prompter.text(key, message, validate=validate)
    assert not isinstance(answer, Kept), "KEEP is only offered with keep="  # an invariant of Prompter.text
    return answer
