"""Bad input (R9): precise INVALID_ARGUMENT naming the field, nothing changed, no leaked internals."""

from __future__ import annotations

import random
from typing import Any
from typing import cast

import grpc
import pytest
from google.protobuf.message import DecodeError
from google.protobuf.message import Message

from channelkit.sdk.runtime.rpcs import AgentService
from channelkit.sdk.runtime.rpcs import HostService
from channelkit.sdk.runtime.rpcs import ProviderService
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import EVERY_STORE
from tests._support import RunningHost
from tests._support import decode_error
from tests._support import rpc_error

pytestmark = EVERY_STORE

UNKNOWN_PAGE_TYPE = wpb.PageType.ValueType(99)


def _undecodable(request_type: type[Message], rng: random.Random) -> bytes:
    """Random bytes that the request type cannot parse (checked, not assumed)."""
    while True:
        candidate = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64)))
        try:
            request_type.FromString(candidate)
        except DecodeError:
            return candidate


def _credentials(host: RunningHost, service: str) -> tuple[tuple[str, str], ...]:
    name = {"ProviderService": "alpha", "AgentService": "agent-1", "HostService": "ops"}[service]
    return (("authorization", f"Bearer {host.secrets.by_name[name]}"),)


SERVICES = (ProviderService, AgentService, HostService)


async def test_random_bytes_to_every_method_answer_invalid_argument(host: RunningHost) -> None:
    rng = random.Random(20261121)
    for service in SERVICES:
        for rpc in service.rpcs():
            path = rpc.path
            metadata = _credentials(host, service.descriptor.name)
            for _ in range(3):
                payload = _undecodable(rpc.request, rng)
                if rpc.streaming:
                    call = cast(Any, host.channel.unary_stream(path))(payload, metadata=metadata)
                    with pytest.raises(grpc.aio.AioRpcError) as caught:
                        async for _ in call:
                            pass
                else:
                    with pytest.raises(grpc.aio.AioRpcError) as caught:
                        await cast(Any, host.channel.unary_unary(path))(payload, metadata=metadata)
                error = decode_error(caught.value)
                assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST"), path
                assert "DecodeError" not in error.message and "Traceback" not in error.message


@pytest.mark.parametrize(
    ("method", "request_", "field"),
    [
        ("CreateSession", ppb.CreateSessionRequest(agent_id="", title="x"), "agent_id"),
        ("CreateSession", ppb.CreateSessionRequest(agent_id="a" * 129, title="x"), "agent_id"),
        ("CreateSession", ppb.CreateSessionRequest(agent_id="agent 1!", title="x"), "agent_id"),
        ("CreateSession", ppb.CreateSessionRequest(agent_id="agent-1", title=""), "title"),
        ("CreateSession", ppb.CreateSessionRequest(agent_id="agent-1", title="t" * 201), "title"),
        ("CreateSession", ppb.CreateSessionRequest(agent_id="agent-1", title="x", context={"": "v"}), "context"),
        (
            "CreateSession",
            ppb.CreateSessionRequest(
                agent_id="agent-1",
                title="x",
                anchor_tab=ppb.TabSpec(title="t", page_type=wpb.PAGE_TYPE_URL, target="ftp://x"),
            ),
            "anchor_tab.target",
        ),
        (
            "CreateSession",
            ppb.CreateSessionRequest(
                agent_id="agent-1",
                title="x",
                anchor_tab=ppb.TabSpec(title="t", page_type=UNKNOWN_PAGE_TYPE, target="p"),
            ),
            "anchor_tab.page_type",
        ),
        ("GetSession", ppb.GetSessionRequest(session_id=""), "session_id"),
        ("RequestFocusSession", ppb.RequestFocusSessionRequest(session_id="s-1", messages_count=-1), "messages_count"),
        ("FocusTab", ppb.FocusTabRequest(tab_id="\x00bad"), "tab_id"),
        ("SetPanelMode", ppb.SetPanelModeRequest(agent_id="agent-1", mode=wpb.PANEL_MODE_UNSPECIFIED), "mode"),
        ("SetPanelMode", ppb.SetPanelModeRequest(agent_id="agent-1", mode=7), "mode"),  # type: ignore[arg-type]
        ("SetPanelWidth", ppb.SetPanelWidthRequest(agent_id="agent-1", width=299), "width"),
        ("SetPresence", ppb.SetPresenceRequest(agent_id="agent-1", presence="Napping"), "presence"),
        ("NotifyEvent", ppb.NotifyEventRequest(agent_id="agent-1", title="t", timeout_seconds=501), "timeout_seconds"),
        (
            "NotifyEvent",
            ppb.NotifyEventRequest(
                agent_id="agent-1", title="t", fields=[wpb.NotificationField(header="h", value="v")] * 5
            ),
            "fields",
        ),
        ("NotifyEvent", ppb.NotifyEventRequest(agent_id="agent-1", title="t", template="x"), "title"),
        (
            "NotifyEvent",
            ppb.NotifyEventRequest(agent_id="agent-1", title="t", template_parameters=ppb.TemplateParameters()),
            "template_parameters",
        ),
        (
            "CreateSession",
            ppb.CreateSessionRequest(
                agent_id="agent-1", template="x", template_parameters=ppb.TemplateParameters(values={"": "v"})
            ),
            "template_parameters.values",
        ),
        ("CreateTab", ppb.CreateTabRequest(session_id="s-1"), "tab"),
        ("Hello", ppb.HelloRequest(), "protocol_versions"),
        ("LogAnalyticsEvent", ppb.LogAnalyticsEventRequest(agent_id="agent-1", name=""), "name"),
    ],
)
async def test_provider_field_errors_name_the_field_and_change_nothing(
    host: RunningHost, method: str, request_: object, field: str
) -> None:
    before = (await host.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())).workspace
    error = await rpc_error(getattr(host.provider("alpha"), method)(request_))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_FIELD"
    assert error.fields == [field]
    assert error.metadata["field"] == field
    after = (await host.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())).workspace
    assert after == before


@pytest.mark.parametrize(
    ("method", "request_", "field"),
    [
        ("SetPanelWidth", apb.AgentSetPanelWidthRequest(width=120), "width"),
        ("SetPanelMode", apb.AgentSetPanelModeRequest(mode=42), "mode"),  # type: ignore[arg-type]
        ("SwitchSession", apb.SwitchSessionRequest(session_id=""), "session_id"),
        (
            "RespondToNotification",
            apb.RespondToNotificationRequest(notification_id="n-1", action=wpb.NOTIFICATION_ACTION_TIMEOUT),
            "action",
        ),
        ("ClickToAct", apb.ClickToActRequest(), "click.value"),
    ],
)
async def test_agent_field_errors_name_the_field(host: RunningHost, method: str, request_: object, field: str) -> None:
    error = await rpc_error(getattr(host.agent("agent-1"), method)(request_))
    assert (error.code, error.fields) == (grpc.StatusCode.INVALID_ARGUMENT, [field])


@pytest.mark.parametrize(
    ("method", "request_"),
    [
        ("CreateSession", ppb.CreateSessionRequest(agent_id="agent-1", template="no_such")),
        ("NotifyEvent", ppb.NotifyEventRequest(agent_id="agent-1", template="no_such")),
    ],
)
async def test_an_unknown_template_is_not_found_with_its_name(host: RunningHost, method: str, request_: object) -> None:
    error = await rpc_error(getattr(host.provider("alpha"), method)(request_))
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "TEMPLATE_NOT_FOUND")
    assert error.metadata["template"] == "no_such"
    assert host.server.runtime.core.open_sessions_of("alpha") == 0


async def test_a_handler_bug_is_internal_with_an_incident_id_and_no_exception_text(
    host: RunningHost, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("db password=hunter2 in provider beta's session s-secret")

    monkeypatch.setattr(host.server.runtime.core, "create_session", broken)
    error = await rpc_error(
        host.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="x"))
    )
    assert (error.code, error.reason) == (grpc.StatusCode.INTERNAL, "INTERNAL_ERROR")
    incident = error.metadata["incidentId"]
    assert incident in error.message
    for leak in (b"hunter2", b"s-secret", b"RuntimeError"):
        assert leak not in error.message.encode() and leak not in error.raw_details
    assert any(incident in r.getMessage() and r.exc_info for r in caplog.records)
    healthy = await host.provider("alpha").GetClickToAct(ppb.GetClickToActRequest())
    assert healthy.enabled


async def test_an_oversized_request_is_refused_by_the_transport_limit(host: RunningHost) -> None:
    huge = ppb.CreateSessionRequest(agent_id="agent-1", title="x" * (2 * 1024 * 1024))
    error = await rpc_error(host.provider("alpha").CreateSession(huge))
    assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert host.server.runtime.core.open_sessions_of("alpha") == 0
