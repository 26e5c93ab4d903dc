"""Provides the checks every record-keeping operation makes first: who acts, and whether the intake's state allows it.

One definition for every engine: the operations (intake.records.workflow, decisions, erase...) call these
before they write anything, so bad input is refused with a plain message and nothing is stored.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from intake.records.crypto import Keyring
from intake.records.errors import StoreError, WorkflowError
from intake.records.model import GONE

_WHO = re.compile(r"^[^\x00-\x1f\x7f]{1,120}$")


class Keyed(Protocol):
    """Anything holding the store's keys (a record store)."""

    keyring: Keyring


def fingerprint(store: Keyed, kind: str, value: Any) -> str:
    """A keyed hash (HMAC, key derived from the data key) of a JSON value, for audit details.

    An unkeyed hash of a signature or a reason would let anyone with the database test guesses
    (a list of names) against it, even after erasure; this one needs the key.
    """
    text = json.dumps([kind, value], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return store.keyring.fingerprint(text.encode("utf-8"))


def check_who(staff: str, device: str) -> None:
    """Refuses a staff or device name that is empty, too long or holds control characters.

    Raises:
        StoreError: naming which of the two.
    """
    for name, value in (("staff", staff), ("device", device)):
        if not isinstance(value, str) or not _WHO.match(value):
            raise StoreError(f"the {name} name must be 1 to 120 characters without control characters.")


def require_draft(intake_id: str, status: str) -> None:
    """Refuses to change the answers of an intake that is no longer a draft."""
    if status != "draft":
        raise WorkflowError(f"intake {intake_id} is {status}, not a draft: its answers can no longer be changed.")


def require_state(intake_id: str, status: str, action: str) -> None:
    """Refuses an action on a draft (not yet submitted) or on an erased or expired intake."""
    if status == "draft":
        raise WorkflowError(f"intake {intake_id} is still a draft: submit it before {action}.")
    if status in GONE:
        raise WorkflowError(f"intake {intake_id} was {status}: there is nothing left to {action.split()[0]}.")
