"""A readable live log of what the agent sees, from the workspace's own event stream.

It watches the workspace over gRPC with the agent's token (WatchWorkspace:
snapshot, then deltas) and prints one line per thing a person would notice:
a toast, a session opening or closing, focus moving, a badge, a transcript
line, the buttons changing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import grpc

from channelkit.v1 import agent_service_pb2 as pb
from channelkit.v1 import agent_service_pb2_grpc as pb_grpc
from channelkit.v1 import workspace_pb2 as wpb

_ROLES = {wpb.AUTHOR_ROLE_CUSTOMER: "customer", wpb.AUTHOR_ROLE_AGENT: "agent", wpb.AUTHOR_ROLE_SYSTEM: "system"}
_OUTCOMES = {
    wpb.NOTIFICATION_ACTION_ACCEPT: "accepted",
    wpb.NOTIFICATION_ACTION_REJECT: "rejected",
    wpb.NOTIFICATION_ACTION_TIMEOUT: "timed out",
    wpb.NOTIFICATION_ACTION_CANCELLED: "cancelled",
}


class LiveLog:
    """Turns workspace events into lines."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._titles: dict[str, str] = {}
        self._owners: dict[str, str] = {}
        self._buttons: dict[str, tuple[str, ...]] = {}
        self._toasts: dict[str, str] = {}

    def _line(self, what: str, text: str) -> None:
        self._say(f"{time.strftime('%H:%M:%S')}  {what:<10} {text}")

    async def watch(self, channel: grpc.aio.Channel, token: str) -> None:
        """Print the workspace's events until cancelled."""
        stub = pb_grpc.AgentServiceStub(channel)
        stream = stub.WatchWorkspace(pb.WatchWorkspaceRequest(), metadata=(("authorization", f"Bearer {token}"),))
        try:
            async for event in stream:
                self.show(event)
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE):
                self._line("watch", f"ended: {exc.details()}")
        except asyncio.CancelledError:
            stream.cancel()
            raise

    def show(self, event: pb.WorkspaceEvent) -> None:
        """Print what one event means to the agent."""
        kind = event.WhichOneof("payload")
        handler = getattr(self, f"_on_{kind}", None) if kind else None
        if handler is not None and kind is not None:
            handler(getattr(event, kind))

    def _on_snapshot(self, ws: pb.Workspace) -> None:
        for session in ws.sessions:
            self._titles[session.id] = session.title
        self._line("workspace", f"{ws.display_name}: {len(ws.sessions) - 1} sessions, presence {ws.presence}")

    def _on_notification_shown(self, toast: wpb.Notification) -> None:
        self._toasts[toast.id] = toast.title
        fields = " · ".join(f"{f.header}: {f.value}" for f in toast.fields)
        buttons = f"[{toast.accept_label}]" + (f" [{toast.reject_label}]" if toast.show_reject else "")
        self._line("toast", f"{toast.provider}: {toast.title} ({fields}) {buttons} {toast.timeout_seconds}s")

    def _on_notification_removed(self, removed: pb.NotificationRemoved) -> None:
        title = self._toasts.pop(removed.notification_id, "toast")
        self._line("toast", f"{title}: {_OUTCOMES.get(removed.action, 'ended')}")

    def _on_session_updated(self, session: wpb.Session) -> None:
        if session.id not in self._titles:
            self._line("session +", f"{session.title} ({session.owner_provider})")
        self._titles[session.id] = session.title
        buttons = tuple(f"{a.label}{'' if a.enabled else ' (off)'}" for a in session.actions)
        if buttons != self._buttons.get(session.id, ()):
            self._line("buttons", f"{session.title}: {' · '.join(buttons) or 'none'}")
        self._buttons[session.id] = buttons

    def _on_session_removed(self, removed: pb.SessionRemoved) -> None:
        self._line("session -", self._titles.pop(removed.session_id, removed.session_id))
        self._buttons.pop(removed.session_id, None)

    def _on_focus_changed(self, change: pb.FocusChanged) -> None:
        self._line("focus", self._titles.get(change.session_id, change.session_id))

    def _on_attention_alert(self, alert: pb.AttentionAlert) -> None:
        unread = f" ({alert.unread_count} unread)" if alert.unread_count else ""
        self._line("attention", f"{self._titles.get(alert.session_id, alert.session_id)}{unread}")

    def _on_transcript_appended(self, appended: pb.TranscriptAppended) -> None:
        entry = appended.entry
        who = entry.author or _ROLES.get(entry.role, "")
        title = self._titles.get(appended.session_id, appended.session_id)
        self._line(_ROLES.get(entry.role, "entry"), f"{title} | {who}: {entry.text}")

    def _on_settings_changed(self, settings: pb.WorkspaceSettings) -> None:
        self._line("settings", f"presence {settings.presence}")
