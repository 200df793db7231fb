"""All three reference providers at once, each a real ``channelkit-provider`` process over gRPC.

The host, the provider processes and the simulated agent are the demo's own
parts; the test watches the workspace from outside and then checks what
each provider was sent against who owned what.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import grpc
import pytest

from channelkit.host._admin_client import AdminClient
from channelkit.host.config import HostConfig
from channelkit.host.demo._agent import AutoAgent
from channelkit.host.demo._remote import RemoteProviders
from channelkit.host.demo._setup import AGENT_ID
from channelkit.host.demo._setup import REFERENCE_PROVIDERS
from channelkit.host.demo._setup import DemoState
from channelkit.host.demo._setup import demo_config
from channelkit.host.server import HostServer
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import agent_service_pb2_grpc as apb_grpc
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import workspace_pb2 as wpb

SESSION_EVENTS = ("session_focus_changed", "session_closed", "tab_focused", "tab_closed", "action_invoked")


@dataclass
class Remote:
    """A host with the three providers connected as processes."""

    server: HostServer
    state: DemoState
    remotes: RemoteProviders
    channel: grpc.aio.Channel
    admin: AdminClient

    @property
    def agent(self) -> Any:
        return apb_grpc.AgentServiceStub(self.channel)

    @property
    def agent_metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.state.tokens[AGENT_ID]}"),)


@dataclass
class Observer:
    """Everything the agent's workspace stream showed."""

    owners: dict[str, str] = field(default_factory=dict)
    toast_senders: dict[str, str] = field(default_factory=dict)
    open_sessions: set[str] = field(default_factory=set)
    most_open: int = 0
    tabs_per_session: dict[str, int] = field(default_factory=dict)

    def see(self, event: apb.WorkspaceEvent) -> None:
        kind = event.WhichOneof("payload")
        if kind == "session_updated":
            session = event.session_updated
            self.owners[session.id] = session.owner_provider
            self.open_sessions.add(session.id)
            self.most_open = max(self.most_open, len(self.open_sessions))
            self.tabs_per_session[session.id] = max(self.tabs_per_session.get(session.id, 0), len(session.tabs))
        elif kind == "session_removed":
            self.open_sessions.discard(event.session_removed.session_id)
        elif kind == "notification_shown":
            self.toast_senders[event.notification_shown.id] = event.notification_shown.provider


def _config(state: DemoState, *, traffic: bool, **limits: int) -> HostConfig:
    config = demo_config(state, remote=True, seed=11, address="127.0.0.1:0")
    scenario = {"traffic": "on" if traffic else "off", "arrivals": "2", "per_minute": "20"}
    providers = [p.model_copy(update={"parameters": {**p.parameters, **scenario}}) for p in config.providers]
    return config.model_copy(update={"providers": providers, "limits": config.limits.model_copy(update=limits)})


@contextlib.asynccontextmanager
async def remote_host(tmp_path: Path, *, traffic: bool, **limits: int) -> AsyncIterator[Remote]:
    state = DemoState.create(tmp_path, remote=True)
    server = HostServer(_config(state, traffic=traffic, **limits), state_dir=tmp_path)
    port = await server.start()
    address = f"127.0.0.1:{port}"
    remotes = RemoteProviders(state, address)
    async with grpc.aio.insecure_channel(address) as channel:
        admin = AdminClient(channel, state.tokens["admin"])
        remotes.start()
        try:
            for _ in range(300):
                if all(p.connected for p in (await admin.list_providers()).providers):
                    break
                assert not remotes.exited(), "a provider process died"
                await asyncio.sleep(0.05)
            yield Remote(server, state, remotes, channel, admin)
        finally:
            codes = await remotes.stop()
            await server.stop(1.0)
    assert codes == dict.fromkeys(REFERENCE_PROVIDERS, 0), "every provider exits cleanly on SIGTERM"
    assert remotes.error_lines() == dict.fromkeys(REFERENCE_PROVIDERS, 0), "no provider logged an error"


async def _observe(remote: Remote, observer: Observer) -> None:
    async for event in remote.agent.WatchWorkspace(apb.WatchWorkspaceRequest(), metadata=remote.agent_metadata):
        observer.see(event)


async def test_the_auto_agent_works_three_remote_providers_with_no_errors_and_no_leaks(tmp_path: Path) -> None:
    observer = Observer()
    async with remote_host(tmp_path, traffic=True) as remote:
        watching = asyncio.create_task(_observe(remote, observer))
        agent = AutoAgent(remote.channel, remote.state.tokens[AGENT_ID], seed=11, say=lambda _line: None)
        stop = asyncio.Event()
        working = asyncio.create_task(agent.run(stop))
        status = await _until_every_contact_is_done(remote, per_provider=2)
        stop.set()
        await working
        watching.cancel()
        logs = {name: remote.server.runtime.logs[name].after(0) for name in REFERENCE_PROVIDERS}

    assert agent.stats.errors == []
    assert agent.stats.accepted > 0 and agent.stats.replies > 0 and agent.stats.closed > 0
    assert observer.open_sessions == set(), "the agent closed every session"
    for provider in status.providers:
        assert (provider.connected, provider.counters.errors, provider.last_error) == (True, 0, ""), provider.name
        counters = provider.counters
        outbound = agent.stats.outbound if provider.name == "telephony" else 0
        assert counters.offered == 2 + outbound == counters.accepted + counters.rejected + counters.timed_out
        assert counters.sessions_opened == counters.accepted == counters.sessions_closed
        assert counters.events_delivered == provider.head_seq
    for name, events in logs.items():
        for event in events:
            kind = event.WhichOneof("payload")
            if kind in SESSION_EVENTS:
                assert observer.owners[getattr(event, kind).session_id] == name, (name, kind)
            elif kind == "notification_resolved":
                assert observer.toast_senders[event.notification_resolved.notification_id] == name


async def test_a_burst_at_the_limits_is_refused_politely_and_nothing_crashes(tmp_path: Path) -> None:
    observer = Observer()
    async with remote_host(tmp_path, traffic=False, max_sessions=2, max_tabs=1) as remote:
        watching = asyncio.create_task(_observe(remote, observer))
        numbers = ["+15550100101", "+15550100102", "+15550100103"]
        for kind, provider in (("call", "telephony"), ("sms", "sms"), ("chat", "chat")):
            for number in numbers:
                await remote.admin.inject(provider, AGENT_ID, kind, {"from": number, "text": "Hello"})
        await _accept_one_by_one(remote, 9)
        memory = remote.server.runtime.analytics.memory.events
        for _ in range(300):
            if len(analytics := [e for e in memory if e.kind == "custom"]) >= 7:
                break
            await asyncio.sleep(0.05)
        workspace = await remote.agent.GetWorkspace(apb.GetWorkspaceRequest(), metadata=remote.agent_metadata)
        status = await remote.admin.list_providers()
        watching.cancel()

    told = sorted((r.provider, r.name, r.reason) for r in analytics)
    assert len(told) == 7, told
    assert {(p, n) for p, n, _ in told} <= {
        ("telephony", "CallLog"),
        ("sms", "SmsAutoReplied"),
        ("chat", "ChatNotTaken"),
    }
    assert all(reason in ("Dropped", "Busy") for _, _, reason in told)
    assert len(workspace.workspace.sessions) == 1 + 2
    assert observer.most_open == 2
    assert all(count == 1 for count in observer.tabs_per_session.values())
    assert sum(p.counters.sessions_opened for p in status.providers) == 2
    assert all(p.connected and p.counters.errors == 0 for p in status.providers)


async def _accept_one_by_one(remote: Remote, count: int) -> None:
    """Accept ``count`` toasts as the workspace's queue shows them, one at a time."""
    accepted: set[str] = set()
    for _ in range(600):
        response = await remote.agent.GetWorkspace(apb.GetWorkspaceRequest(), metadata=remote.agent_metadata)
        shown = list(response.workspace.notifications)
        assert len(shown) <= 1, "a workspace shows one toast at a time"
        if shown and shown[0].id not in accepted:
            request = apb.RespondToNotificationRequest(
                notification_id=shown[0].id, action=wpb.NOTIFICATION_ACTION_ACCEPT
            )
            await remote.agent.RespondToNotification(request, metadata=remote.agent_metadata)
            accepted.add(shown[0].id)
            if len(accepted) == count:
                return
        await asyncio.sleep(0.05)
    pytest.fail(f"only {len(accepted)} of {count} toasts were shown")


async def _until_every_contact_is_done(remote: Remote, *, per_provider: int) -> hpb.ListProvidersResponse:
    """Wait (at most 90 s) until each provider offered its contacts, all were answered and all closed."""
    for _ in range(900):
        status = await remote.admin.list_providers()
        counters = [p.counters for p in status.providers]
        offered = all(c.offered >= per_provider for c in counters)  # telephony also dials the agent's clicks
        answered = all(c.accepted + c.rejected + c.timed_out == c.offered for c in counters)
        if offered and answered and all(c.sessions_closed == c.sessions_opened for c in counters):
            return status
        await asyncio.sleep(0.1)
    pytest.fail(f"the scenario did not complete: {[(p.name, p.counters) for p in status.providers]}")
