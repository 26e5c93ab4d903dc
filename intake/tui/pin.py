"""Provides the staff PIN guards the PIN screen uses: staff accounts (StaffPinGuard) or the legacy shared PIN.

StaffPinGuard asks intake.records.staff.StaffDirectory, so each person unlocks as themselves and the
back-off is kept in the store; PinGuard checks the one shared `[kiosk] staff_pin_hash` (PBKDF2) and
answers with SHARED_STAFF. `make_guard` picks one and refuses the demo PIN on a kiosk unless the
configuration is a demo clinic. Imports nothing from Textual, so `intake pin-hash` and the tests use
it without the TUI.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from intake.errors import IntakeError
from intake.records.staff import DEMO_PINS, PinRefused, StaffDirectory, StaffMember

#: Who unlocked with the shared PIN: nobody in particular (a clinic should add staff accounts).
SHARED_STAFF = StaffMember("staff", "Staff (shared PIN)", "front_desk")

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 200_000
PIN_PATTERN = re.compile(r"[0-9]{4,12}")
_HASH_PATTERN = re.compile(r"pbkdf2_sha256\$([0-9]+)\$([0-9a-f]+)\$([0-9a-f]+)")


class PinError(IntakeError):
    """A PIN or PIN hash that cannot be used."""

    exit_code = 1


def hash_pin(pin: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """Hashes a PIN into the configuration format `pbkdf2_sha256$iterations$salthex$hashhex`.

    Raises:
        PinError: the PIN is not 4 to 12 digits.
    """
    if not PIN_PATTERN.fullmatch(pin):
        raise PinError("a staff PIN must be 4 to 12 digits (0-9).")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    """True when the PIN matches the stored hash (compared in constant time).

    Raises:
        PinError: the stored hash is not in the configuration format.
    """
    match = _HASH_PATTERN.fullmatch(stored or "")
    if match is None:
        raise PinError("kiosk.staff_pin_hash is not a pbkdf2_sha256 hash; make one with `intake pin-hash`.")
    iterations, salt, expected = int(match[1]), bytes.fromhex(match[2]), bytes.fromhex(match[3])
    if not PIN_PATTERN.fullmatch(pin):
        pin = ""  # still spend the same time, so a malformed PIN is not faster to reject
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii", "replace"), salt, iterations)
    return hmac.compare_digest(digest, expected) and bool(pin)


@dataclass
class PinGuard:
    """Checks PINs against one hash and makes guessing slow: after `free_tries` wrong PINs in a row,
    each further wrong PIN locks entry for a pause that doubles, up to `max_pause` seconds.

    Args:
        stored_hash: the configured hash.
        clock: a monotonic clock in seconds (injectable for tests).
    """

    stored_hash: str
    free_tries: int = 3
    first_pause: float = 30.0
    max_pause: float = 900.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    refuse_demo: bool = False
    _locked_until: float = field(default=0.0, repr=False)

    def wait_seconds(self) -> float:
        """Seconds until another PIN may be tried (0 when it may be tried now)."""
        return max(0.0, self._locked_until - self.clock())

    def tries_left(self) -> int:
        """Wrong PINs still allowed before the first pause."""
        return max(0, self.free_tries - self.failures)

    def authenticate(self, pin: str) -> StaffMember | None:
        """SHARED_STAFF when the PIN is right, None when not (see attempt)."""
        return SHARED_STAFF if self.attempt(pin) else None

    def attempt(self, pin: str) -> bool:
        """Checks one PIN; a wrong one counts towards the pause. Refused while a pause runs.

        Raises:
            PinError: the demo PIN on a kiosk that is not a demo clinic.
        """
        if self.wait_seconds() > 0:
            return False
        if self.refuse_demo and pin in DEMO_PINS and check_pin(pin, self.stored_hash):
            raise PinError("The demo PIN does not unlock a kiosk. Add staff accounts with `intake staff add`, "
                           "or set [kiosk] demo = true for a demonstration.")
        if check_pin(pin, self.stored_hash):
            self.failures = 0
            return True
        self.failures += 1
        if self.failures >= self.free_tries:
            pause = min(self.max_pause, self.first_pause * 2 ** (self.failures - self.free_tries))
            self._locked_until = self.clock() + pause
        return False


class StaffPinGuard:
    """Each staff member's own PIN, checked by the store's StaffDirectory for one device."""

    def __init__(self, directory: StaffDirectory, device: str):
        self.directory = directory
        self.device = device
        self.message = ""
        self.failures = 0  # refusals seen through this guard (the store keeps the real count per device)
        self._left = 0

    def wait_seconds(self) -> float:
        """Seconds until another PIN may be tried on this device (kept in the store)."""
        return self.directory.wait_seconds(self.device)

    def tries_left(self) -> int:
        """Wrong PINs still allowed before a pause (after the last refusal)."""
        return self._left

    def authenticate(self, pin: str) -> StaffMember | None:
        """The staff member whose PIN this is, or None (then `message` says why)."""
        try:
            return self.directory.authenticate(pin, device=self.device)
        except PinRefused as exc:
            self.message, self._left = str(exc), exc.tries_left
            self.failures += 1
            return None


def demo_allowed(config) -> bool:
    """True for the built-in demo clinic or a configuration with [kiosk] demo = true."""
    return bool(config.is_demo or config.section("kiosk").get("demo") is True)


def make_guard(config, store=None, *, kiosk: bool) -> PinGuard | StaffPinGuard:
    """Staff accounts when the store has any; else the shared PIN, refusing the demo PIN on a real kiosk.

    Raises:
        PinError: neither staff accounts nor [kiosk] staff_pin_hash are set.
    """
    device = config.section("kiosk").get("device") or "this computer"
    if store is not None:
        directory = StaffDirectory(store)
        if directory.members():
            return StaffPinGuard(directory, device)
    stored = config.section("kiosk").get("staff_pin_hash")
    if not stored:
        raise PinError("no staff can unlock: add staff accounts with `intake staff add` (or set [kiosk] "
                       "staff_pin_hash).")
    return PinGuard(stored, refuse_demo=kiosk and not demo_allowed(config))
