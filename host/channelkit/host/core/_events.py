"""Events the core routes: to one provider, or to one agent's workspace watchers.

Each core command appends outputs to the core's outbox; the edge takes them
after the command succeeds and hands each delivery to exactly the recipient
named here, re-arms the toast timer from each :class:`ToastDeadline` and logs
each :class:`Notice`.
Routing is decided once, in the core, so the in-process path, gRPC and any
later edge cannot disagree about who may see what.
"""

from __future__ import annotations

from dataclasses import dataclass

from channelkit.host.core._model import Notification
from channelkit.host.core._model import Session
from channelkit.host.core._model import TranscriptEntry
from channelkit.sdk.analytics import AnalyticsEvent
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as pb

# --- payloads for providers --------------------------------------------------
#
# A provider's event payload is the contract's own message (``channelkit.v1``
# ``SessionFocusChanged``, ``SessionClosed`` …): the edge puts it into a
# ``ProviderEvent`` under the ``payload`` field its type names, so a payload is
# defined once, in the contract.

ProviderPayload = (
    pb.SessionFocusChanged
    | pb.SessionClosed
    | pb.TabFocused
    | pb.TabClosed
    | pb.NotificationResolved
    | pb.ClickToAct
    | pb.PresenceChanged
    | pb.PanelChanged
    | pb.ActionInvoked
    | pb.ExternalEvent
)

# --- payloads for the agent's workspace watchers ------------------------------
#
# Most workspace deltas are the contract's own messages too; the three that carry
# core objects (a session, a toast, a transcript entry) are converted by the edge the moment the
# command returns, so the message shows the state right after the command.


@dataclass(slots=True, frozen=True)
class SessionUpdated:
    """A session was created or changed."""

    session: Session
    focused: bool


@dataclass(slots=True, frozen=True)
class NotificationShown:
    """A toast was offered."""

    notification: Notification


@dataclass(slots=True, frozen=True)
class TranscriptAppended:
    """A provider appended an entry to a transcript tab."""

    session_id: str
    tab_id: str
    entry: TranscriptEntry


AgentPayload = (
    SessionUpdated
    | NotificationShown
    | apb.SessionRemoved
    | apb.FocusChanged
    | apb.NotificationRemoved
    | apb.WorkspaceSettings
    | apb.TabRefreshRequested
    | apb.AttentionAlert
    | TranscriptAppended
)

# --- envelopes -----------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class ToProvider:
    """Deliver ``payload`` to provider ``provider`` only."""

    provider: str
    agent_id: str
    correlation_id: str
    payload: ProviderPayload


@dataclass(slots=True, frozen=True)
class ToAgent:
    """Deliver ``payload`` to the watchers of agent ``agent_id`` only."""

    agent_id: str
    payload: AgentPayload


Delivery = ToProvider | ToAgent | AnalyticsEvent
"""An event for one provider, for one agent's watchers, or for the analytics sinks."""


# --- what the edge does besides delivering ----------------------------------------


@dataclass(slots=True, frozen=True)
class ToastDeadline:
    """The workspace's next toast deadline (wall-clock seconds) after the command; None when it has none."""

    agent_id: str
    at: float | None


@dataclass(slots=True, frozen=True)
class ClickToActSwitched:
    """A provider switched click-to-act on or off (state of the provider, not of a workspace)."""

    provider: str
    enabled: bool


@dataclass(slots=True, frozen=True)
class Notice:
    """Something the operator should read in the host's log (the core itself never logs)."""

    message: str


Output = Delivery | ToastDeadline | ClickToActSwitched | Notice
"""Everything a command hands back besides its result."""
