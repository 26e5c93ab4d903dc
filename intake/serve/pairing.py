"""Provides Devices (paired tablets and one-time pairing codes) and FailureLimiter (slows guessing).

Staff make a one-time code for a named tablet (`intake serve pair NAME`); the tablet enters it once
and receives a long-lived device token, kept in a Secure HttpOnly cookie. Only SHA-256 hashes of
codes and tokens are stored, in one JSON file (0600) under the data folder.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from intake.errors import IntakeError
from intake.privatefile import write_private

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10
CODE_LIFETIME = 15 * 60
DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    """The code as staff may type it: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]", "", code).upper()


class Devices:
    """Paired devices and pending codes, in one private JSON file.

    Args:
        path: the file (created 0600 on first write, in a folder created 0700).
        clock: seconds since the epoch (injected in tests).
    """

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"devices": {}, "codes": {}}
        except (OSError, ValueError) as exc:
            raise IntakeError(f"serve: the paired-devices file {self.path} cannot be read ({exc}); "
                              "move it away and pair the tablets again.") from None
        return {"devices": dict(data.get("devices", {})), "codes": dict(data.get("codes", {}))}

    def _save(self, data: dict[str, Any]) -> None:
        write_private(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    def new_code(self, name: str) -> str:
        """Makes a one-time pairing code for the tablet called `name` (valid CODE_LIFETIME seconds)."""
        if not DEVICE_NAME.fullmatch(name):
            raise IntakeError(f"serve pair: {name!r} is not a usable device name; use 1 to 60 letters, digits, "
                              "spaces, dots, dashes or underscores, starting with a letter or digit.")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        data = self._load()
        now = self.clock()
        data["codes"] = {k: v for k, v in data["codes"].items() if v["expires"] > now}
        data["codes"][_digest(code)] = {"name": name, "expires": now + CODE_LIFETIME}
        self._save(data)
        return code

    def redeem(self, code: str) -> tuple[str, str] | None:
        """Exchanges a valid code (once) for (device name, new device token); None when it is not valid."""
        data = self._load()
        entry = data["codes"].pop(_digest(normalise_code(code)), None)
        if entry is None or entry["expires"] <= self.clock():
            return None
        token = secrets.token_urlsafe(32)
        data["devices"][_digest(token)] = {"name": entry["name"], "paired_at": int(self.clock())}
        self._save(data)
        return entry["name"], token

    def device_for(self, token: str | None) -> str | None:
        """The name of the paired device holding `token`, or None."""
        if not token or len(token) > 200:
            return None
        entry = self._load()["devices"].get(_digest(token))
        return entry["name"] if entry else None

    def forget(self, name: str) -> int:
        """Unpairs every device called `name`; returns how many."""
        data = self._load()
        kept = {k: v for k, v in data["devices"].items() if v["name"] != name}
        removed = len(data["devices"]) - len(kept)
        if removed:
            data["devices"] = kept
            self._save(data)
        return removed

    def names(self) -> list[str]:
        """The names of paired devices."""
        return sorted(v["name"] for v in self._load()["devices"].values())


class FailureLimiter:
    """Counts failed pairings per address and overall, within a sliding window.

    Args:
        per_address: failures one address may make in `window` seconds.
        overall: failures all addresses together may make in `window` seconds.
        clock: monotonic seconds (injected in tests).
    """

    def __init__(self, per_address: int = 5, overall: int = 20, window: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_address, self.overall, self.window, self.clock = per_address, overall, window, clock
        self._failures: deque[tuple[float, str]] = deque()

    def _trim(self) -> None:
        cutoff = self.clock() - self.window
        while self._failures and self._failures[0][0] <= cutoff:
            self._failures.popleft()

    def blocked(self, address: str) -> bool:
        """True when `address` (or everyone) has failed too often lately."""
        self._trim()
        mine = sum(1 for _, who in self._failures if who == address)
        return mine >= self.per_address or len(self._failures) >= self.overall

    def failed(self, address: str) -> None:
        """Records one failed attempt."""
        self._failures.append((self.clock(), address))
