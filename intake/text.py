"""Provides the text rules every front end, the store and the documents share: length limits and valid text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from intake.errors import IntakeError

#: A person's name as typed or printed (client, signer, guardian).
MAX_NAME = 120
#: A practitioner's reason for a decision (clearance noted, override): one limit for the screen, the store
#: and the documents.
MAX_REASON = 1000
#: A statement a client affirms by signing.
MAX_STATEMENT = 1000

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class TextInputError(IntakeError):
    """A piece of text typed for the lifecycle (a reason, a typed name) cannot be accepted."""


def has_lone_surrogate(text: str) -> bool:
    """True when a string holds half of a character (a lone UTF-16 surrogate, e.g. a broken emoji).

    Such a string cannot be written as UTF-8, so it can never reach a document or the store.
    """
    return _LONE_SURROGATE.search(text) is not None


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a JSON value: keys and values, at any depth."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str):
                    yield key
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


BROKEN_CHARACTER = ("Contains a broken character (half of an emoji or symbol, often from copying and pasting); "
                    "please type that part again.")


def check_reason(reason: Any, *, required: bool) -> str:
    """A practitioner's reason, trimmed and checked against the one limit.

    Raises:
        TextInputError: not text, empty when required, too long, or with broken or control characters.
    """
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        raise TextInputError("the reason must be text.")
    text: str = reason
    reason = text = unicodedata.normalize("NFC", reason.strip()) if not has_lone_surrogate(reason) else reason.strip()
    if required and len(reason) < 3:
        raise TextInputError("give the reason for the decision: what was seen, or why treatment may go ahead.")
    if len(reason) > MAX_REASON:
        raise TextInputError(f"the reason is {len(reason):,} characters long; keep it to {MAX_REASON:,} "
                             "(the documents print it in full).")
    if has_lone_surrogate(reason):
        raise TextInputError(f"the reason: {BROKEN_CHARACTER[0].lower()}{BROKEN_CHARACTER[1:]}")
    if _CONTROL.search(reason.replace("\n", "").replace("\t", "")):
        raise TextInputError("the reason contains control or hidden formatting characters; type plain text.")
    return text


def check_name(name: Any, what: str = "the name") -> str:
    """A typed name (a signature, a signer), trimmed, with single spaces.

    Raises:
        TextInputError: not text, empty, too long, or with broken or control characters.
    """
    if not isinstance(name, str):
        raise TextInputError(f"{what} must be text.")
    if has_lone_surrogate(name):
        raise TextInputError(f"{what}: {BROKEN_CHARACTER[0].lower()}{BROKEN_CHARACTER[1:]}")
    name = text = " ".join(unicodedata.normalize("NFC", name).split())
    if not name:
        raise TextInputError(f"{what} is empty: type the full name.")
    if len(name) > MAX_NAME:
        raise TextInputError(f"{what} is {len(name)} characters long; keep it to {MAX_NAME}.")
    if _CONTROL.search(name):
        raise TextInputError(f"{what} contains control or hidden formatting characters; type plain text.")
    return text
