"""Fixtures shared by every test: a real host on a free loopback port, on the store the test runs against."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import _support
from tests._postgres import PostgresServer
from tests._postgres import postgres_server
from tests._support import RunningHost
from tests._support import make_config
from tests._support import start_host
from tests._support import stop_host

_databases = itertools.count(1)

# Every host the tests start (subprocesses too) checks that its incremental writes miss no change of a session.
os.environ.setdefault("CHANNELKIT_VERIFY_PERSISTENCE", "1")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run (Debian's binaries, a temporary directory, a free port)."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def postgres_dsn(postgres: PostgresServer) -> Iterator[str]:
    """A fresh database of its own for one test."""
    name = f"test_{next(_databases)}"
    yield postgres.create_database(name)
    postgres.drop_database(name)


@pytest.fixture
def store_kind() -> str:
    """The store of this test's hosts; modules marked with ``every_store`` run each test on all three."""
    return "memory"


@pytest.fixture(autouse=True)
def store_settings(store_kind: str, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Point every config the test makes (``make_config``) at the store of ``store_kind``."""
    if store_kind == "sqlite":
        tmp_path: Path = request.getfixturevalue("tmp_path")
        settings: dict[str, Any] = {"kind": "sqlite", "path": str(tmp_path / "state" / "host.db")}
    elif store_kind == "postgres":
        settings = {"kind": "postgres", "dsn": request.getfixturevalue("postgres_dsn"), "pool_size": 4}
    else:
        settings = {"kind": "memory"}
    before = dict(_support.STORE)
    _support.STORE.clear()
    _support.STORE.update(settings)
    yield settings
    _support.STORE.clear()
    _support.STORE.update(before)


@pytest.fixture
async def host() -> AsyncIterator[RunningHost]:
    """A running host with agents agent-1/agent-2 and providers alpha, beta, gamma."""
    config, secrets = make_config()
    running = await start_host(config, secrets)
    yield running
    await stop_host(running)
