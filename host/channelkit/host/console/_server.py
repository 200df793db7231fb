"""Serving the console with uvicorn inside the host's own event loop.

uvicorn is the most used ASGI server, maintained alongside Starlette; running
it in the host's loop keeps one process and one core. The host binds the
socket itself, so a busy port fails at start with a clear message and port 0
works as it does for gRPC. uvicorn's own signal handling and logging setup are
switched off: the host owns both.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Iterator

import uvicorn

from channelkit.host._app import HostApp
from channelkit.host.config import ConsoleConfig
from channelkit.host.console._headers import SecurityHeaders
from channelkit.host.console._routes import ConsoleRoutes

log = logging.getLogger(__name__)
_STOP_SECONDS = 3.0


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the host process decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ConsoleServer:
    """The web console of one host: started after gRPC, stopped after the workspace streams end."""

    def __init__(self, app: HostApp, settings: ConsoleConfig) -> None:
        self.routes = ConsoleRoutes(app, settings)
        self._settings = settings
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0
        self.host = ""

    @property
    def url(self) -> str:
        """Where the console is served."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self, address: str | None = None) -> int:
        """Bind ``address`` (default: the configured one) and serve; return the bound port."""
        from channelkit.host.server import BindError

        await self.routes.sign_ins.load()
        target = address or self._settings.address
        host, _, port = target.rpartition(":")
        self.host = host.strip("[]")
        try:
            sock = _bind(self.host, int(port))
        except OSError as exc:
            raise BindError(f"the web console cannot listen on {target}: {exc.strerror or exc}") from None
        self.port = sock.getsockname()[1]
        if not _is_loopback(self.host):
            log.warning("the web console listens on %s over plain HTTP; put TLS in front of it", target)
        config = uvicorn.Config(
            SecurityHeaders(self.routes.starlette()),
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=int(_STOP_SECONDS),
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise BindError(f"the web console stopped while starting on {target}")
            await asyncio.sleep(0.01)
        return self.port

    async def stop(self) -> None:
        """Stop accepting, let requests finish briefly, then close what is left."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), _STOP_SECONDS + 1)
        except TimeoutError:
            self._server.force_exit = True
            await self._task
        self._server = self._task = None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, reuse_port=False)
    sock.setblocking(False)
    return sock


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
