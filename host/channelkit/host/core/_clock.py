"""Time as the core sees it: injected, so tests control it and nothing sleeps."""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds for deadlines and rates; wall time for timestamps."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going backwards."""
        ...

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        """Return ``time.monotonic()``."""
        return time.monotonic()

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; for tests and simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = 0.0
        self._start = start or datetime(2026, 1, 1, tzinfo=UTC)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._offset += seconds

    def monotonic(self) -> float:
        """Seconds advanced so far."""
        return self._offset

    def now(self) -> datetime:
        """The start time plus the seconds advanced."""
        return self._start + timedelta(seconds=self._offset)
