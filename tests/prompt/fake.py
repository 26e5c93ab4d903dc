"""Provides the test prompters: FakePrompter answers by key with values; KeyboardPrompter types lines as a person does.

FakePrompter checks what a person could do (a value must be one of the options shown; text must pass
validation, like a person retyping) and stands for the person's choice. KeyboardPrompter is the real
plain-prompt behaviour (`LinePrompter`: keys, hints, wrapping, pages) fed with typed lines, and keeps
what it showed and read, so a test can check that every answer came from a key the person typed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from intake.prompt.prompter import LinePrompter


class Unscripted(AssertionError):
    """The walk asked something the test did not expect."""


class FakePrompter:
    """Answers by key. A list of values for a text key means: try each until one validates.

    Pauses (an answer said back, a page of text) go on unless scripted otherwise ("back").
    """

    def __init__(self, answers: Mapping[str, Any], interrupt_at: str | None = None):
        self.answers = dict(answers)
        self.asked: list[str] = []
        self.rejected: dict[str, list[str]] = {}
        self.said: list[str] = []
        #: what was said and asked, in order: ("say", text) or ("ask", key)
        self.transcript: list[tuple[str, str]] = []
        #: the options offered at each choice, by key (the latest time it was asked)
        self.offered: dict[str, list[Any]] = {}
        self.interrupt_at = interrupt_at

    def _take(self, key: str) -> Any:
        self.asked.append(key)
        self.transcript.append(("ask", key))
        if key == self.interrupt_at:
            raise KeyboardInterrupt
        if key not in self.answers:
            raise Unscripted(f"unexpected prompt {key!r}")
        return self.answers[key]

    def say(self, text: str) -> None:
        self.said.append(text)
        self.transcript.append(("say", text))

    def show(self, key, text, *, then=0):
        self.say(text)

    def _validated(self, key, value, validate):
        candidates = value if isinstance(value, list) and value and isinstance(value[0], tuple) else [value]
        for candidate in candidates:
            candidate = candidate[0] if isinstance(candidate, tuple) else candidate
            verdict = validate(candidate) if validate else True
            if verdict is True:
                return candidate
            self.rejected.setdefault(key, []).append(verdict)
        raise Unscripted(f"no scripted answer for {key!r} passed validation: {self.rejected[key]}")

    def text(self, key, message, *, validate=None, instruction=None, multiline=False, keep=None):
        value = self._take(key)
        if isinstance(value, list):
            return self._validated(key, [(v,) for v in value], validate)
        return self._validated(key, "" if value is None else value, validate)

    def choose(self, key, message, options, *, above=""):
        if above:
            self.say(above)
        self.offered[key] = [o.value for o in options]
        value = self._take(key)
        if isinstance(value, list):  # asked more than once: the answers in turn
            value = value.pop(0)
        assert value in self.offered[key], f"{value!r} is not offered for {key!r}"
        return value

    def tick(self, key, message, options, *, toggle, check):
        value = self._take(key) or []
        assert all(v in [o.value for o in options if not o.keep] for v in value)
        return self._validated(key, [(value,)], lambda values: check(values) or True)

    def pause(self, key, keys):
        self.asked.append(key)
        self.transcript.append(("ask", key))
        scripted = self.answers.get(key, "next")
        return scripted.pop(0) if isinstance(scripted, list) else scripted

    def secret(self, key, message):
        value = self._take(key)
        if isinstance(value, list):
            return value.pop(0)
        return value


class OutOfLines(EOFError):
    """The typed lines ran out: the person stopped (as Ctrl-D does)."""


#: A typed line, or a person who reads the screen (the lines written so far) and types what it says.
Typing = str | Callable[[list[str]], str]


class KeyboardPrompter(LinePrompter):
    """The real plain prompts, fed with typed lines; what it wrote and read is kept.

    Args:
        lines: what the person types at each prompt, in order (a callable reads the screen first).
        columns, rows: the terminal's size.
        person: instead of lines, a person who answers each prompt by its key, reading the screen.
    """

    def __init__(self, lines: Iterable[Typing], columns: int = 80, rows: int = 24,
                 person: Callable[[str, list[str]], str] | None = None):
        super().__init__(lambda: os.terminal_size((columns, rows)))
        self.lines = list(lines)
        #: answers each prompt by its key, reading the screen, instead of `lines`
        self.person = person
        self.written: list[str] = []
        #: (prompt key, what was typed), in order; ("<start>", key) when a question is asked (again)
        self.typed: list[tuple[str, str]] = []

    def read_line(self, key: str, prompt: str, *, secret: bool = False, multiline: bool = False) -> str:
        if self.person is not None:
            line = self.person(key, self.written)
        elif not self.lines:
            raise OutOfLines(key)
        else:
            line = self.lines.pop(0)
            if callable(line):
                line = line(self.written)
        self.written.append(f"? {prompt} {line}")
        self.typed.append((key, line))
        return line

    def write(self, line: str) -> None:
        self.written.append(line)

    def _started(self, key: str) -> None:
        self.typed.append(("<start>", key))

    def choose(self, key, message, options, *, above=""):
        self._started(key)
        return super().choose(key, message, options, above=above)

    def tick(self, key, message, options, *, toggle, check):
        self._started(key)
        return super().tick(key, message, options, toggle=toggle, check=check)

    def text(self, key, message, *, validate=None, instruction=None, multiline=False, keep=None):
        self._started(key)
        return super().text(key, message, validate=validate, instruction=instruction, multiline=multiline, keep=keep)

    def typed_at(self, key: str) -> list[str]:
        """What was typed at one prompt key, in order."""
        return [line for at, line in self.typed if at == key]

    def sessions(self, key: str) -> list[list[str]]:
        """What was typed at one question each time it was asked, in order."""
        found: list[list[str]] = []
        for at, line in self.typed:
            if at == "<start>" and line == key:
                found.append([])
            elif at == key and found:
                found[-1].append(line)
        return found


def key_of(label: str) -> Callable[[list[str]], str]:
    """A person who finds the option labelled `label` on the screen and types the key shown before it."""
    def read(written: list[str]) -> str:
        shown = re.compile(rf"(?:^|\s)(\S{{1,3}})\) {re.escape(label)}(?:\s{{3}}|$)")
        for line in reversed(written):
            found = shown.search(line)
            if found:
                return found.group(1)
        raise AssertionError(f"no option {label!r} on the screen:\n" + "\n".join(written[-15:]))
    return read


class Reader:
    """A client who gives `answers` at the real prompts, reading each option's key off the screen.

    Args:
        questionnaire: the questions (for their options' labels).
        answers: the answer to give to each question, by id.
        order: the clinic's date order (dates are typed in it).
        back_at: question ids whose answer, once said back, the client goes back to change (once each).
        language: the language the client reads the options in.
    """

    def __init__(self, questionnaire, answers: Mapping[str, Any], order: str, back_at: Iterable[str] = (),
                 language: str = "en"):
        self.questionnaire = questionnaire
        self.language = language
        self.answers = dict(answers)
        self.order = order
        self.back_at = set(back_at)
        self.ticking: set[str] = set()

    def _label(self, question, value) -> str:
        from intake.questionnaire import localize

        if question.type in ("yes_no", "acknowledgement"):
            return self.questionnaire.word("yes" if value else "no", self.language)
        return localize(question.option(value).label, self.language)

    def __call__(self, key: str, written: list[str]) -> str:
        from intake.datetyping import show_date

        if key.endswith(":echo"):
            question_id = key.split(":")[0]
            if question_id in self.back_at:
                self.back_at.discard(question_id)
                return "b"
            return ""
        if key.endswith(":page"):
            return ""
        question, value = self.questionnaire.by_id[key], self.answers.get(key)
        if question.type == "multi_choice":
            if key in self.ticking:
                self.ticking.discard(key)
                return ""
            self.ticking.add(key)
            return " ".join(key_of(self._label(question, v))(written) for v in value or [])
        if question.type in ("yes_no", "acknowledgement", "choice"):
            return key_of(self._label(question, value))(written)
        if question.type == "date":
            return show_date(value, self.order)
        return value or ""
