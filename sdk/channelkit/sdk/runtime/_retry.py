"""The one retry policy of the provider runtime: which failures are retried, how long to wait, for how long.

Every retry in the SDK goes through :class:`RetryPolicy`: a call to the host
(in-process or remote), the handshake, the re-listing after a resync and the
event stream's reconnects. The rules:

- ``UNAVAILABLE`` (the host is unreachable, restarting or shutting down) is
  retried;
- ``RESOURCE_EXHAUSTED`` with reason ``RATE_LIMITED`` is retried after the
  host's ``RetryInfo`` delay (or the backoff, whichever is longer);
- on the event stream only, ``RESOURCE_EXHAUSTED``/``SLOW_CONSUMER`` (the
  stream fell behind), ``ABORTED`` (a newer stream replaced it) and
  ``INTERNAL`` (a host incident) end the stream, and the runtime reconnects
  from its cursor;
- anything else (a bad request, a missing session, a refused token) is the
  caller's to handle and is raised at once.

Delays grow exponentially with full jitter (a random delay between zero and
the cap), so many providers that lost the same host do not reconnect in
lockstep. A retried call is the *same* request, with the same ``request_id``:
the host's idempotency keys answer a retry of a call that already took effect
with its first result, so nothing happens twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import TypeVar

from channelkit.sdk.errors import Aborted
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import Internal
from channelkit.sdk.errors import ResourceExhausted
from channelkit.sdk.errors import Unavailable

T = TypeVar("T")
log = logging.getLogger("channelkit.provider")


@dataclass
class Backoff:
    """Delays 0..initial, 0..2*initial, … capped at ``maximum`` seconds; :meth:`reset` after a success."""

    initial: float = 0.1
    maximum: float = 5.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        """The delay before the next attempt."""
        cap = min(self.maximum, self.initial * (2**self.attempt))
        self.attempt += 1
        return self.rng.uniform(0.0, cap)

    def reset(self) -> None:
        """Start again from the smallest delay."""
        self.attempt = 0


def retry_delay(error: ChannelkitError, backoff: Backoff, *, stream: bool = False) -> float | None:
    """How long to wait before trying again after ``error``; ``None`` when trying again cannot help."""
    if isinstance(error, Unavailable):
        return backoff.next_delay()
    if isinstance(error, ResourceExhausted) and error.reason is ErrorReason.RATE_LIMITED:
        return max(error.retry_after or 0.0, backoff.next_delay())
    if stream and _ends_stream_only(error):
        return backoff.next_delay()
    return None


def _ends_stream_only(error: ChannelkitError) -> bool:
    if isinstance(error, ResourceExhausted):
        return error.reason is ErrorReason.SLOW_CONSUMER
    return isinstance(error, Aborted | Internal)


@dataclass
class RetryPolicy:
    """Retries a call for at most ``budget_seconds`` (``None``: until it succeeds or fails for good)."""

    budget_seconds: float | None = 30.0
    initial: float = 0.1
    maximum: float = 5.0

    def backoff(self) -> Backoff:
        """A fresh backoff with this policy's delays."""
        return Backoff(self.initial, self.maximum)

    async def run(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Await ``call`` until it succeeds, fails for good, or the budget would be exceeded by the next wait."""
        loop = asyncio.get_running_loop()
        give_up_at = None if self.budget_seconds is None else loop.time() + self.budget_seconds
        backoff = self.backoff()
        while True:
            try:
                return await call()
            except ChannelkitError as error:
                delay = retry_delay(error, backoff)
                if delay is None or (give_up_at is not None and loop.time() + delay > give_up_at):
                    raise
                log.info("%s failed (%s: %s); retrying in %.2f s", what, error.reason, error.message, delay)
            await asyncio.sleep(delay)
