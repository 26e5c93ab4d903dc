"""Provides the SQLite engine's search queries: the per-intake blind index walked newest first, rarest token first.

`intake_tokens` holds (token, updated_at, intake id) for every token of each intake's client, kept in
step by triggers whoever writes (intake.records.sqlite.migrations, schema 3); it holds nothing of its own.
A search walks the intakes of the query token carried by the fewest intakes, in index order (newest
first), checking the other tokens on the same index row by row, so SQLite stops as soon as the caller has
read enough rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from intake.records import search as core

_COLUMNS = "i.*, c.identity AS client_identity"


def _cost(conn: sqlite3.Connection, token: int, cap: int | None) -> int:
    """How many intakes carry a token (counted up to `cap`; exactly when cap is None)."""
    if cap is None:
        return int(conn.execute("SELECT count(*) FROM intake_tokens WHERE token = ?", (token,)).fetchone()[0])
    return int(conn.execute("SELECT count(*) FROM (SELECT 1 FROM intake_tokens WHERE token = ? LIMIT ?)",
                            (token, cap)).fetchone()[0])


def walk_order(conn: sqlite3.Connection, tokens: list[int]) -> list[int]:
    """The query tokens, the one carried by the fewest intakes first (it is the one walked)."""
    if len(tokens) < 2:
        return tokens
    cap = core.COUNT_CAP
    costs = {token: _cost(conn, token, cap) for token in tokens}
    if min(costs.values()) >= cap:  # every token is common: count them exactly
        costs = {token: _cost(conn, token, None) for token in tokens}
    return sorted(tokens, key=lambda token: (costs[token], token))


def _token_sql(tokens: list[int], where: list[str], params: list[Any]) -> tuple[str, list[Any]]:
    """Intakes carrying every token, newest first, walking the first token's intakes in index order.

    The other tokens are checked on the same index row by row; CROSS JOIN keeps the walk on intake_tokens.
    """
    also = "".join(" AND EXISTS (SELECT 1 FROM intake_tokens o WHERE o.token = ? AND o.updated_at = t.updated_at"
                   " AND o.intake_id = t.intake_id)" for _ in tokens[1:])
    sql = (f"SELECT {_COLUMNS} FROM intake_tokens t CROSS JOIN intakes i ON i.id = t.intake_id"
           f" LEFT JOIN clients c ON c.id = i.client_id WHERE t.token = ?{also} AND {' AND '.join(where)}"
           " ORDER BY t.updated_at DESC, t.intake_id DESC")
    return sql, [tokens[0], *tokens[1:], *params]


def candidates(conn: sqlite3.Connection, tokens: Sequence[int], status: str | None,
               client_id: str | None) -> Iterator[dict[str, Any]]:
    """Whole intake rows (with `client_identity`) carrying every token, or all without tokens, newest first."""
    where, params = ["1 = 1"], []
    if client_id:
        where.append("i.client_id = ?")
        params.append(client_id)
    if status:
        where.append("i.status = ?")
        params.append(status)
    if tokens:
        sql, params = _token_sql(walk_order(conn, list(tokens)), where, params)
    else:
        sql = (f"SELECT {_COLUMNS} FROM intakes i LEFT JOIN clients c ON c.id = i.client_id"
               f" WHERE {' AND '.join(where)} ORDER BY i.updated_at DESC")
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def index_problems(conn: sqlite3.Connection) -> list[str]:
    """Differences between the per-intake search index and what it is derived from (client tokens x intakes).

    The index holds nothing of its own, so any difference was made outside intake: rows deleted hide
    intakes from search, rows added point searches at the wrong intakes.
    """
    derived = "SELECT t.token, i.updated_at, i.id FROM search_tokens t JOIN intakes i ON i.client_id = t.client_id"
    missing = conn.execute(f"SELECT count(*) FROM ({derived} EXCEPT SELECT token, updated_at, intake_id"
                           " FROM intake_tokens)").fetchone()[0]
    extra = conn.execute(f"SELECT count(*) FROM (SELECT token, updated_at, intake_id FROM intake_tokens EXCEPT"
                         f" {derived})").fetchone()[0]
    return core.index_differences(missing, extra)
