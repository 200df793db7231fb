"""``channelkit store info|migrate``: look at a host's store, and bring an older one up to this host's schema."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from channelkit.host.config import HostConfig
from channelkit.host.config import load_config
from channelkit.host.store import SCHEMA_VERSION
from channelkit.host.store import StoreInfo
from channelkit.host.store import open_store


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``store`` with the CLI."""
    store = commands.add_parser("store", help="inspect or migrate the host's store (see docs/operations.md)")
    actions = store.add_subparsers(dest="store_command", required=True)
    for name, run, text in (
        ("info", _info, "print the store's kind, location, schema version, epoch and row counts"),
        ("migrate", _migrate, f"upgrade an older store to schema version {SCHEMA_VERSION} (back it up first)"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        where = action.add_mutually_exclusive_group()
        where.add_argument("--config", metavar="FILE", help="the host configuration whose [store] to use")
        where.add_argument("--state-dir", metavar="DIR", help="the state directory of a host run without --config")
        action.set_defaults(run=run)


def _target(options: argparse.Namespace) -> tuple[HostConfig, Path | None]:
    from channelkit.host.cli import development_config  # the same defaults `serve` without --config uses

    state_dir = Path(options.state_dir) if options.state_dir else None
    if options.config:
        return load_config(Path(options.config)), None
    return development_config(state_dir or Path.cwd() / "channelkit-state", make_tokens=False)[0], state_dir


def describe(info: StoreInfo) -> str:
    """The lines ``store info`` and ``serve --check-config`` print about a store."""
    if info.schema_version == 0:
        state = "empty (the first start creates the schema)"
    elif info.schema_version == SCHEMA_VERSION:
        state = f"schema version {info.schema_version} (current)"
    elif info.schema_version < SCHEMA_VERSION:
        state = f"schema version {info.schema_version}: older, run `channelkit store migrate`"
    else:
        state = f"schema version {info.schema_version}: newer than this host ({SCHEMA_VERSION})"
    lines = [f"store: {info.kind} at {info.location}, {state}"]
    if info.epoch:
        lines.append(f"  epoch: {info.epoch}")
    if info.size_bytes is not None:
        lines.append(f"  size: {info.size_bytes / 1e6:.1f} MB")
    lines += [f"  {table}: {count} rows" for table, count in info.counts.items()]
    return "\n".join(lines)


def _info(options: argparse.Namespace) -> int:
    config, state_dir = _target(options)
    print(describe(asyncio.run(open_store(config, state_dir).info())))
    return 0


def _migrate(options: argparse.Namespace) -> int:
    config, state_dir = _target(options)

    async def migrate() -> StoreInfo:
        store = open_store(config, state_dir)
        before = await store.info()
        await store.open(migrate=True)
        await store.close()
        print(f"{before.kind} store at {before.location}: schema version {before.schema_version} → {SCHEMA_VERSION}")
        return await store.info()

    print(describe(asyncio.run(migrate())))
    return 0
