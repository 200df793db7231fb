"""Authentication (R1): refused before any handler runs; an agent sees only its own workspace."""

from __future__ import annotations

import grpc
import pytest

from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import provider_service_pb2 as ppb
from tests._support import EVERY_STORE
from tests._support import RunningHost
from tests._support import rpc_error

pytestmark = EVERY_STORE

CREATE = ppb.CreateSessionRequest(agent_id="agent-1", title="should never exist")


def _provider_sessions(host: RunningHost) -> int:
    return sum(host.server.runtime.core.open_sessions_of(p) for p in ("alpha", "beta", "gamma"))


@pytest.mark.parametrize(
    ("token", "code", "reason"),
    [
        (None, grpc.StatusCode.UNAUTHENTICATED, "MISSING_CREDENTIALS"),
        ("ck_wrong-token", grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS"),
        ("agent-1", grpc.StatusCode.PERMISSION_DENIED, "CREDENTIALS_NOT_ALLOWED"),
        ("ops", grpc.StatusCode.PERMISSION_DENIED, "CREDENTIALS_NOT_ALLOWED"),
    ],
)
async def test_provider_service_refuses_bad_credentials(
    host: RunningHost, token: str | None, code: grpc.StatusCode, reason: str
) -> None:
    chosen = host.secrets.by_name.get(token, token) if token else None
    caller = host.provider("alpha", token=chosen)
    error = await rpc_error(caller.CreateSession(CREATE))
    assert (error.code, error.reason) == (code, reason)
    streamed = await rpc_error(_first(caller.Events(ppb.EventsRequest())))
    assert (streamed.code, streamed.reason) == (code, reason)
    assert _provider_sessions(host) == 0


async def _first(stream: grpc.aio.UnaryStreamCall) -> object:  # type: ignore[type-arg]
    async for item in stream:
        return item
    return None


@pytest.mark.parametrize("token", ["alpha", "ops", "ck_not-a-token", None])
async def test_agent_service_refuses_other_credentials(host: RunningHost, token: str | None) -> None:
    chosen = host.secrets.by_name.get(token, token) if token else None
    error = await rpc_error(
        host.agent("agent-1", token=chosen).SetPresence(apb.AgentSetPresenceRequest(presence="Busy"))
    )
    assert error.code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
    assert host.server.runtime.core.workspace("agent-1").presence == "Available"


async def test_host_service_needs_an_admin_token(host: RunningHost) -> None:
    for token in (host.secrets.by_name["alpha"], host.secrets.by_name["agent-1"], None):
        error = await rpc_error(host.admin(token=token).ListProviders(hpb.ListProvidersRequest()))
        assert error.code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
    listed = await host.admin().ListProviders(hpb.ListProvidersRequest())
    assert [p.name for p in listed.providers] == ["alpha", "beta", "gamma"]
    assert all(p.attachment == hpb.PROVIDER_ATTACHMENT_REMOTE and not p.connected for p in listed.providers)


async def test_an_agent_sees_and_acts_on_its_own_workspace_only(host: RunningHost) -> None:
    created = await host.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="A1 call"))
    other = host.agent("agent-2")
    mine = (await other.GetWorkspace(apb.GetWorkspaceRequest())).workspace
    assert mine.agent_id == "agent-2"
    assert [s.id for s in mine.sessions] == ["home-agent-2"]
    for call in (
        other.SwitchSession(apb.SwitchSessionRequest(session_id=created.session.id)),
        other.CloseSession(apb.CloseSessionRequest(session_id=created.session.id)),
    ):
        error = await rpc_error(call)
        assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND")
    still = await host.provider("alpha").GetSession(ppb.GetSessionRequest(session_id=created.session.id))
    assert not still.session.focused


async def test_a_provider_only_reaches_agents_it_serves() -> None:
    from tests._support import make_config
    from tests._support import start_host
    from tests._support import stop_host

    config, secrets = make_config()
    providers = [p.model_copy(update={"agents": ["agent-1"]}) if p.name == "beta" else p for p in config.providers]
    running = await start_host(config.model_copy(update={"providers": providers}), secrets)
    try:
        error = await rpc_error(
            running.provider("beta").CreateSession(ppb.CreateSessionRequest(agent_id="agent-2", title="x"))
        )
        missing = await rpc_error(
            running.provider("beta").CreateSession(ppb.CreateSessionRequest(agent_id="agent-9", title="x"))
        )
        assert (
            (error.code, error.reason)
            == (missing.code, missing.reason)
            == (grpc.StatusCode.NOT_FOUND, "AGENT_NOT_FOUND")
        )
        hello = await running.provider("beta").Hello(ppb.HelloRequest(protocol_versions=[1]))
        assert [a.id for a in hello.agents] == ["agent-1"]
    finally:
        await stop_host(running)


async def test_authentication_runs_before_the_handler_even_parses_the_request(host: RunningHost) -> None:
    garbage = b"\xff\xff\xff"  # not a valid request: a handler would answer MALFORMED_REQUEST
    call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = host.channel.unary_unary(
        "/channelkit.v1.ProviderService/CreateSession"
    )
    error = await rpc_error(call(garbage, metadata=(("authorization", "Bearer ck_nobody"),)))
    assert (error.code, error.reason) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")
    authorised = await rpc_error(call(garbage, metadata=host.provider("alpha").metadata))
    assert authorised.reason == "MALFORMED_REQUEST"


async def test_list_providers_shows_who_is_connected(host: RunningHost) -> None:
    from tests._support import EventReader

    reader = EventReader(host.provider("beta"))
    await host.agent("agent-1").SetPresence(apb.AgentSetPresenceRequest(presence="Busy"))
    await reader.take(1)
    listed = {p.name: p for p in (await host.admin().ListProviders(hpb.ListProvidersRequest())).providers}
    assert (listed["beta"].connected, listed["alpha"].connected) == (True, False)
    assert (listed["beta"].channel, listed["beta"].channel_order, listed["beta"].head_seq) == ("sms", 10, 1)
    reader.cancel()
