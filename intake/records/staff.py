"""Provides staff accounts: each person's own PIN (scrypt) and role, kept and audited in the record store.

`StaffDirectory(store).authenticate(pin, device=...)` returns the StaffMember who unlocked, so a
countersignature, decision, erasure or resumption can be attributed to that person, never picked
from a list. Wrong PINs are counted per device (and per person, when a command names who types the PIN)
in the store (table pin_attempts, `Attempts`), so restarting the app or a new process does not reset the
back-off: after FREE_TRIES wrong PINs in a row each further one locks the
device for a pause that doubles up to MAX_PAUSE seconds (the lock-out). Every unlock and every
refusal writes an audit entry.

PINs are hashed with scrypt (N=2**16, r=8: 64 MiB and about a quarter to half a second per try
here), so a stolen database gives an offline search no shortcut. To find whose PIN was typed without
trying every account, each row also keeps an 8-bit tag, an HMAC of the PIN under a key derived from
the data key: it narrows the search to about one account in 256 and says nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from intake.credentials import DEMO_PINS, PinError, check_new_credential, credential_shape_ok
from intake.records.checks import check_who
from intake.records.errors import StoreError
from intake.records.model import Row, iso

if TYPE_CHECKING:
    from intake.config import ClinicConfig
    from intake.records.store import Records

StaffRole = Literal["front_desk", "practitioner"]
ROLES: tuple[StaffRole, ...] = get_args(StaffRole)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 16, 8, 1
#: Who acts when the clinic's shared PIN was typed: someone on the staff, not a named person.
SHARED_STAFF = "staff"
FREE_TRIES = 3
FIRST_PAUSE = 30.0
MAX_PAUSE = 900.0
_ID = re.compile(r"^[a-z][a-z0-9_.-]{1,39}$")


class StaffError(StoreError):
    """A staff account that cannot be added, found or used (plain words)."""


class PinRefused(StaffError):
    """The PIN was wrong, or the device is paused after too many wrong PINs."""

    def __init__(self, message: str, wait_seconds: float = 0.0, tries_left: int = 0, failures: int = 0):
        super().__init__(message)
        self.wait_seconds = wait_seconds
        self.tries_left = tries_left
        self.failures = failures


def _keys(device: str, staff_id: str | None) -> tuple[str, ...]:
    """The rows of pin_attempts a try counts on: the device's, and the claimed person's on any device."""
    return (device,) if staff_id is None else (device, f"staff:{staff_id}")


class Attempts:
    """Wrong-PIN counts kept in the store (table pin_attempts), so no restart or new process resets them.

    Each key (a device's name, or "staff:ID" for a person named on the command line) has its own count;
    after FREE_TRIES wrong PINs in a row each further one pauses that key for a time that doubles up to
    MAX_PAUSE seconds. The caller holds the store's read or write transaction.
    """

    def __init__(self, store: Records):
        self.store = store

    def _row(self, key: str) -> tuple[int, datetime | None]:
        row = self.store.tables.get("pin_attempts", key)
        if row is None:
            return 0, None
        until = row["locked_until"]
        return int(row["failures"]), datetime.fromisoformat(until.replace("Z", "+00:00")) if until else None

    def wait_seconds(self, keys: tuple[str, ...]) -> float:
        """The longest pause still running on any of these keys (0 when none)."""
        now = self.store.clock()
        return max((max(0.0, (until - now).total_seconds()) for _, until in map(self._row, keys) if until),
                   default=0.0)

    def clear(self, keys: tuple[str, ...]) -> None:
        """A right PIN: the counts start again."""
        for key in keys:
            self.store.tables.delete("pin_attempts", key)

    def fail(self, keys: tuple[str, ...]) -> PinRefused:
        """Counts one wrong PIN on every key; returns the refusal to raise (with the pause, or the tries left)."""
        worst = 0
        pause = 0.0
        for key in keys:
            failures = self._row(key)[0] + 1
            wait = min(MAX_PAUSE, FIRST_PAUSE * 2 ** (failures - FREE_TRIES)) if failures >= FREE_TRIES else 0.0
            until = iso(self.store.clock() + timedelta(seconds=wait)) if wait else None
            self.store.tables.delete("pin_attempts", key)
            self.store.tables.insert("pin_attempts", {"id": key, "failures": failures, "locked_until": until})
            worst, pause = max(worst, failures), max(pause, wait)
        if pause:
            return PinRefused(f"That PIN is not right. Too many wrong PINs: try again in {int(pause)} seconds.",
                              wait_seconds=pause, failures=worst)
        left = max(0, FREE_TRIES - worst)
        return PinRefused(f"That PIN is not right. {left} {'try' if left == 1 else 'tries'} left before a pause.",
                          tries_left=left, failures=worst)


@dataclass(frozen=True)
class StaffMember:
    """One person on the staff: who unlocked, in which role."""

    staff_id: str
    name: str
    role: StaffRole
    practitioner_id: str | None = None
    active: bool = True

    @property
    def can_countersign(self) -> bool:
        """Only a practitioner countersigns, records clearance or overrides."""
        return self.role == "practitioner" and self.practitioner_id is not None


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """scrypt$N$r$p$salt$hash of a PIN or passphrase."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=256 * SCRYPT_R * SCRYPT_N, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_hash(pin: str, stored: str) -> bool:
    """True when the PIN matches a stored scrypt hash (constant-time compare)."""
    try:
        _, n, r, p, salt, expected = stored.split("$")
        digest = hashlib.scrypt(pin.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=256 * int(r) * int(n), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def _member(row: Row) -> StaffMember:
    return StaffMember(row["id"], row["name"], row["role"], row["practitioner_id"], bool(row["active"]))


def check_new_member(config: ClinicConfig, staff_id: str, name: str, role: str, pin: str,
                     practitioner_id: str | None) -> None:
    """Refuses an account that cannot be added: its id, name, role, practitioner link or PIN.

    Raises:
        StaffError: naming what is wrong and how to fix it.
    """
    if not _ID.match(staff_id or ""):
        raise StaffError(f"{staff_id!r} cannot be a staff id: use 2-40 lower-case letters, digits, '.', '-' "
                         "or '_', starting with a letter.")
    if not name or not name.strip() or len(name) > 120:
        raise StaffError("the staff member's name must be 1 to 120 characters.")
    if role not in ROLES:
        raise StaffError(f"{role!r} is not a role; use one of: {', '.join(ROLES)}.")
    if role == "practitioner" and config.practitioner(practitioner_id or "") is None:
        known = ", ".join(p.id for p in config.practitioners)
        raise StaffError(f"a practitioner account links to a [[practitioners]] id of the configuration "
                         f"(known: {known}); {practitioner_id!r} is not one.")
    if role != "practitioner" and practitioner_id:
        raise StaffError("only a practitioner account links to a [[practitioners]] id.")
    if pin in DEMO_PINS:
        raise StaffError("the demo PIN cannot be a staff member's PIN; choose 6 to 12 digits of their own.")
    try:
        check_new_credential(pin)
    except PinError as exc:
        raise StaffError(str(exc)) from None


class StaffDirectory:
    """The clinic's staff accounts in the record store."""

    def __init__(self, store: Records):
        self.store = store
        self.attempts = Attempts(store)

    def _tag(self, pin: str) -> int:
        return int(self.store.keyring.fingerprint(b"staff-pin:" + pin.encode("utf-8"))[:2], 16)

    def exist(self) -> bool:
        """True once any staff account was added (disabled ones included): then only own credentials work."""
        with self.store.read("checking for staff accounts"):
            return bool(self.store.backend.staff_rows())

    def members(self, include_disabled: bool = False) -> list[StaffMember]:
        """The accounts, by id."""
        with self.store.read("listing staff"):
            return [_member(row) for row in self.store.backend.staff_rows() if row["active"] or include_disabled]

    def add(self, staff_id: str, *, name: str, role: str, pin: str, practitioner_id: str | None = None,
            by: str, device: str) -> StaffMember:
        """Adds an account (audited). The PIN must be 6-12 digits or a passphrase, and no other person's.

        Raises:
            StaffError: naming what is wrong and how to fix it.
        """
        check_who(by, device)
        check_new_member(self.store.config, staff_id, name, role, pin, practitioner_id)
        with self.store.read("checking the new PIN"):
            taken = self._match(pin) is not None
        if taken:
            raise StaffError("another staff member already uses that PIN; choose a different one.")
        hashed = hash_pin(pin)
        with self.store.write("adding a staff member"):
            if self.store.tables.get("staff", staff_id) is not None:
                raise StaffError(f"there is already a staff member {staff_id!r}; `intake staff list` shows them.")
            linked = self.store.backend.staff_rows(practitioner_id=practitioner_id) if practitioner_id else []
            if linked:
                raise StaffError(f"practitioner {practitioner_id!r} already has an account ({linked[0]['id']}): one "
                                 "person, one account. Disable it first if it is to be replaced.")
            self.store.tables.insert("staff", {
                "id": staff_id, "name": name.strip(), "role": role, "practitioner_id": practitioner_id,
                "pin_hash": hashed, "pin_tag": self._tag(pin), "active": 1, "created_at": self.store.now(),
                "disabled_at": None})
            self.store.audit("staff_added", staff=by, device=device, member=staff_id, role=role,
                             practitioner=practitioner_id)
        return StaffMember(staff_id, name.strip(), role, practitioner_id)  # type: ignore[arg-type]  # checked

    def disable(self, staff_id: str, *, by: str, device: str) -> None:
        """Disables an account (audited); its PIN no longer unlocks anything."""
        check_who(by, device)
        with self.store.write("disabling a staff member"):
            row = self.store.tables.get("staff", staff_id)
            if row is None or not row["active"]:
                raise StaffError(f"there is no active staff member {staff_id!r}; `intake staff list` shows them.")
            self.store.tables.update("staff", staff_id, active=0, disabled_at=self.store.now())
            self.store.audit("staff_disabled", staff=by, device=device, member=staff_id)

    def _match(self, pin: str, only: str | None = None) -> StaffMember | None:
        rows = [row for row in self.store.backend.staff_rows(pin_tag=self._tag(pin))
                if only is None or row["id"] == only]  # tag -1: not tagged since a key rotation
        for row in rows:
            if check_hash(pin, row["pin_hash"]):
                return _member(row)
        if not rows:
            hash_pin(pin)  # the same time whether or not a tag matched
        return None

    def wait_seconds(self, device: str, staff_id: str | None = None) -> float:
        """Seconds until this device (and, when named, this staff member) may try another PIN (0: now)."""
        with self.store.read("reading the PIN pause"):
            return self.attempts.wait_seconds(_keys(device, staff_id))

    def authenticate(self, pin: str, *, device: str, staff_id: str | None = None,
                     act: str | None = None) -> StaffMember:
        """The active staff member whose PIN this is (writes 'staff_unlocked', or 'pin_refused').

        Args:
            pin: the PIN or passphrase typed.
            device: where it was typed (wrong PINs are counted per device).
            staff_id: who claims to be typing it (the command line names them): only their PIN is
                accepted, and wrong PINs are counted for them too, on every device.
            act: what the PIN is for (named in the audit entry).

        Raises:
            PinRefused: a wrong PIN (with the tries left) or a device or person still paused (with the
                seconds to wait).
        """
        check_who("staff", device)
        keys = _keys(device, staff_id)
        wait = self.wait_seconds(device, staff_id)
        if wait > 0:
            raise PinRefused(f"Too many wrong PINs. Try again in {math.ceil(wait)} seconds.", wait_seconds=wait)
        with self.store.read("checking a staff PIN"):
            member = self._match(pin, only=staff_id) if credential_shape_ok(pin) else None
        with self.store.write("recording a staff PIN"):
            if member is not None:
                self.attempts.clear(keys)
                row = self.store.tables.get("staff", member.staff_id)
                if row is not None and row["pin_tag"] < 0:
                    self.store.tables.update("staff", member.staff_id, pin_tag=self._tag(pin))
                self.store.audit("staff_unlocked", staff=member.staff_id, device=device, role=member.role,
                                 **({"act": act} if act else {}))
                return member
            refused = self.attempts.fail(keys)
            self.store.audit("pin_refused", staff=staff_id or "(unknown)", device=device, failures=refused.failures,
                             paused_seconds=refused.wait_seconds, **({"act": act} if act else {}))
        raise refused

    def record_shared(self, right: bool, *, device: str, act: str, staff_id: str | None = None) -> None:
        """Counts one try of the clinic's shared PIN on a device, like anyone's (the check itself is the caller's).

        A right PIN clears the device's count and is audited as unlocked by the shared "staff"; a wrong one is
        counted and audited, and raised.

        Raises:
            PinRefused: the PIN was wrong (with the tries left or the pause).
        """
        check_who("staff", device)
        with self.store.write("recording a staff PIN"):
            if right:
                self.attempts.clear((device,))
                self.store.audit("staff_unlocked", staff=SHARED_STAFF, device=device, role="shared", act=act)
                return
            refused = self.attempts.fail((device,))
            self.store.audit("pin_refused", staff=staff_id or "(unknown)", device=device, failures=refused.failures,
                             paused_seconds=refused.wait_seconds, act=act)
        raise refused

    def refuse(self, staff_id: str, act: str, device: str) -> None:
        """Audits an act refused to a staff member (who may not do it, or with no account)."""
        check_who("staff", device)
        with self.store.write("recording a refused act"):
            self.store.audit("act_refused", staff=staff_id or "(unknown)", device=device, act=act)
