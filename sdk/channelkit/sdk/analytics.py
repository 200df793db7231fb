"""Channel analytics as the host records them, and the sinks that receive them.

The host records a *system* event for every toast and session milestone
(``NotificationReceived``, ``SessionStarted``, ``SessionFocusIn`` …) and a
*custom* event for every ``Host.log_analytics_event`` call, each enriched with
the provider, channel, agent, session and correlation ids. Every event goes to
the sinks the host configuration names: the built-in ``jsonl`` file sink, or a
kind a plugin offers through ``channelkit_register_analytics_sinks``.
``channelkit analytics report`` turns JSON Lines files into the team's numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from typing import Literal
from typing import Protocol

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from channelkit.sdk.registry import RegistrationError

__all__ = ["SYSTEM_EVENTS", "AnalyticsEvent", "AnalyticsSink", "AnalyticsSinkRegistry", "SinkFactory"]

SYSTEM_EVENTS = (
    "NotificationReceived",
    "NotificationAccepted",
    "NotificationAutoAccepted",
    "NotificationRejected",
    "NotificationTimedOut",
    "NotificationCancelled",
    "SessionStarted",
    "SessionFocusIn",
    "SessionFocusOut",
    "AttentionRequested",
    "SessionClosed",
    "TabOpened",
    "TabClosed",
)
"""The names of the events the host records by itself (``kind == "system"``)."""


class AnalyticsEvent(BaseModel):
    """One analytics event, as a sink receives it and as a JSON Lines file holds it.

    ``correlation_id`` is the one given to ``NotifyEvent`` for notification
    events and the session's for every other event, so giving the same id to
    both ties a toast to the session it led to.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    id: str
    kind: Literal["system", "custom"]
    name: str
    reason: str = ""
    timestamp: datetime
    provider: str
    channel: str = ""
    agent_id: str = ""
    session_id: str = ""
    provider_session_id: str = ""
    correlation_id: str = ""
    notification_id: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)


class AnalyticsSink(Protocol):
    """Receives analytics events on the host's event loop: ``write`` must not block.

    A sink that raises is reported in the log and keeps receiving events; the
    host never stops for an analytics failure.
    """

    def write(self, event: AnalyticsEvent) -> None:
        """Take one event (buffer it, append it to a file, hand it to a queue)."""
        ...

    def close(self) -> None:
        """Flush and release resources; called once when the host stops."""
        ...


SinkFactory = Callable[[Mapping[str, object]], AnalyticsSink]
"""Builds a sink from its ``[[analytics.sinks]]`` entry (without ``kind``); raises ValueError for bad options."""


class AnalyticsSinkRegistry:
    """The kinds of sink plugins offer; the host configuration chooses among them."""

    def __init__(self) -> None:
        self._factories: dict[str, tuple[str, SinkFactory]] = {}
        self._plugin = ""

    def loading(self, plugin: str) -> None:
        """Attribute the kinds added from now on to ``plugin`` (host use)."""
        self._plugin = plugin

    def add(self, kind: str, factory: SinkFactory) -> None:
        """Offer sink ``kind``; ``factory(options)`` builds one from its configuration entry.

        Raises:
            RegistrationError: ``kind`` is already offered by this or another plugin.
        """
        if kind in self._factories:
            raise RegistrationError(
                f"plugin '{self._plugin}': analytics sink kind '{kind}' is already offered by plugin "
                f"'{self._factories[kind][0]}'"
            )
        self._factories[kind] = (self._plugin, factory)

    def factory(self, kind: str) -> SinkFactory | None:
        """The factory of ``kind``, if a plugin offers it."""
        entry = self._factories.get(kind)
        return entry[1] if entry else None

    def kinds(self) -> list[str]:
        """Every offered kind, sorted."""
        return sorted(self._factories)
