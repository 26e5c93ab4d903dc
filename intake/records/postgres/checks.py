"""Provides `intake check`'s look at a clinic group's records server: reachable, encrypted, schema, privileges.

Each finding is (level, words): "ok", "warning" or "problem". Nothing is written to the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import psycopg
from psycopg.conninfo import conninfo_to_dict

from intake.records.errors import StoreError
from intake.records.postgres import schema, settings
from intake.records.postgres.connection import SCHEMA, Connection, connect, describe

if TYPE_CHECKING:
    from intake.config import ClinicConfig

Level = Literal["ok", "warning", "problem"]
Finding = tuple[Level, str]
#: The privileges intake needs on each kind of table (the audit trail and the server's checkpoint are append-only).
APPEND_ONLY = ("audit", "anchors", "migrations")
NEEDED = {"append": ("SELECT", "INSERT"), "other": ("SELECT", "INSERT", "UPDATE", "DELETE")}


def _tls(conn: Connection, dsn: str) -> Finding:
    parts = conninfo_to_dict(dsn)
    host = str(parts.get("host") or "")
    mode = str(parts.get("sslmode") or "prefer")
    if conn.pgconn.ssl_in_use:
        if mode == "verify-full":
            return "ok", "the connection is encrypted (TLS) and the server's certificate and name are verified"
        return "warning", (f"the connection is encrypted (TLS) but the server's certificate is not verified "
                           f"(sslmode={mode}): another machine could pose as the server. Add sslmode=verify-full "
                           "and sslrootcert=<the server's CA certificate> to the connection setting.")
    if host.startswith("/") or (not host and not parts.get("hostaddr")):
        return "ok", "the connection is this computer's own socket (no network, so no TLS needed)"
    if host in ("localhost", "127.0.0.1", "::1"):
        return "warning", "the connection is not encrypted; it stays on this computer (localhost), so that is fine"
    return "problem", (f"the connection to {host} is not encrypted: health data would cross the network readable. "
                       "Add sslmode=verify-full and sslrootcert=<the server's CA certificate> to the connection "
                       "setting, and turn TLS on at the server.")


def _privileges(conn: Connection) -> list[Finding]:
    user = conn.execute("SELECT current_user AS u").fetchone()
    missing = []
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (SCHEMA,))
    for row in rows.fetchall():
        table = str(row["tablename"])
        for privilege in NEEDED["append" if table in APPEND_ONLY else "other"]:
            held = conn.execute("SELECT has_table_privilege(%s, %s) AS ok",
                                (f"{SCHEMA}.{table}", privilege)).fetchone()
            if not (held and held["ok"]):
                missing.append(f"{privilege} on {SCHEMA}.{table}")
    who = user["u"] if user else "?"
    if missing:
        return [("problem", f"the database user {who} lacks privileges intake needs: {', '.join(missing[:6])}"
                 + (f" and {len(missing) - 6} more" if len(missing) > 6 else "") + ". Ask whoever runs the server "
                 "to grant them (or to make this user the owner of the schema intake).")]
    return [("ok", f"the database user {who} holds every privilege intake needs")]


def server_findings(config: ClinicConfig) -> list[Finding]:
    """What `intake check` says about the records server of a clinic on [storage] engine = "postgresql"."""
    try:
        dsn = settings.dsn(config)
    except StoreError as exc:
        return [("problem", str(exc))]
    where = describe(dsn)
    try:
        conn = connect(dsn, 5)
    except StoreError as exc:
        return [("problem", str(exc))]
    try:
        found: list[Finding] = [("ok", f"the records server answers: {where}"), _tls(conn, dsn)]
        version = schema.version(conn)
        if version is None:
            made = conn.execute("SELECT has_database_privilege(current_database(), 'CREATE') AS ok").fetchone()
            if made and made["ok"]:
                return [*found, ("ok", "intake's tables are not there yet: the first use makes them")]
            return [*found, ("problem", "intake's tables are not there yet and this database user may not make "
                             "them (no CREATE privilege on the database): ask whoever runs the server to grant it, "
                             "or to make the schema intake for this user.")]
        if version > schema.VERSION:
            found.append(("problem", f"the records were written by a newer version of intake (schema {version}; this "
                          f"one knows up to {schema.VERSION}): update intake on this computer."))
        elif version < schema.VERSION:
            found.append(("ok", f"schema {version}: upgraded to {schema.VERSION} on first use"))
        else:
            found.append(("ok", f"schema {version}, as this version of intake writes it"))
        return found + _privileges(conn)
    except psycopg.Error as exc:
        return [("ok", f"the records server answers: {where}"),
                ("problem", f"the records server refused a check ({str(exc).strip().splitlines()[0]})")]
    finally:
        conn.close()
