"""Drive one provider: handshake, ordered events, resume, resync, faults.

The same :class:`ProviderRunner` runs a provider in the host process and in
``channelkit-provider run``; only the :class:`Connection` differs. That is what
makes a provider behave the same both ways.

Delivery is at-least-once on the wire and exactly-once at the handlers: the
runner remembers the ``seq`` of the last event it dispatched and resumes the
stream after it, so an event is never handed to a handler twice and never
skipped unless the host no longer retains it (then ``on_resync`` is called).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from typing import TypeVar

from pydantic import ValidationError

from channelkit.sdk import _convert as convert
from channelkit.sdk import events
from channelkit.sdk._backoff import Backoff
from channelkit.sdk._dispatch import Fault
from channelkit.sdk._dispatch import handler_for
from channelkit.sdk._dispatch import run_guarded
from channelkit.sdk.errors import Aborted
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import CursorExpired
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import Internal
from channelkit.sdk.errors import ResourceExhausted
from channelkit.sdk.errors import Unavailable
from channelkit.sdk.host import Host
from channelkit.sdk.host import Transport
from channelkit.sdk.models import Session
from channelkit.sdk.provider import Provider
from channelkit.v1 import provider_service_pb2 as pb

PROTOCOL_VERSIONS = (1,)
SOFTWARE_VERSION = "channelkit-sdk/0.1.0"
log = logging.getLogger("channelkit.provider")
T = TypeVar("T")


class Connection(Protocol):
    """A way to reach the host: calls plus the provider's event stream."""

    @property
    def transport(self) -> Transport:
        """Where calls go."""
        ...

    def events(self, after_seq: int) -> AsyncIterator[pb.ProviderEvent]:
        """The provider's events after ``after_seq``, in order, until the stream ends or fails."""
        ...


class CursorFile:
    """The last processed ``seq``, kept in a file so a restarted process resumes where it stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> int | None:
        """The saved cursor, or ``None`` when there is none yet."""
        try:
            return int(self.path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            return None

    def save(self, seq: int) -> None:
        """Replace the saved cursor atomically."""
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        temporary.write_text(f"{seq}\n", encoding="ascii")
        temporary.replace(self.path)


async def handshake(transport: Transport) -> pb.HelloResponse:
    """Say Hello: offer our protocol versions, learn who we are and what the host allows."""
    request = pb.HelloRequest(protocol_versions=PROTOCOL_VERSIONS, software_version=SOFTWARE_VERSION)
    return await transport.call("Hello", request, pb.HelloResponse)


class FatalConnectionError(Exception):
    """The host refuses this provider for good (bad token, disabled, protocol); retrying will not help."""


class StartFailed(Exception):
    """``on_start`` raised or timed out: the provider is not fit to receive events."""


_RETRYABLE = (Unavailable, Aborted, Internal)


def _is_retryable(error: ChannelkitError) -> bool:
    if isinstance(error, ResourceExhausted):
        return error.reason in (ErrorReason.SLOW_CONSUMER, ErrorReason.RATE_LIMITED)
    return isinstance(error, _RETRYABLE)


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
        backoff: Backoff | None = None,
        keep_going: Callable[[], bool] | None = None,
    ) -> None:
        self.provider = provider
        self.connection = connection
        self.handler_timeout = handler_timeout
        self.cursor_file = cursor_file
        self.backoff = backoff or Backoff()
        self.cursor = 0
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

    async def hello(self) -> pb.HelloResponse:
        """Shake hands with the host."""
        return await handshake(self.connection.transport)

    async def start(self) -> Host:
        """Handshake (retrying while the host is unreachable), then ``on_start``; return the client."""
        hello = await self._retrying(self.hello)
        if hello.provider.name != self.name:
            raise FatalConnectionError(
                f"the token belongs to provider '{hello.provider.name}', but this class is '{self.name}'"
            )
        host = Host(self.connection.transport, hello)
        self.host = host
        saved = self.cursor_file.load() if self.cursor_file else None
        fault = await self._guarded("on_start", lambda: self.provider.on_start(host))
        if fault is not None:
            raise StartFailed(f"provider '{self.name}' did not start: {fault.describe()}")
        if saved is not None:
            self.cursor = saved
        else:  # a fresh start gets every event since the handshake, including those on_start caused
            await self.resync(initial=True, not_after=hello.head_seq)
        self.started.set()
        return host

    async def run(self) -> None:
        """Start, then dispatch events until cancelled or ``keep_going`` says stop; reconnect and resume."""
        if self.host is None:
            await self.start()
        while self._keep_going():
            try:
                await self._consume()
            except CursorExpired:
                lost = Fault("events", "fell behind", f"events after seq {self.cursor} are no longer retained")
                log.error("provider %s: %s; re-listing sessions", self.name, lost.describe())
                self._on_fault(lost)
                await self.resync(initial=False)
                continue
            except ChannelkitError as error:
                self._raise_if_fatal(error)
                delay = self.backoff.next_delay()
                log.warning("provider %s: event stream ended (%s); resuming in %.2f s", self.name, error, delay)
                await asyncio.sleep(delay)
                continue
            # The stream ended without an error: the host closed it; resume after a short pause.
            await asyncio.sleep(self.backoff.next_delay())

    async def stop(self) -> Fault | None:
        """Call ``on_stop`` (with the handler timeout)."""
        return await self._guarded("on_stop", self.provider.on_stop)

    async def _consume(self) -> None:
        async for message in self.connection.events(self.cursor):
            self.backoff.reset()
            if message.seq <= self.cursor:
                continue  # already handled before a reconnect
            if not self._keep_going():
                return
            event = self._decode(message)
            if event is not None:
                name, handler = handler_for(self.provider, event)
                await self._guarded(name, functools.partial(handler, event))
            self._advance(message.seq)

    def _decode(self, message: pb.ProviderEvent) -> events.Event | None:
        """The event's model; ``None`` (logged, skipped) for a kind or value this SDK does not know yet.

        The contract may add event kinds and enum values; an older SDK skips
        them instead of stopping, and the cursor still moves past them.
        """
        try:
            return convert.event(message)
        except (ValueError, ValidationError) as exc:
            log.warning("provider %s: skipping event seq %d this SDK cannot read: %s", self.name, message.seq, exc)
            return None

    def _advance(self, seq: int) -> None:
        self.cursor = seq
        if self.cursor_file is not None:
            self.cursor_file.save(seq)

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
        sessions: list[Session] = []
        head: int | None = None
        for agent in self.host.agents:
            request = pb.ListSessionsRequest(agent_id=agent.id)
            listed = await self._retrying(
                functools.partial(self.connection.transport.call, "ListSessions", request, pb.ListSessionsResponse)
            )
            head = listed.head_seq if head is None else min(head, listed.head_seq)
            sessions += [convert.session(s) for s in listed.sessions]
        if head is None:
            hello = await self._retrying(self.hello)
            head = hello.head_seq
        self._advance(head if not_after is None else min(head, not_after))
        if sessions or not initial:
            await self._guarded("on_resync", lambda: self.provider.on_resync(sessions))

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Await ``call`` until it succeeds or fails for good, backing off between attempts."""
        while True:
            try:
                result = await call()
            except ChannelkitError as error:
                self._raise_if_fatal(error)
                delay = self.backoff.next_delay()
                log.warning("provider %s: host not reachable (%s); retrying in %.2f s", self.name, error, delay)
                await asyncio.sleep(delay)
                continue
            self.backoff.reset()
            return result

    def _raise_if_fatal(self, error: ChannelkitError) -> None:
        if not _is_retryable(error):
            raise FatalConnectionError(f"the host refused provider '{self.name}': {error.message} ({error.reason})")
