"""Provides the errors of the record store, each saying what is wrong, where, and what to do next."""

from __future__ import annotations

from intake.errors import IntakeError


class StoreError(IntakeError):
    """Any problem with the record store that a person can act on."""


class DataKeyError(StoreError):
    """Base for data-key problems."""


class MissingKeyError(DataKeyError):
    """No data key: neither INTAKE_DATA_KEY nor the key file is there."""


class KeyFileError(DataKeyError):
    """The key file or INTAKE_DATA_KEY exists but cannot be used (format, permissions, location)."""


class KeyExistsError(KeyFileError):
    """The key file is already there; it is kept (`intake keys init` reports it as kept)."""

    already_exists = True


class WrongKeyError(DataKeyError):
    """The key does not open this database."""


class DatabaseFileError(StoreError):
    """The database file cannot be used as an intake database."""


class CorruptDatabaseError(DatabaseFileError):
    """The file is damaged or is not a SQLite database at all."""


class ForeignDatabaseError(DatabaseFileError):
    """The file is a SQLite database of some other program."""


class NewerDatabaseError(DatabaseFileError):
    """The database was written by a newer version of intake."""


class DatabaseLockedError(StoreError):
    """Another program holds the database for longer than the busy timeout."""


class StorageFullError(StoreError):
    """The disk (or the database's size limit) is full; the change was not saved."""


class StorageIOError(StoreError):
    """The operating system reported a read or write error."""


class TamperedRecordError(StoreError):
    """A stored value does not match its seal: it was changed outside intake."""


class RecordNotFoundError(StoreError):
    """No intake or client with that id."""


class WorkflowError(StoreError):
    """The intake is not in a state that allows this action (for example overriding a deferral)."""
