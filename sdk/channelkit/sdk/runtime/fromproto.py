"""Contract messages to SDK models: the one place the SDK reads generated protobuf types.

Conversion is derived from the model: every field a model declares is read
from the message field of the same name (a timestamp becomes an aware UTC
datetime, a repeated field a tuple, a map a dict, a nested message the nested
model, an unset message field ``None``), and pydantic turns enum numbers into
the SDK's enums. Message fields the model does not declare are skipped, so an
SDK keeps reading a newer host that added fields. Plans are computed once per
(message type, model) pair.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import TypeVar
from typing import cast

from google.protobuf import timestamp_pb2
from google.protobuf.descriptor import Descriptor
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from pydantic import BaseModel

from channelkit.sdk import events
from channelkit.v1 import provider_service_pb2 as pb

__all__ = ["event", "fields_of", "model", "moment"]

M = TypeVar("M", bound=BaseModel)
Reader = Callable[[Message], Any]
_TIMESTAMP = timestamp_pb2.Timestamp.DESCRIPTOR.full_name
_plans: dict[tuple[str, type[BaseModel]], list[tuple[str, Reader]]] = {}


def moment(value: timestamp_pb2.Timestamp) -> datetime:
    """A protobuf timestamp as an aware UTC datetime."""
    return value.ToDatetime(tzinfo=UTC)


def model(cls: type[M], message: Message, **extra: object) -> M:
    """``message`` as a ``cls`` model, e.g. ``model(Session, response.session)``; ``extra`` adds or replaces fields."""
    return cls.model_validate({**fields_of(message, cls), **extra})


def fields_of(message: Message, cls: type[BaseModel]) -> dict[str, Any]:
    """The values of ``message`` that ``cls`` declares, converted for pydantic."""
    return {name: read(message) for name, read in _plan(cast(Descriptor, message.DESCRIPTOR), cls)}


def _plan(descriptor: Descriptor, cls: type[BaseModel]) -> list[tuple[str, Reader]]:
    key = (descriptor.full_name, cls)
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = [
            (name, _reader(descriptor.fields_by_name[name], info.annotation))
            for name, info in cls.model_fields.items()
            if name in descriptor.fields_by_name
        ]
    return plan


def _reader(field: FieldDescriptor, annotation: object) -> Reader:
    name = field.name
    if field.message_type is None:
        if field.is_repeated:
            return lambda m: tuple(getattr(m, name))
        return lambda m: getattr(m, name)
    if field.message_type.GetOptions().map_entry:
        return lambda m: dict(getattr(m, name))
    convert = _message_converter(field.message_type, annotation)
    if field.is_repeated:
        return lambda m: tuple(convert(item) for item in getattr(m, name))
    return lambda m: convert(getattr(m, name)) if m.HasField(name) else None


def _message_converter(descriptor: Descriptor, annotation: object) -> Callable[[Any], Any]:
    if descriptor.full_name == _TIMESTAMP:
        return moment
    nested = _model_in(annotation)
    if nested is None:
        raise TypeError(f"no model type for {descriptor.full_name} in {annotation!r}")
    return lambda value: fields_of(value, nested)


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``Tab``, ``tuple[Tab, ...]`` or ``RecordRef | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (tuple, list, typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None


# --- events -------------------------------------------------------------------------------------------------


def event(message: pb.ProviderEvent) -> events.Event | None:
    """A contract event as its model; ``None`` for a kind this SDK does not know yet.

    The model is the :class:`~channelkit.sdk.events.Event` subclass named
    after the ``payload`` field (``session_focus_changed`` → ``SessionFocusChanged``),
    so a new event kind needs only its model in :mod:`channelkit.sdk.events`.
    """
    kind = message.WhichOneof("payload")
    cls = events.Event.by_payload.get(kind) if kind else None
    if cls is None or kind is None:
        return None
    return model(cls, message, **fields_of(getattr(message, kind), cls))
