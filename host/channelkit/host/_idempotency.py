"""Idempotent provider mutations (rule R11).

A mutating call with a ``request_id`` runs once per provider and id: a retry
gets the first call's result (or waits for it while it is still running) and
has no second effect; the same id with a different request is refused. Only
successes are remembered, since a failed call changed nothing and may run
again. Entries expire after a window and the cache is bounded per provider.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from typing import cast

from google.protobuf.message import Message

from channelkit.host.core import Clock
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import InvalidArgument

M = TypeVar("M", bound=Message)


@dataclass(slots=True)
class _Entry:
    method: str
    fingerprint: bytes
    expires_at: float
    result: asyncio.Future[Message]


def fingerprint(request: Message) -> bytes:
    """The request's deterministic bytes without its ``request_id``."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("request_id")
    return copy.SerializeToString(deterministic=True)


class IdempotencyCache:
    """Results of recent mutating calls, keyed by provider and request id."""

    def __init__(self, clock: Clock, window_seconds: float, capacity_per_provider: int = 10_000) -> None:
        self._clock = clock
        self._window = window_seconds
        self._capacity = capacity_per_provider
        self._entries: dict[str, OrderedDict[str, _Entry]] = {}

    async def run(self, provider: str, method: str, request: M, call: Callable[[], Awaitable[M]]) -> M:
        """Run ``call`` once for ``request.request_id``; retries share its result."""
        request_id: str = getattr(request, "request_id", "")
        if not request_id:
            return await call()
        entries = self._entries.setdefault(provider, OrderedDict())
        now = self._clock.monotonic()
        entry = entries.get(request_id)
        if entry is not None and entry.expires_at <= now:
            del entries[request_id]
            entry = None
        print_ = fingerprint(request)
        if entry is not None:
            if entry.method != method or entry.fingerprint != print_:
                raise InvalidArgument(
                    f"request_id '{request_id}' was already used for a different request",
                    reason=ErrorReason.REQUEST_ID_REUSED,
                    field="request_id",
                    metadata={"requestId": request_id},
                )
            return cast(M, await asyncio.shield(entry.result))
        return await self._first_call(
            entries=entries, request_id=request_id, method=method, print_=print_, now=now, call=call
        )

    async def _first_call(
        self,
        *,
        entries: OrderedDict[str, _Entry],
        request_id: str,
        method: str,
        print_: bytes,
        now: float,
        call: Callable[[], Awaitable[M]],
    ) -> M:
        # The call runs as its own task: a caller that goes away (a dropped
        # connection, a cancelled in-process handler) does not cancel an
        # operation a retry with the same request_id will ask for again.
        task: asyncio.Task[Message] = asyncio.ensure_future(call())
        entries[request_id] = _Entry(method, print_, now + self._window, task)
        while len(entries) > self._capacity:
            entries.popitem(last=False)
        task.add_done_callback(lambda done: self._forget_failure(entries, request_id, done))
        return cast(M, await asyncio.shield(task))

    @staticmethod
    def _forget_failure(entries: OrderedDict[str, _Entry], request_id: str, done: asyncio.Task[Message]) -> None:
        """Drop a failed call's entry: it changed nothing, so the same request_id may run again."""
        if done.cancelled() or done.exception() is not None:
            entry = entries.get(request_id)
            if entry is not None and entry.result is done:
                del entries[request_id]
