"""Provides where the PostgreSQL engine's connection string comes from: the environment or a private file.

`INTAKE_DATABASE_URL`, else the file named by `[storage] postgresql_dsn_file` (one line: a libpq connection
string or a postgresql:// URL, lines starting with # ignored). The string may hold a password, so it never goes
in the clinic's TOML, and the file is refused while other users can read it (as the data key is). This module
does not import the driver: reading the setting needs no server.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from intake.records.errors import StoreError

if TYPE_CHECKING:
    from intake.config import ClinicConfig

ENV = "INTAKE_DATABASE_URL"
FILE_KEY = "postgresql_dsn_file"


class DatabaseSettingsError(StoreError):
    """The connection string is missing, unreadable, or readable by other users."""


def engine_name(config: ClinicConfig) -> str:
    """[storage] engine: "sqlite" (the default) or "postgresql"."""
    return str(config.section("storage").get("engine", "sqlite"))


def dsn(config: ClinicConfig) -> str:
    """The connection string: $INTAKE_DATABASE_URL, else the first line of [storage] postgresql_dsn_file.

    Raises:
        DatabaseSettingsError: neither is set, the file is missing, empty, or readable by group or others.
    """
    env = os.environ.get(ENV, "").strip()
    if env:
        return env
    path = config.path("storage", FILE_KEY)
    if path is None:
        raise DatabaseSettingsError(f"[storage] engine = \"postgresql\" in {config.source} needs the server's "
                                    f"connection string: set [storage] {FILE_KEY} to a file only this user can read "
                                    f"(chmod 600) holding it, or the environment variable {ENV}.")
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DatabaseSettingsError(f"the connection string file {path} is not a file. Check [storage] "
                                        f"{FILE_KEY}.")
        if info.st_mode & 0o077:
            raise DatabaseSettingsError(f"the connection string file {path} can be read by other users (mode "
                                        f"{info.st_mode & 0o777:o}); it may hold the server's password. Run "
                                        f"`chmod 600 {path}` and try again.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatabaseSettingsError(f"the connection string file {path} does not exist. Create it (chmod 600) with "
                                    f"one line such as postgresql://intake@db.example.org/intake, or correct "
                                    f"[storage] {FILE_KEY}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not text"
        raise DatabaseSettingsError(f"cannot read the connection string file {path} ({reason}).") from None
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) != 1:
        raise DatabaseSettingsError(f"the connection string file {path} should hold exactly one line (the "
                                    f"connection string); it holds {len(lines)}.")
    return lines[0]
