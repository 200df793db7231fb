"""The running host's state: the core plus the asynchronous parts around it.

:meth:`HostRuntime.apply` is the single doorway to the core for every edge: it
runs one command, and only if the command succeeds converts and routes the
deliveries it produced, each to its one recipient, re-arms the toast timer
from the deadlines it reported and logs its notices.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from channelkit.host import _toproto as toproto
from channelkit.host._auth import Identity
from channelkit.host._auth import Role
from channelkit.host._auth import TokenTable
from channelkit.host._idempotency import IdempotencyCache
from channelkit.host._ratelimit import RateLimiter
from channelkit.host._router import AgentFeed
from channelkit.host._router import ProviderLog
from channelkit.host.analytics._recorder import AnalyticsRecorder
from channelkit.host.config import HostConfig
from channelkit.host.core import AgentInfo
from channelkit.host.core import Clock
from channelkit.host.core import Core
from channelkit.host.core import CoreSettings
from channelkit.host.core import Notification
from channelkit.host.core import ProviderInfo
from channelkit.host.core import SystemClock
from channelkit.host.core import TemplateCatalog
from channelkit.host.core import events as ev
from channelkit.sdk.analytics import AnalyticsEvent
from channelkit.sdk.analytics import AnalyticsSink
from channelkit.v1 import provider_service_pb2 as ppb

T = TypeVar("T")
log = logging.getLogger(__name__)


def core_settings(config: HostConfig) -> CoreSettings:
    """The core's settings from the host configuration."""
    return CoreSettings(
        max_sessions=config.limits.max_sessions,
        max_tabs=config.limits.max_tabs,
        attention_cooldown_seconds=config.limits.attention_cooldown_seconds,
        consent=config.policy.consent,
        presences=tuple(config.policy.presences),
        default_notification_timeout=config.limits.default_notification_timeout_seconds,
        toast_queue_limit=config.notifications.queue_limit,
        toast_queue_seconds=config.notifications.queue_time_limit_seconds,
        toast_gap_seconds=config.notifications.gap_seconds,
        max_transcript_entries=config.limits.max_transcript_entries,
        record_url=config.console.record_url,
    )


def provider_infos(config: HostConfig) -> list[ProviderInfo]:
    """The core's view of each configured provider."""
    return [
        ProviderInfo(
            name=p.name,
            label=p.label or p.name,
            channel=p.channel,
            channel_order=p.channel_order,
            enabled=p.enabled,
            click_to_act=p.click_to_act,
            agents=frozenset(config.agents_of(p)),
            parameters=dict(p.parameters),
            remote=p.token_sha256 is not None,
            enable_analytics=p.enable_analytics,
        )
        for p in config.providers
    ]


def token_table(config: HostConfig) -> TokenTable:
    """Every configured token digest with the identity it proves."""
    entries = [(a.token_sha256, Identity(Role.ADMIN, a.name)) for a in config.admins]
    entries += [(a.token_sha256, Identity(Role.AGENT, a.id)) for a in config.agents]
    entries += [(p.token_sha256, Identity(Role.PROVIDER, p.name)) for p in config.providers if p.token_sha256]
    return TokenTable(entries)


class HostRuntime:
    """Core, event logs, workspace feeds, toast timers, quotas and idempotency of one host."""

    def __init__(
        self,
        config: HostConfig,
        clock: Clock | None = None,
        *,
        templates: TemplateCatalog | None = None,
        sinks: Sequence[AnalyticsSink] = (),
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        agents = [AgentInfo(a.id, a.display_name or a.id) for a in config.agents]
        self.core = Core(agents, provider_infos(config), core_settings(config), self.clock, templates=templates)
        self.analytics = AnalyticsRecorder(config.limits.analytics_retention, sinks)
        self.presences = tuple(config.policy.presences)
        self.logs = {p.name: ProviderLog(p.name, config.limits.event_retention) for p in config.providers}
        self.epoch = uuid.uuid4().hex[:12]
        limits = config.limits
        self.feeds = {
            a.id: AgentFeed(limits.watch_queue, limits.workspace_retention, self.epoch) for a in config.agents
        }
        self.idempotency = IdempotencyCache(self.clock, config.limits.idempotency_window_seconds)
        self.rate_limiter = RateLimiter(self.clock, config.limits.rate_limit_per_second, config.limits.rate_limit_burst)
        self.last_errors: dict[str, tuple[str, datetime]] = {}
        self.error_counts: dict[str, int] = {}
        self._outcomes: dict[str, asyncio.Future[ppb.NotificationResolved]] = {}
        self._toast_deadlines: dict[str, float] = {}
        self._toast_timer: asyncio.TimerHandle | None = None
        self.clock.when_advanced(self._clock_moved)

    def apply(self, command: Callable[[], T]) -> T:
        """Run one core command and route what it produced; a failed command routes nothing."""
        try:
            result = command()
        except BaseException:
            self.core.discard_outputs()
            raise
        self._route(self.core.take_outputs())
        return result

    def _route(self, outputs: list[ev.Output]) -> None:
        now = self.clock.now()
        deadlines_changed = False
        for output in outputs:
            if isinstance(output, AnalyticsEvent):
                self.analytics.record(output)
            elif isinstance(output, ev.ToProvider):
                provider_log = self.logs[output.provider]
                event_id = f"e-{uuid.uuid4().hex}"
                provider_log.append(toproto.provider_event(output, provider_log.next_seq(), event_id, now))
                if isinstance(output.payload, ppb.NotificationResolved):
                    self._settle(output.payload)
            elif isinstance(output, ev.ToAgent):
                feed = self.feeds[output.agent_id]
                feed.seq += 1
                feed.publish(toproto.workspace_event(output.payload, feed.seq, feed.epoch, now))
            elif isinstance(output, ev.ToastDeadline):
                deadlines_changed |= self._note_deadline(output)
            else:
                log.warning("%s", output.message)
        if deadlines_changed:
            self._rearm_toast_timer()

    def _note_deadline(self, output: ev.ToastDeadline) -> bool:
        """Remember one workspace's next toast deadline; True when it changed."""
        before = self._toast_deadlines.get(output.agent_id)
        if output.at is None:
            self._toast_deadlines.pop(output.agent_id, None)
        else:
            self._toast_deadlines[output.agent_id] = output.at
        return before != output.at

    # --- toasts: the NotifyEvent call waits for the outcome the core decides ---------------

    def outcome_of(self, toast: Notification) -> asyncio.Future[ppb.NotificationResolved]:
        """A future that completes when ``toast`` is resolved (at once if it already is)."""
        future = self._outcomes.get(toast.id)
        if future is None:
            future = self._outcomes[toast.id] = asyncio.get_running_loop().create_future()
            if toast.action is not None and toast.reason is not None:
                self._outcomes.pop(toast.id)
                future.set_result(
                    ppb.NotificationResolved(
                        notification_id=toast.id,
                        action=toproto.enum(toast.action),  # type: ignore[arg-type]
                        reason=toproto.enum(toast.reason),  # type: ignore[arg-type]
                        cancellation_token=toast.cancellation_token,
                    )
                )
        return future

    def _rearm_toast_timer(self) -> None:
        """One timer for every workspace's toast queue, set to the earliest deadline."""
        if self._toast_timer is not None:
            self._toast_timer.cancel()
            self._toast_timer = None
        deadline = min(self._toast_deadlines.values(), default=None)
        if deadline is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # driven without an event loop (tests of the runtime alone): call expire_due by hand
        delay = max(0.0, deadline - self.clock.time())
        self._toast_timer = loop.call_later(delay, self._expire)

    def _expire(self) -> None:
        if self._toast_timer is not None:
            self._toast_timer.cancel()
            self._toast_timer = None
        self.apply(self.core.expire_due)

    def _clock_moved(self) -> None:
        """A manual clock jumped: end what is due now, as the timer would have at that time."""
        due = min(self._toast_deadlines.values(), default=None)
        if due is not None and due <= self.clock.time():
            self._expire()

    def _settle(self, outcome: ppb.NotificationResolved) -> None:
        future = self._outcomes.pop(outcome.notification_id, None)
        if future is not None and not future.done():
            future.set_result(outcome)

    # --- status ---------------------------------------------------------------------------

    def record_error(self, provider: str, message: str, *, logged: bool = False) -> None:
        """Remember the last error of ``provider`` for HostService.ListProviders (and log it unless ``logged``)."""
        self.last_errors[provider] = (message, self.clock.now())
        self.error_counts[provider] = self.error_counts.get(provider, 0) + 1
        if not logged:
            log.warning("provider %s: %s", provider, message)

    def shutdown(self) -> None:
        """End pending toasts, then every event stream and workspace watcher."""
        self.apply(self.core.cancel_all_pending)
        if self._toast_timer is not None:
            self._toast_timer.cancel()
        self.analytics.close()
        for provider_log in self.logs.values():
            provider_log.close()
        for feed in self.feeds.values():
            feed.close()
