"""Provides the PIN screen's guard: the core's staff check (intake.lifecycle.auth) for one kiosk device.

Staff accounts (each person's own PIN) or, without them, the clinic's shared PIN: both are checked by
`authenticate`, wrong tries are counted in the store for this device (a restart or a new tablet page
does not reset them), and the demo PIN works only in a demo. Imports nothing from Textual, so
`intake pin-hash` and the tests use it without the TUI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intake.credentials import PinError, check_shared_pin, demo_allowed, hash_shared_pin
from intake.lifecycle import device_name
from intake.lifecycle.auth import Authenticated, AuthenticationError, authenticate, staff_accounts_exist
from intake.records.staff import FREE_TRIES

if TYPE_CHECKING:
    from intake.records.interface import RecordStore

__all__ = ["PinError", "StaffGuard", "check_pin", "demo_allowed", "hash_pin", "make_guard"]

#: The shared PIN's hash functions, under the names `intake pin-hash` and older tests use.
hash_pin = hash_shared_pin
check_pin = check_shared_pin


class StaffGuard:
    """Checks PINs typed on this device: whoever the PIN belongs to unlocks, as themselves.

    Attributes:
        message: why the last PIN was refused ("" before any refusal).
        failures: refusals seen through this guard (the store keeps the real count per device).
    """

    def __init__(self, store: RecordStore, device: str):
        self.store = store
        self.device = device
        self.message = ""
        self.failures = 0
        self._left = FREE_TRIES

    def wait_seconds(self) -> float:
        """Seconds until another PIN may be tried on this device (kept in the store)."""
        return self.store.staff.wait_seconds(self.device)

    def tries_left(self) -> int:
        """Wrong PINs still allowed before a pause (after the last refusal)."""
        return self._left

    def authenticate(self, pin: str) -> Authenticated | None:
        """The person whose PIN this is, or None (then `message` says why)."""
        try:
            who = authenticate(self.store, pin, "unlock", self.device)
        except AuthenticationError as exc:
            self.message, self.failures = str(exc), self.failures + 1
            self._left = max(0, self._left - 1)
            return None
        self.message, self._left = "", FREE_TRIES
        return who


def make_guard(config: Any, store: RecordStore) -> StaffGuard:
    """The guard for this device; refuses to start when no staff could ever unlock.

    Raises:
        PinError: neither staff accounts nor [kiosk] staff_pin_hash are set.
    """
    if not staff_accounts_exist(store) and not config.section("kiosk").get("staff_pin_hash"):
        raise PinError("no staff can unlock: add staff accounts with `intake staff add` (or set [kiosk] "
                       "staff_pin_hash).")
    return StaffGuard(store, device_name(config))
