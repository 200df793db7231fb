"""How long a host takes to serve again after a restart, and how large its store is, for a large site.

It fills a store with ``--agents`` agents × ``--sessions`` open sessions each
(every session with an anchor tab and a few transcript lines, through the
host's own command path), stops the host, then times a fresh host from
``HostServer.start()`` (open the store, load every workspace, bind) to serving,
and prints the store's size. Run it with ``tox -e bench-restart`` or
``python bench/bench_restart.py --store sqlite``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from channelkit.host import tokens
from channelkit.host._app import HostApp
from channelkit.host._runtime import Scope
from channelkit.host.config import HostConfig
from channelkit.host.config import parse_config
from channelkit.host.core import TabSpec
from channelkit.host.server import HostServer
from channelkit.sdk import AuthorRole
from channelkit.sdk import PageType


def _config(agents: int, store: dict[str, Any]) -> HostConfig:
    digest = tokens.hash_token(tokens.new_token())
    return parse_config(
        {
            "agents": [{"id": f"agent-{n}", "token_sha256": tokens.hash_token(f"t-{n}")} for n in range(agents)],
            "providers": [{"name": "bench", "channel": "chat", "token_sha256": digest}],
            "limits": {"max_sessions": 100, "event_retention": 100_000},
            "console": {"enabled": False},
            "plugins": {"autoload": False},
            "store": store,
        },
        "bench",
    )


async def _fill(config: HostConfig, sessions: int, lines: int) -> float:
    app = HostApp(config)
    await app.open()
    runtime, core = app.runtime, app.runtime.core
    transcript = TabSpec(title="Conversation", page_type=int(PageType.TRANSCRIPT), target="")

    async def one_agent(agent: str) -> None:
        for n in range(sessions):
            session = await runtime.run(
                Scope(agent=agent),
                functools.partial(core.create_session, "bench", agent, title=f"Chat {n}", anchor_tab=transcript),
                lambda made: made,
            )
            tab_id = next(iter(session.tabs))
            for line in range(lines):
                await runtime.run(
                    Scope(agent=agent),
                    functools.partial(
                        core.append_transcript,
                        "bench",
                        tab_id,
                        role=int(AuthorRole.CUSTOMER),
                        author="Ada",
                        text=f"line {line}",
                    ),
                    lambda entry: entry,
                )

    started = time.perf_counter()
    agents = [a.id for a in config.agents]
    for first in range(0, len(agents), 200):  # 200 workspaces at a time: the store commits them in groups
        await asyncio.gather(*(one_agent(agent) for agent in agents[first : first + 200]))
        print(f"\r  filled {min(first + 200, len(agents))}/{len(agents)} agents", end="", flush=True)
    print()
    elapsed = time.perf_counter() - started
    await runtime.shutdown()
    return elapsed


async def _restart(config: HostConfig) -> tuple[float, int]:
    server = HostServer(config)
    started = time.perf_counter()
    await server.start("127.0.0.1:0")
    serving = time.perf_counter() - started
    loaded = sum(len(server.runtime.core.workspace(a.id).sessions) for a in config.agents)
    await server.stop(0)
    return serving, loaded


def main() -> int:
    """Fill, restart, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=10, help="open sessions per agent (default 10)")
    parser.add_argument("--lines", type=int, default=2, help="transcript lines per session (default 2)")
    parser.add_argument("--dsn", help="postgres: the database (default: a throwaway server)")
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if options.store == "sqlite":
            store: dict[str, Any] = {"kind": "sqlite", "path": str(directory / "host.db")}
        else:
            dsn = options.dsn or _throwaway_postgres(stack)
            store = {"kind": "postgres", "dsn": dsn, "pool_size": 8}
        config = _config(options.agents, store)
        print(
            f"{options.store}: {options.agents} agents x {options.sessions} open sessions, {options.lines} lines each"
        )
        filled = asyncio.run(_fill(config, options.sessions, options.lines))
        commands = options.agents * options.sessions * (1 + options.lines)
        print(f"  fill: {commands} commands in {filled:.1f} s ({commands / filled:.0f} commands/s)")
        info = asyncio.run(_info(config))
        serving, loaded = asyncio.run(_restart(config))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  restart to serving: {serving:.2f} s, {loaded} sessions loaded (peak memory {peak:.0f} MB)")
        print(f"  store size: {info / 1e6:.1f} MB")
    return 0


async def _info(config: HostConfig) -> int:
    from channelkit.host.store import open_store

    found = await open_store(config).info()
    return found.size_bytes or 0


def _throwaway_postgres(stack: contextlib.ExitStack) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests._postgres import postgres_server  # the one helper that starts a server for the tests and here

    server = stack.enter_context(postgres_server(fsync=True))
    return server.create_database("bench")


if __name__ == "__main__":
    raise SystemExit(main())
