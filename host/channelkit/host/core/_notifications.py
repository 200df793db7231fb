"""Toasts: offered by a provider, queued per workspace, shown one at a time, resolved once.

Each workspace shows one toast; the others wait in arrival order. A toast
arriving while ``toast_queue_limit`` wait is rejected at once
(QUEUE_LIMIT_EXCEEDED); a waiting toast older than ``toast_queue_seconds`` is
rejected (QUEUE_TIME_LIMIT_EXCEEDED); a shown toast gets its whole timeout,
however long it waited (DISPLAY_TIMEOUT); an auto-accept toast accepts itself
when its turn comes (AUTO_ACCEPT), so it never jumps the queue. A resolution
goes only to the sender (R3). Accepted toasts are remembered for a while so
that CreateSession can quote one, once, as consent (R5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from channelkit.host.core import _events as ev
from channelkit.host.core import _validate as check
from channelkit.host.core._base import CoreBase
from channelkit.host.core._model import Notification
from channelkit.host.core._model import ToastLook
from channelkit.host.core._model import Workspace
from channelkit.host.core._model import fields_of
from channelkit.host.core._templates import Scope
from channelkit.host.core._templates import TemplateCall
from channelkit.host.core._templates import fit
from channelkit.host.core._templates import resolved_title
from channelkit.sdk import NotificationAction
from channelkit.sdk import NotificationReason
from channelkit.sdk import limits
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import NotificationNotFound
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import workspace_pb2 as wpb

_OUTCOME_EVENTS = {
    NotificationReason.ACCEPT: "NotificationAccepted",
    NotificationReason.AUTO_ACCEPT: "NotificationAutoAccepted",
    NotificationReason.DECLINED_BY_AGENT: "NotificationRejected",
    NotificationReason.QUEUE_LIMIT_EXCEEDED: "NotificationRejected",
    NotificationReason.QUEUE_TIME_LIMIT_EXCEEDED: "NotificationRejected",
    NotificationReason.DISPLAY_TIMEOUT: "NotificationTimedOut",
    NotificationReason.CANCELLED: "NotificationCancelled",
    NotificationReason.HOST_SHUTDOWN: "NotificationCancelled",
}


def reason_name(reason: NotificationReason) -> str:
    """CIF-style spelling of a reason for analytics, e.g. ``QueueLimitExceeded``."""
    return "".join(part.capitalize() for part in reason.name.split("_"))


@dataclass(frozen=True, slots=True)
class ToastSpec:
    """A toast as a provider describes it: literal fields, or a template with parameters."""

    title: str = ""
    fields: Sequence[tuple[str, str]] = ()
    timeout_seconds: int = 0
    accept_label: str = ""
    reject_label: str = ""
    hide_reject: bool = False
    cancellation_token: str = ""
    correlation_id: str = ""
    template: TemplateCall | None = None


_FROM_TEMPLATE = ("accept_label", "reject_label", "show_reject", "icon", "show_countdown", "auto_accept")
"""What a toast takes from its notification template as it is."""


class NotificationOps(CoreBase):
    """Offering, queueing, showing, answering, cancelling and expiring toasts."""

    def notify(self, provider: str, agent_id: str, spec: ToastSpec) -> Notification:
        """Queue a toast for the agent; it may end at once (queue full, auto-accept)."""
        check.identifier("agent_id", agent_id)
        look = self._templated_look(spec) if spec.template else self._literal_look(spec)
        check.text("correlation_id", spec.correlation_id, max_len=limits.ID_MAX)
        token = check.text("cancellation_token", spec.cancellation_token, max_len=limits.ID_MAX)
        ws = self._served_workspace(provider, agent_id)
        if token and (provider, token) in self._tokens:
            raise check.invalid("cancellation_token", "is already used by a pending notification of this provider")
        toast = Notification(
            id=self._new_id("n"),
            provider=provider,
            agent_id=agent_id,
            cancellation_token=token,
            correlation_id=spec.correlation_id,
            queued_at=self.clock.now(),
            deadline=self.clock.time() + self.settings.toast_queue_seconds,
            **fields_of(look),  # type: ignore[arg-type]
        )
        self.counters[provider].offered += 1
        self._record(provider, agent_id, "NotificationReceived", toast=toast, attributes=_about(toast))
        ws.pending[toast.id] = toast
        if token:
            self._tokens[(provider, token)] = toast
        if len(ws.pending) - (1 if ws.shown_id else 0) > self.settings.toast_queue_limit:
            self._resolve(ws, toast, NotificationAction.REJECT, NotificationReason.QUEUE_LIMIT_EXCEEDED)
        else:
            self._show_next(ws)
        self._deadline_changed(ws)
        return toast

    def _literal_look(self, spec: ToastSpec) -> ToastLook:
        check.text("title", spec.title, max_len=limits.NOTIFICATION_TITLE_MAX, required=True)
        fields = self._checked_fields(spec.fields)
        check.text("accept_label", spec.accept_label, max_len=limits.BUTTON_LABEL_MAX)
        check.text("reject_label", spec.reject_label, max_len=limits.BUTTON_LABEL_MAX)
        return ToastLook(
            title=spec.title,
            fields=fields,
            timeout_seconds=self._checked_timeout(spec.timeout_seconds),
            accept_label=spec.accept_label or "Accept",
            reject_label=spec.reject_label or "Reject",
            show_reject=not spec.hide_reject,
        )

    def _templated_look(self, spec: ToastSpec) -> ToastLook:
        for name in ("title", "fields", "timeout_seconds", "accept_label", "reject_label", "hide_reject"):
            if getattr(spec, name):
                raise check.invalid(name, "must be empty when template is given: the template sets it")
        assert spec.template is not None
        call = spec.template.checked("template_parameters")
        template = self.templates.notification(call.name)
        scope = Scope(template.name, call.values)
        title = resolved_title(
            self.templates, template.title, scope, kind="notification", max_len=limits.NOTIFICATION_TITLE_MAX
        )
        fields = []
        for line in template.fields:
            value = self.templates.render(line.value, scope)[0].strip()
            if value:
                header = fit(self.templates.render(line.header, scope)[0], limits.FIELD_HEADER_MAX)
                fields.append((header, fit(value, limits.FIELD_VALUE_MAX)))
        return ToastLook(
            title=title,
            fields=tuple(fields),
            timeout_seconds=template.timeout_seconds or self.settings.default_notification_timeout,
            template=template.name,
            **{name: getattr(template, name) for name in _FROM_TEMPLATE},
        )

    def _checked_fields(self, fields: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        if len(fields) > limits.NOTIFICATION_FIELDS_MAX:
            raise check.invalid(
                "fields", f"must have at most {limits.NOTIFICATION_FIELDS_MAX} entries (got {len(fields)})"
            )
        for index, (header, value) in enumerate(fields):
            check.text(f"fields[{index}].header", header, max_len=limits.FIELD_HEADER_MAX)
            check.text(f"fields[{index}].value", value, max_len=limits.FIELD_VALUE_MAX)
        return tuple((h, v) for h, v in fields if v)

    def _checked_timeout(self, seconds: int) -> int:
        check.integer("timeout_seconds", seconds, low=0, high=limits.NOTIFICATION_TIMEOUT_MAX)
        return seconds or self.settings.default_notification_timeout

    def _show_next(self, ws: Workspace) -> None:
        """Show the oldest waiting toast if none is shown and the gap has passed."""
        now = self.clock.time()
        while ws.shown_id is None and ws.pending and now >= ws.next_show_at:
            toast = next(iter(ws.pending.values()))
            shown_at = self.clock.now()
            toast.shown_at, toast.expires_at = shown_at, shown_at + timedelta(seconds=toast.timeout_seconds)
            toast.deadline = now + toast.timeout_seconds
            ws.shown_id = toast.id
            self._to_agent(ws.agent_id, ev.NotificationShown(toast))
            if toast.auto_accept:
                self._resolve(ws, toast, NotificationAction.ACCEPT, NotificationReason.AUTO_ACCEPT)
        self._deadline_changed(ws)

    def respond_to_notification(self, agent_id: str, notification_id: str, action: int) -> Notification:
        """The agent accepts or rejects the toast shown in its own workspace."""
        check.identifier("notification_id", notification_id)
        chosen = check.enum_value("action", action, NotificationAction)
        if chosen not in (NotificationAction.ACCEPT, NotificationAction.REJECT):
            raise check.invalid("action", "must be NOTIFICATION_ACTION_ACCEPT or NOTIFICATION_ACTION_REJECT")
        ws = self._workspaces[agent_id]
        toast = ws.shown
        if toast is None or toast.id != notification_id:
            if notification_id in ws.resolved:
                raise FailedPrecondition(
                    f"notification '{notification_id}' has already ended",
                    reason=ErrorReason.NOTIFICATION_RESOLVED,
                    metadata={"notificationId": notification_id},
                )
            raise NotificationNotFound(
                f"notification '{notification_id}' is not shown", metadata={"notificationId": notification_id}
            )
        if chosen is NotificationAction.REJECT and not toast.show_reject:
            raise check.invalid("action", "this notification is accept-only")
        reason = (
            NotificationReason.ACCEPT if chosen is NotificationAction.ACCEPT else NotificationReason.DECLINED_BY_AGENT
        )
        self._resolve(ws, toast, chosen, reason)
        self._show_next(ws)
        return toast

    def cancel_notification(self, provider: str, cancellation_token: str) -> Notification:
        """The sender cancels its own waiting or shown toast by token."""
        check.text("cancellation_token", cancellation_token, max_len=limits.ID_MAX, required=True)
        self._enabled_provider(provider)
        toast = self._tokens.get((provider, cancellation_token))
        if toast is None:
            raise NotificationNotFound(
                "no pending notification has this cancellation token",
                metadata={"cancellationToken": cancellation_token},
            )
        ws = self._workspaces[toast.agent_id]
        self._resolve(ws, toast, NotificationAction.CANCELLED, NotificationReason.CANCELLED)
        self._show_next(ws)
        return toast

    def expire_due(self, agent_id: str | None = None) -> list[Notification]:
        """End every toast past its deadline (in one workspace, or all), show what comes next; return them."""
        now = self.clock.time()
        expired = []
        for ws in self._workspaces.values() if agent_id is None else [self._workspaces[agent_id]]:
            due = [t for t in ws.pending.values() if t.deadline <= now]
            for toast in due:
                if toast.shown:
                    self._resolve(ws, toast, NotificationAction.TIMEOUT, NotificationReason.DISPLAY_TIMEOUT)
                else:
                    self._resolve(ws, toast, NotificationAction.REJECT, NotificationReason.QUEUE_TIME_LIMIT_EXCEEDED)
                expired.append(toast)
            if due or (ws.pending and ws.shown_id is None):
                self._show_next(ws)
        return expired

    def toast_deadline(self, agent_id: str) -> float | None:
        """When the agent's toast queue next has work for :meth:`expire_due` (wall-clock seconds), or None."""
        ws = self._workspaces[agent_id]
        deadlines = [t.deadline for t in ws.pending.values()]
        if ws.shown_id is None and ws.pending:
            deadlines.append(ws.next_show_at)
        return min(deadlines, default=None)

    def _deadline_changed(self, ws: Workspace) -> None:
        """Tell the edge when this workspace's toast queue next has work (the toast timer is the edge's)."""
        self._outbox.append(ev.ToastDeadline(ws.agent_id, self.toast_deadline(ws.agent_id)))

    def cancel_all_pending(self, agent_id: str | None = None) -> list[Notification]:
        """End every waiting and shown toast (of one workspace, or all) because the host stops for good.

        Waiting ones first, and nothing new is shown. A host whose state
        outlives it does not call this: its toasts wait for the restart.
        """
        ended = []
        for ws in self._workspaces.values() if agent_id is None else [self._workspaces[agent_id]]:
            shown = ws.shown
            for toast in [*ws.waiting(), *([shown] if shown else [])]:
                self._resolve(ws, toast, NotificationAction.CANCELLED, NotificationReason.HOST_SHUTDOWN)
                ended.append(toast)
            self._deadline_changed(ws)
        return ended

    def _resolve(
        self, ws: Workspace, toast: Notification, action: NotificationAction, reason: NotificationReason
    ) -> None:
        """End ``toast``; the caller shows the next one (``_show_next``) when it is done."""
        toast.action, toast.reason = action, reason
        self._count_outcome(toast.provider, action)
        del ws.pending[toast.id]
        self._tokens.pop((toast.provider, toast.cancellation_token), None)
        ws.resolved[toast.id] = toast
        while len(ws.resolved) > limits.RESOLVED_NOTIFICATIONS_KEPT:
            ws.resolved.popitem(last=False)
        payload = pb.NotificationResolved(
            notification_id=toast.id,
            action=wpb.NotificationAction.ValueType(action),
            reason=wpb.NotificationReason.ValueType(reason),
            cancellation_token=toast.cancellation_token,
        )
        self._to_provider(toast.provider, ws.agent_id, toast.correlation_id, payload)
        self._record(
            toast.provider,
            ws.agent_id,
            _OUTCOME_EVENTS[reason],
            reason=reason_name(reason),
            toast=toast,
            attributes=_about(toast),
        )
        if ws.shown_id == toast.id:
            ws.shown_id = None
            ws.next_show_at = self.clock.time() + self.settings.toast_gap_seconds
            self._to_agent(
                ws.agent_id,
                apb.NotificationRemoved(
                    notification_id=toast.id,
                    action=wpb.NotificationAction.ValueType(action),
                    reason=wpb.NotificationReason.ValueType(reason),
                ),
            )

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


def _about(toast: Notification) -> dict[str, str]:
    return {"template": toast.template} if toast.template else {}
