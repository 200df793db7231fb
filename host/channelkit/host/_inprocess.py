"""Run provider classes inside the host process, each one isolated from the rest.

Every in-process provider gets its own thread with its own event loop, so a
handler that blocks (a synchronous HTTP call, ``time.sleep``) stalls only that
provider. Its calls reach the host's core on the host's loop, through the same
ServiceBinding a gRPC call goes through, with the identity bound when the
provider was loaded. Its events come from its own log only (never a broadcast),
through the same :class:`~channelkit.host._router.EventStream` the gRPC
``Events`` handler reads, a batch at a time, into the same
:class:`~channelkit.sdk.runtime.ProviderRunner` that ``channelkit-provider run``
uses: exactly-once, faults and falling behind work alike in both modes.

Faults — a handler that raises (even ``SystemExit``), runs past its timeout,
or a provider that falls behind — are counted and logged with the provider's
name; after ``plugins.quarantine_after`` faults in a row, or at once when a
handler blocks its thread, the provider is quarantined: it gets no more events
and everyone else goes on. The quarantine is kept in the store, across host
restarts, until an operator reinstates the provider (HostService.ReinstateProvider).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import threading
import time
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Coroutine
from typing import Any
from typing import TypeVar

from google.protobuf.message import Message

from channelkit.host._auth import Identity
from channelkit.host._auth import Role
from channelkit.host._router import EventStream
from channelkit.host._router import ProviderLog
from channelkit.host._rpc import ServiceBinding
from channelkit.host._runtime import HostRuntime
from channelkit.host.config import PluginsConfig
from channelkit.sdk import Provider
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import NotFound
from channelkit.sdk.errors import Unavailable
from channelkit.sdk.runtime import Fault
from channelkit.sdk.runtime import ProviderRunner
from channelkit.sdk.runtime import StartFailed
from channelkit.sdk.runtime.rpcs import Rpc
from channelkit.v1 import provider_service_pb2 as pb

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
T = TypeVar("T")
LEASE_RETRY_SECONDS = 2.0
"""How often a replica tries to take over an in-process provider running on another replica."""
log = logging.getLogger(__name__)


class _HostLoop:
    """Runs coroutines on the host's loop from a provider's thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await ``coroutine`` on the host loop; cancelling the caller cancels it there too.

        A provider thread that outlived its host (abandoned after blocking past
        the stop grace) gets RuntimeError here, and the coroutine is closed so
        it is not left un-awaited.
        """
        try:
            future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        except RuntimeError:
            coroutine.close()
            raise
        return await asyncio.wrap_future(future)

    def fire_and_forget(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Schedule ``coroutine`` on the host loop without waiting; a closed host loop drops it."""
        try:
            asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        except RuntimeError:
            coroutine.close()


class InProcessTransport:
    """ProviderService calls straight into the host, as the bound provider."""

    def __init__(self, binding: ServiceBinding, identity: Identity, host: _HostLoop) -> None:
        self._binding = binding
        self._identity = identity
        self._host = host

    async def call(self, rpc: Rpc[Req, Resp], request: Req) -> Resp:
        """Run ``rpc`` on the host loop; raises the ChannelkitError a remote caller would get."""
        return await self._host.run(self._binding.invoke(self._identity, rpc, request))


class InProcessConnection:
    """The provider's events, read from its own log a bounded batch at a time."""

    def __init__(self, transport: InProcessTransport, provider_log: ProviderLog, host: _HostLoop, batch: int) -> None:
        self.transport = transport
        self._log = provider_log
        self._host = host
        self._batch = batch

    async def _open(self, after_seq: int) -> EventStream:
        return self._log.stream(after_seq)

    async def events(self, after_seq: int) -> AsyncIterator[pb.ProviderEvent]:
        """Events after ``after_seq`` until the host stops or the provider is stopped."""
        stream = await self._host.run(self._open(after_seq))
        try:
            while True:
                for message in await self._host.run(stream.next_batch(self._batch)):
                    yield message
        finally:
            self._host.fire_and_forget(_closed(stream))  # the host loop may already be closed


async def _closed(stream: EventStream) -> None:
    stream.close()


class ProviderWorker:
    """One in-process provider: its thread, loop, runner and fault record."""

    def __init__(
        self, cls: type[Provider], runtime: HostRuntime, binding: ServiceBinding, settings: PluginsConfig
    ) -> None:
        self.cls = cls
        self.name = cls.name
        self.settings = settings
        self.faults = 0
        self.consecutive_faults = 0
        self.quarantined = False
        self._runtime = runtime
        self._binding = binding
        self._host = _HostLoop(asyncio.get_running_loop())
        self._busy: tuple[str, float] | None = None
        self._lock = threading.Lock()
        self.runner: ProviderRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._stopping = False
        self.thread = threading.Thread(target=self._thread_main, name=f"channelkit-provider-{self.name}", daemon=True)

    # --- host side --------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the thread and wait until ``on_start`` returned (or failed)."""
        self.thread.start()
        await asyncio.wrap_future(self._started)

    async def stop(self, grace: float) -> None:
        """Ask the provider to stop (``on_stop`` runs) and wait up to ``grace`` seconds for its thread."""
        self._stopping = True
        if self.thread.ident is None:
            return  # never started (held in quarantine)
        self._signal_stop()
        await asyncio.to_thread(self.thread.join, grace)
        if self.thread.is_alive():
            log.error("provider %s: its thread did not end within %.1f s; abandoning it", self.name, grace)

    def check(self, now: float) -> None:
        """Watchdog: quarantine a provider whose handler blocks its thread or whose thread died."""
        if self.quarantined or self._stopping or not self._started.done():
            return
        busy = self._busy
        limit = self.settings.handler_timeout_seconds * 1.5 + 0.5
        if busy is not None and now - busy[1] > limit:
            fault = Fault(busy[0], "blocked", f"its thread has not come back for {now - busy[1]:.1f} s")
            why = f"handler {busy[0]} blocked the provider's thread for over {limit:g} s"
        elif not self.thread.is_alive():
            fault, why = Fault("provider", "ended", "its thread stopped unexpectedly"), "its thread stopped"
        else:
            return
        self._count(fault, force_quarantine=True)
        self._publish(fault, why, logged=False)

    def _count(self, fault: Fault, *, force_quarantine: bool = False) -> str | None:
        """Count ``fault`` (from either thread); return why the provider is now quarantined, if it just was."""
        with self._lock:
            self.faults += 1
            self.consecutive_faults += 1
            due = force_quarantine or self.consecutive_faults >= self.settings.quarantine_after
            if not due or self.quarantined:
                return None
            self.quarantined = True
        return f"{self.consecutive_faults} faults in a row, the last: {fault.describe()}"

    def _handled(self) -> None:
        with self._lock:
            self.consecutive_faults = 0

    def _publish(self, fault: Fault, quarantined_because: str | None, *, logged: bool) -> None:
        """On the host loop: record the fault for ListProviders and announce a quarantine."""
        self._runtime.record_error(self.name, fault.describe(), logged=logged)
        if quarantined_because is not None:
            self._announce_quarantine(quarantined_because)

    def _announce_quarantine(self, quarantined_because: str) -> None:
        message = (
            f"quarantined: {quarantined_because}; it receives no events until an operator reinstates it "
            f"(channelkit admin reinstate {self.name})"
        )
        self._runtime.record_error(self.name, message, logged=True)
        log.error("provider %s %s", self.name, message)
        self._runtime.quarantines[self.name] = quarantined_because
        self._runtime.background(self._runtime.store.set_quarantine(self.name, quarantined_because))
        self._signal_stop()

    def held(self, reason: str) -> None:
        """Stay quarantined, as the store remembers, without starting."""
        self.quarantined = True
        self._mark_started()
        self._runtime.record_error(
            self.name, f"quarantined since before this host started: {reason}; reinstate it to start it", logged=True
        )

    def _signal_stop(self) -> None:
        """From the host's thread: set the provider loop's stop event (nothing to do once that loop closed)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)

    # --- provider thread --------------------------------------------------------------------

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # a provider's own task may raise SystemExit; only this thread ends
            log.error("provider %s: its thread ended with %s: %s", self.name, type(exc).__name__, exc)
        finally:
            self._mark_started()
            with contextlib.suppress(Exception):
                loop.close()

    def _to_host(self, callback: Callable[..., object], *args: object) -> None:
        """Schedule ``callback`` on the host loop; a stopped host (closed loop) has nothing to hear."""
        with contextlib.suppress(RuntimeError):
            self._host.loop.call_soon_threadsafe(callback, *args)

    def _report(self, fault: Fault) -> None:
        """Counted here, in the provider's thread, so a quarantine stops the very next dispatch."""
        self._busy = None
        why = self._count(fault)
        self._to_host(functools.partial(self._publish, fault, why, logged=True))

    def _report_handled(self) -> None:
        self._busy = None
        self._handled()

    def _handler_started(self, name: str) -> None:
        self._busy = (name, time.monotonic())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        runner = self.runner = self._make_runner()
        if runner is None:
            return
        work = asyncio.create_task(self._work(runner))
        stop = asyncio.create_task(self._stop.wait())
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
        for task in (work, stop):
            task.cancel()
        with contextlib.suppress(BaseException):
            await work
        if runner.host is not None:
            await runner.stop()

    async def _work(self, runner: ProviderRunner) -> None:
        try:
            await runner.start()
        except StartFailed as exc:
            with self._lock:
                self.quarantined = True
            self._to_host(functools.partial(self._announce_quarantine, str(exc)))
            return
        finally:
            self._mark_started()
        await runner.run()

    def _mark_started(self) -> None:
        if not self._started.done():
            self._started.set_result(None)

    def _make_runner(self) -> ProviderRunner | None:
        try:
            provider = self.cls()
        except BaseException as exc:
            fault = Fault("__init__", "raised", f"{type(exc).__name__}: {exc}")
            self._count(fault, force_quarantine=True)
            self._to_host(functools.partial(self._publish, fault, "its class could not be instantiated", logged=False))
            return None
        identity = Identity(Role.PROVIDER, self.name)
        transport = InProcessTransport(self._binding, identity, self._host)
        connection = InProcessConnection(transport, self._runtime.logs[self.name], self._host, self.settings.batch_size)
        return ProviderRunner(
            provider,
            connection,
            handler_timeout=self.settings.handler_timeout_seconds,
            on_fault=self._report,
            on_handled=self._report_handled,
            on_handler_start=self._handler_started,
            keep_going=lambda: not self.quarantined,
        )


class InProcessProviders:
    """Every in-process provider of a host, plus the watchdog that checks on them."""

    def __init__(self, runtime: HostRuntime, binding: ServiceBinding, settings: PluginsConfig) -> None:
        self._runtime = runtime
        self._binding = binding
        self.settings = settings
        self.workers: dict[str, ProviderWorker] = {}
        self._watchdog: asyncio.Task[None] | None = None
        self._waiting: dict[str, asyncio.Task[None]] = {}
        runtime.reloaded.append(self._check_leases)

    async def start(self, classes: list[type[Provider]]) -> None:
        """Start each provider in turn (each ``on_start`` is bounded by the handler timeout).

        On a shared store a provider runs on one replica at a time: the
        others wait for its lease and take over when that replica is gone.
        """
        for cls in classes:
            if await self._runtime.store.lease(cls.name):
                await self._launch(cls)
            else:
                self._wait_for_lease(cls)
        self._watchdog = asyncio.create_task(self._watch())

    def _wait_for_lease(self, cls: type[Provider]) -> None:
        log.info("provider %s runs on another replica; this one takes over if that one stops", cls.name)
        self._waiting[cls.name] = asyncio.create_task(self._take_over(cls))

    async def _take_over(self, cls: type[Provider]) -> None:
        while True:
            await asyncio.sleep(LEASE_RETRY_SECONDS)
            with contextlib.suppress(Unavailable):
                if self._runtime.serving and await self._runtime.store.lease(cls.name):
                    break
        del self._waiting[cls.name]
        await self._runtime.provider_log(cls.name)
        await self._launch(cls)

    async def _check_leases(self) -> None:
        """The store came back: a provider whose lease went to another replica meanwhile stops here."""
        for name, worker in list(self.workers.items()):
            if name in self._waiting or await self._runtime.store.lease(name):
                continue
            log.warning("provider %s moved to another replica while the database was away; stopping it here", name)
            await worker.stop(self.settings.handler_timeout_seconds)
            del self.workers[name]
            self._wait_for_lease(worker.cls)

    async def _launch(self, cls: type[Provider]) -> None:
        worker = ProviderWorker(cls, self._runtime, self._binding, self.settings)
        self.workers[cls.name] = worker
        held = self._runtime.quarantines.get(cls.name)
        if held:
            worker.held(held)
            log.warning("provider %s stays quarantined (%s); reinstate it to start it", cls.name, held)
            return
        await worker.start()
        log.info("provider %s running in-process", cls.name)

    async def reinstate(self, name: str) -> None:
        """Lift ``name``'s quarantine and start it again; it resumes after the last event it acknowledged."""
        worker = self.workers.get(name)
        if worker is None:
            raise NotFound(
                f"no in-process provider is named '{name}'",
                reason=ErrorReason.PROVIDER_NOT_FOUND,
                metadata={"provider": name},
            )
        if not worker.quarantined:
            raise FailedPrecondition(
                f"provider '{name}' is not quarantined",
                reason=ErrorReason.PROVIDER_NOT_QUARANTINED,
                metadata={"provider": name},
            )
        await worker.stop(self.settings.handler_timeout_seconds)
        self._runtime.quarantines.pop(name, None)
        await self._runtime.store.set_quarantine(name, "")
        self._runtime.record_error(name, "reinstated by an operator; starting again", logged=False)
        await self._launch(worker.cls)

    async def _watch(self) -> None:
        period = min(1.0, self.settings.handler_timeout_seconds / 4)
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for worker in self.workers.values():
                worker.check(now)

    async def stop(self, grace: float) -> None:
        """Stop every provider (``on_stop`` runs) and the watchdog."""
        if self._watchdog is not None:
            self._watchdog.cancel()
        for waiting in self._waiting.values():
            waiting.cancel()
        await asyncio.gather(*(w.stop(grace) for w in self.workers.values()))

    def status(self, name: str) -> tuple[int, bool] | None:
        """``(faults, quarantined)`` of in-process provider ``name``, ``None`` if it is not one."""
        worker = self.workers.get(name)
        return (worker.faults, worker.quarantined) if worker else None
