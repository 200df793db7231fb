"""The README's first command and the simulate command, run as a user runs them: as processes."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path

import pytest

from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import CHANNELKIT
from tests._support import RunningHost
from tests._support import make_config
from tests._support import simulate
from tests._support import start_host
from tests._support import stop_host
from tests.providers._helpers import only_plugins

ROW = re.compile(r"^(telephony|sms|chat)\s+(in-process|remote)\s+((?:\d+\s+){8})(\d+)$", re.MULTILINE)


def _rows(output: str) -> dict[str, list[int]]:
    return {m[1]: [*map(int, m[3].split()), int(m[4])] for m in ROW.finditer(output)}


def test_the_demo_runs_unattended_and_ends_with_a_clean_summary(tmp_path: Path) -> None:
    result = subprocess.run(
        [CHANNELKIT, "demo", "--auto-agent", "--duration", "15", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "channelkit demo summary (in-process, seed 7)" in result.stdout
    rows = _rows(result.stdout)
    assert set(rows) == {"telephony", "sms", "chat"}, result.stdout[-2000:]
    offered = sum(r[0] for r in rows.values())
    answered = sum(r[1] + r[2] + r[3] for r in rows.values())
    assert offered >= 3 and answered >= 1
    assert all(r[8] == 0 for r in rows.values()), "no provider errors"
    assert all(r[7] > 0 for r in rows.values()), "every provider got events"
    assert re.search(r"auto-agent: accepted [1-9]\d*, .*; 0 errors$", result.stdout, re.MULTILINE)
    # the live log shows the demo configuration's own incoming-call template, which replaces the provider's
    assert "toast      telephony: Call for Avery's desk (Caller: " in result.stdout
    assert "[Pick up] [Decline] 15s" in result.stdout
    assert "Traceback" not in result.stderr
    # the run's analytics file holds the toasts and sessions, and the demo ends with its report
    report = subprocess.run(
        [CHANNELKIT, "analytics", "report", "--json", str(tmp_path / "analytics.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    figures = json.loads(report.stdout)["by_provider"]
    assert {name: figures[name]["offered"] for name in figures} == {name: rows[name][0] for name in rows}
    assert "channel analytics: " in result.stdout and f"channelkit analytics report {tmp_path}" in result.stdout


def test_the_demo_refuses_a_nonsense_duration() -> None:
    result = subprocess.run([CHANNELKIT, "demo", "--duration", "0"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (2, "error: --duration must be positive")


async def test_simulate_injects_one_call_into_a_running_host(tmp_path: Path) -> None:
    config, secrets = make_config(
        plugins=only_plugins("telephony"), providers=[{"name": "telephony", "channel": "telephony"}]
    )
    admin_file = tmp_path / "admin.token"
    admin_file.write_text(secrets.by_name["ops"])
    host = await start_host(config, secrets)
    try:
        target = ("--host", host.address, "--token-file", str(admin_file))
        ok = await simulate("call", "--to", "agent-1", "--from", "+15550100102", *target)
        assert ok.returncode == 0, ok.stderr
        assert re.fullmatch(r"delivered call from \+15550100102 to telephony for agent-1 \(seq \d+\)\n", ok.stdout)
        toast = await _first_toast(host)
        assert (toast.provider, toast.title, toast.fields[0].value) == ("telephony", "Incoming call", "Alan Turing")

        unknown = await simulate("call", "--to", "agent-1", "--provider", "nope", *target)
        assert unknown.returncode == 1 and "PROVIDER_NOT_FOUND" in unknown.stderr
        stranger = await simulate("call", "--to", "agent-9", *target)
        assert stranger.returncode == 1 and "AGENT_NOT_FOUND" in stranger.stderr
        no_token = await simulate("chat", "--to", "agent-1", "--host", host.address)
        assert no_token.returncode == 2 and "CHANNELKIT_ADMIN_TOKEN" in no_token.stderr
    finally:
        await stop_host(host)


async def _first_toast(host: RunningHost) -> wpb.Notification:
    agent = host.agent("agent-1")
    for _ in range(250):
        response: apb.GetWorkspaceResponse = await agent.GetWorkspace(apb.GetWorkspaceRequest())
        if response.workspace.notifications:
            return response.workspace.notifications[0]
        await asyncio.sleep(0.02)
    pytest.fail("no toast was shown")
