"""The gRPC side of ``channelkit-provider run``: transport and event stream.

Calls carry the provider's token. A call that fails because the host could
not be reached, is shutting down or rate-limits is retried with backoff and
the *same* request (so the same ``request_id``): the host's idempotency cache
answers a retry of a call that already took effect with the first result, so
nothing happens twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any
from typing import TypeVar
from typing import cast

import grpc
from google.protobuf.message import Message

from channelkit.sdk._backoff import Backoff
from channelkit.sdk._status import from_rpc_error
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import ResourceExhausted
from channelkit.sdk.errors import Unavailable
from channelkit.v1 import provider_service_pb2 as pb

SERVICE = "/channelkit.v1.ProviderService/"
CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    # gRPC's own reconnect backoff (default 1 s growing to 120 s) would otherwise stack on top of the
    # runner's: keep the transport's short so the runner's jittered backoff decides.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
]
M = TypeVar("M", bound=Message)
Unary = grpc.aio.UnaryUnaryMultiCallable[Message, Message]
log = logging.getLogger("channelkit.provider")


def _retry_delay(error: ChannelkitError, backoff: Backoff) -> float | None:
    """How long to wait before retrying after ``error``; ``None`` when retrying cannot help."""
    if isinstance(error, Unavailable):
        return backoff.next_delay()
    if isinstance(error, ResourceExhausted) and error.reason is ErrorReason.RATE_LIMITED:
        return max(error.retry_after or 0.0, backoff.next_delay())
    return None


class GrpcTransport:
    """ProviderService calls over a channel, authenticated with a bearer token."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        token: str,
        *,
        retry_for: float = 30.0,
        call_timeout: float = 30.0,
        toast_timeout: float = 600.0,
    ) -> None:
        self.channel = channel
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.retry_for = retry_for
        self.call_timeout = call_timeout
        self.toast_timeout = toast_timeout
        self._methods: dict[str, Unary] = {}

    def _method(self, name: str, response_type: type[Message]) -> Unary:
        method = self._methods.get(name)
        if method is None:
            method = self._methods[name] = self.channel.unary_unary(
                SERVICE + name,
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=response_type.FromString,
            )
        return method

    async def call(self, method: str, request: Message, response_type: type[M]) -> M:
        """Run ``method``, retrying transport failures with the same request until ``retry_for`` runs out."""
        rpc = self._method(method, response_type)
        timeout = self.toast_timeout if method == "NotifyEvent" else self.call_timeout
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self.retry_for
        backoff = Backoff()
        while True:
            try:
                response = await rpc(request, metadata=self.metadata, timeout=timeout)
                return cast(M, response)  # the deserializer registered for this method builds response_type
            except grpc.aio.AioRpcError as exc:
                error = from_rpc_error(exc)
            delay = _retry_delay(error, backoff)
            if delay is None or loop.time() + delay > give_up_at:
                raise error
            log.info("%s failed (%s); retrying in %.2f s with the same request_id", method, error.reason, delay)
            await asyncio.sleep(delay)


class GrpcConnection:
    """The provider's connection to a remote host."""

    def __init__(self, target: str, token: str) -> None:
        self.channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.transport = GrpcTransport(self.channel, token)
        self._events: Any = self.channel.unary_stream(
            SERVICE + "Events",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=pb.ProviderEvent.FromString,
        )

    async def events(self, after_seq: int) -> AsyncIterator[pb.ProviderEvent]:
        """The event stream after ``after_seq``; failures raise ChannelkitError."""
        call = self._events(pb.EventsRequest(after_seq=after_seq), metadata=self.transport.metadata)
        try:
            async for message in call:
                yield message
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc) from None
        finally:
            call.cancel()

    async def close(self) -> None:
        """Close the channel."""
        await self.channel.close()
