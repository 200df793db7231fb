"""Events the core routes: to one provider, or to one agent's workspace watchers.

Each core command appends deliveries to the core's outbox; the edge takes them
after the command succeeds and hands each to exactly the recipient named here.
Routing is decided once, in the core, so the in-process path, gRPC and any
later edge cannot disagree about who may see what.
"""

from __future__ import annotations

from dataclasses import dataclass

from channelkit.host.core._model import AnalyticsRecord
from channelkit.host.core._model import Notification
from channelkit.host.core._model import Session
from channelkit.host.core._model import TranscriptEntry
from channelkit.sdk import NotificationAction
from channelkit.sdk import NotificationReason
from channelkit.sdk import PanelMode

# --- payloads for providers --------------------------------------------------


@dataclass(slots=True, frozen=True)
class SessionFocusChanged:
    """An owned session gained (True) or lost (False) focus."""

    session_id: str
    focused: bool


@dataclass(slots=True, frozen=True)
class SessionClosed:
    """The agent closed an owned session."""

    session_id: str


@dataclass(slots=True, frozen=True)
class TabFocused:
    """The agent focused an owned tab."""

    session_id: str
    tab_id: str


@dataclass(slots=True, frozen=True)
class TabClosed:
    """The agent closed an owned tab."""

    session_id: str
    tab_id: str


@dataclass(slots=True, frozen=True)
class NotificationResolved:
    """A toast of the recipient ended."""

    notification_id: str
    action: NotificationAction
    reason: NotificationReason
    cancellation_token: str


@dataclass(slots=True, frozen=True)
class ClickToAct:
    """The agent clicked a click-to-act field; the recipient was chosen to act."""

    value: str
    name: str
    format: str
    entity_name: str


@dataclass(slots=True, frozen=True)
class PresenceChanged:
    """The agent's presence changed."""

    presence: str


@dataclass(slots=True, frozen=True)
class PanelChanged:
    """The agent's panel mode or width changed."""

    mode: PanelMode
    width: int


@dataclass(slots=True, frozen=True)
class ActionInvoked:
    """The agent pressed an action button of an owned session."""

    session_id: str
    action_id: str
    text: str


@dataclass(slots=True, frozen=True)
class ExternalEvent:
    """An outside event an operator injected for the recipient."""

    kind: str
    attributes: tuple[tuple[str, str], ...]


ProviderPayload = (
    SessionFocusChanged
    | SessionClosed
    | TabFocused
    | TabClosed
    | NotificationResolved
    | ClickToAct
    | PresenceChanged
    | PanelChanged
    | ActionInvoked
    | ExternalEvent
)

# --- payloads for the agent's workspace watchers ------------------------------


@dataclass(slots=True, frozen=True)
class SessionUpdated:
    """A session was created or changed; the edge converts it at once."""

    session: Session
    focused: bool


@dataclass(slots=True, frozen=True)
class SessionRemoved:
    """A session was closed."""

    session_id: str


@dataclass(slots=True, frozen=True)
class FocusChanged:
    """The focused session changed."""

    session_id: str
    previous_session_id: str


@dataclass(slots=True, frozen=True)
class NotificationShown:
    """A toast was offered."""

    notification: Notification


@dataclass(slots=True, frozen=True)
class NotificationRemoved:
    """A toast ended."""

    notification_id: str
    action: NotificationAction
    reason: NotificationReason


@dataclass(slots=True, frozen=True)
class SettingsChanged:
    """Presence or panel changed."""

    presence: str
    panel_mode: PanelMode
    panel_width: int


@dataclass(slots=True, frozen=True)
class TabRefreshRequested:
    """A provider asked the client to reload a tab."""

    session_id: str
    tab_id: str


@dataclass(slots=True, frozen=True)
class AttentionAlert:
    """A session asks for the agent's eye (at most one per session per cooldown)."""

    session_id: str
    unread_count: int


@dataclass(slots=True, frozen=True)
class TranscriptAppended:
    """A provider appended an entry to a transcript tab."""

    session_id: str
    tab_id: str
    entry: TranscriptEntry


AgentPayload = (
    SessionUpdated
    | SessionRemoved
    | FocusChanged
    | NotificationShown
    | NotificationRemoved
    | SettingsChanged
    | TabRefreshRequested
    | AttentionAlert
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


Delivery = ToProvider | ToAgent | AnalyticsRecord
"""An event for one provider, for one agent's watchers, or for the analytics sinks."""
