"""Method handlers built from the contract's descriptors, with one error path for all.

Handlers receive raw request bytes and parse them here, so malformed bytes get
INVALID_ARGUMENT/MALFORMED_REQUEST instead of grpcio's UNKNOWN with decoder
text. Every servicer method is ``async def name(identity, request, context)``;
a :class:`ChannelkitError` it raises becomes its rich status, anything else an
INTERNAL incident.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError
from google.protobuf.message import Message

from channelkit.host._auth import Identity
from channelkit.host._auth import current_identity
from channelkit.host._errors import abort
from channelkit.host._errors import incident
from channelkit.host._idempotency import IdempotencyCache
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import InvalidArgument

Context = grpc.aio.ServicerContext[Any, Any]
Guard = Callable[[Identity], None]


def snake_case(name: str) -> str:
    """``CreateSession`` → ``create_session``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _parse(request_type: type[Message], raw: bytes, method: str) -> Message:
    try:
        return request_type.FromString(raw)
    except DecodeError:
        raise InvalidArgument(
            f"request is not a valid {request_type.DESCRIPTOR.full_name}",
            reason=ErrorReason.MALFORMED_REQUEST,
            metadata={"method": method},
        ) from None


def _serialize(response: Message) -> bytes:
    return response.SerializeToString()


class ServiceBinding:
    """Binds one contract service to a servicer object, with optional guard and idempotency."""

    def __init__(
        self,
        descriptor: ServiceDescriptor,
        servicer: object,
        *,
        guard: Guard | None = None,
        idempotency: IdempotencyCache | None = None,
    ) -> None:
        self.descriptor = descriptor
        self._servicer = servicer
        self._guard = guard
        self._idempotency = idempotency

    def streaming_methods(self) -> frozenset[str]:
        """Full paths of the server-streaming methods."""
        prefix = f"/{self.descriptor.full_name}/"
        return frozenset(prefix + m.name for m in self.descriptor.methods if m.server_streaming)

    def handler(self) -> grpc.GenericRpcHandler:
        """A generic handler serving every method of the service."""
        handlers = {m.name: self._method_handler(m) for m in self.descriptor.methods}
        return grpc.method_handlers_generic_handler(self.descriptor.full_name, handlers)

    def _method_handler(self, method: MethodDescriptor) -> grpc.RpcMethodHandler[Any, Any]:
        impl = getattr(self._servicer, snake_case(method.name))
        request_type = message_factory.GetMessageClass(method.input_type)
        path = f"/{self.descriptor.full_name}/{method.name}"
        if method.server_streaming:
            return grpc.unary_stream_rpc_method_handler(
                self._streaming(path, request_type, impl), response_serializer=_serialize
            )
        idempotent = "request_id" in request_type.DESCRIPTOR.fields_by_name
        return grpc.unary_unary_rpc_method_handler(
            self._unary(path, request_type, impl, idempotent), response_serializer=_serialize
        )

    async def invoke(self, identity: Identity, method: str, request: Message) -> Message:
        """Run unary ``method`` as ``identity`` without a transport, as in-process providers do.

        The same guard, idempotency and error handling apply as over gRPC;
        failures raise the :class:`ChannelkitError` a remote caller would get.
        """
        descriptor = self.descriptor.methods_by_name.get(method)
        if descriptor is None or descriptor.server_streaming:
            raise InvalidArgument(f"{method} is not a unary method of {self.descriptor.full_name}", field="method")
        if request.DESCRIPTOR is not descriptor.input_type:
            raise InvalidArgument(f"{method} takes {descriptor.input_type.full_name}", field="request")
        path = f"/{self.descriptor.full_name}/{method}"
        impl = getattr(self._servicer, snake_case(method))
        idempotent = "request_id" in descriptor.input_type.fields_by_name
        try:
            return await self._run(identity, path, impl, request, context=None, idempotent=idempotent)
        except ChannelkitError:
            raise
        except Exception as exc:
            raise incident(exc, path) from None

    async def _run(
        self,
        identity: Identity,
        path: str,
        impl: Callable[..., Awaitable[Message]],
        request: Message,
        *,
        context: Context | None,
        idempotent: bool,
    ) -> Message:
        if self._guard is not None:
            self._guard(identity)
        if idempotent and self._idempotency is not None:
            return await self._idempotency.run(identity.name, path, request, lambda: impl(identity, request, context))
        response: Message = await impl(identity, request, context)
        return response

    def _unary(
        self, path: str, request_type: type[Message], impl: Callable[..., Awaitable[Message]], idempotent: bool
    ) -> Callable[[bytes, Context], Awaitable[Message]]:
        async def handle(raw: bytes, context: Context) -> Message:
            identity = current_identity.get()
            try:
                request = _parse(request_type, raw, path)
                return await self._run(identity, path, impl, request, context=context, idempotent=idempotent)
            except ChannelkitError as exc:
                error = exc
            except Exception as exc:
                error = incident(exc, path)
            await abort(context, error)
            raise AssertionError("context.abort returned")

        return handle

    def _streaming(
        self, path: str, request_type: type[Message], impl: Callable[..., Awaitable[None]]
    ) -> Callable[[bytes, Context], Awaitable[None]]:
        async def handle(raw: bytes, context: Context) -> None:
            identity = current_identity.get()
            try:
                await impl(identity, _parse(request_type, raw, path), context)
                return
            except ChannelkitError as exc:
                error = exc
            except Exception as exc:
                error = incident(exc, path)
            await abort(context, error)

        return handle
