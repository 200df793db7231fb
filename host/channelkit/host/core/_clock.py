"""Time as the core sees it: injected, so tests control it and nothing sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds for deadlines that outlive the process, monotonic seconds for local rates.

    Toast deadlines, queue time limits and attention cooldowns are stored, and
    another host replica or a restarted host fires them, so they are wall-clock
    (:meth:`time`); what one process measures for itself (rate limits) uses
    :meth:`monotonic`.
    """

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch (what stored deadlines are written in)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going backwards (this process only)."""
        ...

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def when_advanced(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever time jumps (a manual clock); real time needs no such call."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """Return ``time.time()``."""
        return time.time()

    def monotonic(self) -> float:
        """Return ``time.monotonic()``."""
        return time.monotonic()

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def when_advanced(self, callback: Callable[[], None]) -> None:
        """Real time flows by itself: the host's timers see it without being told."""


class ManualClock:
    """A clock that moves only when told to; for tests and simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = 0.0
        self._start = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._listeners: list[Callable[[], None]] = []

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` and tell whoever waits on this clock (a host's toast timer)."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._offset += seconds
        for listener in list(self._listeners):
            listener()

    def when_advanced(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every :meth:`advance`."""
        self._listeners.append(callback)

    def time(self) -> float:
        """The start time plus the seconds advanced, in epoch seconds."""
        return self._start.timestamp() + self._offset

    def monotonic(self) -> float:
        """Seconds advanced so far."""
        return self._offset

    def now(self) -> datetime:
        """The start time plus the seconds advanced."""
        return self._start + timedelta(seconds=self._offset)
