"""Provides the blind search index: keyed tokens of name prefixes and dates of birth, never the names.

Names are sealed, so the database cannot be searched by name directly. Instead each client has a
handful of tokens: HMAC-SHA256 (key derived from the data key) of each name word's prefixes of 3 to
12 letters, of the date of birth, and of the whole normalised name with the date of birth. Tokens
are cut to 24 bits, so unrelated prefixes sometimes share one: every hit is confirmed by opening
the sealed name. Someone holding the database but not the key sees only which clients share a
token, never a name or a date.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from intake.dates import parse_iso_date
from intake.records.crypto import Keyring
from intake.records.errors import RecordNotFoundError, StoreError, TamperedRecordError
from intake.records.model import DamagedRow, ListRow, SearchResult
from intake.records.ops import StoreOps

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


def candidate_clients(conn: sqlite3.Connection, tokens: Iterable[int]) -> set[str]:
    """Clients that hold every token (before confirmation)."""
    result: set[str] | None = None
    for token in sorted(set(tokens)):
        found = {cid for (cid,) in conn.execute("SELECT client_id FROM search_tokens WHERE token = ?", (token,))}
        result = found if result is None else result & found
        if not result:
            return set()
    return result or set()


def chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    """Splits a list for IN (...) clauses below SQLite's variable limit."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run(store: StoreOps, text: str | None, status: str | None, limit: int, client_id: str | None) -> SearchResult:
    """Runs a search inside the caller's read transaction; every hit is confirmed on the opened name."""
    from intake.records import integrity
    from intake.records.clients import open_identity

    query = parse_query(text or "")
    if text and query.empty:
        return SearchResult([])
    where, params = ["1 = 1"], []
    if client_id:
        where.append("i.client_id = ?")
        params.append(client_id)
    if status:
        where.append("i.status = ?")
        params.append(status)
    if not query.empty:
        found = candidate_clients(store.conn, query_tokens(store.keyring, query))
        if not found:
            return SearchResult([])
        where.append("i.client_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(found)))
    sql = ("SELECT i.id, i.status, i.consultation_date, i.updated_at, i.client_id, c.identity, i.label "
           f"FROM intakes i LEFT JOIN clients c ON c.id = i.client_id WHERE {' AND '.join(where)} "
           "ORDER BY i.updated_at DESC")
    rows: list[ListRow] = []
    damaged: list[DamagedRow] = []
    identities: dict[str, dict[str, str] | None | TamperedRecordError] = {}
    identity: dict[str, str] | None | TamperedRecordError
    for intake_id, state, day, updated, owner, blob, label in store.conn.execute(sql, params):
        if owner and owner not in identities:
            try:
                opened = open_identity(store.keyring, owner, blob)
                ok = query.empty or matches(query, opened["full_name"], opened["date_of_birth"])
                identities[owner] = opened if ok else None
            except TamperedRecordError as exc:
                identities[owner] = exc  # one damaged client: its intakes are named, the others still listed
        identity = identities.get(owner) if owner else None
        if owner and identity is None:
            continue
        if not owner and not query.empty:
            continue
        if len(rows) == limit:
            return SearchResult(rows, more=True, damaged=damaged)
        try:
            if isinstance(identity, TamperedRecordError):
                raise identity
            integrity.check(store.conn, "intakes", intake_id)
            if state in ("erased", "expired"):
                name = f"({state}: nothing kept)"
            else:
                name = identity["full_name"] if identity else (
                    store.open_sealed(intake_id, "label", label, "client label") or "(name not given yet)")
        except TamperedRecordError as exc:
            damaged.append(DamagedRow(intake_id, str(exc)))
            continue
        rows.append(ListRow(intake_id, state, day, updated, owner, name,
                            identity["date_of_birth"] if identity else ""))
    return SearchResult(rows, damaged=damaged)


def resolve(conn: sqlite3.Connection, text: str) -> str:
    """The intake id that `text` names in full or by a unique beginning (at least 4 characters)."""
    text = text.strip().lower()
    if conn.execute("SELECT 1 FROM intakes WHERE id = ?", (text,)).fetchone():
        return text
    found = [r[0] for r in conn.execute(
        "SELECT id FROM intakes WHERE id >= ? AND id < ? ORDER BY id LIMIT 3", (text, text + "\uffff"))]
    if len(text) >= 4 and len(found) == 1:
        return found[0]
    if len(found) > 1 and len(text) >= 4:
        raise StoreError(f"{text!r} is the beginning of several intake ids ({', '.join(found)}…); type more.")
    raise RecordNotFoundError(f"there is no intake {text!r}. `intake records list` shows them all.")
