"""A token bucket per provider: sustained rate plus burst; shared by every replica on a shared store."""

from __future__ import annotations

from channelkit.host.core import Clock
from channelkit.host.store import Store
from channelkit.sdk.errors import RateLimited


class RateLimiter:
    """Refuses a provider's calls beyond ``rate`` per second after a ``burst``.

    A host alone keeps the buckets in memory, on its injected clock; replicas
    sharing a store spend tokens of one bucket per provider in the store, so
    a provider's limit is the same however its calls are spread over them.
    """

    def __init__(self, clock: Clock, rate: float, burst: int, store: Store | None = None) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._store = store if store is not None and store.shared else None

    async def take(self, provider: str) -> None:
        """Spend one token of ``provider`` or raise RATE_LIMITED with the wait needed."""
        if self._store is not None:
            wait = await self._store.take_token(provider, self._rate, int(self._burst))
        else:
            wait = self._take_here(provider)
        if wait > 0:
            raise RateLimited(
                f"provider '{provider}' exceeded {self._rate:g} requests per second; retry in {wait:.3f} s",
                metadata={"provider": provider, "limit": f"{self._rate:g}"},
                retry_after=wait,
            )

    def _take_here(self, provider: str) -> float:
        now = self._clock.monotonic()
        tokens, last = self._buckets.get(provider, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._buckets[provider] = (tokens, now)
            return (1.0 - tokens) / self._rate
        self._buckets[provider] = (tokens - 1.0, now)
        return 0.0
