"""Assemble and run the gRPC host: services, auth, health, reflection, limits, shutdown.

``HostServer(config).start()`` binds (port 0 picks a free port, as tests do),
starts the web console beside gRPC when ``[console] enabled``, marks every
service SERVING and returns the gRPC port; ``stop()`` first turns health to
NOT_SERVING, ends pending toasts and event streams, stops the console, then
stops the gRPC server with the configured grace.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path

import grpc
from grpc_health.v1 import health
from grpc_health.v1 import health_pb2
from grpc_health.v1 import health_pb2_grpc

from channelkit.host._app import SERVICES
from channelkit.host._app import HostApp
from channelkit.host._auth import AuthInterceptor
from channelkit.host._reflection import enable_reflection
from channelkit.host.config import HostConfig
from channelkit.host.console import ConsoleServer
from channelkit.host.core import Clock
from channelkit.host.store import open_store
from channelkit.sdk import Provider

log = logging.getLogger(__name__)


class BindError(RuntimeError):
    """The configured address could not be bound."""


def server_options(config: HostConfig) -> list[tuple[str, int]]:
    """Transport limits, each set on purpose rather than left to grpcio's defaults."""
    server = config.server
    return [
        ("grpc.max_receive_message_length", server.max_message_bytes),
        ("grpc.max_send_message_length", 4 * server.max_message_bytes),
        ("grpc.max_metadata_size", 16 * 1024),
        ("grpc.max_concurrent_streams", server.max_concurrent_streams),
        ("grpc.keepalive_time_ms", int(server.keepalive_time_seconds * 1000)),
        ("grpc.keepalive_timeout_ms", int(server.keepalive_timeout_seconds * 1000)),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.so_reuseport", 0),
    ]


class HostServer:
    """One running host."""

    def __init__(
        self,
        config: HostConfig,
        *,
        clock: Clock | None = None,
        extra_handlers: Sequence[grpc.GenericRpcHandler] = (),
        providers: Sequence[type[Provider]] = (),
        state_dir: Path | None = None,
    ) -> None:
        self.store = open_store(config, state_dir)
        self.app = HostApp(config, clock=clock, providers=providers, store=self.store)
        self.config = self.app.config
        self.runtime = self.app.runtime
        self.health = health.aio.HealthServicer()
        self._extra_handlers = list(extra_handlers)
        self._server: grpc.aio.Server | None = None
        self.port = 0
        self.console = ConsoleServer(self.app, self.config.console) if self.config.console.enabled else None

    async def start(self, address: str | None = None, *, console_address: str | None = None) -> int:
        """Open the store, bind, serve (gRPC, then the console) and mark every service SERVING; return the gRPC port."""
        await self.app.open()
        bindings = self.app.bindings
        streaming = frozenset().union(*(b.streaming_methods() for b in bindings))
        server = grpc.aio.server(
            interceptors=[AuthInterceptor(self.app.tokens, streaming)],
            options=server_options(self.config),
            maximum_concurrent_rpcs=self.config.server.max_concurrent_rpcs,
        )
        server.add_generic_rpc_handlers([b.handler() for b in bindings] + self._extra_handlers)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        enable_reflection([s.descriptor.full_name for s in SERVICES] + [health.SERVICE_NAME], server)
        target = address or self.config.server.address
        try:
            self.port = server.add_insecure_port(target)
        except RuntimeError as exc:
            raise BindError(f"cannot listen on {target}: {exc}") from None
        if self.port == 0:
            raise BindError(f"cannot listen on {target}: the address is in use or not available")
        await server.start()
        self._server = server
        if self.console is not None:
            try:
                await self.console.start(console_address)
            except BindError:
                await server.stop(0)
                self._server = None
                raise
        await self.app.start(f"{target.rsplit(':', 1)[0]}:{self.port}")
        await self._set_health(serving=True)
        self.runtime.serving_changed.append(self._store_changed)
        return self.port

    async def _set_health(self, *, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ["", *(s.descriptor.full_name for s in SERVICES)]:
            await self.health.set(name, status)

    def _store_changed(self, serving: bool) -> None:
        """The store went away or came back: health says so, so a load balancer sends calls elsewhere meanwhile."""
        if self._server is not None:
            self.runtime.background(self._set_health(serving=serving))

    async def stop(self, grace: float | None = None) -> None:
        """Health NOT_SERVING, end toasts and streams, then stop with grace."""
        if self._server is None:
            return
        if self._store_changed in self.runtime.serving_changed:
            self.runtime.serving_changed.remove(self._store_changed)
        await self.health.enter_graceful_shutdown()
        seconds = self.config.server.shutdown_grace_seconds if grace is None else grace
        await self.app.stop(max(seconds, 1.0))
        if self.console is not None:
            await self.console.stop()
        await self._server.stop(seconds)
        self._server = None

    async def wait_for_termination(self) -> None:
        """Block until the server stops."""
        if self._server is not None:
            await self._server.wait_for_termination()


async def serve_until_signalled(server: HostServer, on_ready: Callable[[int], None]) -> None:
    """Run ``server`` until SIGTERM or SIGINT, then shut it down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    port = await server.start()
    on_ready(port)
    await stop.wait()
    log.info(
        "shutting down: health NOT_SERVING, then stop with %.1f s grace", server.config.server.shutdown_grace_seconds
    )
    await server.stop()
