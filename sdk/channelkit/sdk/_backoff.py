"""Exponential backoff with full jitter, for reconnects and retried calls.

Full jitter (a random delay between zero and the exponential cap) keeps many
providers that lost the same host from reconnecting in lockstep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import field


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
