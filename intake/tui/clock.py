"""Provides the wizard's clock: real, or frozen for tests, snapshots and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the time; injectable so tests and snapshots can freeze it."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


@dataclass(frozen=True)
class FrozenClock:
    """A clock stopped at one moment (tests, snapshots, benchmarks)."""

    at: datetime

    def now(self) -> datetime:
        """The frozen moment."""
        return self.at
