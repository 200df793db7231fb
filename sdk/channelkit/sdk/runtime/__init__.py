"""channelkit.sdk.runtime — what runs a provider: for hosts, tools and tests, not for provider code.

A vendor writes a :class:`~channelkit.sdk.Provider` and never needs this
package. A host (the reference host's in-process runtime, a vendor's own
embedding), ``channelkit-provider run``, the testing kit and command-line
tools use it to run providers and to speak the contract:

- :class:`ProviderRunner` — the one event-consumption loop: handshake,
  ordered exactly-once dispatch, resume, resync, fault isolation;
- :class:`RetryPolicy` — the one retry policy;
- :mod:`~channelkit.sdk.runtime.rpcs` — every RPC declared once, typed;
- :mod:`~channelkit.sdk.runtime.fromproto` and :mod:`~channelkit.sdk.runtime.toproto`
  — conversion between contract messages and SDK models;
- :class:`GrpcConnection` and :func:`from_rpc_error` — the remote transport;
- :func:`plugin_manager`, :func:`register_plugin`, :func:`each_plugin` —
  plugins through pluggy;
- :func:`read_token` — a command-line tool's token, never from the command line.
"""

from __future__ import annotations

from channelkit.sdk.runtime import fromproto
from channelkit.sdk.runtime import rpcs
from channelkit.sdk.runtime import toproto
from channelkit.sdk.runtime._cursor import CursorFile
from channelkit.sdk.runtime._cursor import Processed
from channelkit.sdk.runtime._dispatch import Fault
from channelkit.sdk.runtime._dispatch import run_guarded
from channelkit.sdk.runtime._plugins import HookCall
from channelkit.sdk.runtime._plugins import caller_for
from channelkit.sdk.runtime._plugins import each_plugin
from channelkit.sdk.runtime._plugins import load_module
from channelkit.sdk.runtime._plugins import plugin_manager
from channelkit.sdk.runtime._plugins import register_plugin
from channelkit.sdk.runtime._remote import DEADLINE_SECONDS
from channelkit.sdk.runtime._remote import GrpcConnection
from channelkit.sdk.runtime._remote import GrpcTransport
from channelkit.sdk.runtime._retry import Backoff
from channelkit.sdk.runtime._retry import RetryPolicy
from channelkit.sdk.runtime._retry import retry_delay
from channelkit.sdk.runtime._runner import PROTOCOL_VERSIONS
from channelkit.sdk.runtime._runner import Connection
from channelkit.sdk.runtime._runner import FatalConnectionError
from channelkit.sdk.runtime._runner import ProviderRunner
from channelkit.sdk.runtime._runner import StartFailed
from channelkit.sdk.runtime._runner import handshake
from channelkit.sdk.runtime._secrets import TokenMissing
from channelkit.sdk.runtime._secrets import read_token
from channelkit.sdk.runtime._status import from_rpc_error

__all__ = [
    "DEADLINE_SECONDS",
    "PROTOCOL_VERSIONS",
    "Backoff",
    "Connection",
    "CursorFile",
    "FatalConnectionError",
    "Fault",
    "GrpcConnection",
    "GrpcTransport",
    "HookCall",
    "Processed",
    "ProviderRunner",
    "RetryPolicy",
    "StartFailed",
    "TokenMissing",
    "caller_for",
    "each_plugin",
    "from_rpc_error",
    "fromproto",
    "handshake",
    "load_module",
    "plugin_manager",
    "read_token",
    "register_plugin",
    "retry_delay",
    "rpcs",
    "run_guarded",
    "toproto",
]
