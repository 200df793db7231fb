"""The testing kit, used the way a vendor uses it: import your provider, run it in an in-memory host."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from acme_echo.plugin import AcmeEcho

from channelkit.host.testing import InMemoryHost
from channelkit.sdk import Host
from channelkit.sdk import NotificationAction
from channelkit.sdk import Provider
from channelkit.sdk import TabSpec
from channelkit.sdk import events
from channelkit.sdk.errors import ConsentRequired
from channelkit.sdk.errors import InvalidArgument
from channelkit.sdk.errors import LimitReached
from channelkit.sdk.errors import SessionNotFound

Factory = Callable[..., InMemoryHost]


class Notes(Provider):
    """A minimal provider for the kit's own tests: opens sessions on request, remembers events."""

    name = "notes"
    channel = "chat"

    async def on_start(self, host: Host) -> None:
        self.host = host
        self.closed: list[str] = []

    async def on_session_closed(self, event: events.SessionClosed) -> None:
        self.closed.append(event.session_id)


class Grumpy(Provider):
    """Raises on every presence change."""

    name = "grumpy"
    channel = "sms"

    async def on_presence_changed(self, event: events.PresenceChanged) -> None:
        raise ValueError("no")


async def test_echo_flow_from_click_to_close(channelkit_host: Factory) -> None:
    async with channelkit_host(AcmeEcho) as host:
        agent = host.agent()
        assert await agent.click_to_act("+15550002", format="phone") == "acme-echo"
        toast = await agent.accept()
        assert (toast.title, toast.fields) == ("Chat request", (("From", "+15550002"),))
        session = await agent.wait_for_session("Chat with +15550002")
        assert (await agent.view()).focused_session_id == session.id
        resolved = await host.next_event("acme-echo", events.NotificationResolved)
        assert resolved.action is NotificationAction.ACCEPT

        await agent.set_presence("Busy")
        await host.next_event("acme-echo", events.PresenceChanged, presence="Busy")
        assert (await agent.view()).session(session.id).title == "Chat with +15550002 (agent Busy)"

        await agent.close(session.id)
        await host.next_event("acme-echo", events.SessionClosed, session_id=session.id)
        provider = host.provider("acme-echo")
        assert isinstance(provider, AcmeEcho)
        assert provider.titles == {}
        assert (await agent.view()).presence == "Available"


async def test_rejected_toast_opens_no_session(channelkit_host: Factory) -> None:
    async with channelkit_host(AcmeEcho) as host:
        agent = host.agent()
        await agent.click_to_act("+15550003")
        await agent.reject()
        resolved = await host.next_event("acme-echo", events.NotificationResolved)
        assert resolved.action is NotificationAction.REJECT
        await host.settle()
        assert (await agent.view()).sessions == ()


async def test_host_errors_arrive_as_sdk_exceptions(channelkit_host: Factory) -> None:
    async with channelkit_host(Notes, AcmeEcho, settings={"limits": {"max_sessions": 1}}) as host:
        notes = host.provider("notes")
        assert isinstance(notes, Notes)
        first = await notes.host.create_session("agent-1", title="One")
        with pytest.raises(LimitReached) as limit:
            await notes.host.create_session("agent-1", title="Two")
        assert limit.value.reason == "SESSION_LIMIT_REACHED"
        with pytest.raises(SessionNotFound):
            await notes.host.get_session("s-does-not-exist")
        with pytest.raises(InvalidArgument) as bad:
            await notes.host.set_session_title(first.id, "x" * 1000)
        assert bad.value.field == "title"
        with pytest.raises(InvalidArgument) as bad_request:  # checked by the SDK's request model before sending
            await notes.host.notify_event("agent-1", title="Toast", timeout_seconds=501)
        assert bad_request.value.field == "timeout_seconds"
        tab = await notes.host.create_tab(first.id, TabSpec(title="Notes", target="https://notes.example/1"))
        assert tab.anchor, "the first tab of a session without one becomes its anchor"
        assert [s.id for s in await notes.host.list_sessions("agent-1")] == [first.id]


async def test_providers_cannot_see_each_others_sessions(channelkit_host: Factory) -> None:
    async with channelkit_host(Notes, AcmeEcho) as host:
        agent = host.agent()
        await agent.click_to_act("+15550004")
        await agent.accept()
        echo_session = await agent.wait_for_session("Chat with +15550004")
        notes = host.provider("notes")
        assert isinstance(notes, Notes)
        with pytest.raises(SessionNotFound):
            await notes.host.get_session(echo_session.id)
        assert await notes.host.list_sessions("agent-1") == []
        await agent.close(echo_session.id)
        await host.settle()
        assert notes.closed == []


async def test_consent_policy_and_agent_closing(channelkit_host: Factory) -> None:
    async with channelkit_host(Notes, settings={"policy": {"consent": "required"}}) as host:
        notes = host.provider("notes")
        assert isinstance(notes, Notes)
        with pytest.raises(ConsentRequired):
            await notes.host.create_session("agent-1", title="Unasked")


async def test_faults_are_counted_and_reported(channelkit_host: Factory) -> None:
    async with channelkit_host(Grumpy, Notes) as host:
        await host.agent().set_presence("Away")
        await host.settle()
        assert host.faults("grumpy") == (1, False)
        assert "ValueError: no" in host.last_error("grumpy")
        assert host.faults("notes") == (0, False)


class BrokenStart(Provider):
    """Cannot start (say, its vendor credentials are missing)."""

    name = "broken-start"
    channel = "sms"

    async def on_start(self, host: Host) -> None:
        raise RuntimeError("no vendor credentials")


async def test_a_provider_whose_on_start_fails_is_quarantined_and_others_go_on(channelkit_host: Factory) -> None:
    async with channelkit_host(BrokenStart, Notes) as host:
        await host.until(lambda: host.faults("broken-start") == (1, True), "broken-start to be quarantined")
        assert "did not start: on_start raised: RuntimeError: no vendor credentials" in host.last_error("broken-start")
        notes = host.provider("notes")
        assert isinstance(notes, Notes)
        session = await notes.host.create_session("agent-1", title="Works")
        await host.agent().close(session.id)
        await host.next_event("notes", events.SessionClosed, session_id=session.id)
        assert notes.closed == [session.id]
