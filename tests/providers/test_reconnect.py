"""A remote provider that loses its connection, or is restarted, processes every event once, in order."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from channelkit.v1 import agent_service_pb2 as apb
from tests._support import RunningHost
from tests._support import start_host
from tests._support import stop_host
from tests.providers._helpers import read_jsonl
from tests.providers._helpers import remote_config
from tests.providers._helpers import remote_provider
from tests.providers._helpers import until
from tests.providers._proxy import TcpProxy

PRESENCES = ["Busy", "Away", "Available"]


def _spy(record: Path) -> dict[str, Any]:
    return {"name": "acme-spy", "channel": "chat", "parameters": {"record_to": str(record)}}


def _heard(record: Path) -> list[dict[str, Any]]:
    return [e for e in read_jsonl(record) if e["kind"] == "PresenceChanged"]


async def _change_presence(host: RunningHost, count: int, start: int = 0) -> list[str]:
    sent = []
    for index in range(start, start + count):
        presence = PRESENCES[index % len(PRESENCES)]
        await host.agent("agent-1").SetPresence(apb.AgentSetPresenceRequest(presence=presence))
        sent.append(presence)
    return sent


def _heard_at_least(record: Path, count: int) -> bool:
    return len(_heard(record)) >= count


def _assert_exactly_once_in_order(record: Path, sent: list[str]) -> None:
    heard = _heard(record)
    assert [e["presence"] for e in heard] == sent
    seqs = [e["seq"] for e in heard]
    assert seqs == list(range(seqs[0], seqs[0] + len(sent))), f"gaps or repeats in {seqs}"


async def test_connection_cut_while_events_are_produced(tmp_path: Path) -> None:
    record = tmp_path / "spy.jsonl"
    config, secrets = remote_config(_spy(record))
    host = await start_host(config, secrets)
    proxy = TcpProxy(host.port)
    proxy_port = await proxy.start()
    try:
        async with remote_provider(f"127.0.0.1:{proxy_port}", "acme_echo.spy", secrets.by_name["acme-spy"], tmp_path):
            await until(lambda: any(e["kind"] == "OwnSession" for e in read_jsonl(record)), "the spy to start")
            sent = await _change_presence(host, 10)
            await until(lambda: len(_heard(record)) >= 3, "the first events to arrive")
            for round_ in range(3):
                proxy.cut()
                proxy.accepting = False
                sent += await _change_presence(host, 10, start=len(sent))  # produced while disconnected
                await until(lambda: not host.server.runtime.logs["acme-spy"].connected, "the host to see the cut")
                proxy.accepting = True
                sent += await _change_presence(host, 5, start=len(sent))
                await until(
                    functools.partial(_heard_at_least, record, len(sent)), f"catching up after cut {round_ + 1}"
                )
            _assert_exactly_once_in_order(record, sent)
            assert proxy.connections >= 4, "the provider reconnected after each cut"
    finally:
        await proxy.close()
        await stop_host(host)


async def test_restarted_process_resumes_from_its_cursor_file(tmp_path: Path) -> None:
    record = tmp_path / "spy.jsonl"
    cursor = tmp_path / "spy.cursor"
    config, secrets = remote_config(_spy(record))
    host = await start_host(config, secrets)
    token = secrets.by_name["acme-spy"]
    try:
        async with remote_provider(host.address, "acme_echo.spy", token, tmp_path, "--cursor-file", str(cursor)):
            await until(lambda: any(e["kind"] == "OwnSession" for e in read_jsonl(record)), "the spy to start")
            sent = await _change_presence(host, 5)
            await until(lambda: len(_heard(record)) == 5, "the first five events")
        kept = json.loads(cursor.read_text())
        assert kept["cursor"] == _heard(record)[-1]["seq"], "SIGTERM leaves the cursor at the last handled"
        assert len(kept["recent"]) == 5, "the ids of the five handled events are kept"
        sent += await _change_presence(host, 7, start=5)  # while no provider process runs
        async with remote_provider(host.address, "acme_echo.spy", token, tmp_path, "--cursor-file", str(cursor)):
            await until(lambda: len(_heard(record)) >= len(sent), "the restarted spy to catch up")
            sent += await _change_presence(host, 3, start=len(sent))
            await until(lambda: len(_heard(record)) >= len(sent), "live events after the restart")
        _assert_exactly_once_in_order(record, sent)
    finally:
        await stop_host(host)
