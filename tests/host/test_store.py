"""The store's edges: schema versions and migration, files that are not a store, and a database that goes away."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2
from grpc_health.v1 import health_pb2_grpc

from channelkit.host.store import SCHEMA_VERSION
from channelkit.host.store import _schema
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb
from tests._hostproc import CHANNELKIT
from tests._hostproc import to_toml
from tests._postgres import postgres_server
from tests._support import make_config
from tests._support import rpc_error
from tests._support import start_host
from tests._support import stop_host

SQLITE = pytest.mark.parametrize("store_kind", ["sqlite"])


def _channelkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CHANNELKIT, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def _config_file(tmp_path: Path, store: dict[str, Any]) -> Path:
    path = tmp_path / "host.toml"
    path.write_text(
        to_toml({"agents": [{"id": "agent-1", "token_sha256": "0" * 64}], "store": store}), encoding="utf-8"
    )
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _a_store_with_two_sessions(store_settings: dict[str, Any]) -> list[str]:
    config, secrets = make_config()
    host = await start_host(config, secrets)
    try:
        made = [
            await host.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title=title))
            for title in ("Kept one", "Kept two")
        ]
        return [m.session.id for m in made]
    finally:
        await stop_host(host)


def _as_version_1(current: Path, old: Path) -> None:
    """Rewrite a store in the first layout: version 1's tables (from its own DDL) holding the same rows."""
    source = sqlite3.connect(current)
    target = sqlite3.connect(old)
    for statement in _schema.statements(0, _schema.SQLITE_TYPES)[: len(_schema.VERSION_1)]:
        target.execute(statement)
    for (table,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        columns = [row[1] for row in target.execute(f"PRAGMA table_info({table})")]
        if not columns:
            continue  # a table version 1 did not have
        rows = source.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
        target.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})", rows)
    target.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    target.commit()
    source.close()
    target.close()


@SQLITE
async def test_an_older_store_is_refused_until_migrated_and_keeps_its_data(
    tmp_path: Path, store_settings: dict[str, Any]
) -> None:
    sessions = await _a_store_with_two_sessions(store_settings)
    old = tmp_path / "old" / "host.db"
    old.parent.mkdir()
    _as_version_1(Path(store_settings["path"]), old)
    config = _config_file(tmp_path, {"kind": "sqlite", "path": str(old)})
    before = _digest(old)

    checked = _channelkit("serve", "--check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert "schema version 1: older, run `channelkit store migrate`" in checked.stdout
    assert f"has schema version 1; this host writes version {SCHEMA_VERSION}" in checked.stderr
    served = _channelkit("serve", "--config", str(config), cwd=tmp_path)
    assert served.returncode == 2 and "Back it up, then run `channelkit store migrate`" in served.stderr
    assert _digest(old) == before, "a refused store is not touched"

    migrated = _channelkit("store", "migrate", "--config", str(config), cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema version 1 → {SCHEMA_VERSION}" in migrated.stdout
    assert f"schema version {SCHEMA_VERSION} (current)" in migrated.stdout
    assert "workspaces: 1 rows" in migrated.stdout, migrated.stdout

    config_obj, secrets = make_config(store={"kind": "sqlite", "path": str(old)})
    host = await start_host(config_obj, secrets)
    try:
        listed = await host.provider("alpha").ListSessions(ppb.ListSessionsRequest())
        assert [s.id for s in listed.sessions] == sessions, "the migrated store holds the sessions it had"
    finally:
        await stop_host(host)


@SQLITE
async def test_a_newer_store_is_refused_with_both_versions(tmp_path: Path, store_settings: dict[str, Any]) -> None:
    await _a_store_with_two_sessions(store_settings)
    path = Path(store_settings["path"])
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the main file, so its digest says it all
    connection.close()
    before = _digest(path)
    served = _channelkit("serve", "--config", str(_config_file(tmp_path, store_settings)), cwd=tmp_path)
    assert served.returncode == 2
    assert (
        f"has schema version {SCHEMA_VERSION + 1}, but this host supports versions up to {SCHEMA_VERSION}: "
        "run a newer channelkit host on it"
    ) in served.stderr
    assert _digest(path) == before


@SQLITE
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"this is not a database at all, only text\n" * 200, "cannot be read as a channelkit state database"),
        (None, "is an SQLite database but not a channelkit state database (tables: orders)"),
    ],
)
def test_a_file_that_is_not_a_store_stops_the_host_and_is_not_touched(
    tmp_path: Path, store_settings: dict[str, Any], content: bytes | None, problem: str
) -> None:
    path = Path(store_settings["path"])
    path.parent.mkdir(parents=True)
    if content is None:
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    else:
        path.write_bytes(content)
    before = _digest(path)
    served = _channelkit("serve", "--config", str(_config_file(tmp_path, store_settings)), cwd=tmp_path)
    assert served.returncode == 2, served.stderr
    assert f"store error: {path} {problem}" in served.stderr or problem in served.stderr, served.stderr
    assert _digest(path) == before, "nothing was written to the file"
    assert not path.with_name(path.name + "-wal").exists()


# the test brings a PostgreSQL server of its own, to stop it
async def test_a_database_that_goes_away_stops_the_host_serving_until_it_is_back() -> None:
    with postgres_server() as database:
        dsn = database.create_database("faults")
        config, secrets = make_config(store={"kind": "postgres", "dsn": dsn, "pool_size": 2})
        host = await start_host(config, secrets)
        health = health_pb2_grpc.HealthStub(host.channel)
        try:
            kept = await host.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="A"))
            database.stop("immediate")
            await _until_health(health, health_pb2.HealthCheckResponse.NOT_SERVING)
            refused = await rpc_error(
                host.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="B"))
            )
            assert (refused.code, refused.reason) == (grpc.StatusCode.UNAVAILABLE, "STORE_UNAVAILABLE")
            assert "retry later" in refused.message or "did not answer" in refused.message
            database.start()
            await _until_health(health, health_pb2.HealthCheckResponse.SERVING, seconds=30)
            view = await host.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())
            titles = [s.title for s in view.workspace.sessions if not s.home]
            assert titles == ["A"], "the committed session is there; the refused one is not, even in part"
            again = await host.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="C"))
            assert again.session.id and kept.session.id
        finally:
            await stop_host(host)


async def _until_health(stub: Any, status: int, seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        answer = await stub.Check(health_pb2.HealthCheckRequest(service="channelkit.v1.ProviderService"))
        if answer.status == status:
            return
        assert loop.time() < deadline, f"health stayed {answer.status}, expected {status}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("store_kind", ["sqlite", "postgres"])
async def test_the_store_is_trimmed_to_the_retention_memory_keeps() -> None:
    config, secrets = make_config(limits={"event_retention": 10, "workspace_retention": 15})
    host = await start_host(config, secrets)
    try:
        agent = host.agent("agent-1")
        for index in range(40):
            await agent.SetPresence(apb.AgentSetPresenceRequest(presence="Busy" if index % 2 == 0 else "Available"))
        made = await host.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="Gone"))
        await agent.CloseSession(apb.CloseSessionRequest(session_id=made.session.id))
        runtime = host.server.runtime
        before = (await runtime.store.info()).counts
        assert before["provider_events"] > 40 and before["deltas"] > 40
        retention = runtime.retention()
        await runtime.store.trim(runtime.clock.time() + 7200, retention)  # two hours on: the closed session too
        after = (await runtime.store.info()).counts
        assert after["provider_events"] <= 10 * len(config.providers)
        assert after["deltas"] <= 15 * len(config.agents)
        assert after["sessions"] == before["sessions"] - 1, "the session closed two hours ago is gone"
    finally:
        await stop_host(host)
