"""Test helpers: build configurations with real tokens, call a real host, read rich errors."""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from channelkit.host import tokens
from channelkit.host.config import HostConfig
from channelkit.host.config import parse_config
from channelkit.host.server import HostServer
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import agent_service_pb2_grpc
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import host_service_pb2_grpc
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import provider_service_pb2_grpc

AGENTS = ("agent-1", "agent-2")
PROVIDERS = (("alpha", "telephony", 0, True), ("beta", "sms", 10, False), ("gamma", "chat", 20, False))


@dataclass
class Secrets:
    """Plain tokens of every configured caller."""

    by_name: dict[str, str] = field(default_factory=dict)


STORE: dict[str, Any] = {"kind": "memory"}
"""The ``[store]`` of every config made here; the ``_store`` fixture sets it for each test."""

EVERY_STORE = pytest.mark.parametrize("store_kind", ["memory", "sqlite", "postgres"])
"""Run each test of a module on all three stores: ``pytestmark = EVERY_STORE``."""


def make_config(**overrides: Any) -> tuple[HostConfig, Secrets]:
    """Two agents, three remote providers and an admin, each with a fresh token."""
    secrets = Secrets()

    def token_hash(name: str) -> str:
        secrets.by_name[name] = tokens.new_token()
        return tokens.hash_token(secrets.by_name[name])

    data: dict[str, Any] = {
        "agents": [{"id": a, "display_name": a.title(), "token_sha256": token_hash(a)} for a in AGENTS],
        "admins": [{"name": "ops", "token_sha256": token_hash("ops")}],
        "providers": [
            {"name": n, "channel": c, "channel_order": o, "click_to_act": ctc, "token_sha256": token_hash(n)}
            for n, c, o, ctc in PROVIDERS
        ],
        "limits": {"attention_cooldown_seconds": 0.0, "rate_limit_per_second": 10_000, "rate_limit_burst": 10_000},
        # Installed plugins (the test fixtures, the reference providers) load only where a test asks.
        "plugins": {"autoload": False},
        "console": {"address": "127.0.0.1:0"},
        "store": dict(STORE),
    }
    for section, values in overrides.items():
        if isinstance(values, dict):
            data.setdefault(section, {}).update(values)
        else:
            data[section] = values
    return parse_config(data, "test"), secrets


class Caller:
    """A stub whose every call carries one caller's bearer token."""

    def __init__(self, stub: Any, token: str | None) -> None:
        self._stub = stub
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()

    def __getattr__(self, name: str) -> Any:
        return functools.partial(getattr(self._stub, name), metadata=self.metadata)


@dataclass
class RunningHost:
    """A real host on loopback with a channel to it."""

    server: HostServer
    port: int
    secrets: Secrets
    channel: grpc.aio.Channel

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def provider(self, name: str, token: str | None = "") -> Any:
        """ProviderService as provider ``name`` (or with an explicit token)."""
        chosen = self.secrets.by_name.get(name) if token == "" else token
        return Caller(provider_service_pb2_grpc.ProviderServiceStub(self.channel), chosen)

    def agent(self, agent_id: str, token: str | None = "") -> Any:
        """AgentService as agent ``agent_id``."""
        chosen = self.secrets.by_name.get(agent_id) if token == "" else token
        return Caller(agent_service_pb2_grpc.AgentServiceStub(self.channel), chosen)

    def admin(self, token: str | None = "") -> Any:
        """HostService as the admin."""
        chosen = self.secrets.by_name["ops"] if token == "" else token
        return Caller(host_service_pb2_grpc.HostServiceStub(self.channel), chosen)


async def start_host(config: HostConfig, secrets: Secrets, **server_args: Any) -> RunningHost:
    """Start a host on a free loopback port and open a channel to it."""
    server = HostServer(config, **server_args)
    port = await server.start("127.0.0.1:0")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return RunningHost(server, port, secrets, channel)


async def stop_host(host: RunningHost) -> None:
    """Close the channel and stop the host."""
    await host.channel.close()
    await host.server.stop(0)


@dataclass
class RichError:
    """What a failed call carried: code, message, ErrorInfo and BadRequest field."""

    code: grpc.StatusCode
    message: str
    reason: str
    metadata: dict[str, str]
    fields: list[str]
    raw_details: bytes


async def rpc_error(call: Awaitable[Any]) -> RichError:
    """Await ``call``, which must fail, and decode its rich status."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return decode_error(caught.value)


def decode_error(error: grpc.aio.AioRpcError) -> RichError:
    """Decode the google.rpc.Status trailer of a failed call."""
    status = rpc_status.from_call(error)
    reason, metadata, fields = "", {}, []
    raw = b""
    if status is not None:
        raw = status.SerializeToString()
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                assert info.domain == "channelkit"
                reason, metadata = info.reason, dict(info.metadata)
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields = [v.field for v in bad.field_violations]
    return RichError(error.code(), error.details() or "", reason, metadata, fields, raw)


async def shown_toast(host: RunningHost, agent: str = "agent-1", timeout: float = 5.0) -> Any:
    """The toast shown in the agent's workspace, once there is one."""
    workspace = host.agent(agent)
    for _ in range(int(timeout / 0.02)):
        shown = (await workspace.GetWorkspace(apb.GetWorkspaceRequest())).workspace.notifications
        if shown:
            return shown[-1]
        await asyncio.sleep(0.02)
    raise AssertionError(f"waited {timeout:g} s for a toast to show in {agent}'s workspace")


async def answer_toast(host: RunningHost, provider: str, action: int, agent: str = "agent-1") -> str:
    """Offer a toast from ``provider``, answer it as the agent with ``action``; return its id."""
    pending = asyncio.ensure_future(
        host.provider(provider).NotifyEvent(ppb.NotifyEventRequest(agent_id=agent, title="Incoming"))
    )
    shown = await shown_toast(host, agent)
    await host.agent(agent).RespondToNotification(
        apb.RespondToNotificationRequest(notification_id=shown.id, action=action)  # type: ignore[arg-type]
    )
    result = await pending
    assert result.action == action
    return str(result.notification_id)


class EventReader:
    """Reads a provider's Events stream in the background into a queue."""

    def __init__(self, caller: Any, after_seq: int = 0) -> None:
        self.call = caller.Events(ppb.EventsRequest(after_seq=after_seq))
        self.queue: asyncio.Queue[ppb.ProviderEvent] = asyncio.Queue()
        self.error: grpc.aio.AioRpcError | None = None
        self._task = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        try:
            async for event in self.call:
                self.queue.put_nowait(event)
        except grpc.aio.AioRpcError as exc:
            self.error = exc

    async def take(self, count: int, timeout: float = 5.0) -> list[ppb.ProviderEvent]:
        """The next ``count`` events, failing after ``timeout`` seconds with how many came."""
        events: list[ppb.ProviderEvent] = []
        for _ in range(count):
            try:
                events.append(await asyncio.wait_for(self.queue.get(), timeout))
            except TimeoutError:
                raise AssertionError(f"waited {timeout:g} s for {count} events; {len(events)} came") from None
        return events

    async def ended(self, timeout: float = 5.0) -> grpc.aio.AioRpcError | None:
        """Wait for the stream to end and return its error, if any."""
        await asyncio.wait_for(self._task, timeout)
        return self.error

    def cancel(self) -> None:
        """Stop reading."""
        self.call.cancel()
        self._task.cancel()


async def iterate(stream: Any, count: int, timeout: float = 5.0) -> list[Any]:
    """The next ``count`` messages of a server-streaming call (fails if the stream ends first)."""
    items: list[Any] = []
    for _ in range(count):
        try:
            item = await asyncio.wait_for(stream.read(), timeout)
        except TimeoutError:
            raise AssertionError(f"waited {timeout:g} s for message {len(items) + 1} of {count}") from None
        assert item is not grpc.aio.EOF, f"the stream ended after {len(items)} of {count} messages"
        items.append(item)
    return items


CHANNELKIT = str(Path(sys.executable).with_name("channelkit"))
"""The installed ``channelkit`` command, run as a user runs it."""


async def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``channelkit simulate ARGS`` as a process (no admin token from the environment)."""
    env = {k: v for k, v in os.environ.items() if k != "CHANNELKIT_ADMIN_TOKEN"}
    command = [CHANNELKIT, "simulate", *args]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60, env=env)


async def until_marker(host: RunningHost, provider: str, reader: EventReader, timeout: float = 5.0) -> list[Any]:
    """Every event ``reader`` gets before a marker injected now for ``provider`` (the marker itself left out).

    The marker travels through the provider's own ordered log, behind everything already sent to it, so
    when it arrives nothing earlier is still on its way: no fixed wait, and "nothing arrived" is proven.
    """
    marker = f"marker-{uuid.uuid4().hex[:12]}"
    request = hpb.InjectEventRequest(
        provider=provider, agent_id="agent-1", kind="test-marker", attributes={"id": marker}
    )
    await host.admin().InjectEvent(request)
    before: list[Any] = []
    while True:
        try:
            event = await asyncio.wait_for(reader.queue.get(), timeout)
        except TimeoutError:
            raise AssertionError(f"{provider}'s stream did not deliver the marker within {timeout:g} s") from None
        if event.HasField("external_event") and event.external_event.attributes.get("id") == marker:
            return before
        before.append(event)
