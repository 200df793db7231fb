"""Where the host's state outlives the process: one interface, three engines.

``memory`` keeps nothing past the process (tests, benchmarks); ``sqlite`` is
the embedded default for one host; ``postgres`` lets several host replicas
share one database. ``docs/operations.md`` says how to choose, back up and
run them.
"""

from __future__ import annotations

from channelkit.host.store._base import SCHEMA_VERSION
from channelkit.host.store._base import IdempotencyRecord
from channelkit.host.store._base import Retention
from channelkit.host.store._base import SignIn
from channelkit.host.store._base import Store
from channelkit.host.store._base import StoredProvider
from channelkit.host.store._base import StoredState
from channelkit.host.store._base import StoredWorkspace
from channelkit.host.store._base import StoreError
from channelkit.host.store._base import StoreInfo
from channelkit.host.store._base import StoreUnavailable
from channelkit.host.store._base import Transaction
from channelkit.host.store._base import Unit
from channelkit.host.store._base import WorkspaceWrite
from channelkit.host.store._base import check_version
from channelkit.host.store._factory import STATE_DIR
from channelkit.host.store._factory import open_store
from channelkit.host.store._factory import sqlite_path

__all__ = [
    "SCHEMA_VERSION",
    "STATE_DIR",
    "IdempotencyRecord",
    "Retention",
    "SignIn",
    "Store",
    "StoreError",
    "StoreInfo",
    "StoreUnavailable",
    "StoredProvider",
    "StoredState",
    "StoredWorkspace",
    "Transaction",
    "Unit",
    "WorkspaceWrite",
    "check_version",
    "open_store",
    "sqlite_path",
]
