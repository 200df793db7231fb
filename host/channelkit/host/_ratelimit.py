"""A token bucket per provider: sustained rate plus burst, on an injected clock."""

from __future__ import annotations

from channelkit.host.core import Clock
from channelkit.sdk.errors import RateLimited


class RateLimiter:
    """Refuses a provider's calls beyond ``rate`` per second after a ``burst``."""

    def __init__(self, clock: Clock, rate: float, burst: int) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, provider: str) -> None:
        """Spend one token of ``provider`` or raise RATE_LIMITED with the wait needed."""
        now = self._clock.monotonic()
        tokens, last = self._buckets.get(provider, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._buckets[provider] = (tokens, now)
            wait = (1.0 - tokens) / self._rate
            raise RateLimited(
                f"provider '{provider}' exceeded {self._rate:g} requests per second; retry in {wait:.3f} s",
                metadata={"provider": provider, "limit": f"{self._rate:g}"},
                retry_after=wait,
            )
        self._buckets[provider] = (tokens - 1.0, now)
