"""Provides the staff PIN: PBKDF2 hashing, constant-time checking and a back-off after wrong tries.

Imports nothing from Textual, so `intake pin-hash` and the tests use it without the TUI.
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
    _locked_until: float = field(default=0.0, repr=False)

    def wait_seconds(self) -> float:
        """Seconds until another PIN may be tried (0 when it may be tried now)."""
        return max(0.0, self._locked_until - self.clock())

    def tries_left(self) -> int:
        """Wrong PINs still allowed before the first pause."""
        return max(0, self.free_tries - self.failures)

    def attempt(self, pin: str) -> bool:
        """Checks one PIN; a wrong one counts towards the pause. Refused while a pause runs."""
        if self.wait_seconds() > 0:
            return False
        if check_pin(pin, self.stored_hash):
            self.failures = 0
            return True
        self.failures += 1
        if self.failures >= self.free_tries:
            pause = min(self.max_pause, self.first_pause * 2 ** (self.failures - self.free_tries))
            self._locked_until = self.clock() + pause
        return False
