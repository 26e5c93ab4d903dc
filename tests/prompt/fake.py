"""Provides FakePrompter: answers prompts by key (question id), checking validation like a person retyping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Unscripted(AssertionError):
    """The walk asked something the test did not expect."""


class FakePrompter:
    """Answers by key. A list of values for a text key means: try each until one validates."""

    def __init__(self, answers: Mapping[str, Any], interrupt_at: str | None = None):
        self.answers = dict(answers)
        self.asked: list[str] = []
        self.rejected: dict[str, list[str]] = {}
        self.said: list[str] = []
        #: what was said and asked, in order: ("say", text) or ("ask", key)
        self.transcript: list[tuple[str, str]] = []
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

    def _validated(self, key, value, validate):
        candidates = value if isinstance(value, list) and value and isinstance(value[0], tuple) else [value]
        for candidate in candidates:
            candidate = candidate[0] if isinstance(candidate, tuple) else candidate
            verdict = validate(candidate) if validate else True
            if verdict is True:
                return candidate
            self.rejected.setdefault(key, []).append(verdict)
        raise Unscripted(f"no scripted answer for {key!r} passed validation: {self.rejected[key]}")

    def text(self, key, message, *, default="", validate=None, instruction=None, multiline=False):
        value = self._take(key)
        if isinstance(value, list):
            return self._validated(key, [(v,) for v in value], validate)
        return self._validated(key, "" if value is None else value, validate)

    def select(self, key, message, choices, *, default=None, instruction=None):
        value = self._take(key)
        if isinstance(value, list):  # asked more than once: the answers in turn
            value = value.pop(0)
        assert value in [v for v, _ in choices], f"{value!r} is not offered for {key!r}"
        return value

    def checkbox(self, key, message, choices, *, checked=(), validate=None, instruction=None):
        value = self._take(key) or []
        assert all(v in [c for c, _ in choices] for v in value)
        return self._validated(key, [(value,)], validate)

    def secret(self, key, message):
        value = self._take(key)
        if isinstance(value, list):
            return value.pop(0)
        return value

    def confirm(self, key, message, *, default=False):
        value = self._take(key)
        if isinstance(value, list):
            return value.pop(0)
        return value
