"""The shared store: one PostgreSQL database that several host replicas use at once.

Each command holds transaction-scoped advisory locks on the workspaces it
touches (and on its ``request_id``), so two replicas never run commands on
one workspace at the same time; the lock is taken in a fixed order, so they
never deadlock either. A provider's sequence numbers are taken from its
``providers`` row inside the committing transaction, so they stay gapless and
in commit order whichever replica commits. ``NOTIFY`` (sent by the commit,
so only committed news is announced) wakes the replicas that hold the
provider's stream or the agent's watchers; they read what is new from the
tables.

psycopg's synchronous pool runs in a small thread pool of its own: the SQL
statements are the same text as SQLite's (see ``_sql``), and the host's
event loop never blocks on the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import threading
import uuid
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from typing import TypeVar

import psycopg
import psycopg_pool
from psycopg import conninfo

from channelkit.host.store import _schema
from channelkit.host.store import _sql
from channelkit.host.store._base import SCHEMA_VERSION
from channelkit.host.store._base import IdempotencyRecord
from channelkit.host.store._base import Retention
from channelkit.host.store._base import SignIn
from channelkit.host.store._base import Store
from channelkit.host.store._base import StoredProvider
from channelkit.host.store._base import StoredState
from channelkit.host.store._base import StoredWorkspace
from channelkit.host.store._base import StoreError
from channelkit.host.store._base import StoreInfo
from channelkit.host.store._base import StoreUnavailable
from channelkit.host.store._base import Transaction
from channelkit.host.store._base import Unit
from channelkit.host.store._base import check_version
from channelkit.host.store._base import durable_now
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb

T = TypeVar("T")
log = logging.getLogger(__name__)
CHANNEL = "channelkit"
"""The NOTIFY channel: payload ``<replica> <kind>:<name> ...`` (kind ``provider`` or ``agent``)."""
_SCHEMA_LOCK = 0x63686B5F736368  # one advisory lock for creating or migrating the schema
_TAKE_TOKEN = """
INSERT INTO rate_buckets AS b (provider, tokens, at, granted)
VALUES (%(p)s, %(burst)s - 1, extract(epoch FROM clock_timestamp()), 1)
ON CONFLICT (provider) DO UPDATE SET
  tokens = LEAST(%(burst)s, b.tokens + (excluded.at - b.at) * %(rate)s)
           - CASE WHEN LEAST(%(burst)s, b.tokens + (excluded.at - b.at) * %(rate)s) >= 1 THEN 1 ELSE 0 END,
  granted = CASE WHEN LEAST(%(burst)s, b.tokens + (excluded.at - b.at) * %(rate)s) >= 1 THEN 1 ELSE 0 END,
  at = excluded.at
RETURNING granted = 1, tokens
"""
"""A token bucket shared by every replica: refill by elapsed time, spend one if there is one."""
_NUMBER_EVENTS = """
WITH head AS (
  INSERT INTO providers (name, head_seq, click_to_act, quarantine) VALUES (%s, %s, NULL, '')
  ON CONFLICT (name) DO UPDATE SET head_seq = providers.head_seq + excluded.head_seq RETURNING head_seq
)
INSERT INTO provider_events (provider, seq, event)
SELECT %s, head.head_seq - %s + e.n, e.event FROM head, unnest(%s::bytea[]) WITH ORDINALITY AS e(event, n)
RETURNING seq
"""
"""The provider's next sequence numbers, taken from its row (locked until the commit: gapless, in commit
order across replicas), and its events inserted with them, in one statement."""
_LOST = (psycopg.OperationalError, psycopg.InterfaceError, psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed)


class _Connection:
    """A psycopg connection that speaks the ``?`` placeholders of ``_sql``."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.raw = connection

    def execute(self, statement: str, args: Sequence[Any] | Mapping[str, Any] = ()) -> psycopg.Cursor[Any]:
        return self.raw.execute(_sql.postgres_sql(statement), args)

    def value(self, statement: str, args: Sequence[Any] = ()) -> Any:  # noqa: ANN401
        """The first column of the first row (the statement returns one)."""
        row = self.execute(statement, args).fetchone()
        assert row is not None, statement
        return row[0]

    def executemany(self, statement: str, rows: list[Sequence[Any]]) -> None:
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(_sql.postgres_sql(statement), rows)


def lock_key(name: str) -> int:
    """The advisory lock of a workspace or call: 64 bits of its name's digest."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def where(dsn: str) -> str:
    """The database a DSN names, without its password (for messages)."""
    try:
        parts = conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "the configured database"
    host, port, name = parts.get("host", "localhost"), parts.get("port", "5432"), parts.get("dbname", "")
    return f"postgresql://{host}:{port}/{name}"


class PostgresStore(Store):
    """A host's state in PostgreSQL, shared by every replica that names the same database."""

    kind = "postgres"
    durable = True
    shared = True

    def __init__(self, dsn: str, *, pool_size: int = 8, events_kept: int = 1_000_000) -> None:
        self.dsn = dsn
        self.replica = uuid.uuid4().hex[:12]
        """This host's name in the NOTIFY payloads (so it can skip its own news)."""
        self._events_kept = events_kept
        self._pool = psycopg_pool.ConnectionPool(
            dsn, min_size=1, max_size=pool_size, open=False, timeout=5.0, kwargs={"connect_timeout": 5}
        )
        self._slots = asyncio.Semaphore(pool_size)
        self._threads = ThreadPoolExecutor(max_workers=pool_size + 2, thread_name_prefix="channelkit-pg")
        self._listener: psycopg.AsyncConnection[Any] | None = None
        self._leases: psycopg.Connection[Any] | None = None
        """The session whose advisory locks are this replica's leases on in-process providers."""
        self._lease_lock = threading.Lock()

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def description(self) -> str:
        """The database (without its password) and this replica's name."""
        return f"postgres {where(self.dsn)} (replica {self.replica})"

    async def open(self, *, migrate: bool = False) -> StoredState:
        """Connect, check (create, or with ``migrate`` upgrade) the schema one replica at a time, and load."""
        try:
            await self._thread(functools.partial(self._pool.open, wait=True, timeout=10.0))
        except _LOST as exc:
            self._pool.close()
            raise StoreError(f"cannot reach PostgreSQL at {where(self.dsn)}: {exc}") from None
        try:
            await self._call(functools.partial(self._prepare, migrate=migrate))
            return await self._call(self._load)
        except BaseException:
            await self.close()
            raise

    async def reload(self) -> StoredState:
        """Load the committed state again (the database came back: connections from before it left are dropped)."""
        await self._thread(self._pool.check)
        return await self._call(self._load)

    def _load(self, connection: _Connection) -> StoredState:
        return _sql.load(connection, events_kept=self._events_kept)

    def _prepare(self, connection: _Connection, *, migrate: bool) -> None:
        connection.execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))
        version = self._schema_version(connection)
        if not check_version(version, f"the database at {where(self.dsn)}", migrate=migrate):
            return
        _sql.migrate(connection, version, _schema.POSTGRES_TYPES, epoch=uuid.uuid4().hex[:12])
        if version:
            log.warning("store %s migrated from schema version %d to %d", where(self.dsn), version, SCHEMA_VERSION)

    def _schema_version(self, connection: _Connection) -> int:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        }
        if "meta" not in tables:
            if tables:
                raise StoreError(
                    f"the database at {where(self.dsn)} has tables but is not a channelkit store "
                    f"({', '.join(sorted(tables)[:8])}); give channelkit a database (or schema) of its own"
                )
            return 0
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    async def info(self) -> StoreInfo:
        """Read the schema version, epoch and counts without writing (a short connection of its own)."""
        return await asyncio.to_thread(self._info)

    def _info(self) -> StoreInfo:
        try:
            with psycopg.connect(self.dsn, connect_timeout=5) as raw:
                connection = _Connection(raw)
                version = self._schema_version(connection)
                if version == 0:
                    return StoreInfo(self.kind, where(self.dsn), 0, "", {})
                epoch = connection.value("SELECT value FROM meta WHERE key = 'epoch'")
                counts = _sql.counts(connection) if version == SCHEMA_VERSION else {}
                size = connection.value("SELECT pg_database_size(current_database())")
        except _LOST as exc:
            raise StoreError(f"cannot reach PostgreSQL at {where(self.dsn)}: {exc}") from None
        return StoreInfo(self.kind, where(self.dsn), version, epoch, counts, int(size))

    async def close(self) -> None:
        """Close the listener, the leases and the pool."""
        await self._thread(self._drop_leases)
        if self._listener is not None:
            with contextlib.suppress(psycopg.Error):
                await self._listener.close()
            self._listener = None
        await asyncio.get_running_loop().run_in_executor(self._threads, self._pool.close)
        self._threads.shutdown(wait=False)

    # --- running SQL ----------------------------------------------------------------------------

    async def _thread(self, work: Callable[[], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, work)
        except RuntimeError as exc:  # the executor is shut down: the store was closed
            raise StoreUnavailable("the host's store is closed") from exc

    async def _call(self, work: Callable[[_Connection], T]) -> T:
        """Run ``work`` in one transaction of its own (committed when it returns)."""
        async with self._slots:
            return await self._thread(functools.partial(self._in_transaction, work))

    def _in_transaction(self, work: Callable[[_Connection], T]) -> T:
        try:
            with self._pool.connection() as raw:
                return work(_Connection(raw))
        except _LOST as exc:
            raise self.unavailable(exc) from None

    def unavailable(self, exc: BaseException) -> StoreUnavailable:
        """The error a caller gets while the database does not answer."""
        return StoreUnavailable(
            f"the host's database ({where(self.dsn)}) did not answer ({type(exc).__name__}: {exc}); "
            "nothing was changed",
            metadata={"store": "postgres"},
        )

    # --- the interface ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def transaction(
        self, agent_ids: list[str], *, lock: bool = True, also: Sequence[str] = ()
    ) -> AsyncIterator[Transaction]:
        """Lock the workspaces (and ``also``, a call's key) for this command; read their stored versions."""
        async with self._slots:
            try:
                raw = await self._thread(self._pool.getconn)
            except _LOST as exc:
                raise self.unavailable(exc) from None
            tx = _PostgresTransaction(self, _Connection(raw))
            try:
                await self._thread(functools.partial(tx.begin, agent_ids, [*agent_ids, *also] if lock else []))
                yield tx
            finally:
                await self._thread(tx.end)
                self._pool.putconn(raw)

    async def events_after(self, provider: str, seq: int, limit: int) -> list[ppb.ProviderEvent]:
        """Committed events of ``provider`` after ``seq``."""
        return await self._call(lambda c: _sql.events_after(c, provider, seq, limit))

    async def deltas_after(self, agent_id: str, seq: int, limit: int) -> list[apb.WorkspaceEvent]:
        """Committed deltas of ``agent_id`` after ``seq``."""
        return await self._call(lambda c: _sql.deltas_after(c, agent_id, seq, limit))

    async def provider(self, name: str) -> StoredProvider:
        """One provider's state as committed now (cursor, quarantine, click-to-act)."""
        return await self._call(lambda c: _sql.provider_state(c, name))

    async def acknowledge(self, provider: str, seq: int) -> None:
        """Keep the provider's acknowledged cursor (never moving it back)."""
        await self._call(lambda c: _sql.acknowledge(c, provider, seq))

    async def set_quarantine(self, provider: str, reason: str) -> None:
        """Keep or clear a provider's quarantine, for every replica."""
        await self._call(lambda c: self._announce(c, "provider", provider, _sql.set_quarantine, provider, reason))

    def _announce(
        self, connection: _Connection, kind: str, name: str, work: Callable[..., None], *args: object
    ) -> None:
        work(connection, *args)
        connection.execute("SELECT pg_notify(?, ?)", (CHANNEL, f"{self.replica} {kind}:{name}"))

    async def delivered(self, analytics_ids: list[str]) -> None:
        """Forget analytics the sinks received."""
        if analytics_ids:
            await self._call(lambda c: _sql.delivered(c, analytics_ids))

    async def save_sign_in(self, sign_in: SignIn) -> None:
        """Keep a console sign-in, valid on every replica."""
        await self._call(lambda c: _sql.save_sign_in(c, sign_in))

    async def drop_sign_ins(self, digests: list[str]) -> None:
        """Forget console sign-ins, on every replica."""
        if digests:
            await self._call(lambda c: _sql.drop_sign_ins(c, digests))

    async def sign_ins(self) -> list[SignIn]:
        """Every kept console sign-in."""
        return await self._call(_sql.sign_ins)

    async def find_sign_in(self, digest: str) -> SignIn | None:
        """One kept sign-in, wherever it was made."""
        return await self._call(lambda c: _sql.find_sign_in(c, digest))

    async def trim(self, now: float, retention: Retention) -> None:
        """Drop old events, deltas, closed sessions and expired records (any replica may; it is idempotent)."""
        await self._call(lambda c: _sql.trim(c, now, retention))

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers now (the leases' session too)."""
        await self._call(lambda c: c.execute("SELECT 1").fetchone())
        await self._thread(self._check_leases)

    async def take_token(self, provider: str, rate: float, burst: int) -> float:
        """One statement on the provider's bucket row, timed by the database's clock (the same for every replica)."""
        row = await self._call(
            lambda c: c.execute(_TAKE_TOKEN, {"p": provider, "rate": rate, "burst": burst}).fetchone()
        )
        granted, tokens = row if row else (True, 0.0)
        return 0.0 if granted else (1.0 - tokens) / rate

    async def lease(self, name: str) -> bool:
        """Take the lease on running in-process provider ``name``: one replica at a time holds it."""
        return await self._thread(functools.partial(self._take_lease, name))

    def _take_lease(self, name: str) -> bool:
        with self._lease_lock:
            try:
                if self._leases is None:
                    self._leases = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5)
                row = self._leases.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(f"lease {name}"),)).fetchone()
            except _LOST as exc:
                self._drop_leases_locked()
                raise self.unavailable(exc) from None
            return bool(row and row[0])

    def _check_leases(self) -> None:
        with self._lease_lock:
            if self._leases is None:
                return
            try:
                self._leases.execute("SELECT 1").fetchone()
            except _LOST as exc:
                self._drop_leases_locked()  # the locks went with the session: every lease is to be taken again
                raise self.unavailable(exc) from None

    def _drop_leases(self) -> None:
        with self._lease_lock:
            self._drop_leases_locked()

    def _drop_leases_locked(self) -> None:
        if self._leases is not None:
            with contextlib.suppress(psycopg.Error):
                self._leases.close()
            self._leases = None

    async def counts(self) -> dict[str, int]:
        """Rows per table."""
        return await self._call(_sql.counts)

    async def locate(self, *, session: str = "", tab: str = "") -> str | None:
        """The agent whose workspace holds ``session`` or ``tab``, wherever it was created."""
        return await self._call(lambda c: _sql.locate(c, session, tab))

    async def listen(self, on_news: Callable[[str, str], Awaitable[None]]) -> None:
        """Hand every other replica's news to ``on_news`` until the connection is lost (then StoreUnavailable)."""
        try:
            self._listener = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True, connect_timeout=5)
            await self._listener.execute(f"LISTEN {CHANNEL}")
            async for notice in self._listener.notifies():
                replica, *news = notice.payload.split(" ")
                if replica == self.replica:
                    continue
                for item in news:
                    kind, _, name = item.partition(":")
                    await on_news(kind, name)
        except _LOST as exc:
            raise self.unavailable(exc) from None
        finally:
            if self._listener is not None:
                with contextlib.suppress(psycopg.Error):
                    await self._listener.close()
                self._listener = None


class _PostgresTransaction(Transaction):
    """One command's connection, inside one database transaction."""

    def __init__(self, store: PostgresStore, connection: _Connection) -> None:
        self._store = store
        self._connection = connection
        self.versions = {}
        self._done = False

    def begin(self, agent_ids: list[str], locks: list[str]) -> None:
        """Lock the workspaces' rows (``FOR UPDATE`` waits, then reads the version just committed) and the calls."""
        connection = self._connection
        try:
            for key in sorted({lock_key(name) for name in locks if name not in agent_ids}):
                connection.execute("SELECT pg_advisory_xact_lock(?)", (key,))
            if not locks:  # a query: one snapshot for the versions and any load, so nothing is read half-changed
                connection.raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                self.versions = _sql.versions(connection, agent_ids)
                return
            self.versions = _sql.versions(connection, agent_ids, lock="FOR UPDATE")
            if missing := [a for a in agent_ids if a not in self.versions]:  # first command: make rows to lock
                connection.executemany(_sql.PLACEHOLDER, [(agent, b"") for agent in missing])
                self.versions |= _sql.versions(connection, missing, lock="FOR UPDATE")
        except _LOST as exc:
            self._done = True
            raise self._store.unavailable(exc) from None

    def end(self) -> None:
        """Roll back what was not committed (a query, a replay, a failed command): it releases the locks."""
        with contextlib.suppress(psycopg.Error):
            if not self._done:
                self._connection.raw.rollback()
            self._connection.raw.isolation_level = None

    async def idempotent(self, provider: str, request_id: str) -> IdempotencyRecord | None:
        return await self._store._thread(lambda: self._guard(_sql.idempotent, provider, request_id))

    async def load(self, agent_id: str) -> StoredWorkspace | None:
        return await self._store._thread(lambda: self._guard(_sql.workspace, agent_id))

    async def deltas_after(self, agent_id: str, seq: int, limit: int) -> list[apb.WorkspaceEvent]:
        return await self._store._thread(lambda: self._guard(_sql.deltas_after, agent_id, seq, limit))

    def _guard(self, work: Callable[..., T], *args: object) -> T:
        try:
            return work(self._connection, *args)
        except _LOST as exc:
            self._done = True
            raise self._store.unavailable(exc) from None

    async def commit(self, unit: Unit) -> asyncio.Future[None]:
        await self._store._thread(functools.partial(self._commit, unit))
        return durable_now()  # replicas' commits may race: the workspace stays locked until this one is in

    def _queue_events(self, unit: Unit) -> list[tuple[list[ppb.ProviderEvent], psycopg.Cursor[Any]]]:
        """One statement per provider takes its next sequence numbers and inserts its events with them."""
        by_provider: dict[str, list[ppb.ProviderEvent]] = {}
        for name, event in unit.events:
            by_provider.setdefault(name, []).append(event)
        queued = []
        for name in sorted(by_provider):  # a fixed order: replicas never wait on each other's provider rows
            events = by_provider[name]
            rows = [event.SerializeToString() for event in events]
            cursor = self._connection.raw.execute(_NUMBER_EVENTS, (name, len(rows), name, len(rows), rows))
            queued.append((events, cursor))
        return queued

    def _commit(self, unit: Unit) -> None:
        connection = self._connection
        try:
            with connection.raw.pipeline():  # every row, the numbered events and the commit: one round trip
                numbered = self._queue_events(unit)
                if not unit.empty:
                    _sql.write_rows(connection, unit)
                    news = {("provider", name) for name, _ in unit.events}
                    news |= {("agent", agent) for agent, _ in unit.deltas}
                    news |= {("agent", write.agent_id) for write in unit.workspaces}
                    news |= {("provider", name) for name in unit.click_to_act}
                    if news:  # one notice for the whole commit
                        payload = " ".join(f"{kind}:{name}" for kind, name in sorted(news))
                        connection.execute("SELECT pg_notify(?, ?)", (CHANNEL, f"{self._store.replica} {payload}"))
                connection.raw.commit()
            for events, cursor in numbered:
                for event, (seq,) in zip(events, sorted(cursor.fetchall()), strict=True):
                    event.seq = seq
        except psycopg.Error as exc:
            with contextlib.suppress(psycopg.Error):
                connection.raw.rollback()
            raise self._store.unavailable(exc) from None
        finally:
            self._done = True
