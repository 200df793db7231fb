"""The contract stays honest: generated code fresh, every element documented, SDK in step."""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import astuple
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

import channelkit
from channelkit.sdk import NotificationAction
from channelkit.sdk import NotificationReason
from channelkit.sdk import PageType
from channelkit.sdk import PanelMode
from channelkit.sdk import Provider
from channelkit.sdk import events
from channelkit.sdk import limits
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.runtime import rpcs
from channelkit.v1 import errors_pb2
from channelkit.v1 import host_service_pb2
from channelkit.v1 import provider_service_pb2
from channelkit.v1 import workspace_pb2

ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = ROOT / "proto"


def test_generated_code_matches_the_proto_files() -> None:
    result = subprocess.run(
        [sys.executable, str(PROTO_DIR / "generate.py"), "--check"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _descriptor_set(tmp_path: Path) -> descriptor_pb2.FileDescriptorSet:
    from grpc_tools import protoc

    out = tmp_path / "contract.pb"
    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in (PROTO_DIR / "channelkit" / "v1").glob("*.proto"))
    well_known = Path(protoc.__file__).parent / "_proto"
    code = protoc.main(
        ["protoc", f"-I{PROTO_DIR}", f"-I{well_known}", "--include_source_info", f"--descriptor_set_out={out}", *protos]
    )
    assert code == 0
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def _element_paths(file: descriptor_pb2.FileDescriptorProto) -> dict[tuple[int, ...], str]:
    paths: dict[tuple[int, ...], str] = {}

    def message(path: tuple[int, ...], msg: descriptor_pb2.DescriptorProto) -> None:
        if msg.options.map_entry:
            return
        paths[path] = msg.name
        for i, field in enumerate(msg.field):
            paths[(*path, 2, i)] = f"{msg.name}.{field.name}"
        for i, nested in enumerate(msg.nested_type):
            message((*path, 3, i), nested)
        for i, enum in enumerate(msg.enum_type):
            enumeration((*path, 4, i), enum)

    def enumeration(path: tuple[int, ...], enum: descriptor_pb2.EnumDescriptorProto) -> None:
        paths[path] = enum.name
        for i, value in enumerate(enum.value):
            paths[(*path, 2, i)] = value.name

    for i, msg in enumerate(file.message_type):
        message((4, i), msg)
    for i, enum in enumerate(file.enum_type):
        enumeration((5, i), enum)
    for i, service in enumerate(file.service):
        paths[(6, i)] = service.name
        for j, method in enumerate(service.method):
            paths[(6, i, 2, j)] = f"{service.name}.{method.name}"
    return paths


def test_every_service_rpc_message_field_and_enum_value_has_a_comment(tmp_path: Path) -> None:
    undocumented = []
    for file in _descriptor_set(tmp_path).file:
        if not file.name.startswith("channelkit/"):
            continue
        comments = {tuple(loc.path): loc.leading_comments.strip() for loc in file.source_code_info.location}
        header = (PROTO_DIR / file.name).read_text(encoding="utf-8").split("syntax =")[0]
        assert "Versioning policy" in header, f"{file.name} has no versioning policy in its header"
        undocumented += [
            f"{file.name}: {name}" for path, name in _element_paths(file).items() if not comments.get(path)
        ]
    assert undocumented == []


@pytest.mark.parametrize(
    ("sdk_enum", "proto_enum", "prefix"),
    [
        (PageType, workspace_pb2.PageType, "PAGE_TYPE_"),
        (PanelMode, workspace_pb2.PanelMode, "PANEL_MODE_"),
        (NotificationAction, workspace_pb2.NotificationAction, "NOTIFICATION_ACTION_"),
        (NotificationReason, workspace_pb2.NotificationReason, "NOTIFICATION_REASON_"),
    ],
)
def test_sdk_enums_mirror_the_contract(sdk_enum: type, proto_enum: object, prefix: str) -> None:
    contract = {name.removeprefix(prefix): number for name, number in proto_enum.items() if number}  # type: ignore[attr-defined]
    assert {m.name: int(m) for m in sdk_enum} == contract  # type: ignore[attr-defined]


def test_sdk_error_reasons_mirror_the_contract() -> None:
    contract = {name for name, number in errors_pb2.ErrorReason.items() if number}
    assert {r.value for r in ErrorReason} == contract


def test_channelkit_is_a_namespace_with_every_distribution_in_it() -> None:
    assert getattr(channelkit, "__file__", None) is None
    for module in ("channelkit.v1", "channelkit.sdk", "channelkit.host", "channelkit.reference_providers"):
        importlib.import_module(module)
    for path in channelkit.__path__:
        assert not (Path(path) / "__init__.py").exists()


def _comments_by_name(tmp_path: Path) -> dict[str, str]:
    """Every documented element's comment, by ``Message.field`` (or ``Service.Method``) name."""
    found: dict[str, str] = {}
    for file in _descriptor_set(tmp_path).file:
        if file.name.startswith("channelkit/"):
            comments = {tuple(loc.path): loc.leading_comments for loc in file.source_code_info.location}
            for path, name in _element_paths(file).items():
                found[name] = " ".join(comments.get(path, "").split())
    return found


QUOTED_LIMITS = """
HelloRequest.software_version               ID_MAX
CreateSessionRequest.title                  TITLE_MAX
CreateSessionRequest.correlation_id         ID_MAX
CreateSessionRequest.provider_session_id    ID_MAX
TabSpec.title                               TITLE_MAX
TabSpec.target                              TARGET_MAX
Session.title                               TITLE_MAX
Session.context                             CONTEXT
Session.kpi_breach_details                  TITLE_MAX
SessionAction.id                            ACTION_ID_MAX
SessionAction.label                         BUTTON_LABEL_MAX
SessionAction.placeholder                   ACTION_PLACEHOLDER_MAX
RecordRef.entity_name                       ENTITY_NAME_MAX
RecordRef.entity_id                         ID_MAX
TranscriptEntry.author                      AUTHOR_MAX
TranscriptEntry.text                        TRANSCRIPT_TEXT_MAX
AppendTranscriptRequest.text                TRANSCRIPT_TEXT_MAX
RequestFocusSessionRequest.messages_count   MESSAGES_COUNT_MAX
NotifyEventRequest.title                    NOTIFICATION_TITLE_MAX
NotifyEventRequest.timeout_seconds          NOTIFICATION_TIMEOUT_MAX NOTIFICATION_TIMEOUT_SECONDS
NotifyEventRequest.accept_label             BUTTON_LABEL_MAX
NotifyEventRequest.cancellation_token       ID_MAX
NotificationField.header                    FIELD_HEADER_MAX
NotificationField.value                     FIELD_VALUE_MAX
Notification.title                          NOTIFICATION_TITLE_MAX
ProviderService.NotifyEvent                 TOAST_QUEUE_LIMIT TOAST_QUEUE_SECONDS
ProviderService.SetPanelWidth               PANEL_WIDTH_MIN
SetPanelWidthRequest.width                  PANEL_WIDTH_MIN PANEL_WIDTH_MAX
LogAnalyticsEventRequest.name               ANALYTICS_TEXT_MAX
LogAnalyticsEventRequest.attributes         ANALYTICS_ATTRIBUTES
InjectEventRequest.attributes               EVENT_ATTRIBUTES
ClickToActRequest.click                     CLICK_VALUE_MAX ID_MAX
"""
"""Per documented element, the channelkit.sdk.limits whose numbers its comment must quote."""


def _numbers(name: str) -> tuple[int, ...]:
    """A limit's numbers: a plain limit, a configurable one's default, or a string map's three bounds."""
    value = getattr(limits, name)
    if isinstance(value, limits.MapLimit):
        return astuple(value)
    return (int(value.default if isinstance(value, limits.Setting) else value),)


def test_the_numbers_the_proto_comments_quote_are_the_limits_the_host_enforces(tmp_path: Path) -> None:
    comments = _comments_by_name(tmp_path)
    table = [line.split() for line in QUOTED_LIMITS.strip().splitlines()]
    wrong = [
        (element, limit, number)
        for element, *names in table
        for limit in names
        for number in _numbers(limit)
        if str(number) not in comments[element]
    ]
    assert wrong == [], f"these comments do not quote the limit in channelkit.sdk.limits: {wrong}"


def test_every_rpc_of_the_contract_is_in_the_rpc_table_with_its_types() -> None:
    for table in (rpcs.ProviderService, rpcs.AgentService, rpcs.HostService):
        for method in table.descriptor.methods:
            rpc = table.by_name[method.name]
            assert rpc.request.DESCRIPTOR is method.input_type and rpc.response.DESCRIPTOR is method.output_type
            assert rpc.streaming == method.server_streaming and rpc.path.endswith(f"/{method.name}")
    assert rpcs.ProviderService.NotifyEvent.deadline is rpcs.Deadline.OUTCOME
    assert rpcs.ProviderService.CreateSession.idempotent and not rpcs.ProviderService.CreateSession.read_only
    assert rpcs.ProviderService.GetSession.read_only


def test_a_table_that_misses_or_mistypes_an_rpc_is_refused_when_defined() -> None:
    service = rpcs.HostService.descriptor
    with pytest.raises(TypeError, match=r"lacks RPCs of channelkit\.v1\.HostService: InjectEvent, ReinstateProvider"):
        type("Partial", (rpcs.ServiceTable,), {"ListProviders": rpcs.HostService.ListProviders}, descriptor=service)
    entries = {
        "ListProviders": rpcs.Rpc(host_service_pb2.InjectEventRequest, host_service_pb2.ListProvidersResponse),
        "InjectEvent": rpcs.Rpc(host_service_pb2.InjectEventRequest, host_service_pb2.InjectEventResponse),
        "ReinstateProvider": rpcs.HostService.ReinstateProvider,
    }
    with pytest.raises(TypeError, match=r"ListProviders takes channelkit\.v1\.ListProvidersRequest"):
        type("Wrong", (rpcs.ServiceTable,), entries, descriptor=service)


_KINDS_AT_0_1 = {
    "session_focus_changed",
    "session_closed",
    "tab_focused",
    "tab_closed",
    "notification_resolved",
    "click_to_act",
    "presence_changed",
    "panel_changed",
    "action_invoked",
    "external_event",
}


def test_every_provider_event_payload_has_its_sdk_event_class() -> None:
    payload = provider_service_pb2.ProviderEvent.DESCRIPTOR.oneofs_by_name["payload"]
    assert {f.name for f in payload.fields} == set(events.Event.by_payload)
    for name, cls in events.Event.by_payload.items():
        assert cls.handler == f"on_{name}"
        # The base class documents a handler for every kind it knew when written; a provider without one
        # skips the kind (the runtime looks the handler up by name), so a new kind needs no edit there.
        assert callable(getattr(Provider, cls.handler, None)) or name not in _KINDS_AT_0_1
