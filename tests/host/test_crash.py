"""kill -9 the host mid-traffic, again and again, and restart it on the same store: nothing anyone was told is lost.

A ``channelkit serve --config`` subprocess, a remote provider subprocess
(the spy, with a cursor file) and the test as agent, second provider and
console user. The host is SIGKILLed at random moments; after every restart:

* every mutation a client saw acknowledged is there, and nothing
  unacknowledged is half there (a retried ``CreateSession`` with the same
  ``request_id`` yields exactly one session);
* the console's sign-in cookie still works, without signing in again;
* the toast that was on screen is still on screen, with the same deadline;
* and at the end the spy has handled every event of its log exactly once,
  in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest

from channelkit.host import tokens
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import agent_service_pb2_grpc
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import host_service_pb2_grpc
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import provider_service_pb2_grpc
from tests._hostproc import HostProcess
from tests._support import Caller
from tests.providers._helpers import read_jsonl
from tests.providers._helpers import remote_provider
from tests.providers._helpers import until
from tests.providers._proxy import TcpProxy

KILLS = 20
PRESENCES = ["Available", "Busy", "Away"]
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 100), ("grpc.max_reconnect_backoff_ms", 300)]


def _config(store: dict[str, Any], names: dict[str, str], record: Path) -> dict[str, Any]:
    digest = {name: tokens.hash_token(token) for name, token in names.items()}
    return {
        "agents": [{"id": "agent-1", "display_name": "Agent One", "token_sha256": digest["agent-1"]}],
        "admins": [{"name": "ops", "token_sha256": digest["ops"]}],
        "providers": [
            {"name": "alpha", "channel": "telephony", "token_sha256": digest["alpha"]},
            {
                "name": "acme-spy",
                "channel": "chat",
                "token_sha256": digest["acme-spy"],
                "parameters": {"record_to": str(record)},
            },
        ],
        "limits": {"max_sessions": 60, "rate_limit_per_second": 10000.0, "rate_limit_burst": 10000},
        "plugins": {"autoload": False},
        "store": store,
    }


class Clients:
    """The agent, provider alpha and the operator, over one channel that reconnects quickly."""

    def __init__(self, host: HostProcess, names: dict[str, str]) -> None:
        self.channel = grpc.aio.insecure_channel(host.address, options=CHANNEL_OPTIONS)
        self.agent = Caller(agent_service_pb2_grpc.AgentServiceStub(self.channel), names["agent-1"])
        self.alpha = Caller(provider_service_pb2_grpc.ProviderServiceStub(self.channel), names["alpha"])
        self.admin = Caller(host_service_pb2_grpc.HostServiceStub(self.channel), names["ops"])

    async def workspace(self) -> apb.Workspace:
        response: apb.GetWorkspaceResponse = await self.agent.GetWorkspace(
            apb.GetWorkspaceRequest(), wait_for_ready=True, timeout=30
        )
        return response.workspace


class Traffic:
    """Presence changes and session creations until cancelled; what was acknowledged and what was in flight."""

    def __init__(self, clients: Clients, rng: random.Random) -> None:
        self.clients = clients
        self.rng = rng
        self.acked_presences: list[str] = []
        self.in_flight_presence: str | None = None
        self.acked_sessions: set[str] = set()
        self.in_flight_sessions: set[str] = set()
        self.counter = 0

    async def run(self, round_: int) -> None:
        """One session creation per round, at a random point among the presence changes."""
        create_at = self.rng.randrange(12)
        with contextlib.suppress(grpc.aio.AioRpcError):
            for step in itertools.count():
                self.counter += 1
                if step == create_at:
                    await self._create(f"c-{round_}")
                else:
                    await self._presence(PRESENCES[self.counter % len(PRESENCES)])

    async def _presence(self, presence: str) -> None:
        self.in_flight_presence = presence
        await self.clients.agent.SetPresence(apb.AgentSetPresenceRequest(presence=presence))
        self.acked_presences.append(presence)
        self.in_flight_presence = None

    async def _create(self, request_id: str) -> None:
        self.in_flight_sessions.add(request_id)
        await self.clients.alpha.CreateSession(
            ppb.CreateSessionRequest(request_id=request_id, agent_id="agent-1", title=request_id)
        )
        self.in_flight_sessions.discard(request_id)
        self.acked_sessions.add(request_id)


async def _sign_in(console: str, token: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=console) as http:
        signed = await http.post("/api/signin", json={"token": token})
        assert signed.status_code == 200, signed.text
        return dict(signed.cookies)


async def _still_signed_in(console: str, cookie: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=console, cookies=cookie) as http:
        answer = await http.post("/api/channelkit.v1.AgentService/GetWorkspace", json={}, headers={"origin": console})
        assert answer.status_code == 200, f"the console sign-in did not survive the restart: {answer.text}"


async def _keep_a_toast_on_screen(clients: Clients) -> asyncio.Future[Any]:
    call: asyncio.Future[Any] = asyncio.ensure_future(
        clients.alpha.NotifyEvent(
            ppb.NotifyEventRequest(request_id="toast-kept", agent_id="agent-1", title="Stay", timeout_seconds=500)
        )
    )

    async def shown() -> bool:
        return bool((await clients.workspace()).notifications)

    await until(shown, "the toast on screen")
    return call


def _session_titles(workspace: apb.Workspace) -> list[str]:
    return [s.title for s in workspace.sessions if not s.home]


async def _check_after_restart(clients: Clients, traffic: Traffic, toast: tuple[str, int]) -> None:
    workspace = await clients.workspace()
    assert workspace.presence in {*traffic.acked_presences[-1:], traffic.in_flight_presence}, (
        f"presence {workspace.presence}: neither the last acknowledged nor the one in flight"
    )
    titles = _session_titles(workspace)
    missing = traffic.acked_sessions - set(titles)
    assert not missing, f"acknowledged sessions lost in the crash: {missing}"
    for request_id in sorted(traffic.in_flight_sessions):  # the client retries what it was not told about
        await clients.alpha.CreateSession(
            ppb.CreateSessionRequest(request_id=request_id, agent_id="agent-1", title=request_id)
        )
        traffic.acked_sessions.add(request_id)
    traffic.in_flight_sessions.clear()
    titles = _session_titles(await clients.workspace())
    assert sorted(t for t in titles if t.startswith("c-")) == sorted(traffic.acked_sessions), "one session each"
    (shown,) = workspace.notifications
    assert (shown.id, shown.expires_at.seconds) == toast, "the toast on screen, with its deadline"


@pytest.mark.parametrize("store_kind", ["sqlite", "postgres"])
async def test_kill_9_at_random_moments_loses_nothing(tmp_path: Path, store_settings: dict[str, Any]) -> None:
    names = {name: tokens.new_token() for name in ("agent-1", "ops", "alpha", "acme-spy")}
    record, cursor = tmp_path / "spy.jsonl", tmp_path / "spy.cursor"
    host = HostProcess(_config(store_settings, names, record), tmp_path)
    await host.start()
    clients = Clients(host, names)
    rng = random.Random(20261201)
    traffic = Traffic(clients, rng)
    spy_args = ("--cursor-file", str(cursor))
    try:
        async with remote_provider(host.address, "acme_echo.spy", names["acme-spy"], tmp_path, *spy_args):
            await until(lambda: any(e["kind"] == "OwnSession" for e in read_jsonl(record)), "the spy to start")
            cookie = await _sign_in(host.console, names["agent-1"])
            waiting = await _keep_a_toast_on_screen(clients)
            shown = (await clients.workspace()).notifications[0]
            toast = (shown.id, shown.expires_at.seconds)
            for round_ in range(KILLS):
                working = asyncio.ensure_future(traffic.run(round_))
                await asyncio.sleep(rng.uniform(0.05, 0.6))
                await host.kill()
                await working
                await host.start()
                await _check_after_restart(clients, traffic, toast)
                await _still_signed_in(host.console, cookie)
            waiting.cancel()
            await _spy_heard_everything_once(clients, record)
        assert host.starts == KILLS + 1
        assert len(traffic.acked_presences) > 5 * KILLS and len(traffic.acked_sessions) == KILLS, "real traffic"
    finally:
        await clients.channel.close()
        await host.stop()


async def _spy_heard_everything_once(clients: Clients, record: Path) -> None:
    marker = await clients.admin.InjectEvent(
        hpb.InjectEventRequest(provider="acme-spy", agent_id="agent-1", kind="end-marker", attributes={"id": "end"})
    )

    def heard_marker() -> bool:  # the spy writes an external event's own kind over its class name
        return any(e.get("kind") == "end-marker" for e in read_jsonl(record))

    await until(heard_marker, "the spy to catch up to the end marker", seconds=60)
    seqs = [e["seq"] for e in read_jsonl(record) if "seq" in e]
    missing = sorted(set(range(1, marker.seq + 1)) - set(seqs))
    assert seqs == list(range(1, marker.seq + 1)), (
        f"the spy did not handle each of events 1..{marker.seq} exactly once, in order: {len(seqs)} handled, "
        f"{len(seqs) - len(set(seqs))} repeated, missing {missing[:10]}"
    )


@pytest.mark.parametrize("store_kind", ["postgres"])
async def test_a_killed_replicas_provider_resumes_on_another_with_every_event_once(
    tmp_path: Path, store_settings: dict[str, Any]
) -> None:
    names = {name: tokens.new_token() for name in ("agent-1", "ops", "alpha", "acme-spy")}
    record, cursor = tmp_path / "spy.jsonl", tmp_path / "spy.cursor"
    config = _config(store_settings, names, record)
    first, second = HostProcess(config, tmp_path, "replica-1"), HostProcess(config, tmp_path, "replica-2")
    await asyncio.gather(first.start(), second.start())
    balancer = TcpProxy(first.port)  # the load balancer in front of the replicas
    address = f"127.0.0.1:{await balancer.start()}"
    agent_on_two = Clients(second, names)
    sent: list[str] = []
    try:
        async with remote_provider(address, "acme_echo.spy", names["acme-spy"], tmp_path, "--cursor-file", str(cursor)):
            await until(lambda: any(e["kind"] == "OwnSession" for e in read_jsonl(record)), "the spy to start")
            for index in range(30):
                if index == 12:
                    await first.kill()
                    balancer.target_port = second.port  # the balancer's health check takes replica 1 out
                presence = PRESENCES[(index + 1) % len(PRESENCES)]  # the agent starts Available
                await agent_on_two.agent.SetPresence(apb.AgentSetPresenceRequest(presence=presence))
                sent.append(presence)
            await _spy_heard_everything_once(agent_on_two, record)
        heard = [e["presence"] for e in read_jsonl(record) if e["kind"] == "PresenceChanged"]
        assert heard == sent, "every presence change, once, in the order the agent made them"
    finally:
        await agent_on_two.channel.close()
        await balancer.close()
        await second.stop()
