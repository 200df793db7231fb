"""The SDK's data: what a provider reads from the host and what it asks for.

Every model is a frozen pydantic model that forbids unknown fields, so a typo
in a keyword fails at once instead of being ignored. Models mirror the
``channelkit.v1`` contract field for field; the generated protobuf types never
appear in this API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import model_validator

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
    "SessionRequest",
    "Tab",
    "TabSpec",
    "TemplateParameters",
    "ToastRequest",
    "TranscriptEntry",
]


class Model(BaseModel):
    """Base of every SDK model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- what the host reports ------------------------------------------------------------------------


class RecordRef(Model):
    """A CRM record: an entity (table) name such as "contact" and the record's id."""

    entity_name: Annotated[str, Field(min_length=1, max_length=64)]
    entity_id: Annotated[str, Field(min_length=1, max_length=128)]


class SessionAction(Model):
    """A button shown with a session; the agent pressing it sends the owner ``ActionInvoked``.

    ``takes_text`` adds a text box whose content comes with the invocation
    (for example "Send" in a messaging channel).
    """

    id: Annotated[str, Field(min_length=1, max_length=64)]
    label: Annotated[str, Field(min_length=1, max_length=40)]
    takes_text: bool = False
    placeholder: Annotated[str, Field(max_length=100)] = ""
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

    ``URL`` shows ``target`` (an http(s) URL), ``CUSTOM`` a page the client
    knows by the name ``target``, ``TRANSCRIPT`` a conversation the host keeps
    (append with ``Host.append_transcript``), ``RECORD`` the CRM ``record``.
    """

    title: Annotated[str, Field(min_length=1, max_length=200)]
    target: Annotated[str, Field(max_length=4096)] = ""
    """The URL (``URL``) or the client-known page name (``CUSTOM``); empty for the others."""
    page_type: PageType = PageType.URL
    can_close: bool = True
    record: RecordRef | None = None

    @model_validator(mode="after")
    def _fits_page_type(self) -> TabSpec:
        needs_target = self.page_type in (PageType.URL, PageType.CUSTOM)
        if needs_target != bool(self.target):
            raise ValueError(f"target is {'required' if needs_target else 'not used'} for {self.page_type.name} tabs")
        if (self.page_type is PageType.RECORD) != (self.record is not None):
            raise ValueError("record is required for RECORD tabs and not used for the others")
        return self

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


class TemplateParameters(Model):
    """What fills a template's placeholders.

    ``values`` serve every template of the call; ``tabs`` (by tab template
    name) serve one tab template only, win over ``values`` and may replace the
    template's own settings.
    """

    values: dict[str, str] = Field(default_factory=dict)
    tabs: dict[str, dict[str, str]] = Field(default_factory=dict)


def _title_or_template(title: str, template: str, parameters: TemplateParameters | None) -> None:
    """A request is literal (a title) or templated (a template, perhaps with parameters), never both."""
    if bool(template) == bool(title):
        raise ValueError("give either a title or a template")
    if parameters is not None and not template:
        raise ValueError("parameters are only used with a template")


class SessionRequest(Model):
    """Everything ``Host.create_session`` sends."""

    agent_id: str
    title: Annotated[str, Field(max_length=200)] = ""
    context: dict[str, str] = Field(default_factory=dict)
    correlation_id: str = ""
    provider_session_id: str = ""
    consent_notification_id: str = ""
    anchor_tab: TabSpec | None = None
    template: str = ""
    parameters: TemplateParameters | None = None

    @model_validator(mode="after")
    def _title_or_template(self) -> SessionRequest:
        _title_or_template(self.title, self.template, self.parameters)
        if self.template and self.anchor_tab is not None:
            raise ValueError("anchor_tab comes from the template; do not give both")
        return self


class NotificationField(Model):
    """One header/value line of a toast."""

    header: Annotated[str, Field(max_length=100)]
    value: Annotated[str, Field(max_length=500)]


class ToastRequest(Model):
    """Everything ``Host.notify_event`` sends."""

    agent_id: str
    title: Annotated[str, Field(max_length=200)] = ""
    fields: tuple[NotificationField, ...] = ()
    timeout_seconds: Annotated[int, Field(ge=0, le=500)] = 0
    accept_label: str = ""
    reject_label: str = ""
    hide_reject: bool = False
    cancellation_token: str = ""
    correlation_id: str = ""
    template: str = ""
    parameters: TemplateParameters | None = None

    @model_validator(mode="after")
    def _title_or_template(self) -> ToastRequest:
        _title_or_template(self.title, self.template, self.parameters)
        return self
