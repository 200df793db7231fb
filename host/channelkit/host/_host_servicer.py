"""HostService: what an operator needs to know about the providers and plugins."""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

import grpc

from channelkit.host import _toproto as toproto
from channelkit.host._plugin_loader import PluginStatus
from channelkit.host._runtime import HostRuntime
from channelkit.host._runtime import Scope
from channelkit.host.core import ProviderInfo
from channelkit.v1 import host_service_pb2 as pb
from channelkit.v1 import host_service_pb2_grpc as pb_grpc

Context = grpc.aio.ServicerContext[Any, Any]
FaultStatus = Callable[[str], tuple[int, bool] | None]
Reinstate = Callable[[str], Awaitable[None]]


class HostServicer(pb_grpc.HostServiceServicer):
    """One method per HostService RPC."""

    def __init__(
        self, runtime: HostRuntime, plugins: list[PluginStatus], faults: FaultStatus, reinstate: Reinstate
    ) -> None:
        self.rt = runtime
        self._plugins = plugins
        self._faults = faults
        self._reinstate = reinstate

    async def ListProviders(self, request: pb.ListProvidersRequest, context: Context) -> pb.ListProvidersResponse:
        """Every configured provider with its status, lowest channel order first, then the plugins."""
        return pb.ListProvidersResponse(
            providers=[self._status(info) for info in self.rt.core.providers()],
            plugins=[toproto.fill(pb.PluginStatus, p) for p in self._plugins],
        )

    def _status(self, info: ProviderInfo) -> pb.ProviderStatus:
        log = self.rt.logs[info.name]
        error, error_at = self.rt.last_errors.get(info.name, ("", None))
        faults, quarantined = self._faults(info.name) or (0, False)
        return pb.ProviderStatus(
            name=info.name,
            label=info.label,
            channel=info.channel,
            channel_order=info.channel_order,
            attachment=pb.PROVIDER_ATTACHMENT_REMOTE if info.remote else pb.PROVIDER_ATTACHMENT_IN_PROCESS,
            connected=log.connected and not quarantined,
            enabled=info.enabled,
            last_error=error,
            last_error_at=toproto.timestamp(error_at) if error_at else None,
            head_seq=log.head_seq,
            open_sessions=self.rt.core.open_sessions_of(info.name),
            faults=faults,
            quarantined=quarantined,
            counters=self._counters(info.name, log.delivered_seq),
        )

    def _counters(self, provider: str, delivered: int) -> pb.ProviderCounters:
        counters = pb.ProviderCounters()
        counters.CopyFrom(self.rt.core.counters[provider])
        counters.events_delivered = delivered
        counters.errors = self.rt.error_counts.get(provider, 0)
        return counters

    async def InjectEvent(self, request: pb.InjectEventRequest, context: Context) -> pb.InjectEventResponse:
        """Deliver an outside event to one provider's stream."""
        await self.rt.run(
            Scope(agent=request.agent_id),
            lambda: self.rt.core.inject_event(
                request.provider, request.agent_id, request.kind, dict(request.attributes)
            ),
            lambda _: None,
        )
        return pb.InjectEventResponse(seq=self.rt.logs[request.provider].head_seq)

    async def ReinstateProvider(
        self, request: pb.ReinstateProviderRequest, context: Context
    ) -> pb.ReinstateProviderResponse:
        """Start a quarantined in-process provider again."""
        await self._reinstate(request.provider)
        info = next((p for p in self.rt.core.providers() if p.name == request.provider), None)
        assert info is not None  # reinstating succeeded, so the provider exists
        return pb.ReinstateProviderResponse(status=self._status(info))
