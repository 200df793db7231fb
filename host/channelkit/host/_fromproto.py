"""channelkit.v1 requests to the core's command arguments: the host's other direction.

Only the shapes are converted here; what a value may be is the core's to
check (:mod:`channelkit.host.core._validate`), so every edge meets the same
rules. A timestamp is the exception: protobuf cannot turn an out-of-range one
into a datetime, so it is refused here, naming the field, like any bad field.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import TypeVar

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from channelkit.host.core import SessionAction
from channelkit.host.core import TabSpec
from channelkit.host.core import TemplateCall
from channelkit.host.core import ToastSpec
from channelkit.host.core import _validate as check
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import workspace_pb2 as wpb

D = TypeVar("D")
_MIN_SECONDS = int(datetime(1, 1, 1, tzinfo=UTC).timestamp())
_MAX_SECONDS = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())

TemplateRequest = (
    pb.CreateSessionRequest
    | pb.CreateTabRequest
    | pb.NotifyEventRequest
    | pb.SetSessionTitleRequest
    | pb.SetTabTitleRequest
)


def moment(request: Message, field: str) -> datetime | None:
    """The request's optional timestamp ``field`` as an aware datetime; INVALID_FIELD when out of range."""
    if not request.HasField(field):
        return None
    value: timestamp_pb2.Timestamp = getattr(request, field)
    if not 0 <= value.nanos < 1_000_000_000:
        raise check.invalid(field, f"nanos must be 0 to 999999999 (got {value.nanos})")
    if not _MIN_SECONDS <= value.seconds <= _MAX_SECONDS:
        raise check.invalid(field, "must lie between the years 1 and 9999")
    return value.ToDatetime(tzinfo=UTC)


def values(request: Message, *names: str) -> dict[str, Any]:
    """The request's scalar fields ``names``, by name, to pass on as keyword arguments."""
    return {name: getattr(request, name) for name in names}


def tab_spec(spec: pb.TabSpec) -> TabSpec:
    """A literal tab of CreateSession or CreateTab."""
    record = (spec.record.entity_name, spec.record.entity_id) if spec.HasField("record") else None
    return TabSpec(
        title=spec.title, page_type=spec.page_type, target=spec.target, can_close=spec.can_close, record=record
    )


def optional_tab_spec(request: Message, field: str) -> TabSpec | None:
    """The request's tab ``field`` (``anchor_tab``, ``tab``), if set."""
    return tab_spec(getattr(request, field)) if request.HasField(field) else None


def template_call(request: TemplateRequest, name: str) -> TemplateCall | None:
    """The template request of a call; None when it names no template and gives no parameters.

    Title changes name no template (it is the session's or tab's own), so they pass ``name`` "".
    """
    given = request.HasField("template_parameters")
    if not name and not given:
        return None
    if not name and not isinstance(request, pb.SetSessionTitleRequest | pb.SetTabTitleRequest):
        raise check.invalid("template_parameters", "is only used together with template")
    parameters = request.template_parameters
    return TemplateCall(name, dict(parameters.values), {k: dict(v.values) for k, v in parameters.tabs.items()})


def _dataclass_of(cls: type[D], message: Message, **overrides: object) -> D:
    """A core dataclass from the message fields of the same names (``overrides`` win)."""
    names = [f.name for f in dataclasses.fields(cls) if f.name not in overrides]  # type: ignore[arg-type]
    return cls(**{name: getattr(message, name) for name in names}, **overrides)


def action(message: wpb.SessionAction) -> SessionAction:
    """A session action button."""
    return _dataclass_of(SessionAction, message)


def toast_spec(request: pb.NotifyEventRequest) -> ToastSpec:
    """A toast as NotifyEvent describes it."""
    return _dataclass_of(
        ToastSpec,
        request,
        fields=[(f.header, f.value) for f in request.fields],
        template=template_call(request, request.template),
    )
