"""Benchmark the host against a bare gRPC method served by the same process.

The server runs in its own process (``--serve``) so client and server do not
share a core. Two phases over loopback, each for ``--duration`` seconds with
``--concurrency`` workers:

1. baseline: a no-op bytes-in/bytes-out method registered on the host's own
   server, bypassing auth, parsing and the core;
2. host: cycles of provider ``CreateSession`` → ``CreateTab`` →
   ``RequestFocusSession`` → agent ``CloseSession``, while the provider's
   ``Events`` stream is consumed.

It prints throughput and p50/p99 latency of both and their ratio, and the
p99 of a committed ``CreateSession`` alone. ``--store memory sqlite postgres``
runs the same cycle against each store (PostgreSQL: ``--dsn``, or a throwaway
server from Debian's binaries) and compares each with the memory store. Run it
with ``tox -e bench`` or ``python bench/bench_host.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

from channelkit.host import tokens
from channelkit.host.config import load_config
from channelkit.host.server import HostServer
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import agent_service_pb2_grpc
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import provider_service_pb2_grpc
from channelkit.v1 import workspace_pb2 as wpb

NOOP = "/channelkit.bench.Bench/Noop"
CREATE_LATENCIES: list[float] = []
"""Each committed CreateSession of the measured phase, in seconds."""


def _noop_handler() -> grpc.GenericRpcHandler:
    async def noop(request: bytes, _context: object) -> bytes:
        return request

    return grpc.method_handlers_generic_handler(
        "channelkit.bench.Bench", {"Noop": grpc.unary_unary_rpc_method_handler(noop)}
    )


async def _serve(config_path: str) -> None:
    server = HostServer(load_config(Path(config_path)), extra_handlers=[_noop_handler()])
    port = await server.start("127.0.0.1:0")
    print(port, flush=True)
    await server.wait_for_termination()


def _store_section(store: str, directory: Path, dsn: str) -> str:
    if store == "sqlite":
        return f'[store]\nkind = "sqlite"\npath = "{directory / "bench.db"}"\n'
    if store == "postgres":
        return f'[store]\nkind = "postgres"\ndsn = "{dsn}"\n'
    return '[store]\nkind = "memory"\n'


def _write_config(directory: Path, store: str, dsn: str, agents: int) -> tuple[Path, str, list[str]]:
    provider_token, agent_tokens = tokens.new_token(), [tokens.new_token() for _ in range(agents)]
    agent_entries = "".join(
        f'\n[[agents]]\nid = "agent-{n + 1}"\ntoken_sha256 = "{tokens.hash_token(token)}"\n'
        for n, token in enumerate(agent_tokens)
    )
    path = directory / f"bench-{store}.toml"
    path.write_text(
        _store_section(store, directory, dsn)
        + f"""
[console]
enabled = false

[limits]
max_sessions = 1000
rate_limit_per_second = 1000000
rate_limit_burst = 1000000
attention_cooldown_seconds = 0

# The host alone: installed provider plugins would add their own traffic to the measurement.
[plugins]
autoload = false

{agent_entries}
[[providers]]
name = "bench"
channel = "telephony"
token_sha256 = "{tokens.hash_token(provider_token)}"
""",
        encoding="utf-8",
    )
    return path, provider_token, agent_tokens


async def _run_phase(workers: int, duration: float, one: Callable[[], Awaitable[None]]) -> tuple[list[float], float]:
    latencies: list[float] = []
    stop_at = time.perf_counter() + duration
    CREATE_LATENCIES.clear()

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            await one()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return latencies, time.perf_counter() - started


def _summary(latencies: list[float], elapsed: float, rpcs_per_op: int) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "ops": len(latencies),
        "ops_per_s": len(latencies) / elapsed,
        "rpcs_per_s": len(latencies) * rpcs_per_op / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
    }


async def _bench(
    address: str, provider_token: str, agent_tokens: list[str], options: argparse.Namespace
) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(address) as channel:
        noop: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(NOOP)
        provider = provider_service_pb2_grpc.ProviderServiceStub(channel)
        agent = agent_service_pb2_grpc.AgentServiceStub(channel)
        as_provider = (("authorization", f"Bearer {provider_token}"),)
        as_agents = [(("authorization", f"Bearer {token}"),) for token in agent_tokens]
        turns = itertools.count()
        payload = ppb.CreateSessionRequest(agent_id="agent-1", title="Call").SerializeToString()

        async def baseline() -> None:
            await noop(payload)

        tab = ppb.TabSpec(title="Record", page_type=wpb.PAGE_TYPE_URL, target="https://crm.example/1")

        async def cycle() -> None:
            turn = next(turns) % len(agent_tokens)  # --agents spreads the cycles over that many workspaces
            started = time.perf_counter()
            created = await provider.CreateSession(
                ppb.CreateSessionRequest(agent_id=f"agent-{turn + 1}", title="Call"), metadata=as_provider
            )
            CREATE_LATENCIES.append(time.perf_counter() - started)
            session_id = created.session.id
            await provider.CreateTab(ppb.CreateTabRequest(session_id=session_id, tab=tab), metadata=as_provider)
            await provider.RequestFocusSession(
                ppb.RequestFocusSessionRequest(session_id=session_id, messages_count=1), metadata=as_provider
            )
            await agent.CloseSession(apb.CloseSessionRequest(session_id=session_id), metadata=as_agents[turn])

        events_seen = 0

        async def consume_events() -> None:
            nonlocal events_seen
            async for _ in provider.Events(ppb.EventsRequest(), metadata=as_provider):
                events_seen += 1

        await _run_phase(options.concurrency, 1.0, baseline)  # warm-up
        base = _summary(*await _run_phase(options.concurrency, options.duration, baseline), rpcs_per_op=1)
        reader = asyncio.ensure_future(consume_events())
        await _run_phase(options.concurrency, 1.0, cycle)  # warm-up
        host = _summary(*await _run_phase(options.concurrency, options.duration, cycle), rpcs_per_op=4)
        host["create_p99_ms"] = statistics.quantiles(CREATE_LATENCIES, n=100)[98] * 1000
        await asyncio.sleep(0.5)
        reader.cancel()
        return {
            "baseline_noop": base,
            "host_cycle": host,
            "events_consumed": events_seen,
            "throughput_ratio_rpc": base["rpcs_per_s"] / host["rpcs_per_s"],
            "latency_ratio_per_rpc_p50": (host["p50_ms"] / 4) / base["p50_ms"],
        }


def _report(store: str, result: dict[str, Any], options: argparse.Namespace) -> str:
    base, host = result["baseline_noop"], result["host_cycle"]
    return "\n".join(
        [
            f"channelkit host benchmark, {store} store: {options.duration:g} s per phase, {options.concurrency}"
            " concurrent workers, loopback, server in its own process",
            f"  baseline no-op RPC     : {base['rpcs_per_s']:8.0f} RPC/s   p50 {base['p50_ms']:6.2f} ms"
            f"   p99 {base['p99_ms']:6.2f} ms",
            f"  host cycle (4 RPCs)    : {host['ops_per_s']:8.0f} cycles/s = {host['rpcs_per_s']:.0f} RPC/s"
            f"   cycle p50 {host['p50_ms']:6.2f} ms   p99 {host['p99_ms']:6.2f} ms",
            f"  committed CreateSession p99: {host['create_p99_ms']:.2f} ms",
            f"  provider events consumed during the cycle phase: {result['events_consumed']}",
            f"  ratio baseline/host RPC throughput: {result['throughput_ratio_rpc']:.2f}x"
            f"   (host per-RPC p50 latency is {result['latency_ratio_per_rpc_p50']:.2f}x the baseline's)",
        ]
    )


def main() -> int:
    """Run the benchmark (or, with --serve, the server half of it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per phase (default 5)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent workers (default 8)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument(
        "--store",
        nargs="+",
        choices=["memory", "sqlite", "postgres"],
        default=["memory"],
        help="the stores to run the cycle on, in turn (default memory)",
    )
    parser.add_argument(
        "--agents", type=int, default=1, help="workspaces the cycles are spread over (default 1: all on one)"
    )
    parser.add_argument("--dsn", help="postgres: the database to use (default: a throwaway server)")
    parser.add_argument("--serve", metavar="CONFIG", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        asyncio.run(_serve(options.serve))
        return 0
    results: dict[str, dict[str, Any]] = {}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        dsn = options.dsn or ""
        if "postgres" in options.store and not dsn:
            dsn = _throwaway_postgres(stack)
        for store in options.store:
            results[store] = _one_store(store, tmp, dsn, options)
            print(_report(store, results[store], options), flush=True)
    if "memory" in results and len(results) > 1:
        memory = results["memory"]["host_cycle"]["rpcs_per_s"]
        print("throughput against the memory store (same cycle, same run):")
        for store, result in results.items():
            print(f"  {store:9s}: {result['host_cycle']['rpcs_per_s'] / memory:.2f}x")
    if options.json:
        print(json.dumps(results, indent=2))
    return 0


def _one_store(store: str, directory: Path, dsn: str, options: argparse.Namespace) -> dict[str, Any]:
    config, provider_token, agent_tokens = _write_config(directory, store, dsn, options.agents)
    with subprocess.Popen(
        [sys.executable, __file__, "--serve", str(config)], stdout=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            return asyncio.run(_bench(f"127.0.0.1:{port}", provider_token, agent_tokens, options))
        finally:
            server.terminate()
            server.wait(timeout=30)


def _throwaway_postgres(stack: contextlib.ExitStack) -> str:
    """A PostgreSQL server for this run only, as the tests start one (Debian's binaries, a free port)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests._postgres import postgres_server  # the one helper that starts a server for the tests and here

    server = stack.enter_context(postgres_server(fsync=True))
    return server.create_database("bench")


if __name__ == "__main__":
    raise SystemExit(main())
