"""The telephony reference provider, driven through the SDK testing kit as a vendor would."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from channelkit.host.testing import AgentSimulator
from channelkit.host.testing import InMemoryHost
from channelkit.reference_providers._call import Call
from channelkit.reference_providers._call import CallState
from channelkit.reference_providers._call import InvalidTransition
from channelkit.reference_providers._directory import CUSTOMERS
from channelkit.reference_providers.telephony import Telephony
from channelkit.sdk import AuthorRole
from channelkit.sdk import PageType
from channelkit.sdk import events
from channelkit.sdk.errors import ActionNotFound
from channelkit.sdk.errors import FailedPrecondition

Factory = Callable[..., InMemoryHost]
ADA = CUSTOMERS[0]
FAST = {"telephony": {"answer_seconds": "0.05"}}
QUICK_RING = {
    "templates": {
        "notifications": [
            {
                "name": "telephony.incoming",
                "title": "Call for the support line",
                "fields": [{"header": "Caller", "value": "{name}"}, {"header": "Number", "value": "{phone}"}],
                "timeout_seconds": 1,
                "accept_label": "Pick up",
            }
        ]
    }
}


def _texts(view_transcript: tuple[object, ...]) -> list[str]:
    return [getattr(e, "text") for e in view_transcript]  # noqa: B009


async def _answered_call(host: InMemoryHost, agent: AgentSimulator) -> tuple[str, str]:
    await host.inject("telephony", "call", **{"from": ADA.phone})
    toast = await agent.accept()
    session = await agent.wait_for_session(f"Call with {ADA.name}")
    await agent.wait_for(lambda v: bool(v.session(session.id).actions), "the call's buttons")
    return toast.correlation_id, session.id


async def test_a_call_rings_first_and_a_declined_or_missed_call_opens_nothing(channelkit_host: Factory) -> None:
    # the integrator's template (a short ring, other words) replaces the provider's default of the same name
    async with channelkit_host(Telephony, parameters=FAST, settings=QUICK_RING) as host:
        agent = host.agent()
        await host.inject("telephony", "call", **{"from": ADA.phone})
        toast = await agent.next_toast()
        assert (toast.provider, toast.title, toast.accept_label) == (
            "telephony",
            "Call for the support line",
            "Pick up",
        )
        assert toast.fields == (("Caller", ADA.name), ("Number", ADA.phone))
        assert (await agent.view()).sessions == ()
        await agent.reject(toast)
        await host.inject("telephony", "call", **{"from": ADA.phone})
        missed = await agent.next_toast()
        await agent.wait_for(lambda v: not v.toasts, "the unanswered toast to time out")
        await host.until(lambda: len(host.analytics("telephony", kind="custom")) == 2, "both calls' logs")
        assert (await agent.view()).sessions == ()
        logs = host.analytics("telephony", kind="custom")
        assert [(e.name, e.reason, e.correlation_id) for e in logs] == [
            ("CallLog", "Rejected", toast.correlation_id),
            ("CallLog", "Missed", missed.correlation_id),
        ]


async def test_an_answered_call_opens_focused_with_record_transcript_and_buttons(channelkit_host: Factory) -> None:
    async with channelkit_host(Telephony, parameters=FAST) as host:
        agent = host.agent()
        correlation, session_id = await _answered_call(host, agent)
        view = await agent.view()
        session = view.session(session_id)
        assert view.focused_session_id == session_id
        assert session.correlation_id == correlation
        transcript, record = session.tabs
        assert (transcript.page_type, transcript.anchor, transcript.focused) == (PageType.TRANSCRIPT, True, True)
        assert (record.page_type, record.can_close) == (PageType.RECORD, True)
        assert record.record is not None and record.record.entity_id == ADA.contact_id
        assert [a.id for a in session.actions] == ["hold", "mute", "hangup"]
        entries = view.transcript(transcript.id)
        assert _texts(entries) == [f"Incoming call from {ADA.name} ({ADA.phone})", "Connected"]
        assert {e.role for e in entries} == {AuthorRole.SYSTEM}


async def test_buttons_drive_the_call_state_machine(channelkit_host: Factory) -> None:
    async with channelkit_host(Telephony, parameters=FAST) as host:
        agent = host.agent()
        correlation, session_id = await _answered_call(host, agent)
        provider = host.provider("telephony")
        assert isinstance(provider, Telephony)

        await agent.invoke_action(session_id, "hold")
        view = await agent.wait_for(lambda v: v.session(session_id).actions[0].id == "resume", "Resume")
        assert provider.calls[session_id].state is CallState.ON_HOLD
        assert [(a.id, a.enabled) for a in view.session(session_id).actions] == [
            ("resume", True),
            ("mute", False),
            ("hangup", True),
        ]
        with pytest.raises(FailedPrecondition) as disabled:
            await agent.invoke_action(session_id, "mute")
        assert disabled.value.reason == "ACTION_DISABLED"

        await agent.invoke_action(session_id, "resume")
        await agent.wait_for(lambda v: v.session(session_id).actions[1].enabled, "Mute to be enabled again")
        await agent.invoke_action(session_id, "mute")
        view = await agent.wait_for(lambda v: v.session(session_id).actions[1].label == "Unmute", "Unmute")
        assert provider.calls[session_id].muted
        await agent.invoke_action(session_id, "hangup")
        view = await agent.wait_for(lambda v: not v.session(session_id).actions, "the buttons to go")
        assert provider.calls[session_id].state is CallState.ENDED
        transcript = view.session(session_id).tabs[0].id
        assert _texts(view.transcript(transcript))[2:5] == ["Call on hold", "Call resumed", "Microphone muted"]
        assert _texts(view.transcript(transcript))[5].startswith("Call ended by the agent after 0:0")
        with pytest.raises(ActionNotFound):
            await agent.invoke_action(session_id, "hangup")

        await agent.close(session_id)
        await host.next_event("telephony", events.SessionClosed, session_id=session_id)
        (log,) = host.analytics("telephony", kind="custom")
        assert (log.name, log.reason, log.correlation_id) == ("CallLog", "Completed", correlation)
        assert log.attributes["direction"] == "inbound" and log.attributes["ended_by"] == "agent"


async def test_closing_a_live_call_hangs_it_up_and_logs_it_once(channelkit_host: Factory) -> None:
    async with channelkit_host(Telephony, parameters=FAST) as host:
        agent = host.agent()
        correlation, session_id = await _answered_call(host, agent)
        await agent.close(session_id)
        await host.next_event("telephony", events.SessionClosed, session_id=session_id)
        (log,) = host.analytics("telephony", kind="custom")
        assert (log.reason, log.correlation_id, log.attributes["ended_by"]) == (
            "Completed",
            correlation,
            "session closed",
        )


async def test_a_clicked_number_is_confirmed_then_dialled(channelkit_host: Factory) -> None:
    grace = CUSTOMERS[2]
    async with channelkit_host(Telephony, parameters=FAST) as host:
        agent = host.agent()
        assert await agent.click_to_act(grace.phone, format="phone") == "telephony"
        toast = await agent.next_toast()
        assert (toast.title, toast.fields) == ("Outbound call", (("Call", grace.name), ("Number", grace.phone)))
        await agent.accept(toast)
        session = await agent.wait_for_session(f"Call with {grace.name}")
        view = await agent.wait_for(lambda v: bool(v.session(session.id).actions), "the call's buttons")
        assert view.focused_session_id == session.id
        assert session.context["direction"] == "outbound"
        view = await agent.wait_for(
            lambda v: f"{grace.name} answered" in _texts(v.transcript(session.tabs[0].id)), "the callee to answer"
        )
        # The note and the enabled buttons are two calls of the provider: wait for the second as well.
        view = await agent.wait_for(lambda v: v.session(session.id).actions[0].enabled, "Hold to be enabled")
        assert [a.id for a in view.session(session.id).actions] == ["hold", "mute", "hangup"]


async def test_a_call_with_no_room_is_not_offered_and_the_caller_hears_busy(channelkit_host: Factory) -> None:
    async with channelkit_host(Telephony, parameters=FAST, settings={"limits": {"max_sessions": 1}}) as host:
        agent = host.agent()
        await _answered_call(host, agent)
        await host.inject("telephony", "call", **{"from": CUSTOMERS[1].phone})
        await host.settle()
        await agent.wait_for(lambda v: len(host.analytics("telephony", kind="custom")) == 1, "the busy call's log")
        assert (await agent.view()).toasts == ()
        assert host.analytics("telephony", kind="custom")[0].reason == "Busy"


@pytest.mark.parametrize(
    ("state", "move", "after"),
    [
        (CallState.RINGING, "answer", CallState.CONNECTED),
        (CallState.DIALING, "answer", CallState.CONNECTED),
        (CallState.CONNECTED, "hold", CallState.ON_HOLD),
        (CallState.ON_HOLD, "resume", CallState.CONNECTED),
        (CallState.CONNECTED, "mute", CallState.CONNECTED),
        (CallState.ON_HOLD, "hangup", CallState.ENDED),
        (CallState.RINGING, "hangup", CallState.ENDED),
    ],
)
def test_call_transitions(state: CallState, move: str, after: CallState) -> None:
    call = Call("c", "agent-1", ADA, inbound=True, state=state)
    assert call.press(move, 1.0) is after


@pytest.mark.parametrize(
    ("state", "move"),
    [
        (CallState.RINGING, "hold"),
        (CallState.ON_HOLD, "mute"),
        (CallState.ON_HOLD, "hold"),
        (CallState.CONNECTED, "resume"),
        (CallState.ENDED, "hangup"),
        (CallState.ENDED, "answer"),
    ],
)
def test_moves_that_do_not_apply_are_refused(state: CallState, move: str) -> None:
    call = Call("c", "agent-1", ADA, inbound=True, state=state)
    with pytest.raises(InvalidTransition):
        call.press(move, 1.0)
    assert call.state is state


def test_hold_time_and_talk_time_are_measured() -> None:
    call = Call("c", "agent-1", ADA, inbound=True, state=CallState.RINGING)
    call.press("answer", 10.0)
    call.press("hold", 20.0)
    call.press("resume", 25.0)
    call.press("hangup", 40.0)
    assert (call.talk_seconds(), call.held_seconds) == (30.0, 5.0)
