"""The SDK's data: what a provider reads from the host and what it asks for.

Every model is a frozen pydantic model that forbids unknown fields, so a typo
in a keyword fails at once instead of being ignored. Models mirror the
``channelkit.v1`` contract field for field; the generated protobuf types never
appear in this API.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from channelkit.sdk._enums import AuthorRole
from channelkit.sdk._enums import NotificationAction
from channelkit.sdk._enums import NotificationReason
from channelkit.sdk._enums import PageType
from channelkit.sdk._enums import PanelMode

__all__ = [
    "AgentRecord",
    "AttentionResult",
    "AuthorRole",
    "Availability",
    "HostInfo",
    "HostLimits",
    "NotificationField",
    "NotificationOutcome",
    "PanelMode",
    "ProviderRecord",
    "RecordRef",
    "Session",
    "SessionAction",
    "Tab",
    "TabSpec",
    "TranscriptEntry",
]


class Model(BaseModel):
    """Base of every SDK model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- what the host reports ------------------------------------------------------------------------


class RecordRef(Model):
    """A CRM record: an entity (table) name such as "contact" (at most 64 characters) and the record's id."""

    entity_name: str
    entity_id: str


class SessionAction(Model):
    """A button shown with a session; the agent pressing it sends the owner ``ActionInvoked``.

    ``takes_text`` adds a text box whose content comes with the invocation
    (for example "Send" in a messaging channel).
    """

    id: str
    """1–64 characters of letters, digits and ``. _ : @ -``, unique within the session."""
    label: str
    """1–40 characters."""
    takes_text: bool = False
    placeholder: str = ""
    """Shown in the text box (at most 100 characters)."""
    enabled: bool = True


class TranscriptEntry(Model):
    """One stored line of a transcript tab."""

    id: str
    role: AuthorRole
    author: str = ""
    text: str
    occurred_at: datetime


class Tab(Model):
    """A tab of a session."""

    id: str
    session_id: str
    title: str
    page_type: PageType
    target: str = ""
    can_close: bool = True
    focused: bool = False
    anchor: bool = False
    record: RecordRef | None = None
    template: str = ""
    """The tab template it was opened from ("" for a literal tab)."""


class Session(Model):
    """A session the provider owns, as the host sees it now."""

    id: str
    owner_provider: str
    agent_id: str
    title: str
    created_at: datetime
    tabs: tuple[Tab, ...] = ()
    focused_tab_id: str = ""
    focused: bool = False
    attention: bool = False
    unread_count: int = 0
    kpi_breach: bool = False
    kpi_breach_details: str = ""
    context: dict[str, str] = Field(default_factory=dict)
    correlation_id: str = ""
    provider_session_id: str = ""
    actions: tuple[SessionAction, ...] = ()
    template: str = ""
    """The session template it was created from ("" for a literal session)."""
    icon: str = ""


class NotificationOutcome(Model):
    """How a toast ended: the answer to ``Host.notify_event``."""

    notification_id: str
    action: NotificationAction
    reason: NotificationReason

    @property
    def accepted(self) -> bool:
        """True when the agent (or auto-accept) accepted the toast."""
        return self.action is NotificationAction.ACCEPT


class AttentionResult(Model):
    """What ``Host.request_focus_session`` did."""

    already_focused: bool
    alerted: bool
    unread_count: int


class Availability(Model):
    """Whether a session or tab could be created now, with the count and the limit."""

    allowed: bool
    count: int
    limit: int


class AgentRecord(Model):
    """An agent the provider serves."""

    id: str
    display_name: str = ""


class ProviderRecord(Model):
    """The provider as the host configured it."""

    name: str
    label: str
    channel: str
    channel_order: int
    enabled: bool
    click_to_act: bool
    agents: tuple[str, ...] = ()
    parameters: dict[str, str] = Field(default_factory=dict)
    enable_analytics: bool = True


class HostLimits(Model):
    """The limits the host enforces (sent in the handshake)."""

    max_sessions: int
    max_tabs: int
    attention_cooldown_ms: int
    rate_limit_per_second: float
    rate_limit_burst: int
    event_retention: int
    max_message_bytes: int
    max_transcript_entries: int = 0


class HostInfo(Model):
    """What the lifecycle hooks learn about the host."""

    address: str
    providers: tuple[str, ...]


# --- what a provider asks for ---------------------------------------------------------------------


class TabSpec(Model):
    """A tab to open; the classmethods build each kind.

    ``URL`` shows ``target`` (an absolute http(s) URL of at most 2048
    characters), ``CUSTOM`` a page the client knows by the name ``target``,
    ``TRANSCRIPT`` a conversation the host keeps (append with
    ``Host.append_transcript``), ``RECORD`` the CRM ``record``. The host checks
    the spec (see :mod:`channelkit.sdk.limits`) and answers
    :class:`~channelkit.sdk.errors.InvalidArgument` naming the field.
    """

    title: str
    """1–200 characters."""
    target: str = ""
    """The URL (``URL``) or the client-known page name (``CUSTOM``); empty for the others."""
    page_type: PageType = PageType.URL
    can_close: bool = True
    record: RecordRef | None = None

    @classmethod
    def url(cls, title: str, url: str, *, can_close: bool = True) -> TabSpec:
        """A tab showing a third-party page."""
        return cls(title=title, target=url, page_type=PageType.URL, can_close=can_close)

    @classmethod
    def transcript(cls, title: str, *, can_close: bool = False) -> TabSpec:
        """A conversation tab whose entries the host keeps and shows."""
        return cls(title=title, page_type=PageType.TRANSCRIPT, can_close=can_close)

    @classmethod
    def crm_record(cls, title: str, entity_name: str, entity_id: str, *, can_close: bool = True) -> TabSpec:
        """A tab showing a CRM record, linked through the host's ``console.record_url``."""
        record = RecordRef(entity_name=entity_name, entity_id=entity_id)
        return cls(title=title, page_type=PageType.RECORD, record=record, can_close=can_close)


class NotificationField(Model):
    """One header/value line of a toast (header at most 200 characters, value at most 1028)."""

    header: str
    value: str
