"""Provides ensure_seal: the demo clinic's document seal made on first use, by every front end alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def ensure_seal(config: Any, signed_at: datetime | None = None) -> bool:
    """Makes the demo clinic's seal on first use, valid from a day before the earlier of now and `signed_at`.

    Returns True when the seal was made now (the caller says so); False when it was there already.

    Raises:
        SealKeyError: a real clinic without its seal (made once with `intake keys init`).
    """
    from intake.documents.errors import SealKeyError
    from intake.documents.keys import create_seal_identity, seal_paths

    key, cert = seal_paths(config)
    if key.exists() and cert.exists():
        return False
    if not config.is_demo:
        raise SealKeyError(f"no clinic seal at {key if not key.exists() else cert}. Run `intake keys init` once "
                           "to create it (or set [security] seal_key_file and seal_cert_file).")
    now = datetime.now(UTC)
    create_seal_identity(config, valid_from=min(now, signed_at or now) - timedelta(days=1))
    return True
