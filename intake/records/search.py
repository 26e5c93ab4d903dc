"""Provides search: intakes whose client matches name beginnings and/or a date of birth, newest first.

The engine hands candidates (intakes whose client carries every query token of the blind index,
intake.records.tokens) newest first; each is confirmed here on the client's opened name, since tokens
can collide, and rows are read only until one more than the limit is confirmed, so the cost follows
the limit, not how many intakes share a common name beginning. A damaged intake or client is named
apart; every intact one is still listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intake.records.clients import open_identity
from intake.records.errors import RecordNotFoundError, StoreError, TamperedRecordError
from intake.records.model import GONE, DamagedRow, ListRow, Row, SearchResult
from intake.records.tokens import (
    MAX_PREFIX,
    MIN_PREFIX,
    Query,
    client_tokens,
    identity_token,
    matches,
    name_key,
    name_words,
    parse_query,
    query_tokens,
)

if TYPE_CHECKING:
    from intake.records.store import Records
    from intake.records.tables import Backend

__all__ = ["COUNT_CAP", "MAX_PREFIX", "MIN_PREFIX", "Query", "client_tokens", "identity_token", "matches", "name_key",
           "name_words", "parse_query", "query_tokens", "resolve", "run", "index_differences"]

Identity = dict[str, str] | None | TamperedRecordError

#: How far an engine counts the intakes carrying each query token before it walks the rarest one; when every
#: token reaches it, they are counted exactly (the SQLite engine reads it at each search).
COUNT_CAP = 2048


def __getattr__(name: str) -> Any:
    """`walk_order`, the SQLite engine's choice of the token to walk, under the name it had beside search."""
    if name == "walk_order":
        from intake.records.sqlite.search import walk_order

        return walk_order
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Clients:
    """Each candidate's client opened once: its identity when it matches the query, None when not, or the damage."""

    def __init__(self, store: Records, query: Query):
        self.store = store
        self.query = query
        self.seen: dict[str, Identity] = {}

    def of(self, row: Row) -> Identity:
        owner = row["client_id"]
        if owner not in self.seen:
            try:
                opened = open_identity(self.store.keyring, owner, row["client_identity"])
                ok = self.query.empty or matches(self.query, opened["full_name"], opened["date_of_birth"])
                self.seen[owner] = opened if ok else None
            except TamperedRecordError as exc:
                self.seen[owner] = exc  # one damaged client: its intakes are named, the others still listed
        return self.seen[owner]


def _list_row(store: Records, row: Row, identity: dict[str, str] | None) -> ListRow:
    """One line of the list, after checking the intake's seal (TamperedRecordError when it does not match)."""
    intake_id, state = row["id"], row["status"]
    store.tables.check("intakes", row)
    if state in GONE:
        name = f"({state}: nothing kept)"
    else:
        name = identity["full_name"] if identity else (
            store.open_sealed(intake_id, "label", row["label"], "client label") or "(name not given yet)")
    return ListRow(intake_id, state, row["consultation_date"], row["updated_at"], row["client_id"], name,
                   identity["date_of_birth"] if identity else "")


def run(store: Records, text: str | None, status: str | None, limit: int, client_id: str | None) -> SearchResult:
    """Runs a search inside the caller's read transaction; every hit is confirmed on the opened name."""
    query = parse_query(text or "")
    if text and query.empty:
        return SearchResult([])
    tokens = [] if query.empty else query_tokens(store.keyring, query)
    people = _Clients(store, query)
    rows: list[ListRow] = []
    damaged: list[DamagedRow] = []
    for row in store.backend.search_rows(tokens, status, client_id):
        identity = people.of(row) if row["client_id"] else None
        if (row["client_id"] and identity is None) or (not row["client_id"] and not query.empty):
            continue
        if len(rows) == limit:
            return SearchResult(rows, more=True, damaged=damaged)
        try:
            if isinstance(identity, TamperedRecordError):
                raise identity
            rows.append(_list_row(store, row, identity))
        except TamperedRecordError as exc:
            damaged.append(DamagedRow(row["id"], str(exc)))
    return SearchResult(rows, damaged=damaged)


def resolve(backend: Backend, text: str) -> str:
    """The intake id that `text` names in full or by a unique beginning (at least 4 characters)."""
    text = text.strip().lower()
    if text and backend.fetch("intakes", text) is not None:
        return text
    found = backend.intake_ids(text, limit=3) if text else []
    if len(text) >= 4 and len(found) == 1:
        return found[0]
    if len(found) > 1 and len(text) >= 4:
        raise StoreError(f"{text!r} is the beginning of several intake ids ({', '.join(found)}…); type more.")
    raise RecordNotFoundError(f"there is no intake {text!r}. `intake records list` shows them all.")


def index_differences(missing: int, extra: int) -> list[str]:
    """What `audit verify` says when an engine's per-intake search index differs from what it derives from (the
    clients' tokens x their intakes): the index holds nothing of its own, so any difference was made outside intake."""
    problems = []
    if missing:
        problems.append(f"{missing} row(s) of the search index (table intake_tokens) were deleted outside intake: "
                        "the intakes they point to can no longer be found by search")
    if extra:
        problems.append(f"{extra} row(s) were added to the search index (table intake_tokens) outside intake")
    return problems
