"""Provides the PostgreSQL engine: a clinic group's records on one server, under the same write path as SQLite.

`PostgresStore.open(config)` (or `intake.records.opening.open_store` with `[storage] engine = "postgresql"`)
keeps the records in the `intake` schema of a PostgreSQL database; `PostgresBackend` is the engine
(intake.records.tables.Backend). Only this package imports the driver (psycopg 3).
"""

from __future__ import annotations

from intake.records.postgres.backend import PostgresBackend
from intake.records.postgres.connection import ConnectionLostError, ServerRefusedError, ServerUnavailableError
from intake.records.postgres.settings import DatabaseSettingsError
from intake.records.postgres.store import PostgresStore

__all__ = ["ConnectionLostError", "DatabaseSettingsError", "PostgresBackend", "PostgresStore", "ServerRefusedError",
           "ServerUnavailableError"]
