"""One consumption loop: a provider handles the same events, once each and in order, in-process and remote.

The scenario runs twice, once with the spy loaded in-process and once as a
``channelkit-provider`` process: some handlers raise, and the host replaces
the provider's stream in the middle (what a second connection of the same
provider does). Both runs must hand the handlers the very same sequence.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from channelkit.sdk.errors import Aborted
from channelkit.v1 import agent_service_pb2 as apb
from tests._support import RunningHost
from tests._support import start_host
from tests._support import stop_host
from tests.providers._helpers import only_plugins
from tests.providers._helpers import read_jsonl
from tests.providers._helpers import remote_config
from tests.providers._helpers import remote_provider
from tests.providers._helpers import until

PRESENCES = ["Busy", "Away", "Available", "Busy", "Away", "Available"]


def _spy(record: Path) -> dict[str, Any]:
    return {"name": "acme-spy", "channel": "chat", "parameters": {"record_to": str(record), "fail_on": "Away"}}


def _handled(record: Path) -> list[tuple[int, str]]:
    return [(e["seq"], e["presence"]) for e in read_jsonl(record) if e["kind"] == "PresenceChanged"]


def _handled_at_least(record: Path, count: int) -> bool:
    return len(_handled(record)) >= count


@contextlib.asynccontextmanager
async def _spy_running(mode: str, tmp_path: Path) -> AsyncIterator[tuple[RunningHost, Path]]:
    record = tmp_path / f"{mode}.jsonl"
    if mode == "in-process":
        config, secrets = remote_config(in_process=(_spy(record),), plugins=only_plugins("acme-spy"))
    else:
        config, secrets = remote_config(_spy(record))
    host = await start_host(config, secrets)
    try:
        if mode == "in-process":
            yield host, record
        else:
            async with remote_provider(host.address, "acme_echo.spy", secrets.by_name["acme-spy"], tmp_path):
                yield host, record
    finally:
        await stop_host(host)


async def _scenario(mode: str, tmp_path: Path) -> list[tuple[int, str]]:
    async with _spy_running(mode, tmp_path) as (host, record):
        await until(lambda: any(e["kind"] == "OwnSession" for e in read_jsonl(record)), f"the {mode} spy to start")
        agent = host.agent("agent-1")
        for presence in PRESENCES:
            await agent.SetPresence(apb.AgentSetPresenceRequest(presence=presence))
        await until(functools.partial(_handled_at_least, record, len(PRESENCES)), f"the {mode} spy's first round")
        provider_log = host.server.app.runtime.logs["acme-spy"]
        intruder = provider_log.stream(provider_log.head_seq)  # a newer stream replaces the spy's
        for presence in PRESENCES:
            await agent.SetPresence(apb.AgentSetPresenceRequest(presence=presence))
        await until(functools.partial(_handled_at_least, record, 2 * len(PRESENCES)), f"the {mode} spy to resume")
        with pytest.raises(Aborted, match="replaced"):
            await intruder.next_batch(1)  # the spy reconnected: its newer stream replaced the intruder
        intruder.close()
        return _handled(record)


async def test_the_same_faults_and_stream_replacement_give_the_same_handled_sequence(tmp_path: Path) -> None:
    in_process = await _scenario("in-process", tmp_path)
    remote = await _scenario("remote", tmp_path)
    expected = [(seq, presence) for seq, presence in enumerate(PRESENCES + PRESENCES, start=1)]
    assert in_process == expected, "in-process: every event once, in order, faulty handlers included"
    assert remote == expected, "remote: every event once, in order, faulty handlers included"
