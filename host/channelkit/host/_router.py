"""Event delivery (rule R10): a bounded, resumable log per provider and fan-out per agent.

Each provider's events get consecutive sequence numbers and stay in a bounded
log, so a stream that reconnects with ``after_seq`` receives exactly what it
missed, in order. Only one stream per provider is live; opening another ends
the first. Memory is bounded by the retention, never by a slow reader: a
stream that falls behind the log's tail is cut off and must resume.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque

from channelkit.sdk.errors import Aborted
from channelkit.sdk.errors import CursorExpired
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import ResourceExhausted
from channelkit.sdk.errors import Unavailable
from channelkit.v1 import agent_service_pb2 as agent_pb
from channelkit.v1 import provider_service_pb2 as provider_pb


class _Signal:
    """Wakes every waiter at once; waiters may be cancelled without disturbing the others."""

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def fire(self) -> None:
        future, self._future = self._future, None
        if future is not None and not future.done():
            future.set_result(None)

    async def wait(self) -> None:
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._future)


class ProviderLog:
    """One provider's retained events and its single live stream."""

    def __init__(self, provider: str, retention: int) -> None:
        self.provider = provider
        self._events: deque[provider_pb.ProviderEvent] = deque(maxlen=retention)
        self.head_seq = 0
        self.reserved_seq = 0
        """The last ``seq`` handed out to a command not yet committed (equal to ``head_seq`` when idle)."""
        self.delivered_seq = 0
        self._stream = 0
        self._open_streams = 0
        self._closed = False
        self._signal = _Signal()

    @property
    def connected(self) -> bool:
        """True while a stream is open."""
        return self._open_streams > 0

    def reserve(self) -> int:
        """The sequence number for the next event a command produces (it is appended once committed)."""
        self.reserved_seq += 1
        return self.reserved_seq

    def append(self, event: provider_pb.ProviderEvent) -> None:
        """Retain committed ``event`` (the next ``seq``) and wake the stream."""
        if event.seq != self.head_seq + 1:
            raise ValueError(f"provider {self.provider}: event seq {event.seq} does not follow {self.head_seq}")
        self._events.append(event)
        self.head_seq = event.seq
        self.reserved_seq = max(self.reserved_seq, self.head_seq)
        self._signal.fire()

    def reset(self, events: list[provider_pb.ProviderEvent], head_seq: int) -> None:
        """Start from the store's log: its retained ``events`` and its head (after a restart or a lost commit)."""
        self._events.clear()
        self._events.extend(e for e in events if e.seq <= head_seq)
        self.head_seq = self.reserved_seq = head_seq
        self._signal.fire()

    def oldest_seq(self) -> int:
        """The oldest retained ``seq`` (``head_seq + 1`` when nothing is retained)."""
        return self._events[0].seq if self._events else self.head_seq + 1

    def after(self, cursor: int) -> list[provider_pb.ProviderEvent]:
        """Every retained event after ``cursor``; CURSOR_EXPIRED if some were already dropped."""
        if cursor > self.head_seq or cursor < self.oldest_seq() - 1:
            raise CursorExpired(
                f"cursor {cursor} is outside the retained events ({self.oldest_seq()}..{self.head_seq}); "
                "list your sessions again and resume from head_seq",
                metadata={"afterSeq": str(cursor), "oldestSeq": str(self.oldest_seq()), "headSeq": str(self.head_seq)},
            )
        skip = cursor - self.oldest_seq() + 1
        return list(itertools.islice(self._events, skip, None))

    def stream(self, after_seq: int) -> EventStream:
        """Open the provider's stream after ``after_seq`` (CURSOR_EXPIRED at once if that is not retained).

        The new stream is the live one; the previous one ends with STREAM_REPLACED.
        """
        self.after(after_seq)
        self._stream += 1
        self._open_streams += 1
        self._signal.fire()
        return EventStream(self, self._stream, after_seq)

    def close(self) -> None:
        """End every stream because the host stops."""
        self._closed = True
        self._signal.fire()

    def _check_live(self, stream: int) -> None:
        if self._closed:
            raise Unavailable("the host is shutting down; resume against the restarted host")
        if stream != self._stream:
            raise Aborted(
                "a newer Events stream of this provider replaced this one", reason=ErrorReason.STREAM_REPLACED
            )

    def _released(self) -> None:
        self._open_streams -= 1


class EventStream:
    """One open Events stream: the one place that decides what a provider's reader gets next.

    Both the gRPC ``Events`` handler and the in-process runtime read a
    provider's events only through :meth:`next_batch`, so a lagging reader is
    treated the same however the provider is deployed: it is cut off with
    SLOW_CONSUMER and resumes from its cursor (or re-lists when that cursor is
    no longer retained).
    """

    def __init__(self, log: ProviderLog, number: int, after_seq: int) -> None:
        self._log = log
        self._number = number
        self.cursor = after_seq
        self._open = True

    async def next_batch(self, limit: int) -> list[provider_pb.ProviderEvent]:
        """Up to ``limit`` events after the last batch, waiting for at least one; marks them delivered."""
        log = self._log
        while True:
            log._check_live(self._number)
            if log.head_seq > self.cursor:
                break
            await log._signal.wait()
        try:
            batch = log.after(self.cursor)[:limit]
        except CursorExpired:
            raise slow_consumer(_RESUME) from None
        self.cursor = batch[-1].seq
        log.delivered_seq = max(log.delivered_seq, self.cursor)
        return batch

    def close(self) -> None:
        """Release the stream (idempotent)."""
        if self._open:
            self._open = False
            self._log._released()


_RESUME = "this Events stream fell behind and was ended; resume from the last processed seq"


class Watcher:
    """One WatchWorkspace stream: a bounded queue of converted events."""

    def __init__(self, capacity: int) -> None:
        self.queue: asyncio.Queue[agent_pb.WorkspaceEvent | None] = asyncio.Queue(maxsize=capacity)
        self.overflowed = False

    def offer(self, event: agent_pb.WorkspaceEvent | None) -> None:
        """Queue ``event``; a full queue marks the watcher as too slow (it will be ended)."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True

    async def next(self) -> agent_pb.WorkspaceEvent:
        """The next event; raises when the watcher fell behind or the host stops."""
        if self.overflowed:
            raise _slow_watcher()
        event = await self.queue.get()
        if event is None:
            raise Unavailable("the host is shutting down")
        if self.overflowed:
            raise _slow_watcher()
        return event


def slow_consumer(what: str) -> ResourceExhausted:
    """The SLOW_CONSUMER error ending a stream; ``what`` says how to recover."""
    return ResourceExhausted(what, reason=ErrorReason.SLOW_CONSUMER)


def _slow_watcher() -> ResourceExhausted:
    return slow_consumer("this workspace watcher fell behind and was ended; watch again for a fresh snapshot")


class AgentFeed:
    """One agent's workspace events: the sequence counter, recent events and the live watchers.

    The last ``retention`` events are kept so that a watcher that lost its
    connection resumes with exactly the deltas it missed; ``epoch`` names this
    run of the sequence, so a cursor from before a restart is never mistaken
    for one of this run.
    """

    def __init__(self, capacity: int, retention: int, epoch: str) -> None:
        self.seq = 0
        self.reserved_seq = 0
        """The last ``seq`` given to a delta not yet committed."""
        self.epoch = epoch
        self._capacity = capacity
        self._recent: deque[agent_pb.WorkspaceEvent] = deque(maxlen=retention)
        self.watchers: set[Watcher] = set()

    def subscribe(self) -> Watcher:
        """Add a watcher; it receives every event published after this call."""
        watcher = Watcher(self._capacity)
        self.watchers.add(watcher)
        return watcher

    def missed(self, after_seq: int | None, epoch: str) -> list[agent_pb.WorkspaceEvent] | None:
        """The retained events after ``after_seq`` of ``epoch``; None when a resume is impossible.

        Call it in the same step as :meth:`subscribe`, so that nothing falls
        between the replayed events and the live ones.
        """
        if after_seq is None or epoch != self.epoch or after_seq > self.seq:
            return None
        oldest = self._recent[0].seq if self._recent else self.seq + 1
        if after_seq < oldest - 1:
            return None
        return list(itertools.islice(self._recent, after_seq - oldest + 1, None))

    def reserve(self) -> int:
        """The sequence number of the next delta a command produces."""
        self.reserved_seq += 1
        return self.reserved_seq

    def reset(self, seq: int, epoch: str) -> None:
        """Start from the store's sequence (after a restart or a lost commit); the recent deltas are gone."""
        self.seq = self.reserved_seq = seq
        self.epoch = epoch
        self._recent.clear()

    def restart(self, seq: int) -> None:
        """Jump to ``seq`` (deltas in between are no longer kept): every watcher ends and watches again afresh."""
        self.reset(seq, self.epoch)
        for watcher in self.watchers:
            watcher.overflowed = True
            watcher.offer(None)

    def publish(self, event: agent_pb.WorkspaceEvent) -> None:
        """Retain committed ``event`` and hand it to every watcher."""
        self.seq = max(self.seq, event.seq)
        self.reserved_seq = max(self.reserved_seq, self.seq)
        self._recent.append(event)
        for watcher in self.watchers:
            watcher.offer(event)

    def close(self) -> None:
        """End every watcher because the host stops."""
        for watcher in self.watchers:
            watcher.offer(None)
