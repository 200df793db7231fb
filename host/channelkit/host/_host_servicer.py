"""HostService: what an operator needs to know about the providers."""

from __future__ import annotations

from typing import Any

import grpc

from channelkit.host import _convert as convert
from channelkit.host._auth import Identity
from channelkit.host._runtime import HostRuntime
from channelkit.v1 import host_service_pb2 as pb

Context = grpc.aio.ServicerContext[Any, Any]


class HostServicer:
    """One method per HostService RPC."""

    def __init__(self, runtime: HostRuntime) -> None:
        self.rt = runtime

    async def list_providers(
        self, _identity: Identity, _request: pb.ListProvidersRequest, _: Context
    ) -> pb.ListProvidersResponse:
        """Every configured provider with its status, lowest channel order first."""
        statuses = []
        for info in self.rt.core.providers():
            log = self.rt.logs[info.name]
            error, error_at = self.rt.last_errors.get(info.name, ("", None))
            statuses.append(
                pb.ProviderStatus(
                    name=info.name,
                    label=info.label,
                    channel=info.channel,
                    channel_order=info.channel_order,
                    attachment=pb.PROVIDER_ATTACHMENT_REMOTE if info.remote else pb.PROVIDER_ATTACHMENT_IN_PROCESS,
                    connected=log.connected,
                    enabled=info.enabled,
                    last_error=error,
                    last_error_at=convert.timestamp(error_at) if error_at else None,
                    head_seq=log.head_seq,
                    open_sessions=self.rt.core.open_sessions_of(info.name),
                )
            )
        return pb.ListProvidersResponse(providers=statuses)
