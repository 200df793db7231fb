"""Helpers for running real providers: in-process through entry points, or as subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import json
import os
import sys
from collections.abc import AsyncIterator
from collections.abc import Callable
from pathlib import Path
from typing import Any

from channelkit.host import tokens
from channelkit.host.config import HostConfig
from channelkit.sdk import ENTRY_POINT_GROUP
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import RunningHost
from tests._support import Secrets
from tests._support import make_config

PROVIDER_SCRIPT = str(Path(sys.executable).with_name("channelkit-provider"))


def only_plugins(*names: str) -> dict[str, Any]:
    """A ``[plugins]`` section that autoloads the named entry points and blocks every other one."""
    installed = {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    missing = set(names) - installed
    assert not missing, f"test plugins not installed: {missing}"
    return {"autoload": True, "blocked": sorted(installed - set(names)), "handler_timeout_seconds": 1.0}


def remote_config(
    *providers: dict[str, Any], in_process: tuple[dict[str, Any], ...] = (), **overrides: Any
) -> tuple[HostConfig, Secrets]:
    """Agents and admin as usual, ``providers`` connecting remotely with fresh tokens, and ``in_process`` ones.

    ``in_process`` entries have no token: installed plugins supply their classes.
    """
    secrets_by_name = {p["name"]: tokens.new_token() for p in providers}
    entries = [{**p, "token_sha256": tokens.hash_token(secrets_by_name[p["name"]])} for p in providers]
    config, secrets = make_config(providers=entries + list(in_process), **overrides)
    secrets.by_name.update(secrets_by_name)
    return config, secrets


async def until(condition: Callable[[], Any], what: str, seconds: float = 10.0) -> None:
    """Poll an async or plain ``condition`` until it is truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def provider_status(host: RunningHost, name: str) -> hpb.ProviderStatus:
    """The provider's entry in ListProviders."""
    listed: hpb.ListProvidersResponse = await host.admin().ListProviders(hpb.ListProvidersRequest())
    return next(p for p in listed.providers if p.name == name)


@contextlib.asynccontextmanager
async def remote_provider(
    host_address: str, module: str, token: str, workdir: Path, *extra: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ``channelkit-provider run MODULE`` as a subprocess; SIGTERM it on exit and expect code 0."""
    token_file = workdir / f"{module}.token"
    token_file.write_text(token + "\n", encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        PROVIDER_SCRIPT,
        "run",
        module,
        "--host",
        host_address,
        "--token-file",
        str(token_file),
        *extra,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            code = await asyncio.wait_for(process.wait(), 15)
            assert code == 0, f"channelkit-provider exited with {code} on SIGTERM"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON line written so far."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def workspace(host: RunningHost, agent: str = "agent-1") -> apb.Workspace:
    """The agent's workspace now."""
    response: apb.GetWorkspaceResponse = await host.agent(agent).GetWorkspace(apb.GetWorkspaceRequest())
    return response.workspace


async def accept_next_toast(host: RunningHost, agent: str = "agent-1") -> wpb.Notification:
    """Wait for a toast in the agent's workspace and accept it."""
    shown: list[wpb.Notification] = []

    async def toast_shown() -> bool:
        shown[:] = (await workspace(host, agent)).notifications
        return bool(shown)

    await until(toast_shown, "a toast")
    await host.agent(agent).RespondToNotification(
        apb.RespondToNotificationRequest(notification_id=shown[0].id, action=wpb.NOTIFICATION_ACTION_ACCEPT)
    )
    return shown[0]


async def titles(host: RunningHost, agent: str = "agent-1") -> list[str]:
    """Titles of the agent's sessions other than Home."""
    return [s.title for s in (await workspace(host, agent)).sessions if not s.home]


async def echo_scenario(host: RunningHost) -> None:
    """The acme-echo scenario, observed only through the agent's workspace (so it reads the same both ways)."""
    agent = host.agent("agent-1")
    chosen = await agent.ClickToAct(apb.ClickToActRequest(click=ppb.ClickToAct(value="+15550001", format="phone")))
    assert chosen.provider == "acme-echo"
    toast = await accept_next_toast(host)
    assert toast.title == "Chat request"
    assert [(f.header, f.value) for f in toast.fields] == [("From", "+15550001")]
    await until(lambda: _has_title(host, "Chat with +15550001"), "the chat session")
    ws = await workspace(host)
    session = next(s for s in ws.sessions if s.title == "Chat with +15550001")
    assert ws.focused_session_id == session.id, "an accepted toast's session opens focused"
    assert [(t.title, t.anchor) for t in session.tabs] == [("Conversation", True)]
    await agent.SetPresence(apb.AgentSetPresenceRequest(presence="Busy"))
    await until(lambda: _has_title(host, "Chat with +15550001 (agent Busy)"), "the retitled session")
    await agent.CloseSession(apb.CloseSessionRequest(session_id=session.id))

    async def presence_available() -> bool:
        return (await workspace(host)).presence == "Available"

    await until(presence_available, "the provider to set presence back to Available")
    assert not [t for t in await titles(host) if t.startswith("Chat with")]


async def _has_title(host: RunningHost, title: str) -> bool:
    return title in await titles(host)
