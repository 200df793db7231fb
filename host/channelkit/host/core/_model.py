"""The workspace state the core owns: plain dataclasses, no I/O.

Objects here are mutated only by :class:`channelkit.host.core.Core`; edges
read them through the core's query methods and convert them at once.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING

from channelkit.sdk import AuthorRole
from channelkit.sdk import NotificationAction
from channelkit.sdk import NotificationReason
from channelkit.sdk import PageType
from channelkit.sdk import PanelMode
from channelkit.sdk import limits

if TYPE_CHECKING:
    from channelkit.host.core._templates import TemplateCall


def fields_of(value: object) -> dict[str, object]:
    """A dataclass's fields by name, shallow (unlike ``dataclasses.asdict``, nothing is copied)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]


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
    ``parameters`` are what ``{anchor.key}`` reads when the tab is an anchor;
    ``call`` is the template request a templated tab was opened with, kept so
    that SetTabTitle can resolve the title again.
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
    template: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    call: TemplateCall | None = None


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
    template: str = ""
    icon: str = ""
    channel: str = ""
    call: TemplateCall | None = None
    start_panel_mode: PanelMode | None = None
    """The template's panel mode, applied (then cleared) when the session first gains focus."""

    @property
    def home(self) -> bool:
        """True for the workspace's Home session."""
        return self.owner is None

    @property
    def anchor_parameters(self) -> dict[str, str]:
        """What ``{anchor.key}`` reads: the anchor tab's parameters (empty before the session has a tab)."""
        anchor = next(iter(self.tabs.values()), None)
        return anchor.parameters if anchor else {}


@dataclass(slots=True, kw_only=True)
class ToastLook:
    """What the agent sees of a toast, resolved and checked: literal, or from a notification template."""

    title: str
    fields: tuple[tuple[str, str], ...]
    timeout_seconds: int
    accept_label: str
    reject_label: str
    show_reject: bool
    icon: str = ""
    show_countdown: bool = True
    template: str = ""
    auto_accept: bool = False


@dataclass(slots=True, kw_only=True)
class Notification(ToastLook):
    """A toast offered to an agent: waiting in its workspace's queue, then shown, then resolved.

    ``deadline`` (wall-clock seconds) is when it stops waiting while queued,
    and when it times out once shown.
    """

    id: str
    provider: str
    agent_id: str
    cancellation_token: str
    correlation_id: str
    queued_at: datetime
    deadline: float
    shown_at: datetime | None = None
    expires_at: datetime | None = None
    action: NotificationAction | None = None
    reason: NotificationReason | None = None
    consumed: bool = False

    @property
    def shown(self) -> bool:
        """True once the toast reached the agent."""
        return self.shown_at is not None


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
    panel_width: int = limits.PANEL_WIDTH_DEFAULT
    recent_focus: list[str] = field(default_factory=list)
    pending: OrderedDict[str, Notification] = field(default_factory=OrderedDict)
    """Unresolved toasts in arrival order: the shown one (if any) and the waiting ones."""
    resolved: OrderedDict[str, Notification] = field(default_factory=OrderedDict)
    shown_id: str | None = None
    next_show_at: float = 0.0
    """Monotonic time before which no next toast is shown (the gap between toasts)."""

    @property
    def shown(self) -> Notification | None:
        """The toast the agent sees now."""
        return self.pending.get(self.shown_id) if self.shown_id else None

    def waiting(self) -> list[Notification]:
        """The queued toasts, oldest first."""
        return [t for t in self.pending.values() if not t.shown]

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
    enable_analytics: bool = True


@dataclass(slots=True, frozen=True)
class AgentInfo:
    """A configured agent as the core needs it."""

    id: str
    display_name: str
