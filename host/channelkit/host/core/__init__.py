"""The pure core: every agent workspace and every rule, with no I/O.

Commands go in, state changes, and routed deliveries come out through
:meth:`Core.take_deliveries`. The gRPC servicers, the in-process provider path
and the agent console all call this one object, so each rule (R2–R8, R11's
state side) exists exactly once. Nothing here imports gRPC or asyncio, which
is what lets the property-based tests drive it directly.

A command either raises a :class:`channelkit.sdk.errors.ChannelkitError`
before changing anything, or applies completely.
"""

from __future__ import annotations

from channelkit.host.core import _events as events
from channelkit.host.core._agent import AgentOps
from channelkit.host.core._base import CoreSettings
from channelkit.host.core._clock import Clock
from channelkit.host.core._clock import ManualClock
from channelkit.host.core._clock import SystemClock
from channelkit.host.core._conversations import ConversationOps
from channelkit.host.core._model import AgentInfo
from channelkit.host.core._model import Notification
from channelkit.host.core._model import ProviderInfo
from channelkit.host.core._model import RecordRef
from channelkit.host.core._model import Session
from channelkit.host.core._model import SessionAction
from channelkit.host.core._model import Tab
from channelkit.host.core._model import TranscriptEntry
from channelkit.host.core._model import Workspace
from channelkit.host.core._notifications import NotificationOps
from channelkit.host.core._notifications import ToastSpec
from channelkit.host.core._settings import SettingsOps
from channelkit.host.core._state import StateOps
from channelkit.host.core._tabs import TabSpec
from channelkit.host.core._templates import TemplateCall
from channelkit.host.core._templates import TemplateCatalog


class Core(AgentOps, NotificationOps, SettingsOps, ConversationOps, StateOps):
    """All workspaces of one host and the rules that govern them."""


__all__ = [
    "AgentInfo",
    "Clock",
    "Core",
    "CoreSettings",
    "ManualClock",
    "Notification",
    "ProviderInfo",
    "RecordRef",
    "Session",
    "SessionAction",
    "SystemClock",
    "Tab",
    "TabSpec",
    "TemplateCall",
    "TemplateCatalog",
    "ToastSpec",
    "TranscriptEntry",
    "Workspace",
    "events",
]
