"""A spy provider beside two others hears about its own sessions only, in-process and remote."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import RunningHost
from tests._support import start_host
from tests._support import stop_host
from tests.providers._helpers import accept_next_toast
from tests.providers._helpers import echo_scenario
from tests.providers._helpers import only_plugins
from tests.providers._helpers import read_jsonl
from tests.providers._helpers import remote_config
from tests.providers._helpers import remote_provider
from tests.providers._helpers import until
from tests.providers._helpers import workspace

BETA = {"name": "beta", "channel": "sms", "channel_order": 10}


async def _others_work(host: RunningHost) -> None:
    """acme-echo (in-process) runs its scenario; beta (remote, raw gRPC) works a session and a toast."""
    await echo_scenario(host)
    beta, agent = host.provider("beta"), host.agent("agent-1")
    created = await beta.CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="SMS +1666"))
    tabs = [
        await beta.CreateTab(
            ppb.CreateTabRequest(
                session_id=created.session.id,
                tab=ppb.TabSpec(
                    title=title, page_type=wpb.PAGE_TYPE_URL, target="https://sms.example/1666", can_close=True
                ),
            )
        )
        for title in ("Thread", "Customer")
    ]
    await agent.SwitchSession(apb.SwitchSessionRequest(session_id=created.session.id))
    await agent.CloseTab(apb.AgentCloseTabRequest(tab_id=tabs[1].tab.id))  # the first is the anchor
    toast = asyncio.ensure_future(beta.NotifyEvent(ppb.NotifyEventRequest(agent_id="agent-1", title="SMS from +1777")))
    await accept_next_toast(host)
    assert (await toast).action == wpb.NOTIFICATION_ACTION_ACCEPT
    await agent.CloseSession(apb.CloseSessionRequest(session_id=created.session.id))


async def _spy_session(host: RunningHost, record: Path) -> str:
    await until(lambda: any(e["kind"] == "OwnSession" for e in read_jsonl(record)), "the spy's own session")
    return str(next(e["session_id"] for e in read_jsonl(record) if e["kind"] == "OwnSession"))


async def _exercise(host: RunningHost, record: Path) -> list[dict[str, Any]]:
    own = await _spy_session(host, record)
    await _others_work(host)
    agent = host.agent("agent-1")
    await agent.SwitchSession(apb.SwitchSessionRequest(session_id=own))
    await agent.CloseSession(apb.CloseSessionRequest(session_id=own))
    await until(
        lambda: any(e["kind"] == "SessionClosed" and e["session_id"] == own for e in read_jsonl(record)),
        "the spy to hear that its session closed",
    )
    assert [s.title for s in (await workspace(host)).sessions if not s.home] == []
    return read_jsonl(record)


def _assert_only_own(entries: list[dict[str, Any]]) -> None:
    own = {e["session_id"] for e in entries if e["kind"] == "OwnSession"}
    heard = [e for e in entries if e["kind"] != "OwnSession"]
    foreign = [e for e in heard if e.get("session_id", next(iter(own))) not in own]
    assert foreign == [], f"the spy heard about sessions it does not own: {foreign}"
    kinds = [e["kind"] for e in heard]
    assert "NotificationResolved" not in kinds and "ClickToAct" not in kinds and "TabClosed" not in kinds
    # Busy (the agent) and Available (acme-echo): agent-level presence reaches every provider serving the agent.
    assert kinds.count("PresenceChanged") == 2
    assert ("SessionFocusChanged", True) in [(e["kind"], e.get("focused")) for e in heard]
    assert kinds[-1] == "SessionClosed"
    assert [e["seq"] for e in heard] == sorted({e["seq"] for e in heard}), "in order, each once"


def _spy(record: Path) -> dict[str, Any]:
    return {"name": "acme-spy", "channel": "chat", "channel_order": 900, "parameters": {"record_to": str(record)}}


async def test_in_process_spy_hears_only_its_own_sessions(tmp_path: Path) -> None:
    record = tmp_path / "spy.jsonl"
    config, secrets = remote_config(BETA, in_process=(_spy(record),), plugins=only_plugins("acme-echo", "acme-spy"))
    host = await start_host(config, secrets)
    try:
        _assert_only_own(await _exercise(host, record))
    finally:
        await stop_host(host)


async def test_remote_spy_hears_only_its_own_sessions(tmp_path: Path) -> None:
    record = tmp_path / "spy.jsonl"
    config, secrets = remote_config(BETA, _spy(record), plugins=only_plugins("acme-echo"))
    host = await start_host(config, secrets)
    try:
        async with remote_provider(host.address, "acme_echo.spy", secrets.by_name["acme-spy"], tmp_path):
            _assert_only_own(await _exercise(host, record))
    finally:
        await stop_host(host)
