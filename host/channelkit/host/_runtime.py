"""The running host's state: the core, its store, and the asynchronous parts around them.

:meth:`HostRuntime.run` is the single doorway to the core for every command:
it locks the workspaces the command touches (against other host replicas
too, on a shared store), brings them up to date, runs the command, and
commits the rows it changed together with everything it routed — provider
events with their sequence numbers, workspace deltas, analytics, the call's
idempotency record — in one transaction. Only then are the deliveries made
and the reply sent: nothing is delivered that was not committed, and nothing
committed is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import uuid
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import TypeVar

from google.protobuf.message import Message

from channelkit.host import _toproto as toproto
from channelkit.host._auth import Identity
from channelkit.host._auth import Role
from channelkit.host._auth import TokenTable
from channelkit.host._idempotency import Call
from channelkit.host._idempotency import current_call
from channelkit.host._persist import Persistence
from channelkit.host._persist import workspace_of
from channelkit.host._ratelimit import RateLimiter
from channelkit.host._router import AgentFeed
from channelkit.host._router import ProviderLog
from channelkit.host._toasts import ToastTimer
from channelkit.host.analytics._recorder import AnalyticsRecorder
from channelkit.host.config import HostConfig
from channelkit.host.core import AgentInfo
from channelkit.host.core import Clock
from channelkit.host.core import Core
from channelkit.host.core import CoreSettings
from channelkit.host.core import ProviderInfo
from channelkit.host.core import SystemClock
from channelkit.host.core import TemplateCatalog
from channelkit.host.core import _validate as check
from channelkit.host.core import events as ev
from channelkit.host.store import Retention
from channelkit.host.store import Store
from channelkit.host.store import StoredState
from channelkit.host.store import StoreUnavailable
from channelkit.host.store import Transaction
from channelkit.host.store import Unit
from channelkit.host.store import open_store
from channelkit.sdk.analytics import AnalyticsEvent
from channelkit.sdk.analytics import AnalyticsSink
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)
FOLLOW_BATCH = 500
"""Events or deltas read from the store at a time when following another replica."""
MAINTENANCE_SECONDS = 1.0
"""How often a shared store is pinged (a replica that lost its database stops serving within this)."""
TRIM_SECONDS = 60.0
"""How often the store is trimmed to its retention."""


def core_settings(config: HostConfig) -> CoreSettings:
    """The core's settings from the host configuration."""
    return CoreSettings(
        max_sessions=config.limits.max_sessions,
        max_tabs=config.limits.max_tabs,
        attention_cooldown_seconds=config.limits.attention_cooldown_seconds,
        consent=config.policy.consent,
        presences=tuple(config.policy.presences),
        default_notification_timeout=config.limits.default_notification_timeout_seconds,
        toast_queue_limit=config.notifications.queue_limit,
        toast_queue_seconds=config.notifications.queue_time_limit_seconds,
        toast_gap_seconds=config.notifications.gap_seconds,
        max_transcript_entries=config.limits.max_transcript_entries,
        record_url=config.console.record_url,
    )


def provider_infos(config: HostConfig) -> list[ProviderInfo]:
    """The core's view of each configured provider."""
    return [
        ProviderInfo(
            name=p.name,
            label=p.label or p.name,
            channel=p.channel,
            channel_order=p.channel_order,
            enabled=p.enabled,
            click_to_act=p.click_to_act,
            agents=frozenset(config.agents_of(p)),
            parameters=dict(p.parameters),
            remote=p.token_sha256 is not None,
            enable_analytics=p.enable_analytics,
        )
        for p in config.providers
    ]


def token_table(config: HostConfig) -> TokenTable:
    """Every configured token digest with the identity it proves."""
    entries = [(a.token_sha256, Identity(Role.ADMIN, a.name)) for a in config.admins]
    entries += [(a.token_sha256, Identity(Role.AGENT, a.id)) for a in config.agents]
    entries += [(p.token_sha256, Identity(Role.PROVIDER, p.name)) for p in config.providers if p.token_sha256]
    return TokenTable(entries)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a command touches, as the request names it: an agent, a session, a tab, a toast's token."""

    agent: str = ""
    session: str = ""
    tab: str = ""
    token: tuple[str, str] | None = None
    agents: tuple[str, ...] = ()
    """More workspaces by agent id (a provider's listing across its agents)."""


NOWHERE = Scope()
"""A command that touches no workspace (a provider's own switch)."""


class HostRuntime:
    """Core, store, event logs, workspace feeds, toast timers and quotas of one host."""

    def __init__(
        self,
        config: HostConfig,
        clock: Clock | None = None,
        *,
        templates: TemplateCatalog | None = None,
        sinks: Sequence[AnalyticsSink] = (),
        store: Store | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        agents = [AgentInfo(a.id, a.display_name or a.id) for a in config.agents]
        self.core = Core(agents, provider_infos(config), core_settings(config), self.clock, templates=templates)
        self.store = store or open_store(config)
        self.analytics = AnalyticsRecorder(config.limits.analytics_retention, sinks)
        self.presences = tuple(config.policy.presences)
        limits = config.limits
        self.logs = {p.name: ProviderLog(p.name, limits.event_retention) for p in config.providers}
        self.epoch = ""
        self.feeds = {a.id: AgentFeed(limits.watch_queue, limits.workspace_retention, "") for a in config.agents}
        self.rate_limiter = RateLimiter(self.clock, limits.rate_limit_per_second, limits.rate_limit_burst, self.store)
        self.acknowledged: dict[str, int] = {}
        self.quarantines: dict[str, str] = {}
        self.last_errors: dict[str, tuple[str, datetime]] = {}
        self.error_counts: dict[str, int] = {}
        self.toasts = ToastTimer(self.clock, self._expire)
        self.persist = Persistence(self.core, verify=bool(os.environ.get("CHANNELKIT_VERIFY_PERSISTENCE")))
        self._versions: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {a.id: asyncio.Lock() for a in config.agents}
        self._calls: dict[tuple[str, str], asyncio.Lock] = {}
        self._provider_locks: dict[str, asyncio.Lock] = {}
        self.reloaded: list[Callable[[], Coroutine[Any, Any, None]]] = []
        """Called after the state was reloaded from a store that came back."""
        self._up = asyncio.Event()
        self.serving_changed: list[Callable[[bool], None]] = []
        """Told when the host starts or stops serving because its store went away or came back (health)."""
        self._closing = False
        self._tasks: set[asyncio.Future[object]] = set()
        self._daemons: list[asyncio.Future[None]] = []
        """Work that lasts as long as the host: following other replicas, maintaining the store."""

    @property
    def serving(self) -> bool:
        """True while the store answers: commands run and health says SERVING."""
        return self._up.is_set()

    @serving.setter
    def serving(self, up: bool) -> None:
        was = self._up.is_set()
        if up:
            self._up.set()
        else:
            self._up.clear()
        if up != was:
            for listener in self.serving_changed:
                listener(up)

    # --- opening and closing ------------------------------------------------------------------

    async def open(self) -> None:
        """Open the store and rebuild the state it holds: workspaces, logs, cursors, the epoch."""
        state = await self.store.open()
        self._restore(state)
        for event in state.analytics:  # committed before a crash, not yet handed to the sinks
            self.analytics.record(event)
        await self.store.delivered([e.id for e in state.analytics])
        self.serving = True
        if self.store.shared:
            self._daemons.append(_spawn(self._follow()))
        if self.store.durable:
            self._daemons.append(_spawn(self._maintain()))

    def _restore(self, state: StoredState) -> None:
        self.epoch = state.epoch
        stored = {w.agent_id: w for w in state.workspaces}
        for agent_id in self.core.agent_ids():
            workspace = stored.get(agent_id)
            if workspace is not None:
                self.core.restore(workspace_of(workspace))
                self._versions[agent_id] = workspace.version
                self.persist.seed(agent_id)
            self.feeds[agent_id].reset(workspace.feed_seq if workspace else 0, self.epoch)
            self.toasts.note(agent_id, self.core.toast_deadline(agent_id))
        for name, provider_log in self.logs.items():
            provider = state.providers.get(name)
            provider_log.reset(state.events.get(name, []), provider.head_seq if provider else 0)
            if provider is not None:
                self.acknowledged[name] = provider.acked_seq
                if provider.click_to_act is not None:
                    self.core.set_click_to_act_flag(name, provider.click_to_act)
                if provider.quarantine:
                    self.quarantines[name] = provider.quarantine
        self.toasts.rearm()

    async def _follow(self) -> None:
        """Apply what other replicas commit, as they announce it, for as long as the host runs."""
        while not self._closing:
            try:
                await self.store.listen(self._on_news)
            except StoreUnavailable:
                self._store_lost()
            await self._up.wait()

    async def _on_news(self, kind: str, name: str) -> None:
        with contextlib.suppress(StoreUnavailable):
            if kind == "provider" and name in self.logs:
                await self._sync_provider(name)
            elif kind == "agent" and name in self._locks:
                await self.read(Scope(agent=name), _none)

    async def _maintain(self) -> None:
        """Trim the store to its retention now and then; on a shared store, notice a lost database at once."""
        last_trim = 0.0
        while not self._closing:
            await asyncio.sleep(MAINTENANCE_SECONDS)
            if not self.serving:
                continue
            try:
                if self.store.shared:
                    await self.store.ping()
                if self.clock.time() - last_trim >= TRIM_SECONDS:
                    last_trim = self.clock.time()
                    await self.store.trim(last_trim, self.retention())
            except StoreUnavailable:
                self._store_lost()

    async def shutdown(self) -> None:
        """End streams and watchers; a state that does not outlive the host also ends its pending toasts.

        With a durable store the toasts stay where they are: the restarted
        host (or another replica) shows them on, and a provider's NotifyEvent
        call is retried there with the same request_id.
        """
        self._closing = True
        if not self.store.durable:
            for agent_id in self.core.agent_ids():
                with contextlib.suppress(StoreUnavailable):
                    await self.run(
                        Scope(agent=agent_id), functools.partial(self.core.cancel_all_pending, agent_id), _nothing
                    )
        for daemon in self._daemons:
            daemon.cancel()
        await asyncio.gather(*self._daemons, return_exceptions=True)
        if self._tasks:  # background writes finish (briefly) before the store closes; what is left is dropped
            _, late = await asyncio.wait(self._tasks, timeout=2.0)
            for task in late:
                task.cancel()
        self.toasts.stop()
        self.toasts.fail_waiters()
        self.analytics.close()
        for provider_log in self.logs.values():
            provider_log.close()
        for feed in self.feeds.values():
            feed.close()
        await self.store.close()
        self.serving = False

    # --- commands -----------------------------------------------------------------------------

    async def run(self, scope: Scope, command: Callable[[], T], respond: Callable[[T], R]) -> R:
        """Run one core command as one committed transaction; a failed command changes and routes nothing.

        ``respond`` turns the command's result into the reply, which an
        idempotent call keeps with its commit so that a retry gets it back.
        """
        agents = await self._agents_of(scope)
        call = current_call.get()
        async with self._hold_call(call):
            async with self._hold(agents):
                if not self.serving:
                    raise StoreUnavailable("the host's store is not answering; the call changed nothing, retry later")
                also = [f"call {call.caller} {call.request_id}"] if call is not None else []
                async with self.store.transaction(agents, also=also) as tx:
                    await self._refresh(tx, agents)
                    if call is not None and (record := await tx.idempotent(call.caller, call.request_id)):
                        return call.replay(record)  # type: ignore[return-value]
                    result, outputs = self._command(command)
                    response = respond(result)
                    unit, deliveries = self._unit(agents, outputs, response)
                    durable = await self._commit(tx, unit)
            # the workspace is free for the next command while this one is written (a one-writer store keeps
            # commits in order); the reply and the deliveries wait until it is durable
            await self._durable(durable)
            self._deliver(deliveries, unit)
        return response

    async def read(self, scope: Scope, query: Callable[[], T]) -> T:
        """Answer a query from memory, after reloading a workspace another replica changed (a shared store)."""
        if self.store.shared:
            agents = await self._agents_of(scope)
            async with self._hold(agents), self.store.transaction(agents, lock=False) as tx:
                await self._refresh(tx, agents)
        return query()

    def _command(self, command: Callable[[], T]) -> tuple[T, list[ev.Output]]:
        try:
            result = command()
        except BaseException:
            self.core.discard_outputs()
            raise
        return result, self.core.take_outputs()

    async def _agents_of(self, scope: Scope) -> list[str]:
        """The workspaces a command may change, found from the ids it names (none when they name nothing known).

        On a shared store an id this replica has not seen yet (a session
        another replica created) is looked up in the store.
        """
        found = {a for a in (scope.agent, *scope.agents) if a in self._locks}
        session = self.core.agent_of_session(scope.session) if scope.session else None
        tab = self.core.agent_of_tab(scope.tab) if scope.tab else None
        token = self.core.agent_of_token(*scope.token) if scope.token else None
        if self.store.shared:  # a malformed id is left to the command, which names the field it came in
            if session is None and check.is_identifier(scope.session):
                session = await self.store.locate(session=scope.session)
            if tab is None and check.is_identifier(scope.tab):
                tab = await self.store.locate(tab=scope.tab)
            if scope.token and token is None:  # a toast queued on another replica: any agent of the provider
                found |= {a.id for a in self.core.agents_served(scope.token[0])}
        found |= {agent for agent in (session, tab, token) if agent is not None and agent in self._locks}
        return sorted(found)

    @contextlib.asynccontextmanager
    async def _hold_call(self, call: Call | None) -> AsyncIterator[None]:
        """One call per request_id at a time in this process, until its reply (a retry waits, then replays)."""
        if call is None:
            yield
            return
        key = (call.caller, call.request_id)
        lock = self._calls.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._calls.get(key) is lock:
                del self._calls[key]

    @contextlib.asynccontextmanager
    async def _hold(self, agents: list[str]) -> AsyncIterator[None]:
        """One command at a time per workspace in this process, taken in a fixed order."""
        async with contextlib.AsyncExitStack() as stack:
            for agent in agents:
                await stack.enter_async_context(self._locks[agent])
            yield

    async def _refresh(self, tx: Transaction, agents: list[str]) -> None:
        """Reload a workspace another replica changed since this host last saw it (a shared store only).

        The deltas that replica committed go to this host's watchers first,
        in order, so a console watching here sees every change made there.
        """
        for agent in agents:
            stored_version = tx.versions.get(agent)
            if stored_version is None or stored_version == self._versions.get(agent, 0):
                continue
            stored = await tx.load(agent)
            if stored is None:
                continue
            self.core.restore(workspace_of(stored))
            self._versions[agent] = stored.version
            self.persist.seed(agent)
            feed = self.feeds[agent]
            while feed.seq < stored.feed_seq:
                missed = await tx.deltas_after(agent, feed.seq, FOLLOW_BATCH)
                if not missed or missed[0].seq != feed.seq + 1:
                    feed.restart(stored.feed_seq)  # trimmed meanwhile: watchers start again from a snapshot
                    break
                for delta in missed:
                    feed.publish(delta)
            if self.toasts.note(agent, self.core.toast_deadline(agent)):
                self.toasts.rearm()

    async def provider_log(self, name: str) -> ProviderLog:
        """The provider's log, with what other replicas committed to it (a shared store)."""
        if self.store.shared:
            await self._sync_provider(name)
        return self.logs[name]

    async def _sync_provider(self, name: str) -> None:
        """Bring one provider's log, cursor and switches up to the store (another replica changed them)."""
        async with self._provider_locks.setdefault(name, asyncio.Lock()):
            stored = await self.store.provider(name)
            self.acknowledged[name] = max(self.acknowledged.get(name, 0), stored.acked_seq)
            if stored.quarantine:
                self.quarantines[name] = stored.quarantine
            else:
                self.quarantines.pop(name, None)
            if stored.click_to_act is not None:
                self.core.set_click_to_act_flag(name, stored.click_to_act)
            provider_log = self.logs[name]
            while batch := await self.store.events_after(name, provider_log.head_seq, FOLLOW_BATCH):
                if batch[0].seq > provider_log.head_seq + 1:  # trimmed meanwhile: start from what is kept
                    provider_log.reset([], batch[0].seq - 1)
                self._retain(name, batch)

    def _retain(self, name: str, events: list[ppb.ProviderEvent]) -> None:
        """Append committed events in order; a gap (another replica's commit in between) is read from the store."""
        provider_log = self.logs[name]
        for event in events:
            if event.seq <= provider_log.head_seq:
                continue  # already here (read from the store meanwhile)
            if event.seq != provider_log.head_seq + 1:
                self.background(self._sync_provider(name))
                return
            provider_log.append(event)
            if event.HasField("notification_resolved"):
                self.toasts.settle(event.notification_resolved)

    def _publish(self, agent: str, delta: apb.WorkspaceEvent) -> None:
        feed = self.feeds[agent]
        if delta.seq <= feed.seq:
            return
        if delta.seq != feed.seq + 1:
            self.background(self.read(Scope(agent=agent), _none))
            return
        feed.publish(delta)

    # --- the transactional outbox ---------------------------------------------------------------

    def _unit(self, agents: list[str], outputs: list[ev.Output], response: object) -> tuple[Unit, list[ev.Output]]:
        """What the command commits: its changed rows and its deliveries, numbered and converted once."""
        now, at = self.clock.now(), self.clock.time()
        unit = Unit(at=at)
        rest: list[ev.Output] = []
        for output in outputs:
            if isinstance(output, ev.ToProvider):
                seq = self.logs[output.provider].reserve()
                unit.events.append((output.provider, toproto.provider_event(output, seq, f"e-{uuid.uuid4().hex}", now)))
            elif isinstance(output, ev.ToAgent):
                feed = self.feeds[output.agent_id]
                unit.deltas.append(
                    (output.agent_id, toproto.workspace_event(output.payload, feed.reserve(), feed.epoch, now))
                )
            elif isinstance(output, AnalyticsEvent) and self.analytics.sinks:
                unit.analytics.append(output)  # kept until the sinks have it: a crash in between loses none
            elif isinstance(output, ev.ClickToActSwitched):
                unit.click_to_act[output.provider] = output.enabled
            else:
                rest.append(output)
        call = current_call.get()
        if call is not None and isinstance(response, Message):
            unit.idempotency = call.record(response, at + self.config.limits.idempotency_window_seconds)
        if self.store.durable:
            touched = {sid for output in outputs if isinstance(output, ev.ToAgent) for sid in _sessions_of(output)}
            for agent in agents:
                version = self._versions.get(agent, 0) + 1
                deadline = self.core.toast_deadline(agent)
                feed_seq = self.feeds[agent].reserved_seq
                unit.workspaces.append(
                    self.persist.changes(agent, version=version, feed_seq=feed_seq, deadline=deadline, touched=touched)
                )
        return unit, rest

    async def _commit(self, tx: Transaction, unit: Unit) -> Awaitable[None]:
        """Hand the unit to the store; what it wrote is the base of the next command's changes from now on.

        Should the write fail, the host reloads what the store holds, so a
        later command built on this one's rows never outlives it.
        """
        try:
            durable = await tx.commit(unit)
        except StoreUnavailable:
            self._store_lost()
            raise
        for write in unit.workspaces:
            self._versions[write.agent_id] = write.version
            self.persist.committed(write.agent_id)
        return durable

    async def _durable(self, durable: Awaitable[None]) -> None:
        try:
            await durable
        except StoreUnavailable:
            self._store_lost()
            raise

    def _deliver(self, rest: list[ev.Output], unit: Unit) -> None:
        """After the commit: events to their providers' logs, deltas to the watchers, analytics to the sinks."""
        by_provider: dict[str, list[ppb.ProviderEvent]] = {}
        for provider, event in unit.events:
            by_provider.setdefault(provider, []).append(event)
        for provider, events in by_provider.items():
            self._retain(provider, events)
        for agent, delta in unit.deltas:
            self._publish(agent, delta)
        for record in unit.analytics:
            self.analytics.record(record)
        if unit.analytics and self.store.durable:
            self.background(self.store.delivered([a.id for a in unit.analytics]))
        changed = False
        for output in rest:
            if isinstance(output, AnalyticsEvent):  # no sink to hand it to: only the host's own counters
                self.analytics.record(output)
            elif isinstance(output, ev.ToastDeadline):
                changed |= self.toasts.note(output.agent_id, output.at)
            elif isinstance(output, ev.Notice):
                log.warning("%s", output.message)
        if changed:
            self.toasts.rearm()

    def background(self, work: Coroutine[Any, Any, object]) -> None:
        """Run work that no reply waits for; a failure is logged."""
        task = _spawn(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a background write of the host failed", exc_info=task.exception())

    # --- losing and finding the store ----------------------------------------------------------

    def _store_lost(self) -> None:
        """A commit failed: nothing it held was written; stop serving until the store answers, then reload."""
        if self.serving:
            self.serving = False
            log.error("the host's store stopped answering; serving again once it does (state is reloaded then)")
            self.background(self._recover())

    async def _recover(self) -> None:
        delay = 0.2
        while not self._closing:
            try:
                await self.store.ping()
                await self.reload()
            except StoreUnavailable:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            return

    async def reload(self) -> None:
        """Rebuild everything from the store (after it came back): uncommitted changes in memory are dropped."""
        state = await self.store.reload()
        for agent in self.core.agent_ids():
            self.persist.forget(agent)
        self._restore(state)
        self.serving = True
        log.warning("the host's store answers again; state reloaded, serving")
        for then in self.reloaded:
            await then()

    # --- providers' cursors -------------------------------------------------------------------

    async def acknowledge(self, provider: str, seq: int) -> int:
        """Keep that ``provider`` processed every event up to ``seq``; return the cursor kept."""
        if seq > self.acknowledged.get(provider, 0):
            self.acknowledged[provider] = seq
            await self.store.acknowledge(provider, seq)
        return self.acknowledged.get(provider, 0)

    def retention(self) -> Retention:
        """How much of each log the store keeps."""
        limits = self.config.limits
        return Retention(
            limits.event_retention, limits.workspace_retention, self.config.store.closed_session_retention_seconds
        )

    # --- toasts ----------------------------------------------------------------------------------

    async def _expire(self, agent_ids: list[str]) -> None:
        for agent in agent_ids:
            with contextlib.suppress(StoreUnavailable):
                await self.run(Scope(agent=agent), functools.partial(self.core.expire_due, agent), _nothing)

    def outcome_of(self, agent_id: str, notification_id: str) -> asyncio.Future[ppb.NotificationResolved]:
        """A future that completes when the agent's toast ``notification_id`` ends (at once if it already has)."""
        return self.toasts.outcome_of(self.core, agent_id, notification_id)

    # --- status ---------------------------------------------------------------------------

    def record_error(self, provider: str, message: str, *, logged: bool = False) -> None:
        """Remember the last error of ``provider`` for HostService.ListProviders (and log it unless ``logged``)."""
        self.last_errors[provider] = (message, self.clock.now())
        self.error_counts[provider] = self.error_counts.get(provider, 0) + 1
        if not logged:
            log.warning("provider %s: %s", provider, message)


def _nothing(_result: object) -> None:
    """The reply of a command nobody called (a timer's, a shutdown's)."""


def _sessions_of(delta: ev.ToAgent) -> tuple[str, ...]:
    """The sessions a workspace delta says changed (their rows are written again)."""
    payload = delta.payload
    if isinstance(payload, ev.SessionUpdated):
        return (payload.session.id,)
    if isinstance(payload, apb.FocusChanged):
        return (payload.session_id, payload.previous_session_id)
    if isinstance(payload, apb.SessionRemoved | apb.AttentionAlert | apb.TabRefreshRequested | ev.TranscriptAppended):
        return (payload.session_id,)
    return ()


def _spawn(work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """A task of the host's own, in a fresh context: not run as the call that happened to start it."""
    return asyncio.get_running_loop().create_task(work, context=contextvars.Context())


def _none() -> None:
    """A query that only brings a workspace up to date."""
