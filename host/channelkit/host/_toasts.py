"""The toast clock of a host: one timer for the earliest deadline of every workspace, and the waiting calls.

The core decides what is due; this only remembers each workspace's next
deadline (wall-clock seconds, as the store keeps them), wakes the runtime
when the earliest one comes, and completes each NotifyEvent call's future
when its toast's resolution is committed.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable
from collections.abc import Callable

from channelkit.host.core import Clock
from channelkit.host.core import Core
from channelkit.sdk.errors import Unavailable
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb


class ToastTimer:
    """Deadlines by workspace, one asyncio timer, and the futures of the calls waiting on a toast."""

    def __init__(self, clock: Clock, expire: Callable[[list[str]], Awaitable[None]]) -> None:
        self._clock = clock
        self._expire = expire
        self._deadlines: dict[str, float] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._waiting: dict[str, asyncio.Future[ppb.NotificationResolved]] = {}
        self._stopped = False
        self._task: asyncio.Future[None] | None = None
        clock.when_advanced(self._clock_moved)

    def note(self, agent_id: str, at: float | None) -> bool:
        """Remember one workspace's next deadline; True when it changed."""
        before = self._deadlines.get(agent_id)
        if at is None:
            self._deadlines.pop(agent_id, None)
        else:
            self._deadlines[agent_id] = at
        return before != at

    def rearm(self) -> None:
        """Set the one timer to the earliest deadline."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = min(self._deadlines.values(), default=None)
        if deadline is None or self._stopped:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not serving yet: the host rearms once it runs
        # a fresh context: the timer's commands are the host's own, not the call that happened to arm it
        self._timer = loop.call_later(
            max(0.0, deadline - self._clock.time()), self._fire, context=contextvars.Context()
        )

    def _fire(self) -> None:
        self._timer = None
        now = self._clock.time()
        due = sorted(agent for agent, at in self._deadlines.items() if at <= now)
        self._task = asyncio.get_running_loop().create_task(self._expire_then_rearm(due), context=contextvars.Context())

    async def _expire_then_rearm(self, due: list[str]) -> None:
        await self._expire(due)
        self.rearm()

    def _clock_moved(self) -> None:
        """A manual clock jumped: end what is due now, as the timer would have at that time."""
        if any(at <= self._clock.time() for at in self._deadlines.values()):
            if self._timer is not None:
                self._timer.cancel()
            self._fire()

    def stop(self) -> None:
        """No more timers (the host stops)."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- calls waiting for a toast's end --------------------------------------------------------

    def outcome_of(self, core: Core, agent_id: str, notification_id: str) -> asyncio.Future[ppb.NotificationResolved]:
        """A future that completes when the toast ends (at once when it already has, as the core says)."""
        future = self._waiting.get(notification_id)
        if future is None:
            future = self._waiting[notification_id] = asyncio.get_running_loop().create_future()
            ended = core.toast_of(agent_id, notification_id)
            if ended is not None and ended.action is not None and ended.reason is not None:
                self._waiting.pop(notification_id)
                future.set_result(
                    ppb.NotificationResolved(
                        notification_id=ended.id,
                        action=wpb.NotificationAction.ValueType(ended.action),
                        reason=wpb.NotificationReason.ValueType(ended.reason),
                        cancellation_token=ended.cancellation_token,
                    )
                )
        return future

    def settle(self, outcome: ppb.NotificationResolved) -> None:
        """A toast's end was committed: its waiting call answers."""
        future = self._waiting.pop(outcome.notification_id, None)
        if future is not None and not future.done():
            future.set_result(outcome)

    def fail_waiters(self) -> None:
        """The host stops with toasts still open: their calls end UNAVAILABLE and are retried on the next host."""
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(
                    Unavailable("the host is shutting down; retry with the same request_id on the restarted host")
                )
                future.exception()  # a call that already went away is not an error to report
        self._waiting.clear()
