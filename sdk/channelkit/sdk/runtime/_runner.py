"""Drive one provider: handshake, ordered events, resume, resync, faults — the one consumption loop.

The same :class:`ProviderRunner` runs a provider in the host process and in
``channelkit-provider run``; only the :class:`Connection` differs. That is what
makes a provider behave the same both ways, exactly-once included.

The rule: an event counts as processed, and the cursor moves past it, only
after its handler returned or was isolated as a fault (it raised or ran past
its timeout); then the host is told (:mod:`._cursor`). The stream may deliver
an event again after a reconnect; the runner skips every ``seq`` at or below
its cursor and every ``event_id`` it processed lately, so a handler never sees
an event twice and never misses one the host still retains. When the host no
longer retains the events after the cursor (``CURSOR_EXPIRED``), the runner
re-lists the provider's sessions and hands them to ``on_resync``. Every other
stream failure goes through the one retry policy (:mod:`._retry`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Protocol
from typing import TypeVar

from pydantic import ValidationError

from channelkit.sdk import events
from channelkit.sdk._version import software_version
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import CursorExpired
from channelkit.sdk.models import Session
from channelkit.sdk.provider import Provider
from channelkit.sdk.runtime import fromproto
from channelkit.sdk.runtime._cursor import Acknowledger
from channelkit.sdk.runtime._cursor import CursorFile
from channelkit.sdk.runtime._cursor import Processed
from channelkit.sdk.runtime._dispatch import Fault
from channelkit.sdk.runtime._dispatch import handler_for
from channelkit.sdk.runtime._dispatch import run_guarded
from channelkit.sdk.runtime._retry import Backoff
from channelkit.sdk.runtime._retry import RetryPolicy
from channelkit.sdk.runtime._retry import retry_delay
from channelkit.sdk.runtime.rpcs import ProviderService
from channelkit.v1 import provider_service_pb2 as pb

if TYPE_CHECKING:
    from channelkit.sdk.host import Host
    from channelkit.sdk.host import Transport

PROTOCOL_VERSIONS = (1,)
T = TypeVar("T")
log = logging.getLogger("channelkit.provider")


class Connection(Protocol):
    """A way to reach the host: calls plus the provider's event stream."""

    @property
    def transport(self) -> Transport:
        """Where calls go."""
        ...

    def events(self, after_seq: int) -> AsyncIterator[pb.ProviderEvent]:
        """The provider's events after ``after_seq``, in order, until the stream ends or fails."""
        ...


async def handshake(transport: Transport) -> pb.HelloResponse:
    """Say Hello: offer our protocol versions, learn who we are and what the host allows."""
    request = pb.HelloRequest(protocol_versions=PROTOCOL_VERSIONS, software_version=software_version())
    return await transport.call(ProviderService.Hello, request)


class FatalConnectionError(Exception):
    """The host refuses this provider for good (bad token, disabled, protocol); retrying will not help."""


class StartFailed(Exception):
    """``on_start`` raised or timed out: the provider is not fit to receive events."""


class ProviderRunner:
    """Runs ``provider`` over ``connection`` until cancelled."""

    def __init__(
        self,
        provider: Provider,
        connection: Connection,
        *,
        handler_timeout: float = 30.0,
        cursor_file: CursorFile | None = None,
        on_fault: Callable[[Fault], None] | None = None,
        on_handled: Callable[[], None] | None = None,
        on_handler_start: Callable[[str], None] | None = None,
        retry: RetryPolicy | None = None,
        keep_going: Callable[[], bool] | None = None,
    ) -> None:
        self.provider = provider
        self.connection = connection
        self.handler_timeout = handler_timeout
        self.cursor_file = cursor_file
        self.retry = retry or RetryPolicy()
        self.forever = RetryPolicy(None, self.retry.initial, self.retry.maximum)
        self.processed = Processed()
        self.acks = Acknowledger(self._acknowledge)
        self.host: Host | None = None
        self.started = asyncio.Event()
        self._on_fault = on_fault or (lambda fault: None)
        self._on_handled = on_handled or (lambda: None)
        self._on_handler_start = on_handler_start or (lambda name: None)
        self._keep_going = keep_going or (lambda: True)

    @property
    def name(self) -> str:
        """The provider's name."""
        return type(self.provider).name

    @property
    def cursor(self) -> int:
        """The ``seq`` of the last processed event."""
        return self.processed.cursor

    async def _acknowledge(self, seq: int) -> None:
        request = pb.AcknowledgeEventsRequest(seq=seq)
        await self.connection.transport.call(ProviderService.AcknowledgeEvents, request)

    async def start(self) -> Host:
        """Handshake (retrying while the host is unreachable), then ``on_start``; return the client."""
        hello = await self._persist("Hello", functools.partial(handshake, self.connection.transport))
        if hello.provider.name != self.name:
            raise FatalConnectionError(
                f"the token belongs to provider '{hello.provider.name}', but this class is '{self.name}'"
            )
        from channelkit.sdk.host import Host  # late: the client imports this package's wire modules

        host = Host(self.connection.transport, hello, retry=self.retry)
        self.host = host
        saved = self.cursor_file.load() if self.cursor_file else None
        fault = await self._guarded("on_start", lambda: self.provider.on_start(host))
        if fault is not None:
            raise StartFailed(f"provider '{self.name}' did not start: {fault.describe()}")
        if saved is not None:
            self.processed = saved
        elif hello.acknowledged_seq:  # the host remembers where this provider stopped
            self.processed = Processed(hello.acknowledged_seq)
        else:  # a first start gets every event since the handshake, including those on_start caused
            await self.resync(initial=True, not_after=hello.head_seq)
        self.started.set()
        return host

    async def run(self) -> None:
        """Start, then dispatch events until cancelled or ``keep_going`` says stop; reconnect and resume."""
        if self.host is None:
            await self.start()
        backoff = self.retry.backoff()
        while self._keep_going():
            try:
                await self._consume(backoff)
            except CursorExpired:
                lost = Fault("events", "fell behind", f"events after seq {self.cursor} are no longer retained")
                log.error("provider %s: %s; re-listing sessions", self.name, lost.describe())
                self._on_fault(lost)
                await self.resync(initial=False)
                continue
            except ChannelkitError as error:
                delay = retry_delay(error, backoff, stream=True)
                if delay is None:
                    raise FatalConnectionError(
                        f"the host refused provider '{self.name}': {error.message} ({error.reason})"
                    ) from None
                log.warning("provider %s: event stream ended (%s); resuming in %.2f s", self.name, error, delay)
                await asyncio.sleep(delay)
                continue
            # The stream ended without an error: the host closed it; resume after a short pause.
            await asyncio.sleep(backoff.next_delay())

    async def stop(self) -> Fault | None:
        """Call ``on_stop`` (with the handler timeout), then tell the host the last processed event."""
        fault = await self._guarded("on_stop", self.provider.on_stop)
        await self.acks.close()
        return fault

    async def _consume(self, backoff: Backoff) -> None:
        async for message in self.connection.events(self.cursor):
            backoff.reset()
            if self.processed.seen(message.seq, message.event_id):
                if message.seq > self.cursor:
                    self._advance(message.seq, message.event_id)  # the same event again: move on, do not repeat it
                continue
            if not self._keep_going():
                return
            await self._process(message)

    async def _process(self, message: pb.ProviderEvent) -> None:
        """Hand one event to its handler, then (handled or faulted) move the cursor past it."""
        event = self._decode(message)
        handler = handler_for(self.provider, event) if event is not None else None
        if event is not None and handler is not None:
            await self._guarded(event.handler, functools.partial(handler, event))
        self._advance(message.seq, message.event_id)

    def _decode(self, message: pb.ProviderEvent) -> events.Event | None:
        """The event's model; ``None`` (logged, skipped) for a kind or value this SDK does not know yet.

        The contract may add event kinds and enum values; an older SDK skips
        them instead of stopping, and the cursor still moves past them.
        """
        try:
            event = fromproto.event(message)
        except (ValueError, ValidationError) as exc:
            log.warning("provider %s: skipping event seq %d this SDK cannot read: %s", self.name, message.seq, exc)
            return None
        if event is None:
            log.info("provider %s: skipping event seq %d of a kind this SDK does not know", self.name, message.seq)
        return event

    def _advance(self, seq: int, event_id: str = "") -> None:
        if event_id:
            self.processed.done(seq, event_id)
        else:
            self.processed.jump(seq)
        if self.cursor_file is not None:
            self.cursor_file.save(self.processed)
        self.acks.note(seq)

    async def _guarded(self, name: str, call: Callable[[], Awaitable[object]]) -> Fault | None:
        self._on_handler_start(name)
        fault = await run_guarded(name, call, self.handler_timeout)
        if fault is None:
            self._on_handled()
        else:
            log.error("provider %s: handler %s", self.name, fault.describe())
            self._on_fault(fault)
        return fault

    async def resync(self, *, initial: bool, not_after: int | None = None) -> None:
        """Re-list every open session, hand them to ``on_resync`` and continue from the host's head.

        ``not_after`` caps the resume point, so events produced between that
        ``seq`` and the listing are still delivered rather than skipped.
        """
        assert self.host is not None
        transport = self.connection.transport
        sessions: list[Session] = []
        head: int | None = None
        for agent in self.host.agents:
            request = pb.ListSessionsRequest(agent_id=agent.id)
            listed = await self._persist(
                "ListSessions", functools.partial(transport.call, ProviderService.ListSessions, request)
            )
            head = listed.head_seq if head is None else min(head, listed.head_seq)
            sessions += [fromproto.model(Session, s) for s in listed.sessions]
        if head is None:
            head = (await self._persist("Hello", functools.partial(handshake, transport))).head_seq
        self._advance(head if not_after is None else min(head, not_after))
        if sessions or not initial:
            await self._guarded("on_resync", lambda: self.provider.on_resync(sessions))

    async def _persist(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Retry ``call`` by the one policy, without a time budget; a refusal for good is fatal."""
        try:
            return await self.forever.run(f"provider {self.name}: {what}", call)
        except ChannelkitError as error:
            raise FatalConnectionError(
                f"the host refused provider '{self.name}': {error.message} ({error.reason})"
            ) from None
