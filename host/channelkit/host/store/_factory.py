"""The store the configuration names."""

from __future__ import annotations

from pathlib import Path

from channelkit.host.config import HostConfig
from channelkit.host.store._base import Store
from channelkit.host.store._base import StoreError
from channelkit.host.store._memory import MemoryStore
from channelkit.host.store._sqlite import SqliteStore

STATE_DIR = "channelkit-state"
SQLITE_FILE = "host.db"


def sqlite_path(config: HostConfig, state_dir: Path | None = None) -> Path:
    """Where the SQLite store lives: ``[store] path`` (relative to the config file), else the state directory."""
    if config.store.path:
        path = Path(config.store.path)
        return path if path.is_absolute() or config.base_dir is None else config.base_dir / path
    if state_dir is not None:
        return state_dir / SQLITE_FILE
    return (config.base_dir or Path.cwd()) / STATE_DIR / SQLITE_FILE


def open_store(config: HostConfig, state_dir: Path | None = None) -> Store:
    """A (not yet opened) store as ``[store]`` describes it."""
    settings = config.store
    if settings.kind == "memory":
        return MemoryStore()
    if settings.kind == "postgres":
        try:
            from channelkit.host.store._postgres import PostgresStore  # late: only a postgres host needs psycopg
        except ImportError as exc:
            raise StoreError(
                f'[store] kind = "postgres" needs psycopg 3 ({exc}): pip install "channelkit-host[postgres]"'
            ) from None

        assert settings.dsn is not None  # the configuration requires it
        return PostgresStore(settings.dsn, pool_size=settings.pool_size, events_kept=config.limits.event_retention)
    return SqliteStore(
        sqlite_path(config, state_dir),
        synchronous=settings.synchronous.upper(),
        events_kept=config.limits.event_retention,
    )
