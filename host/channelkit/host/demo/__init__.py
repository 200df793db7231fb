"""``channelkit demo``: a live contact-center workspace from one command.

A host with the three reference providers (in-process, or ``--remote`` as
``channelkit-provider`` subprocesses over gRPC) and their traffic simulators
switched on. ``--auto-agent`` adds a simulated agent; without it the demo
prints how a person connects as the agent. Either way a readable live log
shows what the agent sees, and the run ends (after ``--duration`` or on
Ctrl-C) with a summary per provider. The exit code is 1 when anything went
wrong, so the demo doubles as an end-to-end check.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import signal
import tempfile
from pathlib import Path

import grpc

from channelkit.host._admin_client import AdminClient
from channelkit.host.analytics._report import ReportError
from channelkit.host.analytics._report import build_report
from channelkit.host.analytics._report import read_events
from channelkit.host.analytics._report import render_table
from channelkit.host.demo import _summary as summary
from channelkit.host.demo._agent import AgentStats
from channelkit.host.demo._agent import AutoAgent
from channelkit.host.demo._live import LiveLog
from channelkit.host.demo._remote import RemoteProviders
from channelkit.host.demo._setup import AGENT_ID
from channelkit.host.demo._setup import AGENT_NAME
from channelkit.host.demo._setup import REFERENCE_PROVIDERS
from channelkit.host.demo._setup import DemoState
from channelkit.host.demo._setup import demo_config
from channelkit.host.server import HostServer

CONNECT_SECONDS = 30.0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``demo`` with the CLI."""
    demo = commands.add_parser(
        "demo",
        help="run a host with the reference providers and simulated traffic",
        description="A live workspace: calls, SMS and chats arrive; --auto-agent answers them.",
    )
    demo.add_argument("--auto-agent", action="store_true", help="a simulated agent works the workspace")
    demo.add_argument("--remote", action="store_true", help="run each provider as a channelkit-provider process")
    demo.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long (default: Ctrl-C)")
    demo.add_argument("--seed", type=int, default=7, help="seed of the traffic and the simulated agent")
    demo.add_argument("--address", default="127.0.0.1:0", metavar="HOST:PORT", help="where the host listens")
    demo.add_argument(
        "--console-address",
        default="127.0.0.1:0",
        metavar="HOST:PORT",
        help="where the web console listens (default: a free loopback port)",
    )
    demo.add_argument(
        "--state-dir",
        metavar="DIR",
        help="keep the host's store, tokens and provider logs here, to run again on them (default: temporary)",
    )
    demo.add_argument("--quiet", action="store_true", help="no live log, only the summary")
    demo.set_defaults(run=run, default_log_level="WARNING")


def run(options: argparse.Namespace) -> int:
    """Run the demo; 0 when the run had no errors."""
    if options.duration is not None and options.duration <= 0:
        print("error: --duration must be positive", flush=True)
        return 2
    keep = options.state_dir is not None
    directory = Path(options.state_dir) if keep else Path(tempfile.mkdtemp(prefix="channelkit-demo-"))
    try:
        return asyncio.run(_demo(options, directory))
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


class _ErrorCounter(logging.Handler):
    """Counts ERROR records of the in-process reference providers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.by_provider: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        name = record.name.rsplit(".", 1)[-1]
        self.by_provider[name] = self.by_provider.get(name, 0) + 1


def _say(line: str) -> None:
    print(line, flush=True)


async def _demo(options: argparse.Namespace, directory: Path) -> int:
    state = DemoState.create(directory, remote=options.remote)
    addresses = {"address": options.address, "console_address": options.console_address}
    config = demo_config(state, remote=options.remote, seed=options.seed, **addresses)
    counter = _ErrorCounter()
    logging.getLogger("channelkit.reference_providers").addHandler(counter)
    server = HostServer(config, state_dir=directory)
    port = await server.start()
    address = f"{options.address.rsplit(':', 1)[0]}:{port}"
    remotes = RemoteProviders(state, address) if options.remote else None
    async with grpc.aio.insecure_channel(address) as channel:
        admin = AdminClient(channel, state.tokens["admin"])
        try:
            if remotes is not None:
                remotes.start()
                await _wait_connected(admin, remotes)
            _say(_banner(options, state, address, _console_link(server, state)))
            agent = await _run_until_stopped(options, channel, state)
            status = await admin.list_providers()
        finally:
            codes = await remotes.stop() if remotes is not None else {}
            await server.stop(2.0)
    process_errors = remotes.error_lines() if remotes is not None else counter.by_provider
    lines = summary.provider_lines(status, process_errors)
    mode = "remote" if options.remote else "in-process"
    _say(summary.render(lines, agent, f"\nchannelkit demo summary ({mode}, seed {options.seed})"))
    _say(_analytics(state, kept=options.state_dir is not None))
    failed_exits = {name: code for name, code in codes.items() if code != 0}
    if failed_exits:
        _say(f"provider processes exited with errors: {failed_exits}")
    return 1 if summary.total_errors(lines, agent) or failed_exits else 0


async def _wait_connected(admin: AdminClient, remotes: RemoteProviders) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CONNECT_SECONDS
    while True:
        status = await admin.list_providers()
        if all(p.connected for p in status.providers):
            return
        if remotes.exited() or loop.time() > deadline:
            logs = ", ".join(str(remotes.log_file(name)) for name in REFERENCE_PROVIDERS)
            raise RuntimeError(f"the provider processes did not connect; see {logs}")
        await asyncio.sleep(0.1)


async def _run_until_stopped(
    options: argparse.Namespace, channel: grpc.aio.Channel, state: DemoState
) -> AgentStats | None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if options.duration is not None:
        loop.call_later(options.duration, stop.set)
    tasks = []
    if not options.quiet:
        tasks.append(asyncio.create_task(LiveLog(_say).watch(channel, state.tokens[AGENT_ID])))
    agent = AutoAgent(channel, state.tokens[AGENT_ID], options.seed, _say) if options.auto_agent else None
    if agent is not None:
        tasks.append(asyncio.create_task(agent.run(stop)))
    await stop.wait()
    for task in tasks:
        task.cancel()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, Exception) and agent is not None:
            agent.stats.errors.append(f"the demo's own task failed: {outcome!r}")
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(signum)
    return agent.stats if agent is not None else None


def _analytics(state: DemoState, *, kept: bool) -> str:
    """The run's channel analytics report, and how to get it again."""
    path = state.analytics_file
    try:
        report = render_table(build_report(read_events([path]), [str(path)]))
    except ReportError as exc:
        return f"\nno analytics report: {exc}"
    again = (
        f"again: channelkit analytics report {path}"
        if kept
        else "keep the file with --state-dir DIR, then: channelkit analytics report DIR/analytics.jsonl"
    )
    return f"\n{report}\n({again})"


def _console_link(server: HostServer, state: DemoState) -> str:
    """The console's address with a sign-in link: the page signs in with it and drops it from the address bar."""
    if server.console is None:
        return ""
    return f"{server.console.url}#token={state.tokens[AGENT_ID]}"


def _banner(options: argparse.Namespace, state: DemoState, address: str, console: str) -> str:
    agent_token = state.token_file(AGENT_ID)
    bearer = f'-H "authorization: Bearer $(cat {agent_token})"'
    lines = [
        f"channelkit demo: host on {address} with {', '.join(REFERENCE_PROVIDERS)} "
        f"({'remote processes' if options.remote else 'in-process'}), traffic seed {options.seed}",
        f"  agent {AGENT_ID} ({AGENT_NAME}); token in {agent_token}",
    ]
    if console:
        watch = "watch the simulated agent work" if options.auto_agent else "work as the agent"
        lines.append(f"  web console ({watch}; the link signs you in): {console}")
    if options.auto_agent:
        lines.append("  a simulated agent answers toasts, replies, presses buttons and closes sessions")
    else:
        lines += [
            "  or with grpcurl. Watch the workspace:",
            f"    grpcurl -plaintext {bearer} {address} channelkit.v1.AgentService/WatchWorkspace",
            "  accept a toast (its id is in the watch output):",
            f'    grpcurl -plaintext {bearer} -d \'{{"notification_id": "n-...", '
            f'"action": "NOTIFICATION_ACTION_ACCEPT"}}\' {address} channelkit.v1.AgentService/RespondToNotification',
        ]
    lines += [
        "  inject a contact yourself:",
        f"    channelkit simulate call --to {AGENT_ID} --host {address} --token-file {state.token_file('admin')}",
        f"  {'stops after ' + format(options.duration, 'g') + ' s; ' if options.duration else ''}"
        "Ctrl-C stops early and prints the summary",
        "",
    ]
    return "\n".join(lines)
