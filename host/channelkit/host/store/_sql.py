"""The SQL of a store, written once: SQLite runs these statements as they are, PostgreSQL with ``%s`` placeholders.

Each function takes a DB-API cursor-like connection (``execute``,
``executemany``) and the statements use ``?`` placeholders;
:func:`postgres_sql` converts a statement for psycopg. Keeping one text
keeps the two engines' layouts and semantics from drifting apart.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from channelkit.host.store import _codec as codec
from channelkit.host.store import _schema
from channelkit.host.store._base import SCHEMA_VERSION
from channelkit.host.store._base import IdempotencyRecord
from channelkit.host.store._base import Retention
from channelkit.host.store._base import SignIn
from channelkit.host.store._base import StoredProvider
from channelkit.host.store._base import StoredState
from channelkit.host.store._base import StoredWorkspace
from channelkit.host.store._base import StoreError
from channelkit.host.store._base import Unit
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb

Row = tuple[Any, ...]

UPSERT_WORKSPACE = (
    "INSERT INTO workspaces (agent_id, version, feed_seq, next_deadline, doc) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (agent_id) DO UPDATE SET version = excluded.version, feed_seq = excluded.feed_seq, "
    "next_deadline = excluded.next_deadline, doc = excluded.doc"
)
TOUCH_WORKSPACE = "UPDATE workspaces SET version = ?, feed_seq = ?, next_deadline = ? WHERE agent_id = ?"
UPSERT_SESSION = (
    "INSERT INTO sessions (session_id, agent_id, closed_at, doc) VALUES (?, ?, NULL, ?) "
    "ON CONFLICT (session_id) DO UPDATE SET doc = excluded.doc, closed_at = NULL"
)
CLOSE_SESSION = "UPDATE sessions SET closed_at = ? WHERE session_id = ?"
UPSERT_TOAST = (
    "INSERT INTO toasts (toast_id, agent_id, provider, resolved, doc) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (toast_id) DO UPDATE SET resolved = excluded.resolved, doc = excluded.doc"
)
DROP_TOAST = "DELETE FROM toasts WHERE toast_id = ?"
ADD_LINE = "INSERT INTO transcript (tab_id, position, agent_id, doc) VALUES (?, ?, ?, ?)"
DROP_LINES = "DELETE FROM transcript WHERE tab_id = ?"
INDEX_TAB = (
    "INSERT INTO tabs (tab_id, session_id, agent_id) VALUES (?, ?, ?) "
    "ON CONFLICT (tab_id) DO UPDATE SET session_id = excluded.session_id"
)
DROP_TAB = "DELETE FROM tabs WHERE tab_id = ?"
ADD_EVENT = "INSERT INTO provider_events (provider, seq, event) VALUES (?, ?, ?)"
ADVANCE_HEAD = (
    "INSERT INTO providers (name, head_seq, click_to_act, quarantine) VALUES (?, ?, NULL, '') "
    "ON CONFLICT (name) DO UPDATE SET head_seq = providers.head_seq + excluded.head_seq RETURNING head_seq"
)
"""Take the next ``n`` sequence numbers of a provider; the row stays locked until the commit, so numbers are
gapless and in commit order even with several replicas writing."""
UPSERT_CLICK_TO_ACT = (
    "INSERT INTO providers (name, head_seq, click_to_act, quarantine) VALUES (?, 0, ?, '') "
    "ON CONFLICT (name) DO UPDATE SET click_to_act = excluded.click_to_act"
)
ADD_DELTA = "INSERT INTO deltas (agent_id, seq, event) VALUES (?, ?, ?)"
ADD_ANALYTICS = "INSERT INTO analytics_outbox (id, doc) VALUES (?, ?)"
UPSERT_IDEMPOTENCY = (
    "INSERT INTO idempotency (provider, request_id, method, fingerprint, response, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider, request_id) DO UPDATE SET method = excluded.method, "
    "fingerprint = excluded.fingerprint, response = excluded.response, expires_at = excluded.expires_at"
)


ACKNOWLEDGE = (
    "INSERT INTO providers (name, head_seq, click_to_act, quarantine, acked_seq) VALUES (?, 0, NULL, '', ?) "
    "ON CONFLICT (name) DO UPDATE SET acked_seq = CASE WHEN excluded.acked_seq > providers.acked_seq "
    "THEN excluded.acked_seq ELSE providers.acked_seq END"
)


@functools.lru_cache(maxsize=256)
def postgres_sql(statement: str) -> str:
    """The statement with psycopg's placeholders."""
    return statement.replace("?", "%s")


# --- schema -------------------------------------------------------------------------------------------


def schema_version(connection: sqlite3.Connection, path: Path) -> int:
    """The store's schema version (0: an empty file); StoreError for a file that is not a channelkit store."""
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            if tables:
                raise StoreError(
                    f"{path} is an SQLite database but not a channelkit state database (tables: "
                    f"{', '.join(sorted(tables))}); point [store] path at a file of its own"
                )
            return 0
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be read as a channelkit state database: {exc}") from None
    return int(row[0]) if row else 0


def migrate(connection: Any, version: int, types: dict[str, str], *, epoch: str) -> None:  # noqa: ANN401
    """Bring the store from ``version`` up to the current one (inside the caller's transaction: all or nothing)."""
    for statement in _schema.statements(version, types):
        connection.execute(statement)
    if version == 0:
        connection.execute("INSERT INTO meta (key, value) VALUES ('epoch', ?)", (epoch,))
        connection.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    else:
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


# --- loading -------------------------------------------------------------------------------------------


def load(connection: Any, *, events_kept: int = 1_000_000) -> StoredState:  # noqa: ANN401
    """Everything a starting host needs, read in one go."""
    epoch = connection.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
    providers = {
        name: StoredProvider(name, head, acked, None if click is None else bool(click), quarantine)
        for name, head, click, quarantine, acked in connection.execute(
            "SELECT name, head_seq, click_to_act, quarantine, acked_seq FROM providers"
        )
    }
    events = {
        name: [
            _event(raw, seq)
            for seq, raw in connection.execute(
                "SELECT seq, event FROM provider_events WHERE provider = ? AND seq > ? ORDER BY seq",
                (name, provider.head_seq - events_kept),
            )
        ]
        for name, provider in providers.items()
    }
    idempotency = [
        IdempotencyRecord(*row)
        for row in connection.execute(
            "SELECT provider, request_id, method, fingerprint, response, expires_at FROM idempotency"
        )
    ]
    analytics = [codec.analytics_from(row[0]) for row in connection.execute("SELECT doc FROM analytics_outbox")]
    return StoredState(epoch, _workspaces(connection), providers, events, idempotency, analytics)


def _workspaces(connection: Any, agent_id: str | None = None) -> list[StoredWorkspace]:  # noqa: ANN401
    """Every workspace's rows, or only ``agent_id``'s."""
    where, args = ("WHERE agent_id = ?", (agent_id,)) if agent_id is not None else ("", ())
    open_only = "AND closed_at IS NULL" if where else "WHERE closed_at IS NULL"
    sessions: dict[str, list[bytes]] = defaultdict(list)
    for agent, doc in connection.execute(f"SELECT agent_id, doc FROM sessions {where} {open_only}", args):
        sessions[agent].append(bytes(doc))
    toasts: dict[str, list[bytes]] = defaultdict(list)
    for agent, doc in connection.execute(f"SELECT agent_id, doc FROM toasts {where}", args):
        toasts[agent].append(bytes(doc))
    lines: dict[str, dict[str, list[bytes]]] = defaultdict(lambda: defaultdict(list))
    for agent, tab_id, doc in connection.execute(
        f"SELECT agent_id, tab_id, doc FROM transcript {where} ORDER BY tab_id, position", args
    ):
        lines[agent][tab_id].append(bytes(doc))
    return [
        StoredWorkspace(agent, version, feed_seq, bytes(doc), sessions[agent], toasts[agent], lines[agent])
        for agent, version, feed_seq, doc in connection.execute(
            f"SELECT agent_id, version, feed_seq, doc FROM workspaces {where}", args
        )
        if doc  # a placeholder row, made to be locked, holds no workspace yet
    ]


def workspace(connection: Any, agent_id: str) -> StoredWorkspace | None:  # noqa: ANN401
    """One workspace as committed now."""
    found = _workspaces(connection, agent_id)
    return found[0] if found else None


def versions(connection: Any, agent_ids: list[str], *, lock: str = "") -> dict[str, int]:  # noqa: ANN401
    """The committed version of each of ``agent_ids`` that has a row (``lock``: PostgreSQL's ``FOR UPDATE``)."""
    if not agent_ids:
        return {}
    marks = ", ".join("?" * len(agent_ids))
    rows = connection.execute(
        f"SELECT agent_id, version FROM workspaces WHERE agent_id IN ({marks}) ORDER BY agent_id {lock}", agent_ids
    )
    return {agent: int(version) for agent, version in rows}


PLACEHOLDER = (
    "INSERT INTO workspaces (agent_id, version, feed_seq, next_deadline, doc) VALUES (?, 0, 0, NULL, ?) "
    "ON CONFLICT (agent_id) DO NOTHING"
)
"""A row to lock for a workspace nothing was written to yet (an empty ``doc``: loading skips it)."""


def locate(connection: Any, session: str, tab: str) -> str | None:  # noqa: ANN401
    """The agent of an open session, or of a tab's session."""
    if session:
        row = connection.execute(
            "SELECT agent_id FROM sessions WHERE session_id = ? AND closed_at IS NULL", (session,)
        ).fetchone()
    else:
        row = connection.execute("SELECT agent_id FROM tabs WHERE tab_id = ?", (tab,)).fetchone()
    return str(row[0]) if row else None


def provider_state(connection: Any, name: str) -> StoredProvider:  # noqa: ANN401
    """One provider's durable state (a fresh one if nothing was kept)."""
    row = connection.execute(
        "SELECT head_seq, click_to_act, quarantine, acked_seq FROM providers WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        return StoredProvider(name)
    head, click, quarantine, acked = row
    return StoredProvider(name, head, acked, None if click is None else bool(click), quarantine)


def idempotent(connection: Any, provider_name: str, request_id: str) -> IdempotencyRecord | None:  # noqa: ANN401
    """The committed call ``request_id`` of ``provider_name``, if one is kept."""
    row = connection.execute(
        "SELECT provider, request_id, method, fingerprint, response, expires_at FROM idempotency "
        "WHERE provider = ? AND request_id = ?",
        (provider_name, request_id),
    ).fetchone()
    if row is None:
        return None
    name, rid, method, fingerprint, response, expires_at = row
    return IdempotencyRecord(name, rid, method, bytes(fingerprint), bytes(response), expires_at)


def _event(raw: bytes, seq: int) -> ppb.ProviderEvent:
    event = ppb.ProviderEvent.FromString(bytes(raw))
    event.seq = seq
    return event


def events_after(connection: Any, provider: str, seq: int, limit: int) -> list[ppb.ProviderEvent]:  # noqa: ANN401
    """Committed events of ``provider`` after ``seq``."""
    rows = connection.execute(
        "SELECT seq, event FROM provider_events WHERE provider = ? AND seq > ? ORDER BY seq LIMIT ?",
        (provider, seq, limit),
    )
    return [_event(raw, number) for number, raw in rows]


def deltas_after(connection: Any, agent_id: str, seq: int, limit: int) -> list[apb.WorkspaceEvent]:  # noqa: ANN401
    """Committed workspace deltas of ``agent_id`` after ``seq``."""
    rows = connection.execute(
        "SELECT event FROM deltas WHERE agent_id = ? AND seq > ? ORDER BY seq LIMIT ?", (agent_id, seq, limit)
    )
    return [apb.WorkspaceEvent.FromString(bytes(row[0])) for row in rows]


# --- writing ---------------------------------------------------------------------------------------------


def write(connection: Any, unit: Unit) -> None:  # noqa: ANN401
    """Every row of one command (inside the caller's transaction)."""
    _number_events(connection, unit)
    connection.executemany(ADD_EVENT, [(name, event.seq, event.SerializeToString()) for name, event in unit.events])
    write_rows(connection, unit)


def write_rows(connection: Any, unit: Unit) -> None:  # noqa: ANN401
    """Every row of one command but its provider events (which an engine may number its own way)."""
    for ws in unit.workspaces:
        _write_workspace(connection, ws, unit.at)
    connection.executemany(ADD_DELTA, [(agent, d.seq, d.SerializeToString()) for agent, d in unit.deltas])
    connection.executemany(ADD_ANALYTICS, [(a.id, codec.analytics_row(a)) for a in unit.analytics])
    connection.executemany(UPSERT_CLICK_TO_ACT, [(name, int(on)) for name, on in unit.click_to_act.items()])
    if unit.idempotency is not None:
        r = unit.idempotency
        connection.execute(
            UPSERT_IDEMPOTENCY, (r.provider, r.request_id, r.method, r.fingerprint, r.response, r.expires_at)
        )


def _number_events(connection: Any, unit: Unit) -> None:  # noqa: ANN401
    """Give each event its provider's next sequence number, as the store (not a replica's memory) counts."""
    counts: dict[str, int] = defaultdict(int)
    for name, _ in unit.events:
        counts[name] += 1
    nexts: dict[str, int] = {}
    for name in sorted(counts):  # a fixed order: two replicas never wait on each other's provider rows
        head = connection.execute(ADVANCE_HEAD, (name, counts[name])).fetchone()[0]
        nexts[name] = head - counts[name] + 1
    for name, event in unit.events:
        event.seq = nexts[name]
        nexts[name] += 1


def _write_workspace(connection: Any, ws: Any, at: float) -> None:  # noqa: ANN401
    if ws.row is not None:
        connection.execute(UPSERT_WORKSPACE, (ws.agent_id, ws.version, ws.feed_seq, ws.next_deadline, ws.row))
    else:
        connection.execute(TOUCH_WORKSPACE, (ws.version, ws.feed_seq, ws.next_deadline, ws.agent_id))
    connection.executemany(UPSERT_SESSION, [(sid, ws.agent_id, doc) for sid, doc in ws.sessions.items()])
    connection.executemany(CLOSE_SESSION, [(at, sid) for sid in ws.closed_sessions])
    connection.executemany(
        UPSERT_TOAST, [(tid, ws.agent_id, p, int(done), doc) for tid, (p, done, doc) in ws.toasts.items()]
    )
    connection.executemany(DROP_TOAST, [(tid,) for tid in ws.dropped_toasts])
    connection.executemany(DROP_LINES, [(tab,) for tab in ws.dropped_tabs])
    connection.executemany(DROP_TAB, [(tab,) for tab in ws.dropped_tabs])
    connection.executemany(ADD_LINE, [(tab, pos, ws.agent_id, doc) for tab, pos, doc in ws.transcript])
    connection.executemany(INDEX_TAB, [(tab, sid, ws.agent_id) for tab, sid in ws.tab_index.items()])


def acknowledge(connection: Any, provider: str, seq: int) -> None:  # noqa: ANN401
    """Move the provider's acknowledged cursor forward (never back)."""
    connection.execute(ACKNOWLEDGE, (provider, seq))


def set_quarantine(connection: Any, provider: str, reason: str) -> None:  # noqa: ANN401
    """Keep (or with "" clear) a provider's quarantine."""
    connection.execute(
        "INSERT INTO providers (name, head_seq, click_to_act, quarantine) VALUES (?, 0, NULL, ?) "
        "ON CONFLICT (name) DO UPDATE SET quarantine = excluded.quarantine",
        (provider, reason),
    )


def delivered(connection: Any, ids: Iterable[str]) -> None:  # noqa: ANN401
    """Forget analytics the sinks received."""
    connection.executemany("DELETE FROM analytics_outbox WHERE id = ?", [(i,) for i in ids])


def save_sign_in(connection: Any, sign_in: SignIn) -> None:  # noqa: ANN401
    """Keep a console sign-in."""
    connection.execute(
        "INSERT INTO sign_ins (digest, agent_id, expires_at) VALUES (?, ?, ?)",
        (sign_in.digest, sign_in.agent_id, sign_in.expires_at),
    )


def drop_sign_ins(connection: Any, digests: Iterable[str]) -> None:  # noqa: ANN401
    """Forget console sign-ins."""
    connection.executemany("DELETE FROM sign_ins WHERE digest = ?", [(d,) for d in digests])


def sign_ins(connection: Any) -> list[SignIn]:  # noqa: ANN401
    """Every kept console sign-in."""
    return [SignIn(*row) for row in connection.execute("SELECT digest, agent_id, expires_at FROM sign_ins")]


def find_sign_in(connection: Any, digest: str) -> SignIn | None:  # noqa: ANN401
    """One kept console sign-in."""
    row = connection.execute("SELECT digest, agent_id, expires_at FROM sign_ins WHERE digest = ?", (digest,)).fetchone()
    return SignIn(*row) if row else None


def trim(connection: Any, now: float, retention: Retention) -> None:  # noqa: ANN401
    """Drop what retention no longer keeps."""
    connection.execute(
        "DELETE FROM provider_events WHERE seq <= (SELECT head_seq FROM providers WHERE name = provider) - ?",
        (retention.events,),
    )
    connection.execute(
        "DELETE FROM deltas WHERE seq <= (SELECT feed_seq FROM workspaces w WHERE w.agent_id = deltas.agent_id) - ?",
        (retention.deltas,),
    )
    connection.execute("DELETE FROM idempotency WHERE expires_at <= ?", (now,))
    connection.execute("DELETE FROM sign_ins WHERE expires_at <= ?", (now,))
    old = now - retention.closed_session_seconds
    connection.execute(
        "DELETE FROM transcript WHERE tab_id IN (SELECT t.tab_id FROM tabs t JOIN sessions s "
        "ON s.session_id = t.session_id WHERE s.closed_at IS NOT NULL AND s.closed_at <= ?)",
        (old,),
    )
    connection.execute(
        "DELETE FROM tabs WHERE session_id IN (SELECT session_id FROM sessions WHERE closed_at <= ?)", (old,)
    )
    connection.execute("DELETE FROM sessions WHERE closed_at IS NOT NULL AND closed_at <= ?", (old,))


def counts(connection: Any) -> dict[str, int]:  # noqa: ANN401
    """Rows per table, for ``channelkit store info``."""
    tables = (
        "workspaces",
        "sessions",
        "transcript",
        "toasts",
        "provider_events",
        "deltas",
        "idempotency",
        "analytics_outbox",
        "sign_ins",
    )
    return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in tables}
