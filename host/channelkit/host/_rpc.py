"""Serving one contract service from its RPC table, with one error path for all.

A :class:`ServiceBinding` joins a table of :mod:`channelkit.sdk.runtime.rpcs`
to a servicer that subclasses the generated ``*Servicer`` base, so mypy
checks every handler's name and signature against the contract. Handlers
receive raw request bytes and parse them here, so malformed bytes get
INVALID_ARGUMENT/MALFORMED_REQUEST instead of grpcio's UNKNOWN with decoder
text. A :class:`ChannelkitError` a handler raises becomes its rich status,
anything else an INTERNAL incident. The caller's identity travels in
:data:`~channelkit.host._auth.current_identity`, set by the auth interceptor
for gRPC and by :meth:`ServiceBinding.invoke` for in-process calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any
from typing import TypeVar
from typing import cast

import grpc
from google.protobuf.message import DecodeError
from google.protobuf.message import Message

from channelkit.host._auth import Identity
from channelkit.host._auth import current_identity
from channelkit.host._errors import abort
from channelkit.host._errors import incident
from channelkit.host._idempotency import Call
from channelkit.host._idempotency import current_call
from channelkit.host._router import slow_consumer
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import InvalidArgument
from channelkit.sdk.runtime.rpcs import Rpc
from channelkit.sdk.runtime.rpcs import ServiceTable

Context = grpc.aio.ServicerContext[Any, Any]
Guard = Callable[[Identity], Awaitable[None]]
Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
Unary = Callable[[Message, Context], Awaitable[Message]]
Streaming = Callable[[Message, Context], AsyncIterator[Message]]

IN_PROCESS = cast(Context, None)
"""The context of an in-process call: there is no transport, and unary handlers never read it."""


def identity() -> Identity:
    """The caller of the RPC being served (set by the interceptor or by :meth:`ServiceBinding.invoke`)."""
    return current_identity.get()


def caller() -> str:
    """The name of the provider, agent or admin calling now."""
    return current_identity.get().name


def _parse(rpc: Rpc[Any, Any], raw: bytes) -> Message:
    try:
        return cast(Message, rpc.request.FromString(raw))
    except DecodeError:
        raise InvalidArgument(
            f"request is not a valid {rpc.request.DESCRIPTOR.full_name}",
            reason=ErrorReason.MALFORMED_REQUEST,
            metadata={"method": rpc.path},
        ) from None


def _serialize(response: Message) -> bytes:
    return response.SerializeToString()


class ServiceBinding:
    """Binds one service's RPC table to a servicer, with an optional guard, idempotency and stall limit."""

    def __init__(
        self,
        table: type[ServiceTable],
        servicer: object,
        *,
        guard: Guard | None = None,
        write_timeout: float = 10.0,
        stalled: str = "this stream stopped reading and was ended; open it again to resume",
    ) -> None:
        self.table = table
        self._servicer = servicer
        self._guard = guard
        self._write_timeout = write_timeout
        self._stalled = stalled

    def streaming_methods(self) -> frozenset[str]:
        """Full paths of the server-streaming methods."""
        return frozenset(rpc.path for rpc in self.table.rpcs() if rpc.streaming)

    def handler(self) -> grpc.GenericRpcHandler:
        """A generic handler serving every method of the service."""
        handlers = {rpc.name: self._method_handler(rpc) for rpc in self.table.rpcs()}
        return grpc.method_handlers_generic_handler(self.table.descriptor.full_name, handlers)

    def _impl(self, rpc: Rpc[Any, Any]) -> Any:  # noqa: ANN401 - the servicer's method, typed by its generated base
        return getattr(self._servicer, rpc.name)

    def _method_handler(self, rpc: Rpc[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
        if rpc.streaming:
            return grpc.unary_stream_rpc_method_handler(self._streaming(rpc), response_serializer=_serialize)
        return grpc.unary_unary_rpc_method_handler(self._unary(rpc), response_serializer=_serialize)

    async def invoke(self, caller: Identity, rpc: Rpc[Req, Resp], request: Req) -> Resp:
        """Run unary ``rpc`` as ``caller`` without a transport, as in-process providers and the console do.

        The same guard, idempotency and error handling apply as over gRPC;
        failures raise the :class:`ChannelkitError` a remote caller would get.
        """
        if rpc.streaming or self.table.by_name.get(rpc.name) is not rpc:
            raise InvalidArgument(f"{rpc.path} is not a unary method of {self.table.descriptor.full_name}")
        token = current_identity.set(caller)
        try:
            return cast(Resp, await self._run(rpc, request, IN_PROCESS))
        except ChannelkitError:
            raise
        except Exception as exc:
            raise incident(exc, rpc.path) from None
        finally:
            current_identity.reset(token)

    async def _run(self, rpc: Rpc[Any, Any], request: Message, context: Context) -> Message:
        caller = identity()
        if self._guard is not None:
            await self._guard(caller)
        impl: Unary = self._impl(rpc)
        if not rpc.idempotent:
            return await impl(request, context)
        token = current_call.set(Call.of(caller.name, rpc, request))  # the runtime commits and replays it
        try:
            return await impl(request, context)
        finally:
            current_call.reset(token)

    def _unary(self, rpc: Rpc[Any, Any]) -> Callable[[bytes, Context], Awaitable[Message]]:
        async def handle(raw: bytes, context: Context) -> Message:
            try:
                return await self._run(rpc, _parse(rpc, raw), context)
            except ChannelkitError as exc:
                error = exc
            except Exception as exc:
                error = incident(exc, rpc.path)
            await abort(context, error)
            raise AssertionError("context.abort returned")

        return handle

    def _streaming(self, rpc: Rpc[Any, Any]) -> Callable[[bytes, Context], Awaitable[None]]:
        async def handle(raw: bytes, context: Context) -> None:
            try:
                impl: Streaming = self._impl(rpc)
                async for message in impl(_parse(rpc, raw), context):
                    await self._write(context, message)
                return
            except ChannelkitError as exc:
                error = exc
            except Exception as exc:
                error = incident(exc, rpc.path)
            await abort(context, error)

        return handle

    async def _write(self, context: Context, message: Message) -> None:
        """Write one stream message, ending the stream as a slow consumer if the write stalls."""
        try:
            await asyncio.wait_for(context.write(message), self._write_timeout)
        except TimeoutError:
            raise slow_consumer(self._stalled) from None
