"""A HostService client for the command line: an admin token from a file or the environment.

``channelkit simulate`` and the demo's summary both talk to a running host
as an operator would, through the public HostService contract.
"""

from __future__ import annotations

from typing import TypeVar

import grpc
from google.protobuf.message import Message

from channelkit.sdk import runtime
from channelkit.sdk.runtime import GrpcTransport
from channelkit.sdk.runtime import TokenMissing
from channelkit.sdk.runtime.rpcs import HostService
from channelkit.sdk.runtime.rpcs import Rpc
from channelkit.v1 import host_service_pb2 as pb

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)

ADMIN_TOKEN_ENV = "CHANNELKIT_ADMIN_TOKEN"


def read_token(token_file: str | None) -> str:
    """The admin token from ``token_file``, else from $CHANNELKIT_ADMIN_TOKEN (TokenMissing otherwise)."""
    return runtime.read_token(token_file, ADMIN_TOKEN_ENV)


class AdminClient:
    """HostService calls carrying one admin token; failures raise ChannelkitError."""

    def __init__(self, channel: grpc.aio.Channel, token: str) -> None:
        self._transport = GrpcTransport(channel, token)

    async def list_providers(self) -> pb.ListProvidersResponse:
        """Every provider with its status and counters."""
        return await self._call(HostService.ListProviders, pb.ListProvidersRequest())

    async def inject(self, provider: str, agent_id: str, kind: str, attributes: dict[str, str]) -> int:
        """Deliver an external event to one provider; returns its seq."""
        request = pb.InjectEventRequest(provider=provider, agent_id=agent_id, kind=kind, attributes=attributes)
        return (await self._call(HostService.InjectEvent, request)).seq

    async def _call(self, rpc: Rpc[Req, Resp], request: Req) -> Resp:
        """One HostService call, no retries (an operator wants to hear at once); errors as ChannelkitError."""
        return await self._transport.call(rpc, request)


__all__ = ["ADMIN_TOKEN_ENV", "AdminClient", "TokenMissing", "read_token"]
