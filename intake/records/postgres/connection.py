"""Provides the PostgreSQL engine's connection: opening it, and the server's errors in plain words.

Connections run in autocommit mode, so every transaction is one the engine opens itself (BEGIN … COMMIT in
intake.records.postgres.backend); rows come back as dictionaries of column values, bytea as bytes. A message
names the server by host, port, database and user, never by the whole connection string (it may hold a
password).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from intake.records.errors import DatabaseLockedError, StorageFullError, StoreError

Connection = psycopg.Connection[dict[str, Any]]
#: The PostgreSQL schema holding intake's tables (so a clinic group's database may hold other things too).
SCHEMA = "intake"


class ServerUnavailableError(StoreError):
    """The records server cannot be reached, or refuses the connection (user, password, database)."""


class ConnectionLostError(StoreError):
    """The connection to the records server broke during a transaction."""


class ServerRefusedError(StoreError):
    """The server refused a statement: the database user lacks a privilege intake needs."""


def describe(dsn: str) -> str:
    """The server in words: 'database intake on db.example.org:5432 as intake_app' (no password)."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "the configured server"
    host = str(parts.get("host") or "localhost")
    port = str(parts.get("port") or "5432")
    return f"database {parts.get('dbname') or parts.get('user') or '?'} on {host}:{port} as {parts.get('user') or '?'}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _refusal(dsn: str, exc: psycopg.Error) -> StoreError:
    """A connection that did not open, in plain words."""
    text = str(exc)
    where = describe(dsn)
    if "password authentication failed" in text or "no password supplied" in text:
        return ServerUnavailableError(f"the records server refused the password for {where}. Nothing was changed. "
                                      "Check the password in the connection setting ([storage] postgresql_dsn_file "
                                      "or INTAKE_DATABASE_URL).")
    if "no encryption" in text or "SSL off" in text:
        return ServerUnavailableError(f"the records server accepts only encrypted connections ({where}). Nothing "
                                      "was changed. Add sslmode=verify-full and sslrootcert=<the server's CA "
                                      "certificate> to the connection setting.")
    if "certificate" in text or "SSL" in text:
        return ServerUnavailableError(f"the records server's identity could not be verified ({where}): "
                                      f"{_first_line(exc)}. Nothing was changed. Check the server's name in the "
                                      "connection setting and that sslrootcert names the certificate authority "
                                      "that signed its certificate; another machine may be posing as the server.")
    if "does not exist" in text:
        return ServerUnavailableError(f"the records server has no such database or user ({where}): "
                                      f"{_first_line(exc)}. Nothing was changed. Ask whoever runs the server to "
                                      "create it, or correct the connection setting.")
    return ServerUnavailableError(f"cannot reach the records server ({where}): {_first_line(exc)}. Nothing was "
                                  "changed. Check that the server is running and reachable from this computer, and "
                                  "the connection setting ([storage] postgresql_dsn_file or INTAKE_DATABASE_URL).")


def connect(dsn: str, timeout: float) -> Connection:
    """Opens one connection (autocommit, dictionary rows) with intake's schema first on the search path.

    Raises:
        ServerUnavailableError: unreachable, wrong password, no such database or user, a malformed setting.
    """
    try:
        conn = psycopg.connect(dsn, autocommit=True, row_factory=dict_row, connect_timeout=max(2, round(timeout)),
                               application_name="intake")
    except psycopg.ProgrammingError:  # the string itself cannot be read (the driver's words may quote a password)
        raise ServerUnavailableError("the records server's connection setting cannot be read. Nothing was changed. "
                                     "Write it as 'postgresql://user:password@host:5432/database' or as "
                                     "'host=… dbname=… user=… password=…' (quote a value holding spaces).") from None
    except psycopg.Error as exc:
        raise _refusal(dsn, exc) from None
    try:
        conn.execute(f"SET search_path TO {SCHEMA}")
    except psycopg.Error as exc:
        conn.close()
        raise _refusal(dsn, exc) from None
    return conn


@contextmanager
def translate(dsn: str, action: str, busy_timeout: float, committing: list[bool]) -> Iterator[None]:
    """The server's errors during `action` as intake's plain errors (others, a program's mistakes, pass).

    `committing[0]` is True once the transaction has reached its COMMIT: a connection lost there may have saved.
    """
    where = describe(dsn)
    try:
        yield
    except (errors.LockNotAvailable, errors.QueryCanceled):
        raise DatabaseLockedError(f"the records are busy: another computer kept them for more than {busy_timeout:g} "
                                  f"seconds while {action}. Nothing was changed; try again.") from None
    except errors.DiskFull:
        raise StorageFullError(f"the records server's disk is full ({where}) while {action}. The change was not "
                               "saved. Ask whoever runs the server to free some space.") from None
    except errors.InsufficientPrivilege as exc:
        raise ServerRefusedError(f"the records server refused {action} ({where}): {_first_line(exc)}. Nothing was "
                                 "changed. The database user needs to own intake's schema, or the privileges "
                                 "listed in the README.") from None
    except psycopg.OperationalError as exc:
        if committing[0]:
            raise ConnectionLostError(f"the connection to the records server ({where}) was lost as {action} was "
                                      f"being saved: {_first_line(exc)}. It may or may not have been saved: look "
                                      "before doing it again (`intake audit verify` checks the trail).") from None
        raise ConnectionLostError(f"the connection to the records server ({where}) was lost while {action}: "
                                  f"{_first_line(exc)}. The change was not saved (nothing half-done is kept); "
                                  "try again once the server is back.") from None
