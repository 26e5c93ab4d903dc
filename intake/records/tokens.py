"""Provides the blind search index's tokens: keyed hashes of name prefixes and dates of birth, never the names.

Names are sealed, so the records cannot be searched by name directly. Instead each client has a
handful of tokens: HMAC-SHA256 (key derived from the data key) of each name word's prefixes of 3 to
12 letters, of the date of birth, and of the whole normalised name with the date of birth. Tokens
are cut to 24 bits, so unrelated prefixes sometimes share one: every hit is confirmed by opening
the sealed name (`matches`). Someone holding the database but not the key sees only which clients
share a token, never a name or a date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from intake.dates import parse_iso_date
from intake.records.crypto import Keyring

MIN_PREFIX = 3
MAX_PREFIX = 12
_SPLIT = re.compile(r"[\W\d_]+")
_DROP = str.maketrans("", "", "'\u2019\u02bc`")


def name_words(name: str) -> list[str]:
    """Normalised words of a name: accents removed, case folded, apostrophes dropped, hyphens split.

    'Zoë O'Brien-Smith' gives ['zoe', 'obrien', 'smith'].
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().translate(_DROP)
    return [word for word in _SPLIT.split(text) if word]


def name_key(name: str) -> str:
    """The normalised full name used to recognise a returning client."""
    return " ".join(name_words(name))


def identity_token(keyring: Keyring, full_name: str, date_of_birth: str) -> int:
    """The token of name + date of birth together."""
    return keyring.token(f"nd:{name_key(full_name)}|{date_of_birth}")


def client_tokens(keyring: Keyring, full_name: str, date_of_birth: str | None) -> set[int]:
    """Every token stored for a client."""
    tokens = set()
    for word in name_words(full_name):
        if len(word) < MIN_PREFIX:
            tokens.add(keyring.token("p:" + word))
        for length in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1):
            tokens.add(keyring.token("p:" + word[:length]))
    if date_of_birth:
        tokens.add(keyring.token("d:" + date_of_birth))
        tokens.add(identity_token(keyring, full_name, date_of_birth))
    return tokens


@dataclass(frozen=True)
class Query:
    """A parsed search: name words (prefixes) and an optional date of birth."""

    words: tuple[str, ...]
    date_of_birth: str | None

    @property
    def empty(self) -> bool:
        """True when there is nothing to search for."""
        return not self.words and not self.date_of_birth


def parse_query(text: str) -> Query:
    """Splits search text into name words and a date of birth written as YYYY-MM-DD."""
    words: list[str] = []
    birth = None
    for part in text.split():
        if parse_iso_date(part):
            birth = part
        else:
            words.extend(name_words(part))
    return Query(tuple(dict.fromkeys(words)), birth)


def query_tokens(keyring: Keyring, query: Query) -> list[int]:
    """The tokens a client must all have to match."""
    tokens = [keyring.token("p:" + word[:MAX_PREFIX]) for word in query.words]
    if query.date_of_birth:
        tokens.append(keyring.token("d:" + query.date_of_birth))
    return list(dict.fromkeys(tokens))


def matches(query: Query, full_name: str, date_of_birth: str | None) -> bool:
    """Confirms a candidate against its opened identity (tokens can collide)."""
    if query.date_of_birth and query.date_of_birth != date_of_birth:
        return False
    words = name_words(full_name)
    for wanted in query.words:
        if len(wanted) < MIN_PREFIX:
            if wanted not in words:
                return False
        elif not any(word.startswith(wanted) for word in words):
            return False
    return True
