"""Conversions between the contract's protobuf messages and the SDK's models.

The only module of the SDK that touches generated message types besides the
transports, so the public API stays plain Python.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from google.protobuf import timestamp_pb2

from channelkit.sdk import events
from channelkit.sdk import models
from channelkit.sdk._enums import AuthorRole
from channelkit.sdk._enums import NotificationAction
from channelkit.sdk._enums import NotificationReason
from channelkit.sdk._enums import PageType
from channelkit.sdk._enums import PanelMode
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import workspace_pb2 as wpb


def moment(value: timestamp_pb2.Timestamp) -> datetime:
    """A protobuf timestamp as an aware UTC datetime."""
    return value.ToDatetime(tzinfo=UTC)


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """An aware datetime as a protobuf timestamp."""
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(value)
    return result


def record(message: wpb.RecordRef) -> models.RecordRef:
    """A contract record reference as a model."""
    return models.RecordRef(entity_name=message.entity_name, entity_id=message.entity_id)


def action(message: wpb.SessionAction) -> models.SessionAction:
    """A contract session action as a model."""
    return models.SessionAction(
        id=message.id,
        label=message.label,
        takes_text=message.takes_text,
        placeholder=message.placeholder,
        enabled=message.enabled,
    )


def action_message(value: models.SessionAction) -> wpb.SessionAction:
    """A session action as the contract's message."""
    return wpb.SessionAction(
        id=value.id,
        label=value.label,
        takes_text=value.takes_text,
        placeholder=value.placeholder,
        enabled=value.enabled,
    )


def transcript_entry(message: wpb.TranscriptEntry) -> models.TranscriptEntry:
    """A contract transcript entry as a model."""
    return models.TranscriptEntry(
        id=message.id,
        role=AuthorRole(message.role),
        author=message.author,
        text=message.text,
        occurred_at=moment(message.occurred_at),
    )


def tab(message: wpb.Tab) -> models.Tab:
    """A contract tab as a model."""
    return models.Tab(
        id=message.id,
        session_id=message.session_id,
        title=message.title,
        page_type=PageType(message.page_type),
        target=message.target,
        can_close=message.can_close,
        focused=message.focused,
        anchor=message.anchor,
        record=record(message.record) if message.HasField("record") else None,
        template=message.template,
    )


def session(message: wpb.Session) -> models.Session:
    """A contract session as a model."""
    return models.Session(
        id=message.id,
        owner_provider=message.owner_provider,
        agent_id=message.agent_id,
        title=message.title,
        created_at=moment(message.created_at),
        tabs=tuple(tab(t) for t in message.tabs),
        focused_tab_id=message.focused_tab_id,
        focused=message.focused,
        attention=message.attention,
        unread_count=message.unread_count,
        kpi_breach=message.kpi_breach,
        kpi_breach_details=message.kpi_breach_details,
        context=dict(message.context),
        correlation_id=message.correlation_id,
        provider_session_id=message.provider_session_id,
        actions=tuple(action(a) for a in message.actions),
        template=message.template,
        icon=message.icon,
    )


def provider_record(message: wpb.ProviderRecord) -> models.ProviderRecord:
    """The provider's own record from the handshake."""
    return models.ProviderRecord(
        name=message.name,
        label=message.label,
        channel=message.channel,
        channel_order=message.channel_order,
        enabled=message.enabled,
        click_to_act=message.click_to_act,
        agents=tuple(message.agents),
        parameters=dict(message.parameters),
        enable_analytics=message.enable_analytics,
    )


def limits(message: wpb.HostLimits) -> models.HostLimits:
    """The host's limits from the handshake."""
    return models.HostLimits(
        max_sessions=message.max_sessions,
        max_tabs=message.max_tabs,
        attention_cooldown_ms=message.attention_cooldown_ms,
        rate_limit_per_second=message.rate_limit_per_second,
        rate_limit_burst=message.rate_limit_burst,
        event_retention=message.event_retention,
        max_message_bytes=message.max_message_bytes,
        max_transcript_entries=message.max_transcript_entries,
    )


def tab_spec(spec: models.TabSpec) -> pb.TabSpec:
    """A tab request as the contract's TabSpec."""
    return pb.TabSpec(
        title=spec.title,
        page_type=wpb.PageType.ValueType(int(spec.page_type)),
        target=spec.target,
        can_close=spec.can_close,
        record=wpb.RecordRef(entity_name=spec.record.entity_name, entity_id=spec.record.entity_id)
        if spec.record
        else None,
    )


def template_parameters(parameters: models.TemplateParameters | None) -> pb.TemplateParameters | None:
    """Template parameters as the contract's message."""
    if parameters is None:
        return None
    return pb.TemplateParameters(
        values=parameters.values,
        tabs={name: pb.ScopedParameters(values=values) for name, values in parameters.tabs.items()},
    )


def create_session(request: models.SessionRequest) -> pb.CreateSessionRequest:
    """A session request as the contract's CreateSessionRequest."""
    return pb.CreateSessionRequest(
        agent_id=request.agent_id,
        title=request.title,
        context=request.context,
        correlation_id=request.correlation_id,
        provider_session_id=request.provider_session_id,
        consent_notification_id=request.consent_notification_id,
        anchor_tab=tab_spec(request.anchor_tab) if request.anchor_tab else None,
        template=request.template,
        template_parameters=template_parameters(request.parameters),
    )


def notify_event(request: models.ToastRequest) -> pb.NotifyEventRequest:
    """A toast request as the contract's NotifyEventRequest."""
    return pb.NotifyEventRequest(
        agent_id=request.agent_id,
        title=request.title,
        fields=[wpb.NotificationField(header=f.header, value=f.value) for f in request.fields],
        timeout_seconds=request.timeout_seconds,
        accept_label=request.accept_label,
        reject_label=request.reject_label,
        hide_reject=request.hide_reject,
        cancellation_token=request.cancellation_token,
        correlation_id=request.correlation_id,
        template=request.template,
        template_parameters=template_parameters(request.parameters),
    )


def outcome(message: pb.NotifyEventResponse) -> models.NotificationOutcome:
    """A toast's outcome as a model."""
    return models.NotificationOutcome(
        notification_id=message.notification_id,
        action=NotificationAction(message.action),
        reason=NotificationReason(message.reason),
    )


def event(message: pb.ProviderEvent) -> events.Event | None:
    """A contract event as its model; ``None`` for a kind this SDK does not know yet."""
    common = {
        "seq": message.seq,
        "event_id": message.event_id,
        "agent_id": message.agent_id,
        "occurred_at": moment(message.occurred_at),
        "correlation_id": message.correlation_id,
    }
    kind = message.WhichOneof("payload")
    if kind is None:
        return None
    payload = getattr(message, kind)
    fields = {f.name: getattr(payload, f.name) for f in payload.DESCRIPTOR.fields}
    model = _EVENT_MODELS.get(kind)
    if model is None:
        return None
    if kind == "notification_resolved":
        fields["action"] = NotificationAction(fields["action"])
        fields["reason"] = NotificationReason(fields["reason"])
    elif kind == "panel_changed":
        fields["mode"] = PanelMode(fields["mode"])
    elif kind == "external_event":
        fields["attributes"] = dict(fields["attributes"])
    return model(**common, **fields)


_EVENT_MODELS: dict[str, type[events.Event]] = {
    "session_focus_changed": events.SessionFocusChanged,
    "session_closed": events.SessionClosed,
    "tab_focused": events.TabFocused,
    "tab_closed": events.TabClosed,
    "notification_resolved": events.NotificationResolved,
    "click_to_act": events.ClickToAct,
    "presence_changed": events.PresenceChanged,
    "panel_changed": events.PanelChanged,
    "action_invoked": events.ActionInvoked,
    "external_event": events.ExternalEvent,
}
