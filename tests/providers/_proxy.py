"""A TCP proxy between a provider and the host, so a test can cut the connection like a network would."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Forwards loopback connections to ``target_port``; :meth:`cut` resets every open connection."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.accepting = True
        self.cuts = 0
        self.connections = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen on a free loopback port and return it."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if not self.accepting:
            client_writer.transport.abort()
            return
        self.connections += 1
        host_reader, host_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers |= {client_writer, host_writer}
        await asyncio.gather(self._pipe(client_reader, host_writer), self._pipe(host_reader, client_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        writer.transport.abort()
        self._writers.discard(writer)

    def cut(self) -> None:
        """Reset every open connection at once, as a network failure would."""
        self.cuts += 1
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def close(self) -> None:
        """Stop listening and reset what is left."""
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
