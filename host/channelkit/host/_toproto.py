"""Core state to channelkit.v1 messages: the only module that builds responses and events from state.

Conversion happens the moment a command returns, so a message always shows the
state right after the command that produced it. Where a core object has the
message's field names, the conversion is derived from the message descriptor
(:func:`fill`); sessions, tabs and toasts, whose messages add derived fields
(focus flags, the owner's name), are written out.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import datetime
from enum import IntEnum
from typing import Any
from typing import TypeVar
from typing import cast

from google.protobuf import message_factory
from google.protobuf import timestamp_pb2
from google.protobuf.descriptor import Descriptor
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from channelkit.host import core
from channelkit.host.config import HostConfig
from channelkit.host.core import events as ev
from channelkit.sdk import PageType
from channelkit.v1 import agent_service_pb2 as agent_pb
from channelkit.v1 import provider_service_pb2 as provider_pb
from channelkit.v1 import workspace_pb2 as pb

M = TypeVar("M", bound=Message)


def timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    """A protobuf Timestamp for an aware datetime."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def enum(value: IntEnum | None) -> int:
    """The wire number of a core enum (0, unspecified, for None)."""
    return int(value or 0)


def fill(cls: type[M], source: object, *, skip: tuple[str, ...] = (), **extra: object) -> M:
    """A ``cls`` message from the attributes of ``source`` that the message has fields for (but ``skip``).

    ``extra`` gives the fields the message derives (a focus flag, the owner's name). The
    conversion of each pair of types is derived once from the message descriptor and compiled to
    one constructor call, so it costs what a hand-written conversion costs.
    """
    key = (cls, type(source), skip, tuple(extra))
    build = _builders.get(key)
    if build is None:
        build = _builders[key] = _compile(cls, type(source), (*skip, *extra))
    return cast(M, build(source, extra))


Builder = Callable[[Any, dict[str, object]], Message]
_builders: dict[tuple[type[Message], type, tuple[str, ...], tuple[str, ...]], Builder] = {}


def _compile(cls: type[Message], source: type, skip: tuple[str, ...]) -> Builder:
    """``lambda s, extra: cls(name=convert(s.name), …, **extra)`` for the attributes the message shares."""
    attributes = {f.name for f in dataclasses.fields(source)} if dataclasses.is_dataclass(source) else set()
    scope: dict[str, object] = {"cls": cls}
    arguments = []
    for field in cast(Descriptor, cls.DESCRIPTOR).fields:
        if field.name not in attributes or field.name in skip:
            continue
        convert = _converter(field)
        if convert is None:
            arguments.append(f"{field.name}=s.{field.name}")
        else:
            scope[f"c_{field.name}"] = convert
            arguments.append(f"{field.name}=None if s.{field.name} is None else c_{field.name}(s.{field.name})")
    code = f"lambda s, extra: cls({', '.join([*arguments, '**extra'])})"
    return cast(Builder, eval(code, scope))


def _converter(field: FieldDescriptor) -> Callable[[Any], Any] | None:
    """How one attribute becomes the field's value: as it is (None), or through a conversion."""
    message_type = field.message_type
    if field.enum_type is not None:
        one: Callable[[Any], Any] = int
    elif message_type is None or message_type.GetOptions().map_entry:
        return None
    elif message_type.full_name == timestamp_pb2.Timestamp.DESCRIPTOR.full_name:
        one = timestamp
    else:
        one = functools.partial(fill, message_factory.GetMessageClass(message_type))
    if field.is_repeated:
        return lambda values: [one(v) for v in values]
    return one


# --- workspace state --------------------------------------------------------------------------------


def transcript_entry(e: core.TranscriptEntry) -> pb.TranscriptEntry:
    """Convert a transcript entry."""
    return fill(pb.TranscriptEntry, e)


def tab(t: core.Tab, focused_tab_id: str | None) -> pb.Tab:
    """Convert a tab (its transcript travels separately; see ``workspace``)."""
    return fill(pb.Tab, t, focused=t.id == focused_tab_id)


def session(s: core.Session, focused: bool) -> pb.Session:
    """Convert a session; ``focused`` says whether it is the workspace's focused session."""
    return fill(
        pb.Session,
        s,
        skip=("tabs",),
        owner_provider=s.owner or "",
        state=pb.SESSION_STATE_OPEN,
        focused=focused,
        home=s.home,
        tabs=[tab(t, s.focused_tab_id) for t in s.tabs.values()],
    )


def session_in(workspace: core.Workspace, s: core.Session) -> pb.Session:
    """Convert a session of ``workspace``, deriving its focus flag."""
    return session(s, workspace.focused_id == s.id)


def tab_in(c: core.Core, t: core.Tab) -> pb.Tab:
    """Convert a tab, deriving its focus flag from its session."""
    return tab(t, c.session_by_id(t.session_id).focused_tab_id)


def notification(n: core.Notification) -> pb.Notification:
    """Convert a toast."""
    message = fill(pb.Notification, n, skip=("fields",))
    message.fields.extend(pb.NotificationField(header=h, value=v) for h, v in n.fields)
    return message


def workspace(w: core.Workspace, presences: tuple[str, ...]) -> agent_pb.Workspace:
    """Convert a whole workspace."""
    return agent_pb.Workspace(
        agent_id=w.agent_id,
        display_name=w.display_name,
        sessions=[session_in(w, s) for s in w.sessions.values()],
        focused_session_id=w.focused_id,
        presence=w.presence,
        panel_mode=pb.PanelMode.ValueType(w.panel_mode),
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


# --- what providers learn about themselves ------------------------------------------------------------


def provider_record(p: core.ProviderInfo) -> pb.ProviderRecord:
    """Convert a provider's configured record."""
    record = fill(pb.ProviderRecord, p, skip=("agents",))
    record.agents.extend(sorted(p.agents))
    return record


def host_limits(config: HostConfig) -> pb.HostLimits:
    """The limits a provider learns in Hello."""
    limits = config.limits
    return pb.HostLimits(
        max_sessions=limits.max_sessions,
        max_tabs=limits.max_tabs,
        attention_cooldown_ms=int(limits.attention_cooldown_seconds * 1000),
        rate_limit_per_second=limits.rate_limit_per_second,
        rate_limit_burst=limits.rate_limit_burst,
        event_retention=limits.event_retention,
        max_message_bytes=config.server.max_message_bytes,
        max_transcript_entries=limits.max_transcript_entries,
    )


# --- events ---------------------------------------------------------------------------------------------

_PROVIDER_PAYLOAD_FIELD = {
    f.message_type.full_name: f.name
    for f in provider_pb.ProviderEvent.DESCRIPTOR.oneofs_by_name["payload"].fields
    if f.message_type is not None
}
"""The ``ProviderEvent.payload`` field of each payload message type, from the contract."""


def provider_event(
    delivery: ev.ToProvider, seq: int, event_id: str, occurred_at: datetime
) -> provider_pb.ProviderEvent:
    """Convert a delivery for a provider into its wire event (the payload is already the contract's message)."""
    event = provider_pb.ProviderEvent(
        seq=seq,
        event_id=event_id,
        agent_id=delivery.agent_id,
        occurred_at=timestamp(occurred_at),
        correlation_id=delivery.correlation_id,
    )
    getattr(event, _PROVIDER_PAYLOAD_FIELD[delivery.payload.DESCRIPTOR.full_name]).CopyFrom(delivery.payload)
    return event


_WORKSPACE_EVENT_FIELD = {
    f.message_type.full_name: f.name
    for f in agent_pb.WorkspaceEvent.DESCRIPTOR.oneofs_by_name["payload"].fields
    if f.message_type is not None
}
"""The ``WorkspaceEvent.event`` field of each delta message type, from the contract."""
_CORE_PAYLOADS: dict[type, Callable[[Any], Message]] = {
    ev.SessionUpdated: lambda p: session(p.session, p.focused),
    ev.NotificationShown: lambda p: notification(p.notification),
    ev.TranscriptAppended: lambda p: agent_pb.TranscriptAppended(
        session_id=p.session_id, tab_id=p.tab_id, entry=transcript_entry(p.entry)
    ),
}
"""The deltas that carry core objects; every other delta is already the contract's message."""


def workspace_event(payload: ev.AgentPayload, seq: int, epoch: str, occurred_at: datetime) -> agent_pb.WorkspaceEvent:
    """Convert a delivery for an agent into its wire event, under the field its message type names."""
    build = _CORE_PAYLOADS.get(type(payload))
    message = build(payload) if build is not None else payload
    assert isinstance(message, Message)
    event = agent_pb.WorkspaceEvent(seq=seq, epoch=epoch, occurred_at=timestamp(occurred_at))
    getattr(event, _WORKSPACE_EVENT_FIELD[message.DESCRIPTOR.full_name]).CopyFrom(message)
    return event
