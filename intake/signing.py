"""Provides the rule both front ends use to accept a typed-name signature."""

from __future__ import annotations

import unicodedata


def same_name(typed: str, expected: str) -> bool:
    """Whether a typed name is the name given, ignoring case, accents' composition and extra spaces."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return bool(norm(typed)) and norm(typed) == norm(expected)
