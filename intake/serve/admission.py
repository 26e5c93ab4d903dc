"""Provides Admission: how many tablet sessions the server holds, from where, and which have gone idle.

The tablet server asks it before it starts a wizard (`refusal`), tells it of every key or tap
(`touch`), and asks it every so often which sessions have had no input for too long (`idle`).
Pure bookkeeping with an injected clock, so the limits are tested without a server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from intake.serve.settings import is_loopback

#: Why a new session was refused: all sessions in use, or this address holds its share already.
Refusal = Literal["busy", "address"]
S = TypeVar("S", bound=Hashable)


@dataclass
class _Held:
    address: str
    last_input: float


@dataclass
class Admission(Generic[S]):
    """The sessions being served, each with its network address and the time of its last input.

    Args:
        max_sessions: sessions held at once.
        per_address: sessions one address may hold (loopback, the machine itself, only max_sessions).
        idle_seconds: a session with no input for this long is idle.
        clock: monotonic seconds (time.monotonic by default).
    """

    max_sessions: int
    per_address: int
    idle_seconds: float
    clock: Callable[[], float] = time.monotonic
    _held: dict[S, _Held] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._held)

    def refusal(self, address: str) -> Refusal | None:
        """Why a new session from `address` cannot start now, or None when it can."""
        if len(self._held) >= self.max_sessions:
            return "busy"
        if not is_loopback(address) and self.held_by(address) >= self.per_address:
            return "address"
        return None

    def held_by(self, address: str) -> int:
        """Sessions `address` holds now."""
        return sum(1 for held in self._held.values() if held.address == address)

    def add(self, session: S, address: str) -> None:
        """Counts a session that has started, from `address`."""
        self._held[session] = _Held(address, self.clock())

    def touch(self, session: S) -> None:
        """Notes a key, a tap or a resize in `session`."""
        held = self._held.get(session)
        if held is not None:
            held.last_input = self.clock()

    def discard(self, session: S) -> None:
        """Forgets a session that has ended (nothing happens if it was not counted)."""
        self._held.pop(session, None)

    def idle(self) -> list[S]:
        """The sessions with no input for idle_seconds or longer."""
        now = self.clock()
        return [session for session, held in self._held.items() if now - held.last_input >= self.idle_seconds]
