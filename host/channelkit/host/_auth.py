"""Authentication (rule R1): a bearer token maps to exactly one provider, agent or admin.

The interceptor runs before any handler. It finds the caller by token, checks
that the caller's role may use the service, and puts the identity in a
context variable that handlers read; no request field ever names the caller.
Health checks and reflection need no token.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from typing import TypeAlias

import grpc

from channelkit.host._errors import to_grpc_status
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import PermissionDenied
from channelkit.sdk.errors import Unauthenticated


class Role(StrEnum):
    """What a caller is."""

    PROVIDER = "provider"
    AGENT = "agent"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated caller."""

    role: Role
    name: str


SERVICE_ROLES: dict[str, Role] = {
    "channelkit.v1.ProviderService": Role.PROVIDER,
    "channelkit.v1.AgentService": Role.AGENT,
    "channelkit.v1.HostService": Role.ADMIN,
}

current_identity: ContextVar[Identity] = ContextVar("channelkit_identity")


class TokenTable:
    """Token digests to identities; every lookup compares against every digest in constant time."""

    def __init__(self, entries: Iterable[tuple[str, Identity]]) -> None:
        self._entries = [(bytes.fromhex(digest), identity) for digest, identity in entries]

    def lookup(self, token: str) -> Identity | None:
        """The identity whose digest matches ``token``, if any."""
        digest = hashlib.sha256(token.encode("utf-8")).digest()
        found = None
        for stored, identity in self._entries:
            if hmac.compare_digest(stored, digest):
                found = identity
        return found


def bearer_token(metadata: Sequence[tuple[str, str | bytes]] | None) -> str | None:
    """The token of an ``authorization: Bearer <token>`` header, if present."""
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"  # generic only in the type stubs


def _denial(error: ChannelkitError, streaming: bool) -> Handler:
    status = to_grpc_status(error)

    async def deny(_request: object, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        await context.abort(status.code, status.details, status.trailing_metadata)

    if streaming:
        return grpc.unary_stream_rpc_method_handler(deny)
    return grpc.unary_unary_rpc_method_handler(deny)


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """Refuses unauthenticated or wrong-role calls before any handler runs."""

    def __init__(self, tokens: TokenTable, streaming_methods: frozenset[str]) -> None:
        self._tokens = tokens
        self._streaming = streaming_methods

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        """Authenticate, authorise by service, then hand over to the method."""
        method = handler_call_details.method
        service = method.split("/")[1] if method.count("/") == 2 else ""
        role = SERVICE_ROLES.get(service)
        if role is None:
            return await continuation(handler_call_details)
        error = self._authenticate(handler_call_details, role, service)
        if error is not None:
            return _denial(error, method in self._streaming)
        return await continuation(handler_call_details)

    def _authenticate(self, details: grpc.HandlerCallDetails, role: Role, service: str) -> ChannelkitError | None:
        try:
            identity = authenticate(self._tokens, bearer_token(details.invocation_metadata), role, service)
        except ChannelkitError as error:
            return error
        current_identity.set(identity)
        return None


def authenticate(tokens: TokenTable, token: str | None, role: Role, service: str) -> Identity:
    """The caller proven by ``token``, if it may call ``service``; the gRPC and HTTP edges share this check."""
    if token is None:
        raise Unauthenticated(
            "missing credentials: send 'authorization: Bearer <token>' metadata",
            reason=ErrorReason.MISSING_CREDENTIALS,
        )
    identity = tokens.lookup(token)
    if identity is None:
        raise Unauthenticated("the bearer token is not valid for this host")
    if identity.role is not role:
        raise PermissionDenied(
            f"{identity.role.value} credentials may not call {service}", metadata={"service": service}
        )
    return identity
