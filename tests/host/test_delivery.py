"""Delivery (R10), idempotency (R11), toasts and the agent's workspace stream over real gRPC."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from channelkit.host.core import ManualClock
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import provider_service_pb2_grpc
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import EVERY_STORE
from tests._support import Caller
from tests._support import EventReader
from tests._support import RunningHost
from tests._support import answer_toast
from tests._support import iterate
from tests._support import make_config
from tests._support import rpc_error
from tests._support import shown_toast
from tests._support import start_host
from tests._support import stop_host
from tests._support import until_marker

pytestmark = EVERY_STORE


async def _make_events(host: RunningHost, count: int) -> None:
    """Produce ``count`` presence events for every provider serving agent-1."""
    agent = host.agent("agent-1")
    for _ in range(count):
        current = (await agent.GetWorkspace(apb.GetWorkspaceRequest())).workspace.presence
        await agent.SetPresence(apb.AgentSetPresenceRequest(presence="Busy" if current != "Busy" else "Available"))


async def test_a_resumed_stream_gets_exactly_the_missed_events_in_order(host: RunningHost) -> None:
    first = EventReader(host.provider("alpha"))
    await _make_events(host, 3)
    seen = await first.take(3)
    first.cancel()
    await _make_events(host, 4)  # missed while disconnected
    resumed = EventReader(host.provider("alpha"), after_seq=seen[-1].seq)
    missed = await until_marker(host, "alpha", resumed)
    assert [e.seq for e in seen] == [1, 2, 3]
    assert [e.seq for e in missed] == [4, 5, 6, 7]
    assert [e.presence_changed.presence for e in missed] == ["Available", "Busy", "Available", "Busy"]
    assert len({e.event_id for e in seen + missed}) == 7
    resumed.cancel()


async def test_a_cursor_older_than_retention_gets_cursor_expired() -> None:
    config, secrets = make_config(limits={"event_retention": 10})
    host = await start_host(config, secrets)
    try:
        await _make_events(host, 15)
        stream = host.provider("alpha").Events(ppb.EventsRequest(after_seq=2))
        error = await rpc_error(iterate(stream, 1))
        assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CURSOR_EXPIRED")
        assert error.metadata["oldestSeq"] == "6"
        listed = await host.provider("alpha").ListSessions(ppb.ListSessionsRequest())
        assert listed.head_seq == 15
        from_head = EventReader(host.provider("alpha"), after_seq=listed.head_seq)
        await _make_events(host, 1)
        assert [e.seq for e in await from_head.take(1)] == [16]
        from_head.cancel()
    finally:
        await stop_host(host)


async def test_a_second_stream_replaces_the_first(host: RunningHost) -> None:
    first = EventReader(host.provider("alpha"))
    await _make_events(host, 1)
    await first.take(1)
    second = EventReader(host.provider("alpha"), after_seq=1)
    ended = await first.ended()
    assert ended is not None and ended.code() == grpc.StatusCode.ABORTED
    await _make_events(host, 2)
    assert [e.seq for e in await second.take(2)] == [2, 3]
    assert first.queue.empty()
    second.cancel()


async def test_a_slow_consumer_is_cut_off_and_resumes_without_loss() -> None:
    config, secrets = make_config(limits={"event_retention": 20})
    host = await start_host(config, secrets)
    # a reader whose flow-control window stays at 64 KiB and that reads nothing while 30 events of 64 KB arrive:
    # the host cannot write ahead of it, its stream falls behind the 20 retained events, and is cut off
    narrow = grpc.aio.insecure_channel(f"127.0.0.1:{host.port}", options=[("grpc.http2.bdp_probe", 0)])
    try:
        alpha = Caller(provider_service_pb2_grpc.ProviderServiceStub(narrow), secrets.by_name["alpha"])
        call = alpha.Events(ppb.EventsRequest())
        await _make_events(host, 1)
        first = await iterate(call, 1)
        bulky = {f"part{n}": "x" * 2000 for n in range(32)}
        for _ in range(30):
            request = hpb.InjectEventRequest(provider="alpha", agent_id="agent-1", kind="bulky", attributes=bulky)
            await host.admin().InjectEvent(request)
        error = await rpc_error(iterate(call, 40))
        assert (error.code, error.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "SLOW_CONSUMER")
        expired = await rpc_error(iterate(host.provider("alpha").Events(ppb.EventsRequest(after_seq=first[0].seq)), 1))
        assert expired.reason == "CURSOR_EXPIRED"
        assert host.server.runtime.logs["beta"].head_seq == 1  # others unaffected
    finally:
        await narrow.close()
        await stop_host(host)


async def test_a_retried_create_session_creates_one_session(host: RunningHost) -> None:
    alpha = host.provider("alpha")
    request = ppb.CreateSessionRequest(request_id="req-42", agent_id="agent-1", title="Call")
    first, retry = await alpha.CreateSession(request), await alpha.CreateSession(request)
    assert first.session.id == retry.session.id
    assert len((await alpha.ListSessions(ppb.ListSessionsRequest())).sessions) == 1
    changed = ppb.CreateSessionRequest(request_id="req-42", agent_id="agent-1", title="Other")
    error = await rpc_error(alpha.CreateSession(changed))
    assert (error.code, error.reason, error.fields) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "REQUEST_ID_REUSED",
        ["request_id"],
    )
    other_provider = await host.provider("beta").CreateSession(request)  # ids are scoped per provider
    assert other_provider.session.id != first.session.id


async def test_notify_event_returns_the_agents_answer_and_tells_only_the_sender(host: RunningHost) -> None:
    alpha_events, beta_events = EventReader(host.provider("alpha")), EventReader(host.provider("beta"))
    watch = host.agent("agent-1").WatchWorkspace(apb.WatchWorkspaceRequest())
    (snapshot,) = await iterate(watch, 1)
    assert snapshot.HasField("snapshot")
    pending = asyncio.ensure_future(
        host.provider("alpha").NotifyEvent(
            ppb.NotifyEventRequest(
                agent_id="agent-1",
                title="Incoming call",
                correlation_id="c-1",
                fields=[
                    wpb.NotificationField(header="From", value="+1555"),
                    wpb.NotificationField(header="Skip", value=""),
                ],
            )
        )
    )
    (shown,) = await iterate(watch, 1)
    toast = shown.notification_shown
    assert [f.header for f in toast.fields] == ["From"]
    await host.agent("agent-1").RespondToNotification(
        apb.RespondToNotificationRequest(notification_id=toast.id, action=wpb.NOTIFICATION_ACTION_REJECT)
    )
    result = await asyncio.wait_for(pending, 5)
    assert (result.action, result.reason) == (wpb.NOTIFICATION_ACTION_REJECT, wpb.NOTIFICATION_REASON_DECLINED_BY_AGENT)
    resolved = [e for e in await until_marker(host, "alpha", alpha_events) if e.HasField("notification_resolved")]
    assert [(e.notification_resolved.notification_id, e.correlation_id) for e in resolved] == [(toast.id, "c-1")]
    assert not [e for e in await until_marker(host, "beta", beta_events) if e.HasField("notification_resolved")]
    again = await rpc_error(
        host.agent("agent-1").RespondToNotification(
            apb.RespondToNotificationRequest(notification_id=toast.id, action=wpb.NOTIFICATION_ACTION_ACCEPT)
        )
    )
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOTIFICATION_RESOLVED")
    watch.cancel()
    alpha_events.cancel()
    beta_events.cancel()


async def test_notify_event_times_out_and_can_be_cancelled_by_its_sender_only() -> None:
    clock = ManualClock()
    config, secrets = make_config()
    host = await start_host(config, secrets, clock=clock)
    try:
        await _times_out_then_cancels(host, clock)
    finally:
        await stop_host(host)


async def _times_out_then_cancels(host: RunningHost, clock: ManualClock) -> None:
    alpha = host.provider("alpha")
    brief = asyncio.ensure_future(
        alpha.NotifyEvent(ppb.NotifyEventRequest(agent_id="agent-1", title="Brief", timeout_seconds=30))
    )
    await shown_toast(host)
    clock.advance(29.9)
    assert not brief.done(), "the toast still has a tenth of a second"
    clock.advance(0.1)
    timed = await asyncio.wait_for(brief, 5)
    assert (timed.action, timed.reason) == (wpb.NOTIFICATION_ACTION_TIMEOUT, wpb.NOTIFICATION_REASON_DISPLAY_TIMEOUT)
    pending = asyncio.ensure_future(
        alpha.NotifyEvent(ppb.NotifyEventRequest(agent_id="agent-1", title="Ringing", cancellation_token="call-7"))
    )
    await shown_toast(host)
    foreign = await rpc_error(host.provider("beta").CancelEvent(ppb.CancelEventRequest(cancellation_token="call-7")))
    assert (foreign.code, foreign.reason) == (grpc.StatusCode.NOT_FOUND, "NOTIFICATION_NOT_FOUND")
    await alpha.CancelEvent(ppb.CancelEventRequest(cancellation_token="call-7"))
    cancelled = await asyncio.wait_for(pending, 5)
    assert (cancelled.action, cancelled.reason) == (
        wpb.NOTIFICATION_ACTION_CANCELLED,
        wpb.NOTIFICATION_REASON_CANCELLED,
    )


@pytest.mark.parametrize("quote", ["other-provider", "rejected", "reused"])
async def test_a_session_without_valid_consent_opens_in_the_background(host: RunningHost, quote: str) -> None:
    if quote == "other-provider":
        consent = await answer_toast(host, "beta", wpb.NOTIFICATION_ACTION_ACCEPT)
    elif quote == "rejected":
        consent = await answer_toast(host, "alpha", wpb.NOTIFICATION_ACTION_REJECT)
    else:
        consent = await answer_toast(host, "alpha", wpb.NOTIFICATION_ACTION_ACCEPT)
        used = await host.provider("alpha").CreateSession(
            ppb.CreateSessionRequest(agent_id="agent-1", title="first", consent_notification_id=consent)
        )
        assert used.session.focused
        await host.agent("agent-1").SwitchSession(apb.SwitchSessionRequest(session_id="home-agent-1"))
    created = await host.provider("alpha").CreateSession(
        ppb.CreateSessionRequest(agent_id="agent-1", title="second", consent_notification_id=consent)
    )
    assert not created.session.focused and created.session.attention
    workspace = (await host.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())).workspace
    assert workspace.focused_session_id == "home-agent-1"


async def test_consent_required_refuses_sessions_without_an_accepted_toast() -> None:
    config, secrets = make_config(policy={"consent": "required"})
    host = await start_host(config, secrets)
    try:
        error = await rpc_error(
            host.provider("alpha").CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="x"))
        )
        assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CONSENT_REQUIRED")
        assert host.server.runtime.core.open_sessions_of("alpha") == 0
    finally:
        await stop_host(host)


async def test_workspace_watch_starts_with_a_snapshot_then_deltas(host: RunningHost) -> None:
    created = await host.provider("alpha").CreateSession(
        ppb.CreateSessionRequest(agent_id="agent-1", title="Before watch")
    )
    watch = host.agent("agent-1").WatchWorkspace(apb.WatchWorkspaceRequest())
    (snapshot,) = await iterate(watch, 1)
    assert [s.id for s in snapshot.snapshot.sessions] == ["home-agent-1", created.session.id]
    await host.agent("agent-1").SwitchSession(apb.SwitchSessionRequest(session_id=created.session.id))
    deltas = await iterate(watch, 2)
    assert deltas[0].focus_changed.session_id == created.session.id
    assert deltas[1].session_updated.id == created.session.id and not deltas[1].session_updated.attention
    assert [d.seq for d in deltas] == [snapshot.seq + 1, snapshot.seq + 2]
    watch.cancel()


async def test_rate_limit_answers_resource_exhausted_with_retry_info() -> None:
    config, secrets = make_config(limits={"rate_limit_per_second": 1, "rate_limit_burst": 3})
    host = await start_host(config, secrets)
    try:
        beta = host.provider("beta")
        for _ in range(3):
            await beta.GetClickToAct(ppb.GetClickToActRequest())
        error = await rpc_error(beta.GetClickToAct(ppb.GetClickToActRequest()))
        assert (error.code, error.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
        assert b"google.rpc.RetryInfo" in error.raw_details
        await host.provider("alpha").GetClickToAct(ppb.GetClickToActRequest())  # others unaffected
    finally:
        await stop_host(host)


async def test_shutdown_turns_health_not_serving_and_ends_streams_unavailable() -> None:
    from grpc_health.v1 import health_pb2
    from grpc_health.v1 import health_pb2_grpc

    config, secrets = make_config()
    host = await start_host(config, secrets)
    health = health_pb2_grpc.HealthStub(host.channel)
    assert (await health.Check(health_pb2.HealthCheckRequest())).status == health_pb2.HealthCheckResponse.SERVING
    reader = EventReader(host.provider("alpha"))
    await until_marker(host, "alpha", reader)  # the stream is open
    await host.server.health.enter_graceful_shutdown()
    assert (await health.Check(health_pb2.HealthCheckRequest())).status == health_pb2.HealthCheckResponse.NOT_SERVING
    await host.server.stop(1.0)
    ended = await reader.ended()
    assert ended is not None and ended.code() == grpc.StatusCode.UNAVAILABLE
    await host.channel.close()


async def test_a_workspace_watch_resumes_with_exactly_the_missed_deltas(host: RunningHost) -> None:
    agent = host.agent("agent-1")
    first = agent.WatchWorkspace(apb.WatchWorkspaceRequest())
    (snapshot,) = await iterate(first, 1)
    await _make_events(host, 2)
    seen = await iterate(first, 2)
    first.cancel()
    await _make_events(host, 3)  # missed while disconnected
    resumed = agent.WatchWorkspace(apb.WatchWorkspaceRequest(after_seq=seen[-1].seq, epoch=snapshot.epoch))
    missed = await iterate(resumed, 3)
    resumed.cancel()
    assert snapshot.epoch and {e.epoch for e in seen + missed} == {snapshot.epoch}
    assert [e.seq for e in seen + missed] == [snapshot.seq + n for n in range(1, 6)]
    assert all(e.HasField("settings_changed") for e in missed)
    assert [e.settings_changed.presence for e in missed] == ["Busy", "Available", "Busy"]


async def test_a_workspace_resume_that_cannot_be_served_starts_with_a_snapshot() -> None:
    config, secrets = make_config(limits={"workspace_retention": 10})
    host = await start_host(config, secrets)
    try:
        agent = host.agent("agent-1")
        epoch = (await agent.GetWorkspace(apb.GetWorkspaceRequest())).epoch
        await _make_events(host, 12)
        runtime = host.server.runtime
        await runtime.store.trim(runtime.clock.time(), runtime.retention())  # as the host does every minute
        cases = {
            "expired cursor": apb.WatchWorkspaceRequest(after_seq=1, epoch=epoch),
            "another epoch": apb.WatchWorkspaceRequest(after_seq=12, epoch="older-run"),
            "cursor ahead": apb.WatchWorkspaceRequest(after_seq=99, epoch=epoch),
        }
        for name, request in cases.items():
            watch = agent.WatchWorkspace(request)
            (first,) = await iterate(watch, 1)
            watch.cancel()
            assert first.HasField("snapshot"), name
            assert (first.seq, first.epoch, first.snapshot.presence) == (12, epoch, "Available"), name
        at_head = agent.WatchWorkspace(apb.WatchWorkspaceRequest(after_seq=12, epoch=epoch))
        await _make_events(host, 1)
        (next_event,) = await iterate(at_head, 1)
        at_head.cancel()
        assert (next_event.seq, next_event.HasField("settings_changed")) == (13, True)
    finally:
        await stop_host(host)
