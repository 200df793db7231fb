"""The gRPC side of ``channelkit-provider run``: transport and event stream.

Calls carry the provider's token and the deadline of their class in the RPC
table (an ordinary call, or one that waits for the agent's answer). A call is
tried once here; retrying is the one retry policy's job (:mod:`._retry`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from channelkit.sdk.runtime._status import from_rpc_error
from channelkit.sdk.runtime.rpcs import Deadline
from channelkit.sdk.runtime.rpcs import ProviderService
from channelkit.sdk.runtime.rpcs import Rpc
from channelkit.v1 import provider_service_pb2 as pb

CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    # gRPC's own reconnect backoff (default 1 s growing to 120 s) would otherwise stack on top of the
    # runtime's: keep the transport's short so the retry policy's jittered backoff decides.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
]
DEADLINE_SECONDS: dict[Deadline, float | None] = {Deadline.CALL: 30.0, Deadline.OUTCOME: 600.0, Deadline.STREAM: None}
"""Seconds a remote caller waits per deadline class; NotifyEvent may wait out the longest toast queue."""
Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


class GrpcTransport:
    """Unary calls over a channel, authenticated with a bearer token."""

    def __init__(self, channel: grpc.aio.Channel, token: str) -> None:
        self.channel = channel
        self.metadata = (("authorization", f"Bearer {token}"),)
        self._methods: dict[str, Any] = {}

    def _method(self, rpc: Rpc[Any, Any]) -> Any:  # noqa: ANN401 - grpc's multicallables are untyped here
        method = self._methods.get(rpc.path)
        if method is None:
            factory = self.channel.unary_stream if rpc.streaming else self.channel.unary_unary
            method = self._methods[rpc.path] = factory(
                rpc.path, request_serializer=_serialize, response_deserializer=rpc.response.FromString
            )
        return method

    async def call(self, rpc: Rpc[Req, Resp], request: Req) -> Resp:
        """One attempt at unary ``rpc``; a failure raises the matching ChannelkitError."""
        try:
            response: Resp = await self._method(rpc)(
                request, metadata=self.metadata, timeout=DEADLINE_SECONDS[rpc.deadline]
            )
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc) from None
        return response

    async def stream(self, rpc: Rpc[Req, Resp], request: Req) -> AsyncIterator[Resp]:
        """The messages of server-streaming ``rpc``; a failure raises the matching ChannelkitError."""
        call = self._method(rpc)(request, metadata=self.metadata)
        try:
            async for message in call:
                yield message
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc) from None
        finally:
            call.cancel()


class GrpcConnection:
    """The provider's connection to a remote host."""

    def __init__(self, target: str, token: str) -> None:
        self.target = target
        self.channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.transport = GrpcTransport(self.channel, token)

    def events(self, after_seq: int) -> AsyncIterator[pb.ProviderEvent]:
        """The event stream after ``after_seq``; failures raise ChannelkitError."""
        return self.transport.stream(ProviderService.Events, pb.EventsRequest(after_seq=after_seq))

    async def close(self) -> None:
        """Close the channel."""
        await self.channel.close()
