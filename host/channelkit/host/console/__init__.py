"""The web console: the agent's workspace in a browser, served by the host process itself.

It is a second edge on the same core as gRPC, never a second source of truth:
its JSON API is AgentService in protobuf's JSON mapping (``POST
/api/channelkit.v1.AgentService/<Method>``), its live stream is WatchWorkspace
as Server-Sent Events, and every call runs through the very servicer the gRPC
edge uses. See ``docs/web-console.md``.
"""

from channelkit.host.console._server import ConsoleServer

__all__ = ["ConsoleServer"]
