"""Toasts: offered by a provider, answered by the agent, resolved exactly once.

A resolution goes only to the sender (R3). Accepted toasts are remembered for a
while so that CreateSession can quote one, once, as consent (R5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from channelkit.host.core import _events as ev
from channelkit.host.core import _validate as check
from channelkit.host.core._base import CoreBase
from channelkit.host.core._model import Notification
from channelkit.host.core._model import Workspace
from channelkit.sdk import NotificationAction
from channelkit.sdk import NotificationReason
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import NotificationNotFound

MAX_FIELDS = 4
MAX_NOTIFICATION_TITLE = 100
MAX_FIELD_HEADER = 200
MAX_FIELD_VALUE = 1028
MAX_LABEL = 40


@dataclass(frozen=True, slots=True)
class ToastSpec:
    """A toast as a provider describes it."""

    title: str
    fields: Sequence[tuple[str, str]] = ()
    timeout_seconds: int = 0
    accept_label: str = ""
    reject_label: str = ""
    hide_reject: bool = False
    cancellation_token: str = ""
    correlation_id: str = ""


class NotificationOps(CoreBase):
    """Offering, answering, cancelling and expiring toasts."""

    def notify(self, provider: str, agent_id: str, spec: ToastSpec) -> Notification:
        """Offer a toast to the agent; it stays pending until resolved."""
        check.identifier("agent_id", agent_id)
        fields = self._checked_fields(spec.fields)
        timeout = self._checked_timeout(spec.timeout_seconds)
        check.text("title", spec.title, max_len=MAX_NOTIFICATION_TITLE, required=True)
        check.text("accept_label", spec.accept_label, max_len=MAX_LABEL)
        check.text("reject_label", spec.reject_label, max_len=MAX_LABEL)
        check.text("correlation_id", spec.correlation_id, max_len=check.MAX_ID)
        token = check.text("cancellation_token", spec.cancellation_token, max_len=check.MAX_ID)
        ws = self._served_workspace(provider, agent_id)
        if token and (provider, token) in self._tokens:
            raise check.invalid("cancellation_token", "is already used by a pending notification of this provider")
        now = self.clock.now()
        toast = Notification(
            id=self._new_id("n"),
            provider=provider,
            agent_id=agent_id,
            title=spec.title,
            fields=fields,
            timeout_seconds=timeout,
            accept_label=spec.accept_label or "Accept",
            reject_label=spec.reject_label or "Reject",
            show_reject=not spec.hide_reject,
            cancellation_token=token,
            correlation_id=spec.correlation_id,
            shown_at=now,
            expires_at=now + timedelta(seconds=timeout),
            deadline=self.clock.monotonic() + timeout,
        )
        ws.pending[toast.id] = toast
        self.counters[provider].offered += 1
        if token:
            self._tokens[(provider, token)] = toast
        self._to_agent(agent_id, ev.NotificationShown(toast))
        return toast

    def _checked_fields(self, fields: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        if len(fields) > MAX_FIELDS:
            raise check.invalid("fields", f"must have at most {MAX_FIELDS} entries (got {len(fields)})")
        for index, (header, value) in enumerate(fields):
            check.text(f"fields[{index}].header", header, max_len=MAX_FIELD_HEADER)
            check.text(f"fields[{index}].value", value, max_len=MAX_FIELD_VALUE)
        return tuple((h, v) for h, v in fields if v)

    def _checked_timeout(self, seconds: int) -> int:
        check.integer("timeout_seconds", seconds, low=0, high=self.settings.max_notification_timeout)
        return seconds or self.settings.default_notification_timeout

    def respond_to_notification(self, agent_id: str, notification_id: str, action: int) -> Notification:
        """The agent accepts or rejects a toast of its own workspace."""
        check.identifier("notification_id", notification_id)
        chosen = check.enum_value("action", action, NotificationAction)
        if chosen not in (NotificationAction.ACCEPT, NotificationAction.REJECT):
            raise check.invalid("action", "must be NOTIFICATION_ACTION_ACCEPT or NOTIFICATION_ACTION_REJECT")
        ws = self._workspaces[agent_id]
        toast = ws.pending.get(notification_id)
        if toast is None:
            if notification_id in ws.resolved:
                raise FailedPrecondition(
                    f"notification '{notification_id}' has already ended",
                    reason=ErrorReason.NOTIFICATION_RESOLVED,
                    metadata={"notificationId": notification_id},
                )
            raise NotificationNotFound(
                f"notification '{notification_id}' not found", metadata={"notificationId": notification_id}
            )
        if chosen is NotificationAction.REJECT and not toast.show_reject:
            raise check.invalid("action", "this notification is accept-only")
        reason = (
            NotificationReason.ACCEPT if chosen is NotificationAction.ACCEPT else NotificationReason.DECLINED_BY_AGENT
        )
        self._resolve(ws, toast, chosen, reason)
        return toast

    def cancel_notification(self, provider: str, cancellation_token: str) -> Notification:
        """The sender cancels its own pending toast by token."""
        check.text("cancellation_token", cancellation_token, max_len=check.MAX_ID, required=True)
        self._enabled_provider(provider)
        toast = self._tokens.get((provider, cancellation_token))
        if toast is None:
            raise NotificationNotFound(
                "no pending notification has this cancellation token",
                metadata={"cancellationToken": cancellation_token},
            )
        ws = self._workspaces[toast.agent_id]
        self._resolve(ws, toast, NotificationAction.CANCELLED, NotificationReason.CANCELLED)
        return toast

    def expire_due(self) -> list[Notification]:
        """Time out every toast whose display time has passed; return them."""
        now = self.clock.monotonic()
        expired = []
        for ws in self._workspaces.values():
            for toast in [t for t in ws.pending.values() if t.deadline <= now]:
                self._resolve(ws, toast, NotificationAction.TIMEOUT, NotificationReason.DISPLAY_TIMEOUT)
                expired.append(toast)
        return expired

    def cancel_all_pending(self) -> list[Notification]:
        """End every pending toast because the host stops."""
        ended = []
        for ws in self._workspaces.values():
            for toast in list(ws.pending.values()):
                self._resolve(ws, toast, NotificationAction.CANCELLED, NotificationReason.HOST_SHUTDOWN)
                ended.append(toast)
        return ended

    def _resolve(
        self, ws: Workspace, toast: Notification, action: NotificationAction, reason: NotificationReason
    ) -> None:
        toast.action, toast.reason = action, reason
        self._count_outcome(toast.provider, action)
        del ws.pending[toast.id]
        self._tokens.pop((toast.provider, toast.cancellation_token), None)
        ws.resolved[toast.id] = toast
        while len(ws.resolved) > self.settings.resolved_notification_retention:
            ws.resolved.popitem(last=False)
        payload = ev.NotificationResolved(toast.id, action, reason, toast.cancellation_token)
        self._to_provider(toast.provider, ws.agent_id, toast.correlation_id, payload)
        self._to_agent(ws.agent_id, ev.NotificationRemoved(toast.id, action, reason))

    def _count_outcome(self, provider: str, action: NotificationAction) -> None:
        counters = self.counters[provider]
        if action is NotificationAction.ACCEPT:
            counters.accepted += 1
        elif action is NotificationAction.REJECT:
            counters.rejected += 1
        elif action is NotificationAction.TIMEOUT:
            counters.timed_out += 1
        else:
            counters.cancelled += 1
