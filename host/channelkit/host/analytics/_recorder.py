"""Keeps the latest analytics events in memory and hands every one to the sinks.

A sink that raises is logged (once per sink until it recovers) and keeps
receiving events: analytics must never take the host down or stop the others.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence

from channelkit.sdk.analytics import AnalyticsEvent
from channelkit.sdk.analytics import AnalyticsSink

log = logging.getLogger(__name__)


class MemorySink:
    """The last ``capacity`` events, oldest first; what tests and the testing kit read."""

    def __init__(self, capacity: int) -> None:
        self.events: deque[AnalyticsEvent] = deque(maxlen=capacity)

    def write(self, event: AnalyticsEvent) -> None:
        """Keep ``event``, dropping the oldest beyond capacity."""
        self.events.append(event)

    def close(self) -> None:
        """Nothing to release."""


class AnalyticsRecorder:
    """The memory sink plus the configured sinks, each isolated from the others' failures."""

    def __init__(self, retention: int, sinks: Sequence[AnalyticsSink] = ()) -> None:
        self.memory = MemorySink(retention)
        self.sinks = list(sinks)
        self.failures = [0] * len(self.sinks)

    def record(self, event: AnalyticsEvent) -> None:
        """Hand one event to every sink."""
        self.memory.write(event)
        for index, sink in enumerate(self.sinks):
            try:
                sink.write(event)
            except Exception:
                if not self.failures[index]:
                    log.exception("analytics sink %s failed; it keeps receiving events", type(sink).__name__)
                self.failures[index] += 1
            else:
                self.failures[index] = 0

    def close(self) -> None:
        """Close every sink (each failure is logged, none stops the rest)."""
        for sink in self.sinks:
            try:
                sink.close()
            except Exception:
                log.exception("analytics sink %s failed to close", type(sink).__name__)
