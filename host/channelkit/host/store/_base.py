"""The store's interface: what one command commits, what a restart loads, and the errors a store raises.

The unit of consistency is one agent workspace. A command runs the pure core
against the workspaces it touches, and everything it changed and routed is
committed together as one :class:`Unit` (the transactional outbox): the
workspace's changed rows, the provider events with their sequence numbers,
the workspace deltas, the analytics records and the call's idempotency
record. Nothing is delivered before the commit; nothing committed is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC
from abc import abstractmethod
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from channelkit.sdk.analytics import AnalyticsEvent
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import Unavailable
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb

SCHEMA_VERSION = 2
"""The store layout this host writes; ``channelkit store migrate`` brings an older store up to it."""


class StoreError(Exception):
    """The store cannot be used as configured; the message says what was found and what to do."""


def check_version(found: int, where: str, *, migrate: bool) -> bool:
    """Whether a store at schema ``found`` is to be migrated now; StoreError when the host cannot use it.

    An empty store (0) is created; an older one is migrated only when asked
    (``channelkit store migrate``: back it up first, and with several
    replicas stop the old ones), and a newer one is refused.
    """
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"{where} has schema version {found}, but this host supports versions up to {SCHEMA_VERSION}: "
            "run a newer channelkit host on it"
        )
    if 0 < found < SCHEMA_VERSION and not migrate:
        raise StoreError(
            f"{where} has schema version {found}; this host writes version {SCHEMA_VERSION}. Back it up, then "
            "run `channelkit store migrate` with the same configuration (stop hosts of the older version first)"
        )
    return found < SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What ``channelkit store info`` prints: which store, at which schema version, holding how much."""

    kind: str
    location: str
    schema_version: int
    """0: nothing has been written yet."""
    epoch: str
    counts: dict[str, int]
    size_bytes: int | None = None


class StoreUnavailable(Unavailable):
    """The store does not answer (database down, disk full): the call changed nothing; retry later."""

    default_reason = ErrorReason.STORE_UNAVAILABLE


@dataclass
class WorkspaceWrite:
    """What one command changed in one workspace: only the rows that differ from the last commit."""

    agent_id: str
    version: int
    feed_seq: int
    next_deadline: float | None
    row: bytes | None = None
    sessions: dict[str, bytes] = field(default_factory=dict)
    """Session id → its row (created or changed)."""
    closed_sessions: list[str] = field(default_factory=list)
    toasts: dict[str, tuple[str, bool, bytes]] = field(default_factory=dict)
    """Toast id → (provider, resolved, row)."""
    dropped_toasts: list[str] = field(default_factory=list)
    transcript: list[tuple[str, int, bytes]] = field(default_factory=list)
    """(tab id, position, row) of every new transcript line."""
    dropped_tabs: list[str] = field(default_factory=list)
    tab_index: dict[str, str] = field(default_factory=dict)
    """Tab id → session id of every tab now open in the workspace (so any replica finds a tab's workspace)."""


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A mutating call that took effect: a retry with the same ``request_id`` gets ``response`` back."""

    provider: str
    request_id: str
    method: str
    fingerprint: bytes
    response: bytes
    expires_at: float


@dataclass
class Unit:
    """Everything one command commits at once."""

    workspaces: list[WorkspaceWrite] = field(default_factory=list)
    events: list[tuple[str, ppb.ProviderEvent]] = field(default_factory=list)
    """Provider → event, in routing order; the store gives each its ``seq``."""
    deltas: list[tuple[str, apb.WorkspaceEvent]] = field(default_factory=list)
    analytics: list[AnalyticsEvent] = field(default_factory=list)
    idempotency: IdempotencyRecord | None = None
    click_to_act: dict[str, bool] = field(default_factory=dict)
    at: float = 0.0
    """When the command ran (wall-clock seconds): what closed sessions are stamped with."""

    @property
    def empty(self) -> bool:
        """True when there is nothing to write (a read-only command, or one that changed nothing)."""
        return not (
            self.workspaces or self.events or self.deltas or self.analytics or self.idempotency or self.click_to_act
        )


@dataclass
class StoredWorkspace:
    """One workspace as the store holds it: its rows, ready for the codec."""

    agent_id: str
    version: int
    feed_seq: int
    row: bytes
    sessions: list[bytes]
    toasts: list[bytes]
    transcripts: dict[str, list[bytes]]
    """Tab id → its lines' rows, in order."""


@dataclass
class StoredProvider:
    """One provider's durable state."""

    name: str
    head_seq: int = 0
    acked_seq: int = 0
    click_to_act: bool | None = None
    quarantine: str = ""


@dataclass
class StoredState:
    """What a host loads when it starts."""

    epoch: str
    workspaces: list[StoredWorkspace]
    providers: dict[str, StoredProvider]
    events: dict[str, list[ppb.ProviderEvent]]
    """Each provider's retained events, oldest first."""
    idempotency: list[IdempotencyRecord]
    analytics: list[AnalyticsEvent]
    """Analytics committed but not yet handed to the sinks."""


@dataclass(frozen=True, slots=True)
class SignIn:
    """A console sign-in: the agent a cookie (kept only as its digest) proves, until when."""

    digest: str
    agent_id: str
    expires_at: float


class Transaction(ABC):
    """One command's hold on its workspaces; :meth:`commit` ends it."""

    versions: dict[str, int]
    """The stored version of each locked workspace (a shared store: compare with the one in memory)."""

    @abstractmethod
    async def idempotent(self, provider: str, request_id: str) -> IdempotencyRecord | None:
        """The committed call ``request_id`` of ``provider``, if there is one."""

    @abstractmethod
    async def load(self, agent_id: str) -> StoredWorkspace | None:
        """The workspace as committed now (for a replica whose copy is older)."""

    async def deltas_after(self, agent_id: str, seq: int, limit: int) -> list[apb.WorkspaceEvent]:
        """Committed deltas of a locked workspace after ``seq`` (a shared store: what another replica added)."""
        return []

    @abstractmethod
    async def commit(self, unit: Unit) -> Awaitable[None]:
        """Hand ``unit`` to the store; the awaitable returned completes once it is durable, its events numbered.

        A store with one writer returns at once with the write queued (its
        commits land in the order they were handed over, so the next command
        on the workspace may run meanwhile); one that replicas share returns
        once the transaction committed. Either raises StoreUnavailable when
        the write failed: nothing of it, or of anything handed over after it,
        was written.
        """


class Store(ABC):
    """Where a host's state lives."""

    kind: str
    durable: bool
    """True when the state outlives the process (SQLite, PostgreSQL)."""
    shared: bool
    """True when several host replicas may use the store at once (PostgreSQL)."""

    @property
    @abstractmethod
    def description(self) -> str:
        """Which store this is, in a few words for the start-up banner."""

    @abstractmethod
    async def open(self, *, migrate: bool = False) -> StoredState:
        """Check (or create) the schema and load the state a starting host needs.

        ``migrate`` lets it bring an older schema up to date (see :func:`check_version`).
        """

    @abstractmethod
    async def info(self) -> StoreInfo:
        """The store's kind, location, schema version, epoch and row counts, read without writing anything."""

    @abstractmethod
    async def reload(self) -> StoredState:
        """Load the state again (after a failed commit: what memory holds beyond it is dropped)."""

    @abstractmethod
    async def close(self) -> None:
        """Finish pending writes and release the store."""

    @abstractmethod
    def transaction(
        self, agent_ids: list[str], *, lock: bool = True, also: Sequence[str] = ()
    ) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """Hold ``agent_ids``'s workspaces for one command (locked against other replicas on a shared store).

        ``also`` names more locks (an idempotent call's key); ``lock`` False
        only reads the workspaces' versions, for a query.
        """

    @abstractmethod
    async def events_after(self, provider: str, seq: int, limit: int) -> list[ppb.ProviderEvent]:
        """Committed events of ``provider`` after ``seq``, oldest first (what other replicas added)."""

    @abstractmethod
    async def deltas_after(self, agent_id: str, seq: int, limit: int) -> list[apb.WorkspaceEvent]:
        """Committed workspace deltas of ``agent_id`` after ``seq``, oldest first."""

    @abstractmethod
    async def provider(self, name: str) -> StoredProvider:
        """One provider's state as committed now (another replica may have changed it)."""

    @abstractmethod
    async def acknowledge(self, provider: str, seq: int) -> None:
        """Remember that ``provider`` processed every event up to ``seq``."""

    @abstractmethod
    async def set_quarantine(self, provider: str, reason: str) -> None:
        """Remember (``reason``) or clear ("") a provider's quarantine."""

    @abstractmethod
    async def delivered(self, analytics_ids: list[str]) -> None:
        """Forget analytics the sinks received."""

    @abstractmethod
    async def save_sign_in(self, sign_in: SignIn) -> None:
        """Keep a console sign-in."""

    @abstractmethod
    async def drop_sign_ins(self, digests: list[str]) -> None:
        """Forget console sign-ins (signed out, expired, or over the limit)."""

    @abstractmethod
    async def sign_ins(self) -> list[SignIn]:
        """Every kept console sign-in."""

    async def find_sign_in(self, digest: str) -> SignIn | None:
        """One kept sign-in (a shared store: one made on another replica)."""
        return next((s for s in await self.sign_ins() if s.digest == digest), None)

    @abstractmethod
    async def trim(self, now: float, retention: Retention) -> None:
        """Drop what retention no longer keeps: old events and deltas, expired idempotency records."""

    @abstractmethod
    async def counts(self) -> dict[str, int]:
        """Rows per table (``channelkit store info``)."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers now."""

    async def take_token(self, provider: str, rate: float, burst: int) -> float:
        """Spend one token of ``provider``'s bucket shared by every replica: 0 when granted, else the wait in seconds.

        Only a shared store has such a bucket; a host alone keeps its own in memory.
        """
        raise NotImplementedError(f"a {self.kind} store has one host: it limits rates in memory")

    async def lease(self, name: str) -> bool:
        """Take the lease to run in-process provider ``name`` here; True when this host holds it.

        A store one host uses always grants it; on a shared store one
        replica at a time holds it, until that replica loses its database.
        """
        return True

    async def locate(self, *, session: str = "", tab: str = "") -> str | None:
        """The agent whose workspace holds an open ``session`` or ``tab`` (a shared store: made on another replica)."""
        return None

    async def listen(self, on_news: Callable[[str, str], Awaitable[None]]) -> None:
        """Call ``on_news("provider"|"agent", name)`` when another replica committed news (shared stores only).

        Returns only by raising StoreUnavailable, when the store's connection is lost.
        """
        raise NotImplementedError(f"a {self.kind} store has one host: nobody else commits news")


@dataclass(frozen=True, slots=True)
class Retention:
    """How much of each log a store keeps."""

    events: int
    deltas: int
    closed_session_seconds: float


def durable_now() -> asyncio.Future[None]:
    """The commit result of a store whose commit has already completed when it returns."""
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done
