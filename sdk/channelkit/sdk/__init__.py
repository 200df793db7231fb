"""channelkit.sdk — what provider authors program against.

A provider is one :class:`Provider` subclass. Register it from a plugin module
with :data:`hookimpl`::

    from channelkit.sdk import Provider, hookimpl

    class EchoChat(Provider):
        name = "echo-chat"
        channel = "chat"

    @hookimpl
    def channelkit_register_providers(registry):
        registry.add(EchoChat)

and declare the module under the ``channelkit.providers`` entry-point group.
The host runs it in-process; ``channelkit-provider run`` runs the same class
out of process. It talks to the host through :class:`Host`, receives the
models in :mod:`channelkit.sdk.events`, and catches the exceptions in
:mod:`channelkit.sdk.errors`. :mod:`channelkit.host.testing` tests it without a
server. Generated protobuf types never appear in this API; what a host needs
to run providers is in :mod:`channelkit.sdk.runtime`.
"""

from __future__ import annotations

from channelkit.sdk import events
from channelkit.sdk import limits
from channelkit.sdk._enums import AuthorRole
from channelkit.sdk._enums import NotificationAction
from channelkit.sdk._enums import NotificationReason
from channelkit.sdk._enums import PageType
from channelkit.sdk._enums import PanelMode
from channelkit.sdk._markers import ENTRY_POINT_GROUP
from channelkit.sdk._markers import hookimpl
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorCode
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.host import Host
from channelkit.sdk.models import AgentRecord
from channelkit.sdk.models import AttentionResult
from channelkit.sdk.models import Availability
from channelkit.sdk.models import HostInfo
from channelkit.sdk.models import HostLimits
from channelkit.sdk.models import NotificationField
from channelkit.sdk.models import NotificationOutcome
from channelkit.sdk.models import ProviderRecord
from channelkit.sdk.models import RecordRef
from channelkit.sdk.models import Session
from channelkit.sdk.models import SessionAction
from channelkit.sdk.models import Tab
from channelkit.sdk.models import TabSpec
from channelkit.sdk.models import TranscriptEntry
from channelkit.sdk.provider import Provider
from channelkit.sdk.registry import ProviderRegistry
from channelkit.sdk.registry import RegistrationError

__all__ = [
    "ENTRY_POINT_GROUP",
    "AgentRecord",
    "AttentionResult",
    "AuthorRole",
    "Availability",
    "ChannelkitError",
    "ErrorCode",
    "ErrorReason",
    "Host",
    "HostInfo",
    "HostLimits",
    "NotificationAction",
    "NotificationField",
    "NotificationOutcome",
    "NotificationReason",
    "PageType",
    "PanelMode",
    "Provider",
    "ProviderRecord",
    "ProviderRegistry",
    "RecordRef",
    "RegistrationError",
    "Session",
    "SessionAction",
    "Tab",
    "TabSpec",
    "TranscriptEntry",
    "__version__",
    "events",
    "hookimpl",
    "limits",
]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed distribution when first asked for."""
    if name == "__version__":
        from channelkit.sdk._version import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
