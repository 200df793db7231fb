"""The store that keeps nothing past the process: for tests, benchmarks and throw-away hosts.

It has the same interface as the durable stores, so the host runs the very
same code path; what it remembers (idempotency records, sign-ins, cursors)
lives as long as the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from collections.abc import Sequence

from channelkit.host.store._base import SCHEMA_VERSION
from channelkit.host.store._base import IdempotencyRecord
from channelkit.host.store._base import Retention
from channelkit.host.store._base import SignIn
from channelkit.host.store._base import Store
from channelkit.host.store._base import StoredProvider
from channelkit.host.store._base import StoredState
from channelkit.host.store._base import StoredWorkspace
from channelkit.host.store._base import StoreInfo
from channelkit.host.store._base import Transaction
from channelkit.host.store._base import Unit
from channelkit.host.store._base import durable_now
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb


class MemoryStore(Store):
    """State in this process only."""

    kind = "memory"
    durable = False
    shared = False

    def __init__(self) -> None:
        self._idempotency: dict[tuple[str, str], IdempotencyRecord] = {}
        self._providers: dict[str, StoredProvider] = {}
        self._sign_ins: dict[str, SignIn] = {}

    @property
    def description(self) -> str:
        """Say plainly that nothing outlives the process."""
        return "memory (nothing survives a restart)"

    async def open(self, *, migrate: bool = False) -> StoredState:
        """A fresh epoch and nothing else: every start is a new host."""
        return StoredState(uuid.uuid4().hex[:12], [], {}, {}, [], [])

    async def reload(self) -> StoredState:
        """A memory store never loses a commit, so the host never reloads it."""
        raise NotImplementedError("a memory store is never reloaded")

    async def info(self) -> StoreInfo:
        """A memory store holds nothing once its host is gone."""
        return StoreInfo("memory", "this process", SCHEMA_VERSION, "", {})

    async def close(self) -> None:
        """Nothing to release."""

    @contextlib.asynccontextmanager
    async def transaction(
        self, agent_ids: list[str], *, lock: bool = True, also: Sequence[str] = ()
    ) -> AsyncIterator[Transaction]:
        """Commands need no lock: one process, one event loop."""
        yield _MemoryTransaction(self)

    async def events_after(self, provider: str, seq: int, limit: int) -> list[ppb.ProviderEvent]:
        """The host's own log holds every retained event; the store has none."""
        return []

    async def deltas_after(self, agent_id: str, seq: int, limit: int) -> list[apb.WorkspaceEvent]:
        """The host's own feeds hold every retained delta; the store has none."""
        return []

    async def provider(self, name: str) -> StoredProvider:
        """What this process remembers of the provider."""
        return self._providers.get(name, StoredProvider(name))

    async def acknowledge(self, provider: str, seq: int) -> None:
        """Remember the cursor for this process's life."""
        entry = self._providers.setdefault(provider, StoredProvider(provider))
        entry.acked_seq = max(entry.acked_seq, seq)

    async def set_quarantine(self, provider: str, reason: str) -> None:
        """Remember the quarantine for this process's life."""
        self._providers.setdefault(provider, StoredProvider(provider)).quarantine = reason

    async def delivered(self, analytics_ids: list[str]) -> None:
        """Nothing is kept for the sinks: they are handed every event at once."""

    async def save_sign_in(self, sign_in: SignIn) -> None:
        """Keep the sign-in for this process's life."""
        self._sign_ins[sign_in.digest] = sign_in

    async def drop_sign_ins(self, digests: list[str]) -> None:
        """Forget the sign-ins."""
        for digest in digests:
            self._sign_ins.pop(digest, None)

    async def sign_ins(self) -> list[SignIn]:
        """The sign-ins of this process."""
        return list(self._sign_ins.values())

    async def trim(self, now: float, retention: Retention) -> None:
        """Forget expired idempotency records."""
        self._idempotency = {k: r for k, r in self._idempotency.items() if r.expires_at > now}

    async def counts(self) -> dict[str, int]:
        """A memory store has no tables."""
        return {}

    async def ping(self) -> None:
        """Always answers."""

    def remember(self, record: IdempotencyRecord) -> None:
        """Keep a committed call's record."""
        self._idempotency[(record.provider, record.request_id)] = record

    def remembered(self, provider: str, request_id: str) -> IdempotencyRecord | None:
        """The committed call, if any."""
        return self._idempotency.get((provider, request_id))


class _MemoryTransaction(Transaction):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.versions = {}

    async def idempotent(self, provider: str, request_id: str) -> IdempotencyRecord | None:
        return self._store.remembered(provider, request_id)

    async def load(self, agent_id: str) -> StoredWorkspace | None:
        return None

    async def commit(self, unit: Unit) -> asyncio.Future[None]:
        if unit.idempotency is not None:
            self._store.remember(unit.idempotency)
        return durable_now()
