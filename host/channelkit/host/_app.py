"""The host without its network edge: plugins, core runtime, services, in-process providers.

:class:`HostApp` is what ``HostServer`` puts behind gRPC and what the SDK's
testing kit runs in memory, so a provider tested with the kit meets the very
same host it meets in production.
"""

from __future__ import annotations

from collections.abc import Sequence

from channelkit.host._agent_servicer import AgentServicer
from channelkit.host._auth import Identity
from channelkit.host._auth import TokenTable
from channelkit.host._catalog import build_sinks
from channelkit.host._catalog import build_templates
from channelkit.host._host_servicer import HostServicer
from channelkit.host._inprocess import InProcessProviders
from channelkit.host._plugin_loader import in_process_classes
from channelkit.host._plugin_loader import load_plugins
from channelkit.host._plugin_loader import missing_in_process
from channelkit.host._plugin_loader import with_plugin_providers
from channelkit.host._provider_servicer import ProviderServicer
from channelkit.host._rpc import ServiceBinding
from channelkit.host._runtime import HostRuntime
from channelkit.host._runtime import token_table
from channelkit.host.config import HostConfig
from channelkit.host.core import Clock
from channelkit.host.store import Store
from channelkit.sdk import HostInfo
from channelkit.sdk import Provider
from channelkit.sdk.runtime.rpcs import AgentService
from channelkit.sdk.runtime.rpcs import HostService
from channelkit.sdk.runtime.rpcs import ProviderService

SERVICES = (ProviderService, AgentService, HostService)
"""Every contract service this host serves, as its RPC table."""


class HostApp:
    """One host's state and services, ready to be served or driven in memory."""

    def __init__(
        self,
        config: HostConfig,
        *,
        clock: Clock | None = None,
        providers: Sequence[type[Provider]] = (),
        store: Store | None = None,
    ) -> None:
        self.plugins = load_plugins(config.plugins, providers)
        self.config = with_plugin_providers(config, self.plugins)
        templates = build_templates(self.config, self.plugins)
        self.runtime = HostRuntime(
            self.config, clock, templates=templates, sinks=build_sinks(self.config, self.plugins), store=store
        )
        write_timeout = self.config.server.stream_write_timeout_seconds
        self.provider_binding = ServiceBinding(
            ProviderService,
            ProviderServicer(self.runtime),
            guard=self._guard_provider,
            write_timeout=write_timeout,
            stalled="this Events stream stopped reading and was ended; resume from the last processed seq",
        )
        self.in_process = InProcessProviders(self.runtime, self.provider_binding, self.config.plugins)
        self.agent_servicer = AgentServicer(self.runtime)
        self.agent_binding = ServiceBinding(
            AgentService,
            self.agent_servicer,
            write_timeout=write_timeout,
            stalled="this workspace watcher stopped reading and was ended; watch again for a fresh snapshot",
        )
        self.host_binding = ServiceBinding(
            HostService,
            HostServicer(self.runtime, self.plugins.statuses, self.in_process.status, self.in_process.reinstate),
        )
        self.info = HostInfo(address="", providers=tuple(p.name for p in self.config.providers))
        self.tokens: TokenTable = token_table(self.config)
        """Every credential of this host; the gRPC and web console edges authenticate against this one table."""

    @property
    def bindings(self) -> list[ServiceBinding]:
        """Every service, for the gRPC server."""
        return [self.provider_binding, self.agent_binding, self.host_binding]

    async def _guard_provider(self, identity: Identity) -> None:
        await self.runtime.rate_limiter.take(identity.name)

    async def open(self) -> None:
        """Open the store and load the state it holds (before anything is served)."""
        await self.runtime.open()

    async def start(self, address: str) -> None:
        """Start the in-process providers, then tell plugins the host serves."""
        for name in missing_in_process(self.config, self.plugins):
            failed = [s.name for s in self.plugins.statuses if s.error]
            hint = f"; plugins that failed to load: {', '.join(failed)}" if failed else ""
            self.runtime.record_error(
                name, f"no installed plugin registers provider '{name}' and it has no token{hint}"
            )
        await self.in_process.start(in_process_classes(self.config, self.plugins))
        self.info = self.info.model_copy(update={"address": address})
        self.plugins.hooks.host_started(self.info)

    async def stop(self, grace: float) -> None:
        """Tell plugins, stop in-process providers, then end pending toasts and every stream.

        Providers stop first so their ``on_stop`` may still call the host.
        """
        self.plugins.hooks.host_stopping(self.info)
        await self.in_process.stop(grace)
        await self.runtime.shutdown()
