"""The installed ``channelkit`` command, run as a user would: real subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2
from grpc_health.v1 import health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from channelkit.host import tokens
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import agent_service_pb2_grpc

CHANNELKIT = [sys.executable, "-m", "channelkit.host.cli"]


@contextlib.contextmanager
def served(*args: str, cwd: Path | None = None) -> Iterator[Served]:
    """Run ``channelkit serve`` on a free port until the block ends; always reap the process.

    It runs in a fresh directory unless ``cwd`` is given, so its default state
    directory (``./channelkit-state``) is its own.
    """
    with contextlib.ExitStack() as stack:
        where = cwd or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="channelkit-serve-")))
        yield from _served(args, where)


def _served(args: tuple[str, ...], cwd: Path) -> Iterator[Served]:
    process = subprocess.Popen(
        [*CHANNELKIT, "serve", "--address", "127.0.0.1:0", "--console-address", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=cwd,
    )
    served = Served(process)
    try:
        served.wait_ready()
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        _, served.stderr = process.communicate(timeout=30)


class Served:
    """A running ``channelkit serve`` subprocess and what it printed."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.banner: list[str] = []
        self.address = ""
        self.console = ""
        self.stderr = ""

    def wait_ready(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.banner.append(line.rstrip("\n"))
            if "Ctrl-C or SIGTERM" in line:
                match = re.search(r"serving on (\S+:\d+)", self.banner[0])
                assert match, self.banner
                self.address = match.group(1)
                console = re.search(r"web console: (http://\S+/)", "\n".join(self.banner))
                self.console = console.group(1) if console else ""
                return
        raise AssertionError(f"channelkit serve did not start: {self.banner}")


def test_serve_without_config_answers_health_reflection_and_stops_on_sigterm() -> None:
    with served() as host:
        agent_token = next(line.split(": ", 1)[1] for line in host.banner if "agent agent-1:" in line)

        async def check() -> None:
            async with grpc.aio.insecure_channel(host.address) as channel:
                health = health_pb2_grpc.HealthStub(channel)
                for service in ("", "channelkit.v1.ProviderService", "channelkit.v1.AgentService"):
                    reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
                    assert reply.status == health_pb2.HealthCheckResponse.SERVING
                agent = agent_service_pb2_grpc.AgentServiceStub(channel)
                workspace = await agent.GetWorkspace(
                    apb.GetWorkspaceRequest(), metadata=(("authorization", f"Bearer {agent_token}"),)
                )
                assert workspace.workspace.agent_id == "agent-1"

        asyncio.run(check())
        with grpc.insecure_channel(host.address) as channel:
            services = set(ProtoReflectionDescriptorDatabase(channel).get_services())
        assert {
            "channelkit.v1.ProviderService",
            "channelkit.v1.AgentService",
            "channelkit.v1.HostService",
            "grpc.health.v1.Health",
        } <= services
        reflection = {"grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}
        assert reflection <= services
        assert _reflection_v1_services(host.address) == services - reflection, "v1 answers what v1alpha answers"
        host.process.send_signal(signal.SIGTERM)
        assert host.process.wait(timeout=15) == 0
    assert "shutting down" in host.stderr


def _reflection_v1_services(address: str) -> set[str]:
    """List services through grpc.reflection.v1, the name current clients ask for first."""
    with grpc.insecure_channel(address) as channel:
        info = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        (reply,) = list(info(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10))
    return {service.name for service in reply.list_services_response.service} - {
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    }


def test_check_config_reports_problems_with_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "host.toml"
    bad.write_text('[limits]\nmax_tabs = "many"\n', encoding="utf-8")
    result = subprocess.run(
        [*CHANNELKIT, "serve", "--check-config", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert f"{bad}: limits.max_tabs: Input should be a valid integer" in result.stderr
    good = tmp_path / "good.toml"
    good.write_text(f'[[agents]]\nid = "a1"\ntoken_sha256 = "{tokens.hash_token("t")}"\n', encoding="utf-8")
    result = subprocess.run(
        [*CHANNELKIT, "serve", "--check-config", str(good)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "OK (1 agents, 0 providers, " in result.stdout


def test_token_prints_a_token_and_its_digest() -> None:
    result = subprocess.run([*CHANNELKIT, "token"], capture_output=True, text=True, timeout=60, check=True)
    token = re.search(r"token:\s+(\S+)", result.stdout)
    digest = re.search(r"token_sha256: ([0-9a-f]{64})", result.stdout)
    assert token and digest and tokens.hash_token(token.group(1)) == digest.group(1)


def test_serve_refuses_an_address_in_use(tmp_path: Path) -> None:
    with served() as host:
        clash = subprocess.run(
            [*CHANNELKIT, "serve", "--address", host.address], capture_output=True, text=True, timeout=60, cwd=tmp_path
        )
        assert clash.returncode == 1 and f"cannot listen on {host.address}" in clash.stderr
        console_port = host.console.rsplit(":", 1)[1].rstrip("/")
        console_clash = subprocess.run(
            [*CHANNELKIT, "serve", "--address", "127.0.0.1:0", "--console-address", f"127.0.0.1:{console_port}"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert console_clash.returncode == 1, console_clash.stderr
        assert f"the web console cannot listen on 127.0.0.1:{console_port}" in console_clash.stderr


def test_serve_prints_the_web_console_and_serves_its_page() -> None:
    with served() as host:
        assert host.console.startswith("http://127.0.0.1:")
        page = httpx.get(host.console, timeout=10)
        assert page.status_code == 200 and "<title>channelkit console</title>" in page.text
        agent_token = next(line.split(": ", 1)[1] for line in host.banner if "agent agent-1:" in line)
        me = httpx.post(host.console + "api/signin", json={"token": agent_token}, timeout=10)
        assert me.json() == {"agentId": "agent-1", "displayName": "Agent One"}


def test_a_second_host_on_the_same_state_directory_is_refused_and_tokens_survive_a_restart(tmp_path: Path) -> None:
    with served(cwd=tmp_path) as host:
        first_tokens = [line for line in host.banner if line.startswith("    agent ")]
        assert any(f"state: sqlite {tmp_path / 'channelkit-state' / 'host.db'}" in line for line in host.banner)
        second = subprocess.run(
            [*CHANNELKIT, "serve", "--address", "127.0.0.1:0", "--console-address", "127.0.0.1:0"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert second.returncode == 2, second.stderr
        assert "is in use by another channelkit host" in second.stderr
        assert 'run several replicas on PostgreSQL ([store] kind = "postgres")' in second.stderr
    with served(cwd=tmp_path) as again:
        assert [line for line in again.banner if line.startswith("    agent ")] == first_tokens
    info = subprocess.run(
        [*CHANNELKIT, "store", "info", "--state-dir", str(tmp_path / "channelkit-state")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert info.returncode == 0, info.stderr
    assert "schema version 2 (current)" in info.stdout and "workspaces: 1 rows" in info.stdout
