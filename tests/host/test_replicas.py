"""Two host replicas on one PostgreSQL database: every rule holds across them as in one process.

Both replicas are real gRPC servers in this test's process, each with its
own core, logs and feeds; they share nothing but the database. A provider
talks to one, the agent to the other, as a load balancer would send them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import EventReader
from tests._support import RunningHost
from tests._support import make_config
from tests._support import rpc_error
from tests._support import start_host
from tests._support import stop_host
from tests._support import until_marker

pytestmark = pytest.mark.parametrize("store_kind", ["postgres"])


@pytest.fixture
async def replicas() -> AsyncIterator[tuple[RunningHost, RunningHost]]:
    """Two hosts with one configuration (tokens included) on one database."""
    config, secrets = make_config()
    first = await start_host(config, secrets)
    second = await start_host(config, secrets)
    yield first, second
    await stop_host(first)
    await stop_host(second)


async def _eventually(probe: object, what: str, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        result = probe()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_a_session_created_on_one_replica_is_seen_and_switched_on_the_other(
    replicas: tuple[RunningHost, RunningHost],
) -> None:
    one, two = replicas
    alpha_stream = EventReader(one.provider("alpha"))
    made = await one.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="Call"))
    seen = await two.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())
    assert made.session.id in [s.id for s in seen.workspace.sessions]
    home = next(s.id for s in seen.workspace.sessions if s.home)
    await two.agent("agent-1").SwitchSession(apb.SwitchSessionRequest(session_id=made.session.id))
    await two.agent("agent-1").SwitchSession(apb.SwitchSessionRequest(session_id=home))
    events = [e for e in await until_marker(one, "alpha", alpha_stream) if e.HasField("session_focus_changed")]
    assert [(e.session_focus_changed.session_id, e.session_focus_changed.focused) for e in events] == [
        (made.session.id, True),
        (made.session.id, False),
    ]
    assert [e.seq for e in events] == sorted({e.seq for e in events}), "in order, each once"
    alpha_stream.cancel()
    through_two = await two.provider("alpha").ListSessions(ppb.ListSessionsRequest())
    assert [s.id for s in through_two.sessions] == [made.session.id]


async def test_the_foreign_id_matrix_holds_across_replicas(replicas: tuple[RunningHost, RunningHost]) -> None:
    one, two = replicas
    own = await one.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="Mine"))
    tab = await one.provider("alpha").CreateTab(
        ppb.CreateTabRequest(
            session_id=own.session.id,
            tab=ppb.TabSpec(title="Record", page_type=wpb.PAGE_TYPE_URL, target="https://crm.example/1"),
        )
    )
    missing = await rpc_error(two.provider("beta").GetSession(ppb.GetSessionRequest(session_id="s-none")))
    foreign_calls = {
        "GetSession": two.provider("beta").GetSession(ppb.GetSessionRequest(session_id=own.session.id)),
        "SetSessionTitle": two.provider("beta").SetSessionTitle(
            ppb.SetSessionTitleRequest(session_id=own.session.id, title="Taken")
        ),
        "FocusTab": two.provider("beta").FocusTab(ppb.FocusTabRequest(tab_id=tab.tab.id)),
    }
    for name, call in foreign_calls.items():
        error = await rpc_error(call)
        assert (error.code, error.reason) == (missing.code, missing.reason) == (
            grpc.StatusCode.NOT_FOUND,
            "SESSION_NOT_FOUND",
        ) or (name == "FocusTab" and error.code == grpc.StatusCode.NOT_FOUND), (name, error)
    still = await one.provider("alpha").GetSession(ppb.GetSessionRequest(session_id=own.session.id))
    assert still.session.title == "Mine", "nothing a foreign provider tried changed the session"


async def test_a_toast_sent_on_one_replica_and_answered_on_the_other_resolves_the_call(
    replicas: tuple[RunningHost, RunningHost],
) -> None:
    one, two = replicas
    sent = asyncio.ensure_future(
        one.provider("alpha").NotifyEvent(
            ppb.NotifyEventRequest(request_id="toast-1", agent_id="agent-1", title="Incoming", timeout_seconds=60)
        )
    )

    async def shown() -> list[wpb.Notification]:
        return list((await two.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())).workspace.notifications)

    await _eventually(shown, "the toast on the agent's replica")
    toast = (await shown())[0]
    await two.agent("agent-1").RespondToNotification(
        apb.RespondToNotificationRequest(notification_id=toast.id, action=wpb.NOTIFICATION_ACTION_ACCEPT)
    )
    answer = await asyncio.wait_for(sent, 5)
    assert (answer.notification_id, answer.action) == (toast.id, wpb.NOTIFICATION_ACTION_ACCEPT)


async def test_a_toast_deadline_fires_once_though_both_replicas_time_it(
    replicas: tuple[RunningHost, RunningHost],
) -> None:
    one, two = replicas
    stream = EventReader(one.provider("alpha"))
    answer = await asyncio.wait_for(
        two.provider("alpha").NotifyEvent(ppb.NotifyEventRequest(agent_id="agent-1", title="Short", timeout_seconds=1)),
        10,
    )
    assert answer.action == wpb.NOTIFICATION_ACTION_TIMEOUT
    ended = [e for e in await until_marker(one, "alpha", stream) if e.HasField("notification_resolved")]
    assert [e.notification_resolved.notification_id for e in ended] == [answer.notification_id]
    stream.cancel()


async def test_concurrent_actions_on_one_workspace_through_both_replicas_lose_no_update(
    replicas: tuple[RunningHost, RunningHost],
) -> None:
    one, two = replicas
    transcript = ppb.TabSpec(title="Conversation", page_type=wpb.PAGE_TYPE_TRANSCRIPT)
    session = await one.provider("alpha").CreateSession(
        ppb.CreateSessionRequest(agent_id="agent-1", title="Chat", anchor_tab=transcript)
    )
    tab_id = session.session.tabs[0].id
    order = random.Random(5)

    async def write(host: RunningHost, who: str) -> list[str]:
        lines = []
        for n in range(40):
            text = f"{who}-{n}"
            await host.provider("alpha").AppendTranscript(
                ppb.AppendTranscriptRequest(tab_id=tab_id, role=wpb.AUTHOR_ROLE_CUSTOMER, author="Ada", text=text)
            )
            lines.append(text)
            if order.random() < 0.3:
                await asyncio.sleep(0)
        return lines

    written = await asyncio.gather(write(one, "one"), write(two, "two"))
    views = [(await host.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())).workspace for host in (one, two)]
    transcripts = [[e.text for t in view.transcripts if t.tab_id == tab_id for e in t.entries] for view in views]
    assert transcripts[0] == transcripts[1], "both replicas show the same workspace"
    assert sorted(transcripts[0]) == sorted(written[0] + written[1]), "every acknowledged line, each once"
    for lines in written:
        kept = [t for t in transcripts[0] if t in set(lines)]
        assert kept == lines, "each writer's lines in the order it wrote them"


async def test_a_console_sign_in_made_on_one_replica_works_and_ends_on_the_other(
    replicas: tuple[RunningHost, RunningHost],
) -> None:
    one, two = replicas
    urls = [host.server.console.url for host in (one, two) if host.server.console is not None]
    async with httpx.AsyncClient(base_url=urls[0]) as first, httpx.AsyncClient(base_url=urls[1]) as second:
        signed = await first.post("/api/signin", json={"token": one.secrets.by_name["agent-1"]})
        assert signed.status_code == 200
        cookie = dict(signed.cookies)
        second.cookies.update(cookie)
        origin = {"origin": urls[1].rstrip("/")}
        body = await second.post("/api/channelkit.v1.AgentService/GetWorkspace", json={}, headers=origin)
        assert body.status_code == 200, body.text
        out = await second.post("/api/signout", headers=origin)
        assert out.status_code in (200, 204)
        first.cookies.update(cookie)
        refused = await first.post(
            "/api/channelkit.v1.AgentService/GetWorkspace", json={}, headers={"origin": urls[0].rstrip("/")}
        )
        assert refused.status_code == 401


async def test_a_providers_rate_limit_is_one_bucket_across_replicas() -> None:
    config, secrets = make_config(limits={"rate_limit_per_second": 0.5, "rate_limit_burst": 3})
    one, two = await start_host(config, secrets), await start_host(config, secrets)
    try:
        request = ppb.GetPresenceRequest(agent_id="agent-1")
        for host in (one, two, one):
            await host.provider("alpha").GetPresence(request)
        refused = await rpc_error(two.provider("alpha").GetPresence(request))
        assert (refused.code, refused.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
        assert "exceeded 0.5 requests per second" in refused.message
        await one.provider("beta").GetPresence(request)  # another provider's bucket is its own
    finally:
        await stop_host(one)
        await stop_host(two)
