"""The ``channelkit`` command: serve a host, check a configuration, make tokens.

Exit codes: 0 success, 2 a configuration or usage problem (the message says
which file, key and problem: a bad configuration, a missing token, an
unreadable analytics file), 1 anything else. Subcommands raise; this module
alone turns errors into messages and exit codes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from channelkit.host import _simulate
from channelkit.host import _store_cli as store_cli
from channelkit.host import demo
from channelkit.host import tokens
from channelkit.host._catalog import check_catalog
from channelkit.host._store_cli import describe
from channelkit.host.analytics import _cli as analytics_cli
from channelkit.host.analytics._report import ReportError
from channelkit.host.config import ConfigError
from channelkit.host.config import HostConfig
from channelkit.host.config import load_config
from channelkit.host.config import parse_config
from channelkit.host.server import BindError
from channelkit.host.server import HostServer
from channelkit.host.server import serve_until_signalled
from channelkit.host.store import STATE_DIR
from channelkit.host.store import StoreError
from channelkit.host.store import check_version
from channelkit.host.store import open_store
from channelkit.sdk.runtime import TokenMissing

DEV_PROVIDERS = (("provider-a", "telephony", 0), ("provider-b", "chat", 10))


def development_config(state_dir: Path, *, make_tokens: bool = True) -> tuple[HostConfig, dict[str, str]]:
    """Built-in defaults: one agent, one admin, two providers, with tokens kept in ``state_dir``.

    The tokens are made at the first start and read back after, so a
    restarted development host accepts the same callers; ``make_tokens``
    False gives throw-away ones (for looking at the store only).
    """
    names = ["agent-1", "admin", *(name for name, _, _ in DEV_PROVIDERS)]
    kept = tokens.kept_tokens(state_dir, names) if make_tokens else {n: tokens.new_token() for n in names}
    secrets = {"agent agent-1": kept["agent-1"], "admin admin": kept["admin"]}
    providers = []
    for name, channel, order in DEV_PROVIDERS:
        secrets[f"provider {name}"] = kept[name]
        token_hash = tokens.hash_token(kept[name])
        providers.append({"name": name, "channel": channel, "channel_order": order, "token_sha256": token_hash})
    data = {
        "agents": [
            {"id": "agent-1", "display_name": "Agent One", "token_sha256": tokens.hash_token(secrets["agent agent-1"])}
        ],
        "admins": [{"name": "admin", "token_sha256": tokens.hash_token(secrets["admin admin"])}],
        "providers": providers,
    }
    return parse_config(data, "built-in defaults"), secrets


def _ready_banner(
    config: HostConfig, host: str, port: int, secrets: dict[str, str], *, console: str, state: str
) -> str:
    lines = [
        f"channelkit host serving on {host}:{port} (gRPC, plaintext; bind to loopback unless behind TLS)",
        f"  web console: {console or 'off ([console] enabled = false)'} (sign in with an agent token)",
        f"  agents: {', '.join(a.id for a in config.agents) or 'none'}",
        f"  providers: {', '.join(p.name for p in config.providers) or 'none'}",
        f"  state: {state}",
        "  health and reflection need no token, e.g.:",
        f"    grpcurl -plaintext {host}:{port} list",
        "  every other call sends 'authorization: Bearer <token>', e.g.:",
        f"    grpcurl -plaintext -H 'authorization: Bearer <agent token>' {host}:{port} "
        "channelkit.v1.AgentService/GetWorkspace",
    ]
    if secrets:
        lines.append(
            "  no --config given: built-in development setup; its tokens are kept in the state directory "
            "(<name>.token, 0600) and stay valid across restarts until you delete it:"
        )
        lines += [f"    {who}: {token}" for who, token in secrets.items()]
        lines.append("  for a lasting setup: channelkit token (per caller), then channelkit serve --config host.toml")
    lines.append("  Ctrl-C or SIGTERM stops the host gracefully.")
    return "\n".join(lines)


def _check_config(path: str, state_dir: Path | None) -> int:
    config = load_config(Path(path))
    catalog = check_catalog(config)
    info = asyncio.run(open_store(config, state_dir).info())
    print(
        f"{path}: OK ({len(config.agents)} agents, {len(config.providers)} providers, "
        f"{len(catalog.sessions)} session, {len(catalog.tabs)} tab and {len(catalog.notifications)} notification "
        "templates)"
    )
    print(describe(info))
    check_version(info.schema_version, f"the {info.kind} store at {info.location}", migrate=False)
    return 0


def _serve(options: argparse.Namespace) -> int:
    state_dir = Path(options.state_dir) if options.state_dir else None
    if options.check_config:
        return _check_config(options.check_config, state_dir)
    secrets: dict[str, str] = {}
    if options.config:
        config = load_config(Path(options.config))
    else:
        state_dir = state_dir or Path.cwd() / STATE_DIR
        config, secrets = development_config(state_dir)
    if options.address:
        config = config.model_copy(update={"server": config.server.model_copy(update={"address": options.address})})
    if options.console_address:
        console = config.console.model_copy(update={"address": options.console_address})
        config = config.model_copy(update={"console": console})
    host = config.server.address.rsplit(":", 1)[0]
    server = HostServer(config, state_dir=state_dir)

    def ready(port: int) -> None:
        console = server.console.url if server.console is not None else ""
        print(
            _ready_banner(server.config, host, port, secrets, console=console, state=server.store.description),
            flush=True,
        )

    asyncio.run(serve_until_signalled(server, ready))
    return 0


def _token(options: argparse.Namespace) -> int:
    for _ in range(options.count):
        token = tokens.new_token()
        print(f"token:        {token}\ntoken_sha256: {tokens.hash_token(token)}")
    print("Give the token to the caller; put only token_sha256 in the host configuration.", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="channelkit", description="channelkit host and tools")
    parser.add_argument(
        "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="default INFO (WARNING for demo)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a host (built-in development defaults without --config)")
    serve.add_argument("--config", metavar="FILE", help="TOML host configuration")
    serve.add_argument("--address", metavar="HOST:PORT", help="override server.address")
    serve.add_argument("--console-address", metavar="HOST:PORT", help="override console.address (the web console)")
    serve.add_argument(
        "--check-config", metavar="FILE", help="validate FILE and its store's schema, then exit without serving"
    )
    serve.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where the SQLite store (and, without --config, the tokens) live (default ./channelkit-state)",
    )
    serve.set_defaults(run=_serve)
    token = commands.add_parser("token", help="print a fresh random token and its SHA-256 for the config")
    token.add_argument("--count", type=int, default=1, help="how many tokens (default 1)")
    token.set_defaults(run=_token)
    demo.add_parser(commands)
    _simulate.add_parser(commands)
    analytics_cli.add_parser(commands)
    store_cli.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``channelkit`` console script."""
    options = build_parser().parse_args(argv)
    level = options.log_level or getattr(options, "default_log_level", "INFO")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        result: int = options.run(options)
    except ConfigError as exc:
        print(f"configuration error:\n{exc}", file=sys.stderr)
        return 2
    except (TokenMissing, ReportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"store error: {exc}", file=sys.stderr)
        return 2
    except BindError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    raise SystemExit(main())
