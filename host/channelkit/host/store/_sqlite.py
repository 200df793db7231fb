"""The embedded store: one SQLite file in WAL mode, written by one thread, for one host.

Every write goes through one connection owned by one thread, so commits are
serial and the host's event loop never waits on the disk; commands that
arrive while a commit runs are committed together in the next transaction
(group commit), and each command's reply still waits for its own commit.

``synchronous = NORMAL`` (the default): a committed transaction survives a
crash of the host process (``kill -9``); the last transactions before a
power loss or an operating-system crash may be lost. ``FULL`` survives
those too and syncs the disk at every commit. The file is locked: a second
host on the same file refuses to start rather than corrupt the first one's
state.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import queue
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from typing import TypeVar

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
_GROUP = 128
"""The most commands committed in one transaction."""


class _Job:
    def __init__(self, work: Callable[[sqlite3.Connection], Any], future: asyncio.Future[Any], unit: bool) -> None:
        self.work = work
        self.future = future
        self.unit = unit


class SqliteStore(Store):
    """A host's state in one SQLite file."""

    kind = "sqlite"
    durable = True
    shared = False

    def __init__(self, path: Path, *, synchronous: str = "NORMAL", events_kept: int = 1_000_000) -> None:
        self.path = path
        self._events_kept = events_kept
        self.synchronous = synchronous
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock_file: int | None = None
        self._idempotency: dict[tuple[str, str], IdempotencyRecord] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._migrate = False
        self._broken: Exception | None = None
        """Set when a commit failed: later commits fail too (their sequence numbers follow the lost ones)
        until the host reloads the committed state."""

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def description(self) -> str:
        """The file and what a commit survives."""
        survives = "a power loss" if self.synchronous == "FULL" else "a crash of the host"
        return f"sqlite {self.path} (synchronous {self.synchronous}: a commit survives {survives})"

    async def open(self, *, migrate: bool = False) -> StoredState:
        """Lock the file, check (create, or with ``migrate`` upgrade) its schema, and load what a host needs."""
        self._loop = asyncio.get_running_loop()
        self._migrate = migrate
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        self._thread = threading.Thread(target=self._serve, name="channelkit-sqlite", daemon=True)
        self._thread.start()
        try:
            await self._run(functools.partial(self._prepare, migrate=migrate))
            state: StoredState = await self._run(lambda c: _sql.load(c, events_kept=self._events_kept))
        except BaseException:
            await self.close()
            raise
        self._idempotency = {(r.provider, r.request_id): r for r in state.idempotency}
        return state

    async def reload(self) -> StoredState:
        """Load the committed state again and accept writes once more (after a failed group commit)."""
        state: StoredState = await self._run(lambda c: _sql.load(c, events_kept=self._events_kept))
        self._idempotency = {(r.provider, r.request_id): r for r in state.idempotency}
        self._broken = None
        return state

    def _lock(self) -> None:
        lock_path = self.path.with_name(self.path.name + ".lock")
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            raise StoreError(
                f"{self.path} is in use by another channelkit host (lock {lock_path}); one SQLite store serves "
                'one host: stop the other host, or run several replicas on PostgreSQL ([store] kind = "postgres")'
            ) from None
        self._lock_file = descriptor

    def _prepare(self, connection: sqlite3.Connection, *, migrate: bool) -> None:
        version = _sql.schema_version(connection, self.path)
        if check_version(version, str(self.path), migrate=migrate):
            _sql.migrate(connection, version, _schema.SQLITE_TYPES, epoch=uuid.uuid4().hex[:12])
            if version:
                log.warning("store %s migrated from schema version %d to %d", self.path, version, SCHEMA_VERSION)

    async def info(self) -> StoreInfo:
        """Read the file without locking or writing it (a running host may hold it)."""
        return await asyncio.to_thread(self._info)

    def _info(self) -> StoreInfo:
        location = str(self.path)
        if not self.path.exists():
            return StoreInfo(self.kind, f"{location} (not created yet: the first start creates it)", 0, "", {})
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            version = _sql.schema_version(connection, self.path)
            if version == 0:
                return StoreInfo(self.kind, location, 0, "", {}, self.path.stat().st_size)
            epoch = connection.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
            counts = _sql.counts(connection) if version == SCHEMA_VERSION else {}
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path} cannot be read as a channelkit state database: {exc}") from None
        finally:
            connection.close()
        wal = self.path.with_name(self.path.name + "-wal")
        size = self.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        return StoreInfo(self.kind, location, version, epoch, counts, size)

    async def close(self) -> None:
        """Finish the queued writes, stop the writer thread and release the file."""
        if self._thread is not None:
            self._jobs.put(None)
            await asyncio.to_thread(self._thread.join, 30)
            self._thread = None
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None

    # --- the writer thread --------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        """Open the file; one that is not a channelkit store is refused before anything is written to it."""
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
        try:
            # refused before the journal mode changes a byte of it: a store of another version, or no store at all
            check_version(_sql.schema_version(connection, self.path), str(self.path), migrate=self._migrate)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {self.synchronous}")
            connection.execute("PRAGMA busy_timeout = 5000")
        except BaseException:
            connection.close()
            raise
        return connection

    def _serve(self) -> None:
        try:
            connection = self._connect()
        except StoreError as exc:
            self._fail_everything(exc)
            return
        except sqlite3.Error as exc:
            self._fail_everything(StoreError(f"cannot open the state database {self.path}: {exc}"))
            return
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                jobs = [job, *self._more_units()] if job.unit else [job]
                self._execute(connection, jobs)
        finally:
            connection.close()

    def _more_units(self) -> list[_Job]:
        more: list[_Job] = []
        while len(more) < _GROUP:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None or not job.unit:
                self._jobs.put(job)  # back in line: a stop or another kind of job ends the group
                break
            more.append(job)
        return more

    def _execute(self, connection: sqlite3.Connection, jobs: list[_Job]) -> None:
        if jobs[0].unit and self._broken is not None:
            for job in jobs:
                self._settle(job.future, error=self._broken)
            return
        try:
            connection.execute("BEGIN IMMEDIATE")
            results = [job.work(connection) for job in jobs]
            connection.execute("COMMIT")
        except Exception as exc:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            error = exc if isinstance(exc, StoreError) else _unavailable(self.path, exc)
            if jobs[0].unit:
                self._broken = error
            for job in jobs:
                self._settle(job.future, error=error)
            return
        for job, result in zip(jobs, results, strict=True):
            self._settle(job.future, result=result)

    def _settle(self, future: asyncio.Future[Any], *, result: object = None, error: Exception | None = None) -> None:
        assert self._loop is not None

        def settle() -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            self._loop.call_soon_threadsafe(settle)

    def _fail_everything(self, error: Exception) -> None:
        """The file could not be opened: answer every job with why, until the store is closed."""
        while (job := self._jobs.get()) is not None:
            self._settle(job.future, error=error)

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await self._submit(work)

    def _submit(self, work: Callable[[sqlite3.Connection], T], *, unit: bool = False) -> asyncio.Future[T]:
        if self._thread is None:
            raise StoreUnavailable("the host's store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put(_Job(work, future, unit))
        return future

    # --- the interface ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def transaction(
        self, agent_ids: list[str], *, lock: bool = True, also: Sequence[str] = ()
    ) -> AsyncIterator[Transaction]:
        """One host writes this store, so a command needs no lock: its commit joins the writer's queue."""
        yield _SqliteTransaction(self)

    async def events_after(self, provider: str, seq: int, limit: int) -> list[ppb.ProviderEvent]:
        """Committed events of ``provider`` after ``seq``."""
        return await self._run(lambda c: _sql.events_after(c, provider, seq, limit))

    async def deltas_after(self, agent_id: str, seq: int, limit: int) -> list[apb.WorkspaceEvent]:
        """Committed deltas of ``agent_id`` after ``seq``."""
        return await self._run(lambda c: _sql.deltas_after(c, agent_id, seq, limit))

    async def provider(self, name: str) -> StoredProvider:
        """One provider's committed state."""
        return await self._run(lambda c: _sql.provider_state(c, name))

    async def acknowledge(self, provider: str, seq: int) -> None:
        """Keep the provider's acknowledged cursor (never moving it back)."""
        await self._run(lambda c: _sql.acknowledge(c, provider, seq))

    async def set_quarantine(self, provider: str, reason: str) -> None:
        """Keep or clear a provider's quarantine."""
        await self._run(lambda c: _sql.set_quarantine(c, provider, reason))

    async def delivered(self, analytics_ids: list[str]) -> None:
        """Forget analytics the sinks received."""
        if analytics_ids:
            await self._run(lambda c: _sql.delivered(c, analytics_ids))

    async def save_sign_in(self, sign_in: SignIn) -> None:
        """Keep a console sign-in."""
        await self._run(lambda c: _sql.save_sign_in(c, sign_in))

    async def drop_sign_ins(self, digests: list[str]) -> None:
        """Forget console sign-ins."""
        if digests:
            await self._run(lambda c: _sql.drop_sign_ins(c, digests))

    async def sign_ins(self) -> list[SignIn]:
        """Every kept console sign-in."""
        return await self._run(_sql.sign_ins)

    async def trim(self, now: float, retention: Retention) -> None:
        """Drop old events, deltas, closed sessions and expired idempotency records."""
        await self._run(lambda c: _sql.trim(c, now, retention))
        self._idempotency = {k: r for k, r in self._idempotency.items() if r.expires_at > now}

    async def counts(self) -> dict[str, int]:
        """Rows per table."""
        return await self._run(_sql.counts)

    async def ping(self) -> None:
        """Write nothing, but go through the writer: a stuck or failed writer does not answer."""
        await self._run(lambda c: c.execute("SELECT 1").fetchone())

    # --- used by the transaction --------------------------------------------------------------

    def remembered(self, provider: str, request_id: str) -> IdempotencyRecord | None:
        """The committed call, from memory: this host is the only writer, so memory is up to date."""
        return self._idempotency.get((provider, request_id))

    def queue(self, unit: Unit) -> asyncio.Future[None]:
        """Queue ``unit`` for the writer, which commits it with whatever else waits (group commit), in order.

        The call's record is remembered at once: a retry of the call waits for
        this one's reply, and a failed write reloads the records from the file.
        """
        future = self._submit(lambda c: _sql.write(c, unit), unit=True)
        if unit.idempotency is not None:
            record = unit.idempotency
            self._idempotency[(record.provider, record.request_id)] = record
        return future


class _SqliteTransaction(Transaction):
    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self.versions = {}

    async def idempotent(self, provider: str, request_id: str) -> IdempotencyRecord | None:
        return self._store.remembered(provider, request_id)

    async def load(self, agent_id: str) -> StoredWorkspace | None:
        return None  # this host is the store's only writer: its memory is never older than the store

    async def commit(self, unit: Unit) -> asyncio.Future[None]:
        return self._store.queue(unit) if not unit.empty else durable_now()


def _unavailable(path: Path, exc: Exception) -> StoreUnavailable:
    return StoreUnavailable(
        f"the host's store {path.name} could not be written ({type(exc).__name__}: {exc}); nothing was changed",
        metadata={"store": "sqlite"},
    )
