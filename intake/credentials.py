"""Provides what a staff credential may be: PIN and passphrase rules, weak PINs, and the shared kiosk PIN's hash.

One definition for `intake staff add`, `intake pin-hash`, the wizard's PIN pad and every command that
asks for a credential:

- a **PIN** is 6 to 12 digits; an all-digit credential of any other length is not taken as a
  passphrase but refused as a PIN of the wrong length;
- a **passphrase** is 8 to 128 characters, not all digits, without control characters;
- a **weak PIN** is refused when it is set: one digit repeated (000000), a run up or down (123456,
  987654, also across 9-0 as on a keypad: 890123), a short group repeated (121212, 123123), or one
  of the most common PINs (`intake/defaults/common-pins.txt`).

The shared `[kiosk] staff_pin_hash` (from before staff accounts; PBKDF2) is checked here too. It may
be 4 to 12 digits so that existing configurations keep working; new shared PINs follow the rules above.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import cache
from pathlib import Path
from typing import Any

from intake.errors import IntakeError

#: The demo clinic's PIN: unlocks only a demo (the built-in demo clinic, or `[kiosk] demo = true`).
DEMO_PINS = ("2468",)
PIN_LENGTHS = (6, 12)
PASSPHRASE_LENGTHS = (8, 128)
COMMON_PINS_FILE = Path(__file__).resolve().parent / "defaults" / "common-pins.txt"

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 200_000
SHARED_PIN_PATTERN = re.compile(r"[0-9]{4,12}")
_HASH_PATTERN = re.compile(r"pbkdf2_sha256\$([0-9]+)\$([0-9a-f]+)\$([0-9a-f]+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PinError(IntakeError):
    """A PIN, passphrase or PIN hash that cannot be used (plain words)."""

    exit_code = 1


@cache
def common_pins(path: Path = COMMON_PINS_FILE) -> frozenset[str]:
    """The most common PINs, read from the data file.

    Raises:
        PinError: a line is not a PIN (naming the file, the line and the fix).
    """
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not re.fullmatch(r"[0-9]{6,12}", text):
            raise PinError(f"{path}, line {number}: {text!r} is not a PIN of 6 to 12 digits; correct or remove it.")
        found.add(text)
    return frozenset(found)


def _run(pin: str) -> bool:
    """True for digits that go up or down by one each time (wrapping 9-0 as a keypad row does)."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    return steps in ({1}, {9})


def _repeated_group(pin: str) -> bool:
    """True for a group of one to half the PIN's length repeated to fill it (000000, 121212, 123123)."""
    return any(len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size) for size in range(1, len(pin) // 2 + 1))


def weak_pin_reason(pin: str) -> str | None:
    """Why a PIN of digits is too easy to guess, or None when it is not."""
    if _repeated_group(pin):
        return "it repeats the same digits"
    if _run(pin):
        return "its digits run in order"
    if pin in common_pins():
        return "it is one of the most common PINs"
    return None


def check_new_credential(credential: Any) -> str:
    """A new staff PIN or passphrase, checked; returns it unchanged.

    Raises:
        PinError: saying what is wrong and what to choose instead.
    """
    if not isinstance(credential, str) or not credential:
        raise PinError("type a PIN of 6 to 12 digits, or a passphrase of 8 to 128 characters.")
    low, high = PIN_LENGTHS
    if credential.isdecimal():
        if not credential.isascii():
            raise PinError("a PIN uses the digits 0 to 9 only.")
        if not low <= len(credential) <= high:
            raise PinError(f"a PIN is {low} to {high} digits; that one has {len(credential)}. (A passphrase "
                           "must contain something other than digits.)")
        reason = weak_pin_reason(credential)
        if reason:
            raise PinError(f"that PIN is too easy to guess ({reason}); choose {low} to {high} digits without a "
                           "pattern, or a passphrase.")
        return credential
    low, high = PASSPHRASE_LENGTHS
    if not low <= len(credential) <= high or _CONTROL.search(credential):
        raise PinError(f"a passphrase is {low} to {high} characters on one line; that one is {len(credential)}.")
    if credential.strip() != credential:
        raise PinError("a passphrase may not start or end with a space.")
    return credential


def credential_shape_ok(credential: Any) -> bool:
    """True when a typed credential has the shape of a PIN or passphrase (checked before any hashing)."""
    if not isinstance(credential, str):
        return False
    if credential.isdecimal():
        return credential.isascii() and 4 <= len(credential) <= PIN_LENGTHS[1]
    low, high = PASSPHRASE_LENGTHS
    return low <= len(credential) <= high and not _CONTROL.search(credential)


# -- the shared kiosk PIN (PBKDF2, [kiosk] staff_pin_hash) ---------------------------------------------


def hash_shared_pin(pin: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """Hashes a shared PIN into the configuration format `pbkdf2_sha256$iterations$salthex$hashhex`.

    Raises:
        PinError: the PIN is not 4 to 12 digits.
    """
    if not SHARED_PIN_PATTERN.fullmatch(pin):
        raise PinError("a staff PIN must be 4 to 12 digits (0-9).")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def check_shared_pin(pin: str, stored: str) -> bool:
    """True when the PIN matches the stored shared-PIN hash (compared in constant time).

    Raises:
        PinError: the stored hash is not in the configuration format.
    """
    match = _HASH_PATTERN.fullmatch(stored or "")
    if match is None:
        raise PinError("kiosk.staff_pin_hash is not a pbkdf2_sha256 hash; make one with `intake pin-hash`.")
    iterations, salt, expected = int(match[1]), bytes.fromhex(match[2]), bytes.fromhex(match[3])
    if not isinstance(pin, str) or not SHARED_PIN_PATTERN.fullmatch(pin):
        pin = ""  # still spend the same time, so a malformed PIN is not faster to reject
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii", "replace"), salt, iterations)
    return hmac.compare_digest(digest, expected) and bool(pin)


def demo_allowed(config: Any) -> bool:
    """True for the built-in demo clinic or a configuration with [kiosk] demo = true."""
    return bool(config.is_demo or config.section("kiosk").get("demo") is True)
