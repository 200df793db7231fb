"""The SMS and chat reference providers, driven through the SDK testing kit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from channelkit.host.testing import AgentSimulator
from channelkit.host.testing import AgentView
from channelkit.host.testing import InMemoryHost
from channelkit.reference_providers._directory import CUSTOMERS
from channelkit.reference_providers.chat import Chat
from channelkit.reference_providers.sms import Sms
from channelkit.reference_providers.telephony import Telephony
from channelkit.sdk import AuthorRole
from channelkit.sdk import PageType
from channelkit.sdk import events
from channelkit.sdk.errors import InvalidArgument

Factory = Callable[..., InMemoryHost]
ADA, ALAN, GRACE = CUSTOMERS[0], CUSTOMERS[1], CUSTOMERS[2]


def _lines(view: AgentView, session_id: str) -> list[tuple[AuthorRole, str]]:
    tab = view.session(session_id).tabs[0]
    return [(e.role, e.text) for e in view.transcript(tab.id)]


async def _open(host: InMemoryHost, agent: AgentSimulator, provider: str, *, who: str, title: str, text: str) -> str:
    await host.inject(provider, provider, **{"from": who, "text": text})
    await agent.accept()
    session = await agent.wait_for_session(title)
    await agent.wait_for(lambda v: bool(v.session(session.id).actions), "the Send button")
    return session.id


async def test_sms_is_offered_first_and_threads_by_number(channelkit_host: Factory) -> None:
    async with channelkit_host(Sms) as host:
        agent = host.agent()
        await host.inject("sms", "sms", **{"from": ALAN.phone, "text": "Where is my order?"})
        toast = await agent.next_toast()
        assert (toast.title, toast.fields[0], toast.fields[2]) == (
            "New SMS",
            ("From", ALAN.name),
            ("Message", "Where is my order?"),
        )
        await host.inject("sms", "sms", **{"from": ALAN.phone, "text": "Order #4471"})
        await host.settle("sms")
        assert (await agent.view()).sessions == ()
        await agent.accept(toast)
        session = await agent.wait_for_session(f"SMS with {ALAN.name}")
        view = await agent.wait_for(lambda v: len(_lines(v, session.id)) == 2, "both texts")
        assert _lines(view, session.id) == [
            (AuthorRole.CUSTOMER, "Where is my order?"),
            (AuthorRole.CUSTOMER, "Order #4471"),
        ]
        assert [t.page_type for t in view.session(session.id).tabs] == [PageType.TRANSCRIPT, PageType.RECORD]
        await host.inject("sms", "sms", **{"from": ALAN.phone, "text": "Any news?"})
        view = await agent.wait_for(lambda v: len(_lines(v, session.id)) == 3, "the third text in the same thread")
        assert len(view.sessions) == 1


async def test_sms_asks_for_attention_only_on_its_own_unfocused_session(channelkit_host: Factory) -> None:
    async with channelkit_host(Sms, Chat) as host:
        agent = host.agent()
        texting = await _open(host, agent, "sms", who=ADA.phone, title=f"SMS with {ADA.name}", text="Hi")
        chatting = await _open(host, agent, "chat", who=GRACE.phone, title=f"Chat with {GRACE.name}", text="Hello")
        assert (await agent.view()).focused_session_id == chatting
        for text in ("Are you there?", "Hello??"):
            await host.inject("sms", "sms", **{"from": ADA.phone, "text": text})
        view = await agent.wait_for(lambda v: v.session(texting).unread_count == 2, "two unread texts")
        assert view.session(texting).attention and view.focused_session_id == chatting
        assert not view.session(chatting).attention
        await agent.switch_to(texting)
        await host.next_event("sms", events.SessionFocusChanged, session_id=texting, focused=True)
        view = await agent.view()
        assert (view.session(texting).attention, view.session(texting).unread_count) == (False, 0)
        await host.inject("sms", "sms", **{"from": ADA.phone, "text": "Thanks"})
        view = await agent.wait_for(lambda v: _lines(v, texting)[-1][1] == "Thanks", "the text on the focused session")
        assert (view.session(texting).attention, view.session(texting).unread_count) == (False, 0)
        assert host.app.runtime.core.counters["sms"].attention_requests == 2
        assert host.app.runtime.core.counters["chat"].attention_requests == 0


async def test_sms_send_appends_the_reply_and_a_delivery_receipt(channelkit_host: Factory) -> None:
    async with channelkit_host(Sms, agents=("agent-1",)) as host:
        agent = host.agent()
        session_id = await _open(host, agent, "sms", who=ADA.phone, title=f"SMS with {ADA.name}", text="Hi")
        with pytest.raises(InvalidArgument) as empty:
            await agent.invoke_action(session_id, "send")
        assert empty.value.field == "text"
        await agent.invoke_action(session_id, "send", "Hello Ada, how can I help?")
        view = await agent.wait_for(lambda v: len(_lines(v, session_id)) == 3, "the reply and its receipt")
        assert _lines(view, session_id)[1:] == [
            (AuthorRole.AGENT, "Hello Ada, how can I help?"),
            (AuthorRole.SYSTEM, f"Delivered to {ADA.phone}"),
        ]
        tab = view.session(session_id).tabs[0].id
        assert view.transcript(tab)[1].author == "agent-1"


async def test_a_declined_sms_gets_an_automatic_reply_and_no_session(channelkit_host: Factory) -> None:
    async with channelkit_host(Sms) as host:
        agent = host.agent()
        await host.inject("sms", "sms", **{"from": ADA.phone, "text": "Hi"})
        toast = await agent.reject()
        await agent.wait_for(lambda v: len(host.analytics("sms", kind="custom")) == 1, "the auto-reply log")
        (log,) = host.analytics("sms", kind="custom")
        assert (log.name, log.reason, log.correlation_id) == ("SmsAutoReplied", "DeclinedByAgent", toast.correlation_id)
        assert (await agent.view()).sessions == ()


async def test_concurrent_chats_each_get_a_session_with_typing_and_end_chat(channelkit_host: Factory) -> None:
    async with channelkit_host(Chat) as host:
        agent = host.agent()
        first = await _open(host, agent, "chat", who=ADA.phone, title=f"Chat with {ADA.name}", text="Hi")
        second = await _open(host, agent, "chat", who=ALAN.phone, title=f"Chat with {ALAN.name}", text="Hello")
        view = await agent.view()
        assert {s.id for s in view.sessions} == {first, second}
        assert [t.page_type for t in view.session(first).tabs] == [PageType.TRANSCRIPT, PageType.URL]
        assert [a.id for a in view.session(first).actions] == ["send", "end"]
        await host.inject("chat", "chat", **{"from": ADA.phone, "text": "Still there?"})
        await agent.wait_for(lambda v: v.session(first).context.get("typing") == "true", "the typing notice")
        view = await agent.wait_for(lambda v: v.session(first).unread_count == 1, "the message")
        assert "typing" not in view.session(first).context
        await agent.invoke_action(second, "end")
        view = await agent.wait_for(lambda v: not v.session(second).actions, "the chat to end")
        assert _lines(view, second)[-1] == (AuthorRole.SYSTEM, "Chat ended by the agent.")
        await host.until(lambda: bool(host.analytics("chat", kind="custom")), "the chat's log")
        assert [e.name for e in host.analytics("chat", kind="custom")] == ["ChatEnded"]


async def test_an_idle_visitor_ends_the_chat(channelkit_host: Factory) -> None:
    async with channelkit_host(Chat, parameters={"chat": {"idle_seconds": "0.5"}}) as host:
        agent = host.agent()
        session_id = await _open(host, agent, "chat", who=ADA.phone, title=f"Chat with {ADA.name}", text="Hi")
        view = await agent.wait_for(lambda v: not v.session(session_id).actions, "the idle chat to end")
        assert _lines(view, session_id)[-1] == (
            AuthorRole.SYSTEM,
            "The visitor left (no message for 0.5 s). Chat ended.",
        )
        await host.until(lambda: bool(host.analytics("chat", kind="custom")), "the chat's log")
        (log,) = host.analytics("chat", kind="custom")
        assert (log.name, log.reason) == ("ChatEnded", "Idle")


async def test_bad_parameters_stop_the_provider_with_the_parameter_named(channelkit_host: Factory) -> None:
    async with channelkit_host(Telephony, parameters={"telephony": {"per_minut": "3"}}) as host:
        await host.until(lambda: host.faults("telephony")[1], "telephony to be quarantined")
        assert "per_minut" in host.last_error("telephony")
