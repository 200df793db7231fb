"""The tables of a store and the steps from each schema version to the next; one text for both SQL engines.

Version 1 is the first stored layout; version 2 added the providers'
acknowledged cursors, the console's sign-ins and the providers' shared rate-limit buckets. A host opening an older
store runs the steps it lacks, in one transaction; it refuses a newer one.
"""

from __future__ import annotations

from collections.abc import Mapping

from channelkit.host.store._base import SCHEMA_VERSION

SQLITE_TYPES = {"blob": "BLOB", "real": "REAL", "int": "INTEGER"}
POSTGRES_TYPES = {"blob": "BYTEA", "real": "DOUBLE PRECISION", "int": "BIGINT"}

VERSION_1 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE workspaces (agent_id TEXT PRIMARY KEY, version {int} NOT NULL, feed_seq {int} NOT NULL,"
    " next_deadline {real}, doc {blob} NOT NULL)",
    "CREATE TABLE sessions (session_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, closed_at {real},"
    " doc {blob} NOT NULL)",
    "CREATE INDEX sessions_by_agent ON sessions (agent_id)",
    "CREATE TABLE tabs (tab_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, agent_id TEXT NOT NULL)",
    "CREATE INDEX tabs_by_agent ON tabs (agent_id)",
    "CREATE TABLE transcript (tab_id TEXT NOT NULL, position {int} NOT NULL, agent_id TEXT NOT NULL,"
    " doc {blob} NOT NULL, PRIMARY KEY (tab_id, position))",
    "CREATE INDEX transcript_by_agent ON transcript (agent_id)",
    "CREATE TABLE toasts (toast_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, provider TEXT NOT NULL,"
    " resolved {int} NOT NULL, doc {blob} NOT NULL)",
    "CREATE INDEX toasts_by_agent ON toasts (agent_id)",
    "CREATE TABLE providers (name TEXT PRIMARY KEY, head_seq {int} NOT NULL, click_to_act {int},"
    " quarantine TEXT NOT NULL)",
    "CREATE TABLE provider_events (provider TEXT NOT NULL, seq {int} NOT NULL, event {blob} NOT NULL,"
    " PRIMARY KEY (provider, seq))",
    "CREATE TABLE deltas (agent_id TEXT NOT NULL, seq {int} NOT NULL, event {blob} NOT NULL,"
    " PRIMARY KEY (agent_id, seq))",
    "CREATE TABLE idempotency (provider TEXT NOT NULL, request_id TEXT NOT NULL, method TEXT NOT NULL,"
    " fingerprint {blob} NOT NULL, response {blob} NOT NULL, expires_at {real} NOT NULL,"
    " PRIMARY KEY (provider, request_id))",
    "CREATE TABLE analytics_outbox (id TEXT PRIMARY KEY, doc {blob} NOT NULL)",
]
"""The first stored layout."""

STEPS: dict[int, list[str]] = {
    2: [
        "ALTER TABLE providers ADD COLUMN acked_seq {int} NOT NULL DEFAULT 0",
        "CREATE TABLE sign_ins (digest TEXT PRIMARY KEY, agent_id TEXT NOT NULL, expires_at {real} NOT NULL)",
        "CREATE TABLE rate_buckets (provider TEXT PRIMARY KEY, tokens {real} NOT NULL, at {real} NOT NULL,"
        " granted {int} NOT NULL)",
    ],
}
"""Version → the statements that bring the version before it up to it."""

assert max(STEPS) == SCHEMA_VERSION, "every schema version has its step"


def statements(version_from: int, types: Mapping[str, str]) -> list[str]:
    """The statements that bring a store at ``version_from`` (0: empty) up to :data:`SCHEMA_VERSION`."""
    chosen = list(VERSION_1) if version_from == 0 else []
    for version in range(max(version_from, 1) + 1, SCHEMA_VERSION + 1):
        chosen += STEPS[version]
    return [statement.format(**types) for statement in chosen]
