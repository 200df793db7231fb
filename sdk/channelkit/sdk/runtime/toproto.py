"""SDK models and call arguments to contract messages: the SDK's other direction.

A model becomes the message of the same shape field by field, derived from
the message's descriptor (nested models become nested messages, enums their
numbers, datetimes timestamps), so adding a field to both needs no code here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import IntEnum
from typing import TypeVar
from typing import cast

from google.protobuf import message_factory
from google.protobuf import timestamp_pb2
from google.protobuf.descriptor import Descriptor
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from pydantic import BaseModel

from channelkit.sdk import models
from channelkit.sdk._enums import PanelMode
from channelkit.sdk.errors import InvalidArgument
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import workspace_pb2 as wpb

__all__ = ["message", "panel_mode", "template_parameters", "timestamp"]

M = TypeVar("M", bound=Message)


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """An aware datetime as a protobuf timestamp."""
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(value)
    return result


def message(value: BaseModel, cls: type[M]) -> M:
    """``value`` as a ``cls`` message: every model field the message also has, converted."""
    fields = cast(Descriptor, cls.DESCRIPTOR).fields_by_name
    return cls(**{name: _wire(fields[name], item) for name, item in value if name in fields and item is not None})


def _wire(field: FieldDescriptor, value: object) -> object:
    if isinstance(value, BaseModel) and field.message_type is not None:
        return message(value, message_factory.GetMessageClass(field.message_type))
    if isinstance(value, tuple | list):
        return [_wire(field, item) for item in value]
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, IntEnum):
        return int(value)
    return value


def template_parameters(
    values: Mapping[str, str] | None, tab_values: Mapping[str, Mapping[str, str]] | None = None
) -> pb.TemplateParameters | None:
    """Template parameters (for every template, and per tab template name); ``None`` when neither is given."""
    if values is None and tab_values is None:
        return None
    tabs = {name: pb.ScopedParameters(values=dict(scoped)) for name, scoped in (tab_values or {}).items()}
    return pb.TemplateParameters(values=dict(values or {}), tabs=tabs)


def panel_mode(mode: PanelMode | str) -> wpb.PanelMode.ValueType:
    """A panel mode given as the enum or by its name ("docked", "minimized", "hidden")."""
    if isinstance(mode, str):
        try:
            mode = PanelMode[mode.upper()]
        except KeyError:
            choices = ", ".join(m.name.lower() for m in PanelMode)
            raise InvalidArgument(f"invalid mode: {mode!r} is not one of {choices}", field="mode") from None
    return wpb.PanelMode.ValueType(int(mode))


def tab_spec(spec: models.TabSpec) -> pb.TabSpec:
    """A tab request as the contract's TabSpec."""
    return message(spec, pb.TabSpec)
