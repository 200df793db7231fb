"""``channelkit-provider``: run a provider out of process against a remote host.

Usage::

    channelkit-provider run my_package.plugin --host 127.0.0.1:50051 --token-file token.txt

The module is a plugin (it implements ``channelkit_register_providers``); the
token says which provider this process is, and the class registered under that
name runs. SIGTERM or Ctrl-C stops it cleanly (``on_stop`` runs). Exit codes:
0 stopped on request, 2 usage or configuration problem (bad module, token,
name), 1 the host refused the provider for good (unknown or disabled provider,
a token that belongs to another provider, no common protocol version) or its
on_start failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from channelkit.sdk.provider import Provider
from channelkit.sdk.registry import ProviderRegistry
from channelkit.sdk.registry import RegistrationError
from channelkit.sdk.runtime import CursorFile
from channelkit.sdk.runtime import FatalConnectionError
from channelkit.sdk.runtime import GrpcConnection
from channelkit.sdk.runtime import ProviderRunner
from channelkit.sdk.runtime import StartFailed
from channelkit.sdk.runtime import TokenMissing
from channelkit.sdk.runtime import handshake
from channelkit.sdk.runtime import load_module
from channelkit.sdk.runtime import read_token as read_token_from

TOKEN_ENV = "CHANNELKIT_PROVIDER_TOKEN"
log = logging.getLogger("channelkit.provider")


class UsageError(Exception):
    """The command line cannot work as given."""


def read_token(options: argparse.Namespace) -> str:
    """The token from ``--token-file``, else from ``$CHANNELKIT_PROVIDER_TOKEN``."""
    try:
        return read_token_from(options.token_file, TOKEN_ENV)
    except TokenMissing as exc:
        raise UsageError(str(exc)) from None


def choose_provider(registry: ProviderRegistry, names: list[str], wanted: str | None) -> type[Provider] | None:
    """The class to run: ``--provider`` if given, the only one if there is one, else decided by the token."""
    if wanted is not None:
        entry = registry.get(wanted)
        if entry is None:
            raise UsageError(f"--provider {wanted}: the module registers only {', '.join(names)}")
        return entry.provider
    only = registry.get(names[0]) if len(names) == 1 else None
    return only.provider if only is not None else None


async def _identify(connection: GrpcConnection, registry: ProviderRegistry) -> type[Provider]:
    """Ask the host which provider the token belongs to and pick that class."""
    hello = await handshake(connection.transport)
    entry = registry.get(hello.provider.name)
    if entry is None:
        raise UsageError(f"the token belongs to provider '{hello.provider.name}', which the module does not register")
    return entry.provider


async def run(options: argparse.Namespace) -> int:
    """Run one provider until SIGTERM/SIGINT."""
    registry, names = load_module(options.module)
    token = read_token(options)
    connection = GrpcConnection(options.host, token)
    try:
        cls = choose_provider(registry, names, options.provider) or await _identify(connection, registry)
        runner = ProviderRunner(
            cls(),
            connection,
            handler_timeout=options.handler_timeout,
            cursor_file=CursorFile(Path(options.cursor_file)) if options.cursor_file else None,
        )
        return await _until_signalled(runner, options.host)
    finally:
        await connection.close()


async def _until_signalled(runner: ProviderRunner, target: str) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    work = asyncio.create_task(runner.run())
    waiter = asyncio.create_task(stop.wait())
    announce = asyncio.create_task(_announce(runner, target))
    done, _ = await asyncio.wait({work, waiter}, return_when=asyncio.FIRST_COMPLETED)
    announce.cancel()
    if work in done:
        waiter.cancel()
        work.result()  # raises what ended it
        return 0
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    if runner.host is not None:
        await runner.stop()
    log.info("provider %s stopped (last processed seq %d)", runner.name, runner.cursor)
    return 0


async def _announce(runner: ProviderRunner, target: str) -> None:
    await runner.started.wait()
    log.info("provider %s connected to %s; resuming after seq %d", runner.name, target, runner.cursor)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="channelkit-provider", description="run a channelkit provider remotely")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the provider a plugin module registers")
    run_cmd.add_argument("module", help="plugin module, for example my_package.plugin")
    run_cmd.add_argument("--host", default="127.0.0.1:50051", metavar="HOST:PORT", help="the host's gRPC address")
    run_cmd.add_argument("--token-file", metavar="FILE", help=f"file holding the provider token (or ${TOKEN_ENV})")
    run_cmd.add_argument("--provider", metavar="NAME", help="which registered provider to run (default: the token's)")
    run_cmd.add_argument(
        "--cursor-file", metavar="FILE", help="keep the last processed seq here so a restart resumes exactly"
    )
    run_cmd.add_argument("--handler-timeout", type=float, default=30.0, metavar="SECONDS", help="per handler call")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``channelkit-provider`` console script."""
    options = build_parser().parse_args(argv)
    logging.basicConfig(level=options.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(run(options))
    except (UsageError, RegistrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FatalConnectionError, StartFailed) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
