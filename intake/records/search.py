"""Provides the blind search index: keyed tokens of name prefixes and dates of birth, never the names.

Names are sealed, so the database cannot be searched by name directly. Instead each client has a
handful of tokens: HMAC-SHA256 (key derived from the data key) of each name word's prefixes of 3 to
12 letters, of the date of birth, and of the whole normalised name with the date of birth. Tokens
are cut to 24 bits, so unrelated prefixes sometimes share one: every hit is confirmed by opening
the sealed name. Someone holding the database but not the key sees only which clients share a
token, never a name or a date.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
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


#: How far the cost of each query token is counted before the cheapest one is chosen to walk.
COUNT_CAP = 2048


def _cost(conn: sqlite3.Connection, token: int, cap: int | None) -> int:
    """How many intakes carry a token (counted up to `cap`; exactly when cap is None)."""
    if cap is None:
        return conn.execute("SELECT count(*) FROM intake_tokens WHERE token = ?", (token,)).fetchone()[0]
    return conn.execute("SELECT count(*) FROM (SELECT 1 FROM intake_tokens WHERE token = ? LIMIT ?)",
                        (token, cap)).fetchone()[0]


def walk_order(conn: sqlite3.Connection, tokens: list[int]) -> list[int]:
    """The query tokens, the one carried by the fewest intakes first (it is the one walked)."""
    if len(tokens) < 2:
        return tokens
    costs = {token: _cost(conn, token, COUNT_CAP) for token in tokens}
    if min(costs.values()) >= COUNT_CAP:  # every token is common: count them exactly
        costs = {token: _cost(conn, token, None) for token in tokens}
    return sorted(tokens, key=lambda token: (costs[token], token))


_COLUMNS = "i.id, i.status, i.consultation_date, i.updated_at, i.client_id, c.identity, i.label"


def _token_sql(tokens: list[int], where: list[str], params: list) -> tuple[str, list]:
    """Intakes carrying every token, newest first, walking the first token's intakes in index order.

    The other tokens are checked on the same index row by row, so SQLite stops as soon as the caller
    has read enough rows; CROSS JOIN keeps the walk on intake_tokens.
    """
    also = "".join(" AND EXISTS (SELECT 1 FROM intake_tokens o WHERE o.token = ? AND o.updated_at = t.updated_at"
                   " AND o.intake_id = t.intake_id)" for _ in tokens[1:])
    sql = (f"SELECT {_COLUMNS} FROM intake_tokens t CROSS JOIN intakes i ON i.id = t.intake_id"
           f" LEFT JOIN clients c ON c.id = i.client_id WHERE t.token = ?{also} AND {' AND '.join(where)}"
           " ORDER BY t.updated_at DESC, t.intake_id DESC")
    return sql, [tokens[0], *tokens[1:], *params]


def run(store: StoreOps, text: str | None, status: str | None, limit: int, client_id: str | None) -> SearchResult:
    """Runs a search inside the caller's read transaction; every hit is confirmed on the opened name.

    Rows are read newest first and only until one more than `limit` is confirmed, so the cost
    follows `limit`, not how many intakes share a common name beginning.
    """
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
    if query.empty:
        sql, params = (f"SELECT {_COLUMNS} FROM intakes i LEFT JOIN clients c ON c.id = i.client_id"
                       f" WHERE {' AND '.join(where)} ORDER BY i.updated_at DESC"), params
    else:
        sql, params = _token_sql(walk_order(store.conn, query_tokens(store.keyring, query)), where, params)
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


def index_problems(conn: sqlite3.Connection) -> list[str]:
    """Differences between the per-intake search index and what it is derived from (client tokens x intakes).

    The index holds nothing of its own, so any difference was made outside intake: rows deleted hide
    intakes from search, rows added point searches at the wrong intakes.
    """
    derived = ("SELECT t.token, i.updated_at, i.id FROM search_tokens t JOIN intakes i ON i.client_id = t.client_id")
    missing = conn.execute(f"SELECT count(*) FROM ({derived} EXCEPT SELECT token, updated_at, intake_id"
                           " FROM intake_tokens)").fetchone()[0]
    extra = conn.execute(f"SELECT count(*) FROM (SELECT token, updated_at, intake_id FROM intake_tokens EXCEPT"
                         f" {derived})").fetchone()[0]
    problems = []
    if missing:
        problems.append(f"{missing} row(s) of the search index (table intake_tokens) were deleted outside intake: "
                        "the intakes they point to can no longer be found by search")
    if extra:
        problems.append(f"{extra} row(s) were added to the search index (table intake_tokens) outside intake")
    return problems
