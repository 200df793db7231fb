"""The workspace state the core owns: plain dataclasses, no I/O.

Objects here are mutated only by :class:`channelkit.host.core.Core`; edges
read them through the core's query methods and convert them at once.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from channelkit.sdk import AuthorRole
from channelkit.sdk import NotificationAction
from channelkit.sdk import NotificationReason
from channelkit.sdk import PageType
from channelkit.sdk import PanelMode


@dataclass(slots=True, frozen=True)
class TranscriptEntry:
    """One stored line of a transcript tab."""

    id: str
    role: AuthorRole
    author: str
    text: str
    occurred_at: datetime


@dataclass(slots=True, frozen=True)
class SessionAction:
    """A button the owning provider shows with its session."""

    id: str
    label: str
    takes_text: bool = False
    placeholder: str = ""
    enabled: bool = True


@dataclass(slots=True, frozen=True)
class RecordRef:
    """A CRM record shown by a record tab."""

    entity_name: str
    entity_id: str


@dataclass(slots=True)
class Tab:
    """A tab inside a session; the first tab of a session is its anchor.

    ``transcript`` holds the entries of a TRANSCRIPT tab (empty for the others).
    """

    id: str
    session_id: str
    title: str
    page_type: PageType
    target: str
    can_close: bool
    anchor: bool
    record: RecordRef | None = None
    transcript: list[TranscriptEntry] = field(default_factory=list)


@dataclass(slots=True)
class Session:
    """A session in an agent's list; ``owner`` is None only for Home."""

    id: str
    owner: str | None
    agent_id: str
    title: str
    created_at: datetime
    tabs: OrderedDict[str, Tab] = field(default_factory=OrderedDict)
    focused_tab_id: str | None = None
    attention: bool = False
    unread_count: int = 0
    kpi_breach: bool = False
    kpi_breach_details: str = ""
    context: dict[str, str] = field(default_factory=dict)
    correlation_id: str = ""
    provider_session_id: str = ""
    last_alert_at: float | None = None
    actions: tuple[SessionAction, ...] = ()

    @property
    def home(self) -> bool:
        """True for the workspace's Home session."""
        return self.owner is None


@dataclass(slots=True)
class Notification:
    """A toast offered to an agent; pending until answered, timed out or cancelled."""

    id: str
    provider: str
    agent_id: str
    title: str
    fields: tuple[tuple[str, str], ...]
    timeout_seconds: int
    accept_label: str
    reject_label: str
    show_reject: bool
    cancellation_token: str
    correlation_id: str
    shown_at: datetime
    expires_at: datetime
    deadline: float
    action: NotificationAction | None = None
    reason: NotificationReason | None = None
    consumed: bool = False


@dataclass(slots=True)
class Workspace:
    """Everything one agent sees; ``sessions`` holds Home first."""

    agent_id: str
    display_name: str
    sessions: OrderedDict[str, Session]
    focused_id: str
    home_id: str
    presence: str
    panel_mode: PanelMode = PanelMode.DOCKED
    panel_width: int = 400
    recent_focus: list[str] = field(default_factory=list)
    pending: OrderedDict[str, Notification] = field(default_factory=OrderedDict)
    resolved: OrderedDict[str, Notification] = field(default_factory=OrderedDict)

    @property
    def open_session_count(self) -> int:
        """Sessions besides Home."""
        return len(self.sessions) - 1


@dataclass(slots=True)
class ProviderInfo:
    """A configured provider as the core needs it."""

    name: str
    label: str
    channel: str
    channel_order: int
    enabled: bool
    click_to_act: bool
    agents: frozenset[str]
    parameters: dict[str, str] = field(default_factory=dict)
    remote: bool = True


@dataclass(slots=True, frozen=True)
class AgentInfo:
    """A configured agent as the core needs it."""

    id: str
    display_name: str


@dataclass(slots=True, frozen=True)
class AnalyticsRecord:
    """A custom analytics event logged by a provider (CIF's KPI event shape)."""

    id: str
    provider: str
    agent_id: str
    session_id: str
    name: str
    reason: str
    occurred_at: datetime
    attributes: tuple[tuple[str, str], ...]
    correlation_id: str


@dataclass(slots=True)
class ProviderCounters:
    """What one provider did since the host started (HostService.ListProviders reports it)."""

    offered: int = 0
    accepted: int = 0
    rejected: int = 0
    timed_out: int = 0
    cancelled: int = 0
    sessions_opened: int = 0
    sessions_closed: int = 0
    attention_requests: int = 0
