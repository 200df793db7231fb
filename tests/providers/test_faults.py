"""Misbehaving in-process providers are isolated; the host and the well-behaved provider go on."""

from __future__ import annotations

from pathlib import Path

from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import provider_service_pb2 as ppb
from tests._support import RunningHost
from tests._support import start_host
from tests._support import stop_host
from tests.providers._helpers import only_plugins
from tests.providers._helpers import read_jsonl
from tests.providers._helpers import remote_config
from tests.providers._helpers import until

FAULTY = ("faulty-raiser", "faulty-exiter", "faulty-blocker", "faulty-hanger")
PRESENCES = ["Busy", "Away", "Available", "Busy", "Away", "Available", "Busy"]


async def _statuses(host: RunningHost) -> dict[str, hpb.ProviderStatus]:
    listed = await host.admin().ListProviders(hpb.ListProvidersRequest())
    return {p.name: p for p in listed.providers}


async def _all_quarantined(host: RunningHost) -> bool:
    statuses = await _statuses(host)
    return all(statuses[name].quarantined for name in FAULTY)


async def test_raising_exiting_blocking_hanging_and_broken_plugins_do_not_stop_the_host(tmp_path: Path) -> None:
    record = tmp_path / "spy.jsonl"
    spy = {"name": "acme-spy", "channel": "chat", "parameters": {"record_to": str(record)}}
    plugins = {
        **only_plugins("acme-spy", "faulty", "broken-import", "bad-registration"),
        "handler_timeout_seconds": 0.5,
        "quarantine_after": 3,
    }
    config, secrets = remote_config({"name": "beta", "channel": "sms"}, in_process=(spy,), plugins=plugins)
    host = await start_host(config, secrets)
    try:
        listed = await host.admin().ListProviders(hpb.ListProvidersRequest())
        errors = {p.name: p.error for p in listed.plugins}
        assert "acme_missing_dependency" in errors["broken-import"]
        assert "not a channelkit.sdk.Provider subclass" in errors["bad-registration"]
        assert errors["faulty"] == errors["acme-spy"] == ""

        agent = host.agent("agent-1")
        for presence in PRESENCES:
            await agent.SetPresence(apb.AgentSetPresenceRequest(presence=presence))
        await until(lambda: _all_quarantined(host), "every faulty provider to be quarantined", seconds=20)

        await until(lambda: len(read_jsonl(record)) >= len(PRESENCES) + 1, "the spy to hear every presence change")
        heard = [e["presence"] for e in read_jsonl(record) if e["kind"] == "PresenceChanged"]
        assert heard == PRESENCES, "the well-behaved provider got every event, in order"

        statuses = await _statuses(host)
        assert statuses["acme-spy"].faults == 0 and not statuses["acme-spy"].quarantined
        assert statuses["faulty-raiser"].faults == 3
        assert "raised: RuntimeError: cannot handle presence Available" in statuses["faulty-raiser"].last_error
        assert statuses["faulty-exiter"].faults == 3
        assert "tried to exit the process: SystemExit(3)" in statuses["faulty-exiter"].last_error
        assert "on_presence_changed blocked the provider's thread" in statuses["faulty-blocker"].last_error
        assert statuses["faulty-hanger"].faults == 3
        assert "timed out" in statuses["faulty-hanger"].last_error
        assert all(not statuses[name].connected for name in FAULTY), "quarantined providers get no more events"

        created = await host.provider("beta").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="Still"))
        assert created.session.title == "Still", "the host keeps serving"
    finally:
        await stop_host(host)
