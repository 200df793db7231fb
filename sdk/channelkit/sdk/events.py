"""The events a provider receives, one class per kind.

Each event carries where it stands in the provider's ordered stream (``seq``,
gap-free per provider), a unique ``event_id``, the agent whose workspace it
comes from, when it happened and the correlation id of the session or toast
concerned. The host sends a provider only events of its own sessions and
toasts, and the presence and panel changes of the agents it serves.

A class is named after its ``ProviderEvent.payload`` field in the contract
(``session_focus_changed`` is :class:`SessionFocusChanged`) and handled by the
provider method ``on_`` + that field (``on_session_focus_changed``); the
runtime derives both from the class name, so an event kind is declared here
once.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from channelkit.sdk._enums import NotificationAction
from channelkit.sdk._enums import NotificationReason
from channelkit.sdk._enums import PanelMode
from channelkit.sdk.models import Model

__all__ = [
    "ActionInvoked",
    "ClickToAct",
    "Event",
    "ExternalEvent",
    "NotificationResolved",
    "PanelChanged",
    "PresenceChanged",
    "SessionClosed",
    "SessionFocusChanged",
    "TabClosed",
    "TabFocused",
]


class Event(Model):
    """Fields every event has."""

    payload: ClassVar[str] = ""
    """The contract's ``ProviderEvent.payload`` field this class reads, e.g. ``session_closed``."""
    handler: ClassVar[str] = ""
    """The :class:`~channelkit.sdk.Provider` method that handles it, e.g. ``on_session_closed``."""
    by_payload: ClassVar[dict[str, type[Event]]] = {}
    """Every event class by its payload field."""

    seq: int
    event_id: str
    agent_id: str
    occurred_at: datetime
    correlation_id: str = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: object) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.payload = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        cls.handler = f"on_{cls.payload}"
        Event.by_payload[cls.payload] = cls


class SessionFocusChanged(Event):
    """One of the provider's sessions gained (``focused``) or lost focus."""

    session_id: str
    focused: bool


class SessionClosed(Event):
    """The agent closed one of the provider's sessions."""

    session_id: str


class TabFocused(Event):
    """The agent focused one of the provider's tabs."""

    session_id: str
    tab_id: str


class TabClosed(Event):
    """The agent closed one of the provider's tabs."""

    session_id: str
    tab_id: str


class NotificationResolved(Event):
    """One of the provider's toasts ended (also answered to ``notify_event`` itself)."""

    notification_id: str
    action: NotificationAction
    reason: NotificationReason
    cancellation_token: str = ""


class ClickToAct(Event):
    """The agent clicked a click-to-act value (for example a phone number) and this provider was chosen."""

    value: str
    name: str = ""
    format: str = ""
    entity_name: str = ""


class PresenceChanged(Event):
    """The presence of an agent the provider serves changed."""

    presence: str


class PanelChanged(Event):
    """The panel mode or width of an agent the provider serves changed."""

    mode: PanelMode
    width: int


class ActionInvoked(Event):
    """The agent pressed one of the buttons you declared for a session (``Host.set_session_actions``)."""

    session_id: str
    action_id: str
    text: str = ""
    """What the agent typed, for an action with a text box."""


class ExternalEvent(Event):
    """An outside event an operator or test harness injected for you (``channelkit simulate``).

    ``kind`` and ``attributes`` are yours to define; document the kinds your
    provider understands.
    """

    kind: str
    attributes: dict[str, str] = Field(default_factory=dict)
