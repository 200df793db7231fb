"""A HostService client for the command line: an admin token from a file or the environment.

``channelkit simulate`` and the demo's summary both talk to a running host
as an operator would, through the public HostService contract.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.message import Message

from channelkit.sdk import _secrets
from channelkit.sdk._secrets import TokenMissing
from channelkit.sdk._status import from_rpc_error
from channelkit.v1 import host_service_pb2 as pb
from channelkit.v1 import host_service_pb2_grpc as pb_grpc

ADMIN_TOKEN_ENV = "CHANNELKIT_ADMIN_TOKEN"


def read_token(token_file: str | None) -> str:
    """The admin token from ``token_file``, else from $CHANNELKIT_ADMIN_TOKEN (TokenMissing otherwise)."""
    return _secrets.read_token(token_file, ADMIN_TOKEN_ENV)


class AdminClient:
    """HostService calls carrying one admin token; failures raise ChannelkitError."""

    def __init__(self, channel: grpc.aio.Channel, token: str) -> None:
        self._stub = pb_grpc.HostServiceStub(channel)
        self._metadata = (("authorization", f"Bearer {token}"),)

    async def list_providers(self) -> pb.ListProvidersResponse:
        """Every provider with its status and counters."""
        response: pb.ListProvidersResponse = await self._call("ListProviders", pb.ListProvidersRequest())
        return response

    async def inject(self, provider: str, agent_id: str, kind: str, attributes: dict[str, str]) -> int:
        """Deliver an external event to one provider; returns its seq."""
        request = pb.InjectEventRequest(provider=provider, agent_id=agent_id, kind=kind, attributes=attributes)
        response: pb.InjectEventResponse = await self._call("InjectEvent", request)
        return response.seq

    async def _call(self, method: str, request: Message) -> Any:  # noqa: ANN401 - the stub's response type
        """One HostService call, no retries (an operator wants to hear at once); errors as ChannelkitError."""
        try:
            return await getattr(self._stub, method)(request, metadata=self._metadata, timeout=10)
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc) from None


__all__ = ["ADMIN_TOKEN_ENV", "AdminClient", "TokenMissing", "read_token"]
