"""Core model to channelkit.v1 messages: the only module that builds responses from state.

Conversion happens the moment a command returns, so a message always shows the
state right after the command that produced it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from google.protobuf import timestamp_pb2

from channelkit.host import core
from channelkit.host.core import events as ev
from channelkit.sdk import NotificationAction
from channelkit.sdk import NotificationReason
from channelkit.sdk import PageType
from channelkit.sdk import PanelMode
from channelkit.v1 import agent_service_pb2 as agent_pb
from channelkit.v1 import provider_service_pb2 as provider_pb
from channelkit.v1 import workspace_pb2 as pb


def action(value: NotificationAction | None) -> pb.NotificationAction.ValueType:
    """The wire value of a notification action (unspecified when None)."""
    return pb.NotificationAction.ValueType(int(value or 0))


def reason(value: NotificationReason | None) -> pb.NotificationReason.ValueType:
    """The wire value of a notification reason (unspecified when None)."""
    return pb.NotificationReason.ValueType(int(value or 0))


def panel_mode(value: PanelMode) -> pb.PanelMode.ValueType:
    """The wire value of a panel mode."""
    return pb.PanelMode.ValueType(int(value))


def timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    """A protobuf Timestamp for an aware datetime."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def transcript_entry(e: core.TranscriptEntry) -> pb.TranscriptEntry:
    """Convert a transcript entry."""
    return pb.TranscriptEntry(
        id=e.id,
        role=pb.AuthorRole.ValueType(int(e.role)),
        author=e.author,
        text=e.text,
        occurred_at=timestamp(e.occurred_at),
    )


def session_action(a: core.SessionAction) -> pb.SessionAction:
    """Convert a session action."""
    return pb.SessionAction(
        id=a.id, label=a.label, takes_text=a.takes_text, placeholder=a.placeholder, enabled=a.enabled
    )


def tab(t: core.Tab, focused_tab_id: str | None) -> pb.Tab:
    """Convert a tab (its transcript travels separately; see ``workspace``)."""
    return pb.Tab(
        id=t.id,
        session_id=t.session_id,
        title=t.title,
        page_type=pb.PageType.ValueType(int(t.page_type)),
        target=t.target,
        can_close=t.can_close,
        focused=t.id == focused_tab_id,
        anchor=t.anchor,
        record=pb.RecordRef(entity_name=t.record.entity_name, entity_id=t.record.entity_id) if t.record else None,
        template=t.template,
    )


def session(s: core.Session, focused: bool) -> pb.Session:
    """Convert a session; ``focused`` says whether it is the workspace's focused session."""
    return pb.Session(
        id=s.id,
        owner_provider=s.owner or "",
        agent_id=s.agent_id,
        title=s.title,
        state=pb.SESSION_STATE_OPEN,
        created_at=timestamp(s.created_at),
        tabs=[tab(t, s.focused_tab_id) for t in s.tabs.values()],
        focused_tab_id=s.focused_tab_id or "",
        attention=s.attention,
        unread_count=s.unread_count,
        kpi_breach=s.kpi_breach,
        kpi_breach_details=s.kpi_breach_details,
        context=s.context,
        correlation_id=s.correlation_id,
        provider_session_id=s.provider_session_id,
        focused=focused,
        home=s.home,
        actions=[session_action(a) for a in s.actions],
        template=s.template,
        icon=s.icon,
        channel=s.channel,
    )


def session_in(workspace: core.Workspace, s: core.Session) -> pb.Session:
    """Convert a session of ``workspace``, deriving its focus flag."""
    return session(s, workspace.focused_id == s.id)


def notification(n: core.Notification) -> pb.Notification:
    """Convert a toast."""
    return pb.Notification(
        id=n.id,
        provider=n.provider,
        agent_id=n.agent_id,
        title=n.title,
        fields=[pb.NotificationField(header=h, value=v) for h, v in n.fields],
        timeout_seconds=n.timeout_seconds,
        accept_label=n.accept_label,
        reject_label=n.reject_label,
        show_reject=n.show_reject,
        shown_at=timestamp(n.shown_at) if n.shown_at else None,
        expires_at=timestamp(n.expires_at) if n.expires_at else None,
        correlation_id=n.correlation_id,
        icon=n.icon,
        show_countdown=n.show_countdown,
        template=n.template,
    )


def workspace(w: core.Workspace, presences: tuple[str, ...]) -> agent_pb.Workspace:
    """Convert a whole workspace."""
    return agent_pb.Workspace(
        agent_id=w.agent_id,
        display_name=w.display_name,
        sessions=[session_in(w, s) for s in w.sessions.values()],
        focused_session_id=w.focused_id,
        presence=w.presence,
        panel_mode=panel_mode(w.panel_mode),
        panel_width=w.panel_width,
        notifications=[notification(n) for n in w.pending.values() if n.shown],
        presences=presences,
        transcripts=[
            pb.Transcript(session_id=s.id, tab_id=t.id, entries=[transcript_entry(e) for e in t.transcript])
            for s in w.sessions.values()
            for t in s.tabs.values()
            if t.page_type is PageType.TRANSCRIPT
        ],
    )


def provider_record(p: core.ProviderInfo) -> pb.ProviderRecord:
    """Convert a provider's configured record."""
    return pb.ProviderRecord(
        name=p.name,
        label=p.label,
        channel=p.channel,
        channel_order=p.channel_order,
        enabled=p.enabled,
        click_to_act=p.click_to_act,
        agents=sorted(p.agents),
        parameters=p.parameters,
        enable_analytics=p.enable_analytics,
    )


_PROVIDER_PAYLOADS: dict[type, tuple[str, Callable[[Any], Any]]] = {
    ev.SessionFocusChanged: (
        "session_focus_changed",
        lambda p: provider_pb.SessionFocusChanged(session_id=p.session_id, focused=p.focused),
    ),
    ev.SessionClosed: ("session_closed", lambda p: provider_pb.SessionClosed(session_id=p.session_id)),
    ev.TabFocused: ("tab_focused", lambda p: provider_pb.TabFocused(session_id=p.session_id, tab_id=p.tab_id)),
    ev.TabClosed: ("tab_closed", lambda p: provider_pb.TabClosed(session_id=p.session_id, tab_id=p.tab_id)),
    ev.NotificationResolved: (
        "notification_resolved",
        lambda p: provider_pb.NotificationResolved(
            notification_id=p.notification_id,
            action=action(p.action),
            reason=reason(p.reason),
            cancellation_token=p.cancellation_token,
        ),
    ),
    ev.ClickToAct: (
        "click_to_act",
        lambda p: provider_pb.ClickToAct(value=p.value, name=p.name, format=p.format, entity_name=p.entity_name),
    ),
    ev.PresenceChanged: ("presence_changed", lambda p: provider_pb.PresenceChanged(presence=p.presence)),
    ev.PanelChanged: ("panel_changed", lambda p: provider_pb.PanelChanged(mode=panel_mode(p.mode), width=p.width)),
    ev.ActionInvoked: (
        "action_invoked",
        lambda p: provider_pb.ActionInvoked(session_id=p.session_id, action_id=p.action_id, text=p.text),
    ),
    ev.ExternalEvent: (
        "external_event",
        lambda p: provider_pb.ExternalEvent(kind=p.kind, attributes=dict(p.attributes)),
    ),
}


def provider_event(
    delivery: ev.ToProvider, seq: int, event_id: str, occurred_at: datetime
) -> provider_pb.ProviderEvent:
    """Convert a delivery for a provider into its wire event."""
    field, build = _PROVIDER_PAYLOADS[type(delivery.payload)]
    event = provider_pb.ProviderEvent(
        seq=seq,
        event_id=event_id,
        agent_id=delivery.agent_id,
        occurred_at=timestamp(occurred_at),
        correlation_id=delivery.correlation_id,
    )
    getattr(event, field).CopyFrom(build(delivery.payload))
    return event


_AGENT_PAYLOADS: dict[type, tuple[str, Callable[[Any], Any]]] = {
    ev.SessionUpdated: ("session_updated", lambda p: session(p.session, p.focused)),
    ev.SessionRemoved: ("session_removed", lambda p: agent_pb.SessionRemoved(session_id=p.session_id)),
    ev.FocusChanged: (
        "focus_changed",
        lambda p: agent_pb.FocusChanged(session_id=p.session_id, previous_session_id=p.previous_session_id),
    ),
    ev.NotificationShown: ("notification_shown", lambda p: notification(p.notification)),
    ev.NotificationRemoved: (
        "notification_removed",
        lambda p: agent_pb.NotificationRemoved(
            notification_id=p.notification_id, action=action(p.action), reason=reason(p.reason)
        ),
    ),
    ev.SettingsChanged: (
        "settings_changed",
        lambda p: agent_pb.WorkspaceSettings(
            presence=p.presence, panel_mode=panel_mode(p.panel_mode), panel_width=p.panel_width
        ),
    ),
    ev.TabRefreshRequested: (
        "tab_refresh_requested",
        lambda p: agent_pb.TabRefreshRequested(session_id=p.session_id, tab_id=p.tab_id),
    ),
    ev.AttentionAlert: (
        "attention_alert",
        lambda p: agent_pb.AttentionAlert(session_id=p.session_id, unread_count=p.unread_count),
    ),
    ev.TranscriptAppended: (
        "transcript_appended",
        lambda p: agent_pb.TranscriptAppended(
            session_id=p.session_id, tab_id=p.tab_id, entry=transcript_entry(p.entry)
        ),
    ),
}


def workspace_event(payload: ev.AgentPayload, seq: int, epoch: str, occurred_at: datetime) -> agent_pb.WorkspaceEvent:
    """Convert a delivery for an agent into its wire event."""
    field, build = _AGENT_PAYLOADS[type(payload)]
    event = agent_pb.WorkspaceEvent(seq=seq, epoch=epoch, occurred_at=timestamp(occurred_at))
    getattr(event, field).CopyFrom(build(payload))
    return event
